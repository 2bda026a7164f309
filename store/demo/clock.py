"""When things happen in the demo: the busy hours, working hours, waking hours, the
night's on-call agent and the nightly archive run over its weeks, and the text a time is
stored as."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate

from store.demo.data import PHRASES

DAY = 86_400
HOUR = 3_600
SPAN_DAYS = 56  # how far back the cases go, at least
# A big team's day on average: more cases reach further back (a million, seven years),
# so that a month of the demo holds what a month of a real contact center does.
CASES_A_DAY = 400


def span_days(cases: int) -> int:
    """How many days back the demo's `cases` go."""
    return max(SPAN_DAYS, -(-cases // CASES_A_DAY))
ARCHIVE_HOUR = 2  # the scheduler archives closed cases then (the lifecycle's default)
# The night's on-call agent begins at 00:10 (up to an hour later some nights).
ON_CALL_FROM, ON_CALL_LATE = time(0, 10), HOUR


class Clock:
    """Hour-by-hour tables over the demo's weeks (in Stockholm time): how busy each hour
    is, when agents work, when customers are awake, when the night's on-call agent is
    there, when the nightly archive runs. Times are whole seconds since the epoch (UTC)."""

    def __init__(self, now: int, cases: int) -> None:
        try:
            from zoneinfo import ZoneInfo

            tz: tzinfo = ZoneInfo("Europe/Stockholm")
        except Exception:  # no time zone data: Swedish winter time is close enough
            from datetime import timezone

            tz = timezone(timedelta(hours=1))
        self.now = now
        self.start = now - span_days(cases) * DAY
        self.t0 = (self.start - DAY) // HOUR * HOUR  # on the hour
        hours = (now + 3 * DAY - self.t0) // HOUR + 1
        busy, work, awake, day_of, dates = [], [], [], [], []
        for h in range(hours):
            local = datetime.fromtimestamp(self.t0 + h * HOUR + HOUR // 2, tz)
            dates.append(local.date())
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
            day_of.append((local.day, local.month - 1))
        self.hours = hours
        self.work = work
        self.next_work = next_true(work)
        self.next_awake = next_true(awake)
        days = sorted(set(dates))
        # The nightly archive run, as the scheduler has it (scheduler/jobs.py,
        # `archive_cutoff`): a case closed on one date is archived at ARCHIVE_HOUR of the
        # next, in the team's zone (on a night the clocks skip that hour: when they jump).
        run = {d: at(d + timedelta(days=1), time(ARCHIVE_HOUR), tz) for d in days}
        self.next_run = [run[d] for d in dates]
        # The night's on-call agent: from the night's first minutes until the day team
        # begins.
        self.on_call_from = [at(d, ON_CALL_FROM, tz) + int(spread(d.toordinal()) * ON_CALL_LATE)
                             for d in days]
        self.on_call_to = [self.t0 + self.next_work[min((t - self.t0) // HOUR, hours - 1)] * HOUR
                           for t in self.on_call_from]
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
        jitter = spread(i)
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

    def on_call(self, ready: int, day_team: int) -> tuple[int, int] | None:
        """A step an agent could take from `ready` that the day team gets to only at
        `day_team`: the night (an index) whose on-call agent finds it waiting as they
        begin, and when that is — or None."""
        n = bisect_right(self.on_call_from, ready)
        if n == len(self.on_call_from) or self.on_call_from[n] >= day_team:
            return None
        return n, self.on_call_from[n]

    def last_at_work(self, t: int) -> tuple[int, int]:
        """The last stretch up to `t` in which someone was at work — the day team, or
        the night's on-call agent — as (from, to), `to` at most `t`."""
        n = bisect_right(self.on_call_from, t)
        if n and t < self.on_call_to[n - 1]:
            return self.on_call_from[n - 1], t
        h = min((t - self.t0) // HOUR, self.hours - 1)
        while h > 0 and not self.work[h]:
            h -= 1
        end = min(t, self.t0 + (h + 1) * HOUR)
        while h > 0 and self.work[h - 1]:
            h -= 1
        return self.t0 + h * HOUR, end

    def archive_run(self, closed: int, rnd: random.Random) -> int:
        """When the scheduler archives a case closed at `closed` (its tick a few minutes
        into the hour)."""
        h = (closed - self.t0) // HOUR
        if h >= self.hours:
            return self.t0 + (self.hours + 24) * HOUR
        return self.next_run[h] + int(rnd.random() * 5 * 60)

    def date(self, t: int, lang: str) -> str:
        h = (t - self.t0) // HOUR
        day, month = self.day_of[min(max(h, 0), self.hours - 1)]
        name = PHRASES[lang].months[month]
        return f"{day} {name}" if lang == "sv" else f"{name} {day}"


def at(day: date, moment: time, tz: tzinfo) -> int:
    """That wall-clock time on that day in `tz`, in seconds since the epoch (an hour
    skipped by daylight saving: the instant the clocks jump)."""
    return int(datetime.combine(day, moment, tzinfo=tz).timestamp())


def spread(n: int) -> float:
    """A number in [0, 1) that looks random, the same for the same `n`."""
    return ((n * 2_654_435_761) & 0xFFFF) / 65_536


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
