"""Service levels on real cases: due times when a case is created or its priority
changes, clocks that stand still while it waits, and "due soon" / "overdue" recorded
once each — visible in the list's row and in `casedesk cases --json`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.jobs import Scheduler
from scheduler.settings import LifecycleSettings
from store.service import MessageInput

ZONE = ZoneInfo("Europe/Stockholm")
SETTINGS = LifecycleSettings(timezone="Europe/Stockholm")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def start(team, when: str) -> Scheduler:  # type: ignore[no-untyped-def]
    """The scheduler has stored the team's service levels (its first tick does)."""
    team.clock.now = at(when)
    scheduler = Scheduler(team.db, SETTINGS)
    scheduler.tick(at(when))
    return scheduler


def row_of(team, number: int):  # type: ignore[no-untyped-def]
    from store.queries import CaseFilter

    return next(r for r in team.as_("boss").list_cases(CaseFilter(limit=100, include_ended=True))
                if r.number == number)


def test_a_new_case_gets_due_times_in_business_hours(team) -> None:
    start(team, "2026-03-06 15:00")  # a Friday afternoon
    number = team.new_case()
    case = team.as_("boss").get_case(number)
    row = row_of(team, number)
    # Medium: 4 working hours to the first answer — 2 on Friday, 2 on Monday.
    assert row.first_response_due == at("2026-03-09 10:00")
    # 24 working hours to the solution: 2 on Friday, 9 + 9 on Monday and Tuesday, 4 more.
    assert row.resolution_due == at("2026-03-11 12:00")
    assert row.sla_due == row.first_response_due
    assert case.first_response_at is None
    team.as_("anna").set_priority(number, "high")
    assert row_of(team, number).first_response_due == at("2026-03-06 16:00")


def test_the_clocks_stand_still_while_the_case_waits(team) -> None:
    start(team, "2026-03-02 09:00")  # Monday
    number = team.new_case()
    anna = team.as_("anna")
    anna.reply(number, "Kan du skicka en bild?", status="waiting")
    first = row_of(team, number)
    assert first.first_response_at is not None
    assert first.sla_due == first.resolution_due == at("2026-03-04 15:00")
    # The customer answers the next morning: 9 working hours later (Monday 09–17,
    # Tuesday 08–09) — the solution's due time moves by as much.
    team.clock.now = at("2026-03-03 09:00")
    team.system.add_message(number, MessageInput("Här är bilden."))
    after = row_of(team, number)
    assert after.status == "open"
    assert after.resolution_due == at("2026-03-05 15:00")


def test_due_soon_and_overdue_are_recorded_once(team) -> None:
    scheduler = start(team, "2026-03-02 09:00")
    number = team.new_case()  # first answer due 13:00, due soon from 12:12
    assert scheduler.tick(at("2026-03-02 12:11")).sla.get("first-soon") == []
    assert scheduler.tick(at("2026-03-02 12:12")).sla["first-soon"] == [number]
    assert row_of(team, number).sla_state == "due-soon"
    assert scheduler.tick(at("2026-03-02 12:30")).sla["first-soon"] == []  # once
    assert scheduler.tick(at("2026-03-02 13:00")).sla["first-breached"] == [number]
    assert scheduler.tick(at("2026-03-02 14:00")).sla["first-breached"] == []
    row = row_of(team, number)
    assert row.sla_state == "breached"
    events = [m.text for m in team.as_("boss").get_case(number).messages if m.kind == "event"]
    assert events.count("SLA: the first answer is due soon") == 1
    assert events.count("SLA: the first answer is overdue") == 1
    # The answer ends that clock; the solution's runs on.
    team.clock.now = at("2026-03-02 14:05")
    team.as_("anna").reply(number, "Hej! Vi tittar på det.")
    assert row_of(team, number).sla_state == ""
    assert scheduler.tick(at("2026-03-04 15:00")).sla["resolution-breached"] == [number]


def test_cases_json_shows_the_service_levels(team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import subprocess
    import sys

    if team.db.engine.dialect.name != "sqlite":
        return  # the command line reads the same rows on either engine
    scheduler = start(team, "2026-03-02 09:00")
    number = team.new_case()
    scheduler.tick(at("2026-03-02 13:30"))
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n')
    done = subprocess.run([sys.executable, "-m", "tui.cli", "cases", "--json"],
                          env={**os.environ, "CASEDESK_CONFIG": str(config),
                               "CASEDESK_LOGIN": "boss"}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (case,) = [c for c in json.loads(done.stdout) if c["number"] == number]
    assert case["sla"]["state"] == "breached"
    assert case["sla"]["events"] == ["first-soon", "first-breached"]
    assert case["sla"]["first_response_due"].startswith("2026-03-02T12:00")
