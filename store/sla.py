"""Service levels: how soon a case must get its first answer and its solution, by
priority and customer tier, counted in business hours (a weekly calendar and public
holidays — Swedish by default) or in calendar hours. Pure: times in, times out.
The service stores the due times on the case; the scheduler records "due soon"
and "breached" once each.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from dateutil.easter import easter as western_easter
from pydantic import BaseModel, ConfigDict, Field, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class SlaTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    priority: Literal["high", "medium", "low"] = Field(description="The case's priority.")
    tier: str = Field(default="*", description='The contact\'s tier, or "*" for any.')
    first_response_hours: float = Field(gt=0, description="Hours to the first answer.")
    resolution_hours: float = Field(gt=0, description="Hours to the solution.")


def _default_targets() -> list[SlaTarget]:
    return [SlaTarget(priority="high", first_response_hours=1, resolution_hours=8),
            SlaTarget(priority="medium", first_response_hours=4, resolution_hours=24),
            SlaTarget(priority="low", first_response_hours=8, resolution_hours=40),
            SlaTarget(priority="high", tier="premium", first_response_hours=0.5,
                      resolution_hours=4)]


class SlaSettings(BaseModel):
    """`[lifecycle.sla]`: the targets and how hours are counted."""

    model_config = ConfigDict(extra="forbid", strict=True)

    targets: list[SlaTarget] = Field(
        default_factory=_default_targets, description="Targets by priority and tier; the "
        "most specific match wins (a tier named beats \"*\").")
    business_hours: bool = Field(
        default=True, description="Count only the hours of the week below, holidays "
        "excepted; false: every hour of the clock.")
    week: dict[str, str] = Field(
        default_factory=lambda: dict.fromkeys(DAYS[:5], "08:00-17:00"),
        description='Opening hours by day ("mon" … "sun": "08:00-17:00"); a day left out '
        "is closed.")
    holidays: Literal["se", "none"] = Field(
        default="se", description='Public holidays: "se" (Sweden, with midsummer, '
        'Christmas and New Year\'s Eve) or "none".')
    extra_holidays: list[str] = Field(
        default_factory=list, description='More closed days, "2026-12-23" style.')
    pause_when_waiting: bool = Field(
        default=True, description="The clocks stop while a case waits for the customer.")
    due_soon: float = Field(
        default=0.8, gt=0, lt=1, description="The share of a target used when it is "
        "\"due soon\".")

    @field_validator("week")
    @classmethod
    def _week(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}: use {', '.join(DAYS)}")
            found = SPAN_RE.match(span)
            if found and (int(found.group(2)) > 59 or int(found.group(4)) > 59
                          or max(_minutes(found, 1), _minutes(found, 3)) > 24 * 60):
                raise ValueError(f"{day} = {span!r}: hours go up to 24:00 (midnight) and "
                                 "minutes up to 59")
            if not found or not _minutes(found, 1) < _minutes(found, 3):
                raise ValueError(f"{day} = {span!r}: write the hours like 08:00-17:00")
        return value

    @field_validator("extra_holidays")
    @classmethod
    def _dates(cls, value: list[str]) -> list[str]:
        for text in value:
            try:
                date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{text!r} is not a date like 2026-12-23") from None
        return value


def _minutes(found: re.Match[str], group: int) -> int:
    return int(found.group(group)) * 60 + int(found.group(group + 1))


def easter(year: int) -> date:
    """Easter Sunday (Western), by the computus the holidays package uses."""
    return western_easter(year)


def team_eves(year: int) -> frozenset[date]:
    """Midsummer, Christmas and New Year's Eve: not public holidays, but days off for
    everyone, so the team is closed on them too."""
    june_19 = date(year, 6, 19)
    midsummer_eve = june_19 + timedelta(days=(4 - june_19.weekday()) % 7)  # Friday, 19–25 June
    return frozenset({midsummer_eve, date(year, 12, 24), date(year, 12, 31)})


@lru_cache(maxsize=64)
def swedish_holidays(year: int) -> frozenset[date]:
    """Days a Swedish support team is closed: the public holidays, plus the three eves."""
    # Imported here: the package loads every country's calendar (a few tenths of a
    # second), which a command that never counts working hours should not pay.
    from holidays.constants import PUBLIC
    from holidays.countries.sweden import Sweden

    # Not every Sunday: in Swedish law a Sunday is a holiday, but a team open on
    # Sundays is open on an ordinary one.
    public = Sweden(years=year, categories=PUBLIC, include_sundays=False)
    return frozenset(public) | team_eves(year)


class Calendar:
    """When the team works: counts and adds working hours."""

    def __init__(self, settings: SlaSettings, zone: zoneinfo.ZoneInfo) -> None:
        self.settings = settings
        self.zone = zone
        # Opening and closing by weekday; a closing of None is the next midnight (24:00).
        self.spans: dict[int, tuple[time, time | None]] = {}
        for day, span in settings.week.items():
            found = SPAN_RE.match(span)
            assert found is not None
            end = _minutes(found, 3)
            self.spans[DAYS.index(day)] = (time(int(found.group(1)), int(found.group(2))),
                                           None if end == 24 * 60 else time(end // 60, end % 60))
        self.extra = {date.fromisoformat(d) for d in settings.extra_holidays}

    def _open(self, day: date) -> tuple[datetime, datetime] | None:
        """A day's working hours as UTC instants: arithmetic between two times of one
        zone would count wall-clock hours (a daylight-saving night has 23 or 25)."""
        if not self.settings.business_hours:
            start = datetime.combine(day, time(0), self.zone)
            end = datetime.combine(day + timedelta(days=1), time(0), self.zone)
            return start.astimezone(UTC), end.astimezone(UTC)
        span = self.spans.get(day.weekday())
        if span is None or day in self.extra or (
                self.settings.holidays == "se" and day in swedish_holidays(day.year)):
            return None
        close = (datetime.combine(day + timedelta(days=1), time(0), self.zone)
                 if span[1] is None else datetime.combine(day, span[1], self.zone))
        return datetime.combine(day, span[0], self.zone).astimezone(UTC), close.astimezone(UTC)

    def open_spans(self, first: date, end: date) -> list[tuple[datetime, datetime]]:
        """The working hours of the days from `first` up to `end` (not included), as
        UTC instants: every hour of each day when hours are not counted by the week."""
        spans = []
        day = first
        while day < end:
            opened = self._open(day)
            if opened is not None:
                spans.append(opened)
            day += timedelta(days=1)
        return spans

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` working hours after `start`."""
        left = timedelta(hours=hours)
        start = start.astimezone(UTC)
        if not self.settings.business_hours:
            return start + left
        day = start.astimezone(self.zone).date()
        for _ in range(3660):  # ten years of days: a calendar with no open day ends here
            opened = self._open(day)
            if opened is not None:
                begin = max(opened[0], start)
                if begin < opened[1]:
                    room = opened[1] - begin
                    if left <= room:
                        return begin + left
                    left -= room
            day += timedelta(days=1)
        raise ValueError("the SLA calendar has no working hours")

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 if end comes first)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        if not self.settings.business_hours:
            return (end - start) / timedelta(hours=1)
        total = timedelta()
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            opened = self._open(day)
            if opened is not None:
                begin, finish = max(opened[0], start), min(opened[1], end)
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return total / timedelta(hours=1)


