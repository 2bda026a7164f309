"""The SLA calendar (pure): Swedish holidays, business hours across nights,
weekends and holidays, and the targets' due times."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from holidays.constants import DE_FACTO
from holidays.countries.sweden import Sweden
from pydantic import ValidationError

from store.sla import Calendar, SlaPolicy, SlaSettings, easter, swedish_holidays, team_eves

ZONE = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def test_swedish_holidays_2026() -> None:
    assert easter(2026) == date(2026, 4, 5)
    days = swedish_holidays(2026)
    for expected in ("2026-01-01", "2026-01-06", "2026-04-03", "2026-04-05", "2026-04-06",
                     "2026-05-01", "2026-05-14", "2026-05-24", "2026-06-06", "2026-06-19",
                     "2026-06-20", "2026-10-31", "2026-12-24", "2026-12-25", "2026-12-26",
                     "2026-12-31"):
        assert date.fromisoformat(expected) in days
    assert len(days) == 16
    assert date(2027, 11, 6) in swedish_holidays(2027)  # all saints' day, a late Saturday


@pytest.mark.parametrize("year", range(2024, 2031))
def test_the_closed_days_are_the_packages_holidays_and_the_three_eves(year: int) -> None:
    public = set(Sweden(years=year))
    weekdays = {d for d in public | team_eves(year) if d.weekday() < 5}
    assert {d for d in swedish_holidays(year) if d.weekday() < 5} == weekdays
    # Weekend holidays too (Easter Sunday, midsummer day), for a team open on weekends,
    # but not every Sunday, which the package can list as well.
    assert swedish_holidays(year) == public | team_eves(year)
    assert sum(d.weekday() == 6 for d in swedish_holidays(year)) < 10
    # The three eves are the package's de facto holidays, and it moves no holiday off a
    # weekend.
    assert set(Sweden(years=year, categories=DE_FACTO)) == team_eves(year)
    assert set(Sweden(years=year, observed=True)) == set(Sweden(years=year, observed=False))


def test_business_hours_skip_nights_weekends_and_holidays() -> None:
    calendar = Calendar(SlaSettings(), ZONE)
    assert calendar.add(at("2026-03-02 09:00"), 4) == at("2026-03-02 13:00")
    assert calendar.add(at("2026-03-02 16:00"), 2) == at("2026-03-03 09:00")  # overnight
    assert calendar.add(at("2026-03-06 16:30"), 1) == at("2026-03-09 08:30")  # a weekend
    assert calendar.add(at("2026-03-07 12:00"), 1) == at("2026-03-09 09:00")  # from Saturday
    # Maundy Thursday afternoon: Good Friday and Easter Monday are closed.
    assert calendar.add(at("2026-04-02 16:00"), 2) == at("2026-04-07 09:00")
    assert calendar.hours_between(at("2026-03-06 16:00"), at("2026-03-09 10:00")) == 3
    calendar_hours = Calendar(SlaSettings(business_hours=False), ZONE)
    assert calendar_hours.add(at("2026-03-06 16:30"), 24) == at("2026-03-07 16:30")


def test_the_most_specific_target_wins_and_due_soon_comes_first() -> None:
    policy = SlaPolicy(SlaSettings(), ZONE)
    assert policy.target("high", "premium").first_response_hours == 0.5  # type: ignore[union-attr]
    assert policy.target("high", "standard").first_response_hours == 1  # type: ignore[union-attr]
    due = policy.due(at("2026-03-02 09:00"), "medium", "standard")
    assert due["first_response_due"] == at("2026-03-02 13:00")
    assert due["first_response_soon"] == at("2026-03-02 12:12")  # 80 % of 4 hours
    assert due["resolution_due"] == at("2026-03-04 15:00")  # 24 working hours: 3 days


def test_a_calendar_mistake_names_the_day() -> None:
    with pytest.raises(ValidationError, match="mon = '8-17': write the hours like 08:00-17:00"):
        SlaSettings(week={"mon": "8-17"})
    with pytest.raises(ValidationError, match="unknown day 'monday'"):
        SlaSettings(week={"monday": "08:00-17:00"})


def test_a_daylight_saving_night_has_the_hours_it_really_has() -> None:
    always = Calendar(SlaSettings(week=dict.fromkeys(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00")), ZONE)
    # 29 March 2026: 02:00 becomes 03:00, so local midnight plus 3 hours is 04:00.
    assert always.add(at("2026-03-29 00:00"), 3) == at("2026-03-29 04:00")
    assert always.hours_between(at("2026-03-29 00:00"), at("2026-03-30 00:00")) == 23
    assert always.hours_between(at("2026-10-25 00:00"), at("2026-10-26 00:00")) == 25


@pytest.mark.parametrize("span", ["08:75-17:00", "08:00-17:60", "25:00-26:00", "08:00-24:30",
                                  "08:00-99:00"])
def test_hours_past_the_clock_are_refused_by_day(span: str) -> None:
    with pytest.raises(ValidationError, match=f"tue = '{span}': .*minutes up to 59"):
        SlaSettings(week={"mon": "08:00-17:00", "tue": span})
    assert Calendar(SlaSettings(week={"mon": "08:30-24:00"}), ZONE).add(
        at("2026-03-02 23:00"), 1) == at("2026-03-03 00:00")


def test_without_holidays_and_with_extra_ones_the_due_times_move() -> None:
    # Good Friday 2026 is 3 April: closed by default, open with holidays = "none".
    maundy = at("2026-04-02 16:00")
    assert Calendar(SlaSettings(), ZONE).add(maundy, 2) == at("2026-04-07 09:00")
    assert Calendar(SlaSettings(holidays="none"), ZONE).add(maundy, 2) == at(
        "2026-04-03 09:00")
    # An extra closed day on top of the Swedish ones, and on its own.
    monday = at("2026-03-02 16:00")
    assert Calendar(SlaSettings(), ZONE).add(monday, 2) == at("2026-03-03 09:00")
    assert Calendar(SlaSettings(extra_holidays=["2026-03-03"]), ZONE).add(monday, 2) == at(
        "2026-03-04 09:00")
    assert Calendar(SlaSettings(holidays="none", extra_holidays=["2026-04-03"]), ZONE).add(
        maundy, 2) == at("2026-04-06 09:00")  # Easter Monday open without "se"
    # The policy's due times follow: medium, 4 working hours to the first answer.
    due = SlaPolicy(SlaSettings(holidays="none", extra_holidays=["2026-03-03"]),
                    ZONE).due(monday, "medium", "standard")
    assert due["first_response_due"] == at("2026-03-04 11:00")
    with pytest.raises(ValidationError, match="'2026-02-30' is not a date"):
        SlaSettings(extra_holidays=["2026-02-30"])
