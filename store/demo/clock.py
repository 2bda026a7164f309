"""When things happen in the demo: the busy hours, working hours, waking hours and the
nightly archive run over its weeks, and the text a time is stored as."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import accumulate

from store.demo.data import PHRASES

DAY = 86_400
HOUR = 3_600
SPAN_DAYS = 56  # how far back the cases go


class Clock:
    """Hour-by-hour tables over the demo's weeks (in Stockholm time): how busy each hour
    is, when agents work, when customers are awake, when the nightly archive runs.
    Times are whole seconds since the epoch (UTC)."""

    def __init__(self, now: int, cases: int) -> None:
        try:
            from zoneinfo import ZoneInfo

            tz: tzinfo = ZoneInfo("Europe/Stockholm")
        except Exception:  # no time zone data: Swedish winter time is close enough
            from datetime import timezone

            tz = timezone(timedelta(hours=1))
        self.now = now
        self.start = now - SPAN_DAYS * DAY
        self.t0 = (self.start - DAY) // HOUR * HOUR  # on the hour
        hours = (now + 3 * DAY - self.t0) // HOUR + 1
        busy, work, awake, local_hour, day_of = [], [], [], [], []
        for h in range(hours):
            local = datetime.fromtimestamp(self.t0 + h * HOUR + HOUR // 2, tz)
            wd, hr = local.weekday(), local.hour
            weekday = wd < 5
            if 8 <= hr < 17:
                b = 1.0 if weekday else 0.22
            elif 7 <= hr < 22:
                b = 0.4 if weekday else 0.15
            else:
                b = 0.04
            busy.append(b * (1.15 if wd == 0 else 1.0))  # Mondays are busier
            # Weekdays 8–17, and a weekend shift 10–16 (chat and phone customers expect it).
            work.append(8 <= hr < 17 if weekday else 10 <= hr < 16)
            awake.append(7 <= hr < 23)
            local_hour.append(hr)
            day_of.append((local.day, local.month - 1))
        self.hours = hours
        self.work = work
        self.next_work = next_true(work)
        self.next_awake = next_true(awake)
        # The nightly archive run (02:00 local): for each hour, the next run at least
        # three hours later.
        runs = [h for h in range(hours) if local_hour[h] == 2]
        self.next_night = [0] * hours
        j = 0
        for h in range(hours):
            while j < len(runs) and runs[j] < h + 3:
                j += 1
            self.next_night[h] = runs[j] if j < len(runs) else hours
        self.day_of = day_of
        # Creation times: the cumulative business of the hours from `start` to `now`.
        first = (self.start - self.t0) // HOUR
        last = (now - self.t0) // HOUR
        weights = busy[first:last + 1]
        weights[0] *= 1 - ((self.start - self.t0) % HOUR) / HOUR
        weights[-1] *= ((now - self.t0) % HOUR) / HOUR or 1e-9
        self._first_hour = first
        self._weights = weights
        self._cum = list(accumulate(weights))
        self._cases = cases

    def created(self, i: int) -> int:
        """When case `i` (0-based) was created: the cases follow the busy hours, in order."""
        jitter = ((i * 2_654_435_761) & 0xFFFF) / 65_536
        target = (i + jitter) / self._cases * self._cum[-1]
        k = bisect_right(self._cum, target)
        k = min(k, len(self._cum) - 1)
        before = self._cum[k - 1] if k else 0.0
        frac = (target - before) / self._weights[k] if self._weights[k] else 0.0
        t = self.t0 + (self._first_hour + k) * HOUR + int(min(frac, 0.999) * HOUR)
        return min(max(t, self.start), self.now)

    def at_work(self, t: int, rnd: random.Random) -> int:
        """`t`, or the start of the next working hour (plus a little) if nobody works then."""
        h = (t - self.t0) // HOUR
        if h >= self.hours or self.work[h]:
            return t
        n = self.next_work[h]
        if n >= self.hours:
            return self.t0 + self.hours * HOUR
        return self.t0 + n * HOUR + int(rnd.random() * 75 * 60)

    def awake(self, t: int, rnd: random.Random) -> int:
        h = (t - self.t0) // HOUR
        if h >= self.hours or h == self.next_awake[h]:
            return t
        n = self.next_awake[h]
        if n >= self.hours:
            return self.t0 + self.hours * HOUR
        return self.t0 + n * HOUR + int(rnd.random() * 3 * HOUR)

    def archive_run(self, closed: int, rnd: random.Random) -> int:
        h = (closed - self.t0) // HOUR
        if h >= self.hours:
            return self.t0 + (self.hours + 24) * HOUR
        return self.t0 + self.next_night[h] * HOUR + int(rnd.random() * 5 * 60)

    def date(self, t: int, lang: str) -> str:
        h = (t - self.t0) // HOUR
        day, month = self.day_of[min(max(h, 0), self.hours - 1)]
        name = PHRASES[lang].months[month]
        return f"{day} {name}" if lang == "sv" else f"{name} {day}"


def next_true(flags: Sequence[bool]) -> list[int]:
    """For each index, the first index at or after it whose flag is set (or len)."""
    out = [0] * len(flags)
    nxt = len(flags)
    for h in range(len(flags) - 1, -1, -1):
        if flags[h]:
            nxt = h
        out[h] = nxt
    return out


class Stamp:
    """Whole seconds since the epoch -> the text SQLAlchemy stores for a naive UTC
    DateTime on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff'), cached by the minute."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}
        self._seconds = [f"{s:02d}.000000" for s in range(60)]
        self._epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self, t: int) -> str:
        return self.text(t)

    def text(self, t: int) -> str:
        m, s = divmod(t, 60)
        prefix = self._minutes.get(m)
        if prefix is None:
            prefix = (self._epoch + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:")
            self._minutes[m] = prefix
        return prefix + self._seconds[s]
