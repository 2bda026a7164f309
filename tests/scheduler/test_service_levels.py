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
    done = subprocess.run([sys.executable, "-m", "cli", "cases", "--json"],
                          env={**os.environ, "CASEDESK_CONFIG": str(config),
                               "CASEDESK_LOGIN": "boss"}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (case,) = [c for c in json.loads(done.stdout) if c["number"] == number]
    assert case["sla"]["state"] == "breached"
    assert case["sla"]["events"] == ["first-soon", "first-breached"]
    assert case["sla"]["first_response_due"].startswith("2026-03-02T12:00")


def test_a_premium_customer_gets_the_premium_targets(team) -> None:
    from store.service import ContactInput

    start(team, "2026-03-02 09:00")  # Monday
    anna = team.as_("anna")
    premium = anna.create_case(channel="Support", title="Akut", priority="high",
                               contact=ContactInput(name="Stor Kund", email="vd@stor.se",
                                                    tier="premium"))
    standard = anna.create_case(channel="Support", title="Akut", priority="high",
                                contact=ContactInput(name="Liten Kund", email="a@liten.se"))
    # High: 1 hour to the first answer, 8 to the solution; premium: 30 minutes and 4.
    assert row_of(team, premium).first_response_due == at("2026-03-02 09:30")
    assert row_of(team, premium).resolution_due == at("2026-03-02 13:00")
    assert row_of(team, standard).first_response_due == at("2026-03-02 10:00")
    assert row_of(team, standard).resolution_due == at("2026-03-02 17:00")


def test_without_the_pause_the_clocks_run_while_the_case_waits(team) -> None:
    from store.sla import SlaSettings

    team.clock.now = at("2026-03-02 09:00")
    Scheduler(team.db, LifecycleSettings(
        timezone="Europe/Stockholm", sla=SlaSettings(pause_when_waiting=False))).tick(
        at("2026-03-02 09:00"))
    number = team.new_case()
    team.as_("anna").reply(number, "Kan du skicka en bild?", status="waiting")
    team.clock.now = at("2026-03-03 09:00")
    team.system.add_message(number, MessageInput("Här är bilden."))
    # Unlike the paused case above, the solution stays due when it always was.
    assert row_of(team, number).resolution_due == at("2026-03-04 15:00")


def test_cases_from_before_the_first_tick_get_their_due_times_then(team) -> None:
    team.clock.now = at("2026-03-02 09:00")
    number = team.new_case()  # no service levels stored yet: no due times
    assert row_of(team, number).first_response_due is None
    scheduler = Scheduler(team.db, SETTINGS)
    scheduler.tick(at("2026-03-02 11:00"))
    # Counted from when the case came in, not from the tick.
    assert row_of(team, number).first_response_due == at("2026-03-02 13:00")
    assert scheduler.tick(at("2026-03-02 12:30")).sla["first-soon"] == [number]


def test_init_stores_the_service_levels_of_the_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from store.db import Database
    from store.service import sla_policy

    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{tmp_path / "team.db"}"\n\n[lifecycle]\n'
                      'timezone = "Europe/Stockholm"\n\n[lifecycle.sla]\n'
                      'business_hours = false\n')
    done = subprocess.run([sys.executable, "-m", "cli", "init"], capture_output=True,
                          text=True, env={**os.environ, "CASEDESK_CONFIG": str(config)})
    assert done.returncode == 0, done.stderr
    db = Database(tmp_path / "team.db")
    with db.read() as session:
        policy = sla_policy(session)
    assert policy is not None
    assert policy.settings.business_hours is False
    assert str(policy.calendar.zone) == "Europe/Stockholm"


def test_sla_marks_are_drained_in_batches_renewing_the_lease(team) -> None:
    from datetime import timedelta

    from rivals import RivalClock  # tests/ is on sys.path

    start(team, "2026-03-02 09:00")
    numbers = [team.new_case() for _ in range(6)]
    # Each batch takes 9 minutes of a 10-minute lease.
    wall = RivalClock(team.db, timedelta(minutes=9))
    report = Scheduler(team.db, SETTINGS, holder="here:1:a", wall_clock=wall).tick(
        at("2026-03-02 13:00"), batch=4)
    assert report.sla["first-soon"] == report.sla["first-breached"] == numbers
    assert report.sla["resolution-soon"] == []
    assert len(wall.refused) >= 2  # 6 cases, 4 a batch
    assert wall.refused == ["here:1:a"] * len(wall.refused)