class SlaPolicy:
    """The targets applied to cases: due times and when they are "due soon"."""

    def __init__(self, settings: SlaSettings, zone: zoneinfo.ZoneInfo) -> None:
        self.settings = settings
        self.calendar = Calendar(settings, zone)

    def target(self, priority: str, tier: str) -> SlaTarget | None:
        matches = [t for t in self.settings.targets if t.priority == priority
                   and t.tier in (tier, "*")]
        return max(matches, key=lambda t: t.tier != "*") if matches else None

    def due(self, created: datetime, priority: str, tier: str, paused_hours: float = 0
            ) -> dict[str, datetime | None]:
        """The case's due times (and when each is due soon), counting from its
        creation plus the hours it has been paused."""
        target = self.target(priority, tier)
        if target is None:
            return dict.fromkeys(("first_response_due", "first_response_soon",
                                  "resolution_due", "resolution_soon"))
        add, soon = self.calendar.add, self.settings.due_soon
        return {
            "first_response_due": add(created, target.first_response_hours + paused_hours),
            "first_response_soon": add(created, target.first_response_hours * soon
                                       + paused_hours),
            "resolution_due": add(created, target.resolution_hours + paused_hours),
            "resolution_soon": add(created, target.resolution_hours * soon + paused_hours),
        }
