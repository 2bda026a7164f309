"""The time a report covers: whole days in the team's time zone, `[first, end)`, as
UTC instants; its ISO weeks and days; its working days and hours by the service-level
calendar. Pure once the zone and calendar are known (README, "Metrics")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy.orm import Session

from store.errors import InvalidInput
from store.records import sla_policy
from store.sla import Calendar

DEFAULT_DAYS = 30
MOST_DAYS = 3 * 366  # a report's period at most (its weeks and days are listed)


def team_zone(session: Session) -> tzinfo:
    """Where the team is: its service levels' time zone; this machine's without them."""
    policy = sla_policy(session)
    if policy is not None:
        return policy.calendar.zone
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def midnight(day: date, zone: tzinfo) -> datetime:
    """The day's first moment where the team is, in UTC (summer time or not)."""
    local = datetime.combine(day, time())
    if hasattr(zone, "key"):  # a ZoneInfo knows each date's offset
        return local.replace(tzinfo=zone).astimezone(UTC)
    return local.astimezone().astimezone(UTC)  # this machine's zone, as it was that day


@dataclass(frozen=True)
class Period:
    """Days `first` up to `end` (not included) where the team is; `cut`: what the
    figures count happened before it — the period's end, or now if that is sooner."""

    first: date
    end: date
    zone: tzinfo
    calendar: Calendar | None
    now: datetime

    @property
    def start_at(self) -> datetime:
        return midnight(self.first, self.zone)

    @property
    def end_at(self) -> datetime:
        return midnight(self.end, self.zone)

    @property
    def cut(self) -> datetime:
        return min(self.end_at, self.now)

    def days(self) -> list[tuple[date, datetime, datetime]]:
        """Each day with its first moment and the next day's (UTC)."""
        found = []
        day = self.first
        while day < self.end:
            found.append((day, midnight(day, self.zone),
                          midnight(day + timedelta(days=1), self.zone)))
            day += timedelta(days=1)
        return found

    def weeks(self) -> list[tuple[str, datetime, datetime]]:
        """Each ISO week the period touches (`2026-W49`), cut to the period."""
        found: list[tuple[str, datetime, datetime]] = []
        for day, start, end in self.days():
            year, week, _ = day.isocalendar()
            name = f"{year}-W{week:02d}"
            if found and found[-1][0] == name:
                found[-1] = (name, found[-1][1], end)
            else:
                found.append((name, start, end))
        return found

    def working_days(self) -> int:
        """Days the team works in the period up to the cut: by the service-level
        calendar (holidays off), Monday to Friday without one."""
        return sum(self.working_days_by_week().values())

    def working_days_by_week(self) -> dict[str, int]:
        """The working days of each ISO week the period touches (`2026-W49`), up to
        the cut: a day still to come has nothing to count yet."""
        found: dict[str, int] = {}
        for day, start, _ in self.days():
            year, week, _ = day.isocalendar()
            works = start < self.cut and (
                self.calendar.open_spans(day, day + timedelta(days=1)) != []
                if self.calendar is not None else day.weekday() < 5)
            name = f"{year}-W{week:02d}"
            found[name] = found.get(name, 0) + works
        return found

    def open_spans(self) -> list[tuple[datetime, datetime]] | None:
        """The working hours of the period (None: no calendar, no business hours)."""
        if self.calendar is None:
            return None
        return self.calendar.open_spans(self.first, self.end)


def period_of(session: Session, first: date | None, end: date | None,
              now: datetime) -> Period:
    """The period asked for: the last 30 days (today included) unless said."""
    zone = team_zone(session)
    today = now.astimezone(zone).date()
    end = end or (first + timedelta(days=DEFAULT_DAYS) if first else today + timedelta(days=1))
    first = first or end - timedelta(days=DEFAULT_DAYS)
    if first >= end:
        raise InvalidInput(f"the period is empty: --from {first} is not before --to {end}")
    if (end - first).days > MOST_DAYS:
        raise InvalidInput(f"a report covers {MOST_DAYS} days at most")
    policy = sla_policy(session)
    return Period(first, end, zone, policy.calendar if policy is not None else None,
                  now.astimezone(UTC))
