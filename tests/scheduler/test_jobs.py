"""The scheduler's rules at their boundaries, with the time given: auto-close after
the solved period, archive the night after (across daylight-saving nights), and
retention; each job done once, whoever runs it and however it is interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from rivals import RivalClock  # tests/ is on sys.path

from scheduler.jobs import Scheduler, SchedulerBusy, archive_cutoff
from scheduler.settings import LifecycleSettings
from store.errors import NotFound
from store.queries import CaseFilter
from store.service import AttachmentInput, ContactInput, MessageInput

STOCKHOLM = LifecycleSettings(timezone="Europe/Stockholm")


def status(team, number: int) -> str:  # type: ignore[no-untyped-def]
    return team.as_("boss").get_case(number).status


def solved_case(team) -> int:  # type: ignore[no-untyped-def]
    number = team.new_case()
    team.as_("anna").set_status(number, "solved")
    return number


def test_a_case_solved_for_seven_days_closes_not_a_minute_before(team) -> None:
    number = solved_case(team)
    solved_at = team.clock()
    scheduler = Scheduler(team.db, STOCKHOLM)
    assert scheduler.tick(solved_at + timedelta(days=6, hours=23, minutes=59)).closed == []
    assert status(team, number) == "solved"
    report = scheduler.tick(solved_at + timedelta(days=7))
    assert report.closed == [number]
    case = team.as_("boss").get_case(number)
    assert case.status == "closed"
    events = [m for m in case.messages if m.kind == "event" and "closed" in m.text]
    assert len(events) == 1
    assert events[0].author == "system"
    assert scheduler.tick(solved_at + timedelta(days=8)).closed == []  # done once


def test_a_customer_reply_meanwhile_starts_the_clock_again(team) -> None:
    number = solved_case(team)
    first = team.clock()
    team.clock.advance(days=5)
    team.system.add_message(number, MessageInput("Det fungerar fortfarande inte."))
    assert status(team, number) == "open"
    scheduler = Scheduler(team.db, STOCKHOLM)
    assert scheduler.tick(first + timedelta(days=7)).closed == []
    team.clock.advance(days=1)
    team.as_("anna").set_status(number, "solved")
    again = team.clock()
    assert scheduler.tick(again + timedelta(days=6)).closed == []
    assert scheduler.tick(again + timedelta(days=7)).closed == [number]


def local(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.mark.parametrize(("closed", "not_yet", "due"), [
    # Closed a minute before midnight: archived at 02:00 the next night.
    ("2026-03-02 23:59", "2026-03-03 01:59", "2026-03-03 02:00"),
    # Closed a minute after midnight: that is the next day, so the night after it.
    ("2026-03-03 00:01", "2026-03-04 01:59", "2026-03-04 02:00"),
    # The spring night (29 March): 02:00 does not exist; the clocks jump to 03:00.
    ("2026-03-28 23:30", "2026-03-29 01:59", "2026-03-29 03:00"),
    # The autumn night (25 October): 02:00 comes twice; the first one counts.
    ("2026-10-24 23:30", "2026-10-25 01:59", "2026-10-25 02:00"),
])
def test_a_closed_case_is_archived_the_night_after(team, closed: str, not_yet: str,
                                                   due: str) -> None:
    number = solved_case(team)
    team.clock.now = local(closed).astimezone(UTC)
    team.system.set_status(number, "closed")
    scheduler = Scheduler(team.db, STOCKHOLM)
    assert scheduler.tick(local(not_yet)).archived == []
    assert scheduler.tick(local(due)).archived == [number]
    assert status(team, number) == "archived"


def test_the_archive_cutoff_is_local_midnight_across_daylight_saving() -> None:
    spring = archive_cutoff(local("2026-03-29 03:00"), STOCKHOLM)
    assert spring == local("2026-03-29 00:00")
    assert spring.utcoffset() == timedelta(hours=1)
    autumn = archive_cutoff(local("2026-10-26 02:00"), STOCKHOLM)
    assert autumn.astimezone(UTC) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_two_schedulers_at_once_do_each_job_once(team) -> None:
    numbers = [solved_case(team) for _ in range(30)]
    when = team.clock() + timedelta(days=8)
    results: list[object] = []

    def run(holder: str) -> None:
        try:
            results.append(Scheduler(team.db, STOCKHOLM, holder=holder).tick(when, batch=3))
        except SchedulerBusy as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(f"host:{i}:x",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    closed = sorted(n for r in results if not isinstance(r, Exception) for n in r.closed)
    assert closed == sorted(numbers)
    for number in numbers:
        events = [m for m in team.as_("boss").get_case(number).messages
                  if m.kind == "event" and "→ closed" in m.text]
        assert len(events) == 1


def tick_command(team, tmp_path: Path, *, batch: int) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    """The environment and `--now` of a `casedesk tick` process on the team's file,
    a week and a day after the cases were solved, in small batches."""
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n\n[lifecycle]\n'
                      'timezone = "Europe/Stockholm"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config), "CASEDESK_TICK_BATCH": str(batch)}
    return env, (team.clock() + timedelta(days=8)).isoformat()


def close_events(team) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """How many "→ closed" events each case has."""
    import sqlalchemy as sa

    with team.db.read() as session:
        return dict(session.execute(sa.text(  # type: ignore[arg-type]
            "SELECT case_id, count(*) FROM message WHERE kind = 'event' AND event_kind = "
            "'status' AND event_params LIKE '%\"end\": \"closed\"%' GROUP BY case_id")).all())


@pytest.mark.sqlite_only
def test_a_tick_killed_midway_is_completed_by_the_next(team, tmp_path: Path) -> None:
    numbers = [solved_case(team) for _ in range(400)]
    env, when = tick_command(team, tmp_path, batch=5)
    first = subprocess.Popen([sys.executable, "-m", "cli", "tick", "--now", when],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    boss = team.as_("boss")
    deadline = time.monotonic() + 60
    while (boss.count_cases(CaseFilter(statuses=("closed",))) == 0 and first.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.002)
    first.send_signal(signal.SIGKILL)
    first.wait()
    closed_before = boss.count_cases(CaseFilter(statuses=("closed",)))
    assert 0 < closed_before < len(numbers), closed_before
    again = subprocess.run([sys.executable, "-m", "cli", "tick", "--now", when], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"closed: {len(numbers) - closed_before}" in again.stdout
    assert boss.count_cases(CaseFilter(statuses=("closed",))) == len(numbers)
    assert close_events(team) == dict.fromkeys(numbers, 1)


def test_retention_purges_personal_data_and_keeps_an_audit_record(team) -> None:
    anna = team.as_("anna")
    old = anna.create_case(channel="Support", title="Min adress är Storgatan 1",
                           contact=ContactInput(name="Greta Gammal", email="greta@example.se"),
                           messages=[MessageInput("Personnummer 19121212-1212", attachments=(
                               AttachmentInput("pass.jpg", b"foto"),))])
    shared = anna.create_case(channel="Support", title="Annat",
                              contact=ContactInput(name="Delad Kund", email="delad@example.se"))
    keep = anna.create_case(channel="Support", title="Nyare",
                            contact=ContactInput(name="Delad Kund", email="delad@example.se"))
    for number in (old, shared):
        anna.set_status(number, "solved")
        team.system.set_status(number, "closed")
        team.system.set_status(number, "archived")
    settings = LifecycleSettings(timezone="Europe/Stockholm", retention_days=365)
    scheduler = Scheduler(team.db, settings)
    later = team.clock() + timedelta(days=366)
    preview = scheduler.preview_purge(later)
    assert sorted(p.number for p in preview) == sorted([old, shared])
    # The files that would go, counted: the passport photo (4 bytes), nothing else.
    assert {p.number: (p.files, p.bytes) for p in preview} == {old: (1, 4), shared: (0, 0)}
    assert team.as_("boss").get_case(old).title  # a dry run changes nothing
    assert scheduler.tick(later).purged == sorted([old, shared])
    boss = team.as_("boss")
    assert boss.count_cases(CaseFilter(include_ended=True)) == 1
    assert boss.get_case(keep).contact.name == "Delad Kund"  # still used: kept
    assert boss.list_cases(CaseFilter(search="Storgatan", include_ended=True)) == []
    text = audit_text(team)
    with team.db.read() as session:
        people = session.execute(sa.text(
            "SELECT count(*) FROM contact WHERE email = 'greta@example.se'")).scalar()
        files = session.execute(sa.text("SELECT count(*) FROM attachment")).scalar()
        purged = session.execute(sa.text(
            "SELECT count(*) FROM audit_event WHERE action = 'case.purged'")).scalar()
    for personal in ("Greta", "greta@", "Storgatan", "19121212", "pass.jpg"):
        assert personal not in text
    assert (people, files, purged) == (0, 0, 2)


def test_retention_takes_the_cases_merged_into_a_purged_case(team) -> None:
    anna = team.as_("anna")
    greta = ContactInput(name="Greta Gammal", email="greta@example.se")
    first = anna.create_case(channel="Support", title="Min adress är Storgatan 1",
                             contact=greta, messages=[MessageInput(
                                 "Personnummer 19121212-1212", attachments=(
                                     AttachmentInput("pass.jpg", b"foto"),))])
    second = anna.create_case(channel="Support", title="Igen", contact=greta,
                              messages=[MessageInput("Hej igen")])
    last = anna.create_case(channel="Support", title="Tredje gången", contact=greta)
    other = team.new_case()
    anna.merge(first, second)
    anna.merge(second, last)  # a chain: first → second → last
    anna.set_status(last, "solved")
    team.system.set_status(last, "closed")
    team.system.set_status(last, "archived")
    scheduler = Scheduler(team.db, LifecycleSettings(timezone="Europe/Stockholm",
                                                     retention_days=365))
    later = team.clock() + timedelta(days=366)
    going = sorted([first, second, last])
    assert [(p.number, p.contact_removed) for p in scheduler.preview_purge(later)] == [
        (n, True) for n in going]
    assert scheduler.tick(later).purged == going
    assert scheduler.tick(later + timedelta(days=1)).purged == []
    boss = team.as_("boss")
    assert [r.number for r in boss.list_cases(CaseFilter(include_ended=True))] == [other]
    for number in going:
        with pytest.raises(NotFound):
            boss.get_case(number)
    with team.db.read() as session:
        left = {table: session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("contact", "attachment", "case_link")}
        kept = session.execute(sa.text(
            "SELECT count(*) FROM audit_event WHERE case_id IN (:a, :b, :c) AND "
            "action = 'case.merge'"), {"a": first, "b": second, "c": last}).scalar()
        purged = sorted(session.scalars(sa.text(
            "SELECT case_id FROM audit_event WHERE action = 'case.purged'")))
    assert left == {"contact": 1, "attachment": 0, "case_link": 0}  # the other case's
    assert (kept, purged) == (2, going)  # who merged what when stays, without values
    text = audit_text(team)
    for personal in ("Greta", "greta@", "Storgatan", "19121212", "pass.jpg", "Tredje"):
        assert personal not in text


def audit_text(team) -> str:  # type: ignore[no-untyped-def]
    """Every value of the audit log, as one text."""
    with team.db.read() as session:
        return " ".join(str(v) for row in session.execute(sa.text(
            "SELECT * FROM audit_event")).all() for v in row)


def test_a_dry_run_says_what_would_happen_and_changes_nothing(team) -> None:
    number = solved_case(team)
    report = Scheduler(team.db, STOCKHOLM).tick(team.clock() + timedelta(days=8), dry_run=True)
    assert report.closed == [number]
    assert "nothing was changed" in report.describe()
    assert status(team, number) == "solved"


def test_the_lease_runs_on_real_time_whatever_the_tick_is_told(team) -> None:
    from store import leases

    solved_case(team)
    seen: list[str | None] = []

    def wall() -> datetime:
        # Asked while the tick holds the lease: who holds it, on the real clock.
        seen.append(leases.held(team.db, "scheduler", now=datetime.now(UTC)))
        return datetime.now(UTC)

    scheduler = Scheduler(team.db, STOCKHOLM, holder="here:1:a", wall_clock=wall)
    # `tick --now` months ago (the team's clock): the lease is not expired at birth.
    assert len(scheduler.tick(team.clock() + timedelta(days=8), batch=1).closed) == 1
    assert seen[1:] == ["here:1:a"] * (len(seen) - 1)
    assert len(seen) >= 2
    assert leases.held(team.db, "scheduler", now=datetime.now(UTC)) is None  # released


def test_a_long_tick_renews_its_lease_between_batches(team) -> None:
    numbers = [solved_case(team) for _ in range(6)]
    # Each batch takes 9 minutes of a 10-minute lease.
    wall = RivalClock(team.db, timedelta(minutes=9))
    report = Scheduler(team.db, STOCKHOLM, holder="here:1:a", wall_clock=wall).tick(
        team.clock() + timedelta(days=8), batch=2)
    assert sorted(report.closed) == numbers
    assert len(wall.refused) >= 3
    assert wall.refused == ["here:1:a"] * len(wall.refused)


def test_a_tick_that_outlived_its_lease_stops_when_another_took_over(team) -> None:
    from store import leases

    numbers = [solved_case(team) for _ in range(6)]
    # The first batch took 11 minutes: the lease ran out and another took it.
    wall = RivalClock(team.db, timedelta(minutes=11))
    scheduler = Scheduler(team.db, STOCKHOLM, holder="here:1:a", wall_clock=wall)
    with pytest.raises(SchedulerBusy, match="elsewhere:1:b"):
        scheduler.tick(team.clock() + timedelta(days=8), batch=2)
    assert wall.refused == [None]
    closed = [n for n in numbers if status(team, n) == "closed"]
    assert len(closed) == 2  # its first batch, whole; the rest is the other's
    assert leases.held(team.db, "scheduler", now=wall.reads[-1]) == "elsewhere:1:b"


@pytest.mark.sqlite_only
def test_two_tick_processes_at_once_do_each_job_once(team, tmp_path: Path) -> None:
    numbers = [solved_case(team) for _ in range(300)]
    env, when = tick_command(team, tmp_path, batch=7)
    ticks = [subprocess.Popen([sys.executable, "-m", "cli", "tick", "--now", when],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [tick.communicate(timeout=120) for tick in ticks]
    said = [(tick.returncode, out, err) for tick, (out, err) in zip(ticks, outputs, strict=True)]
    # Each either did the work or said another process was doing it: nothing else.
    for code, out, err in said:
        assert (code == 0 and "closed:" in out) or "running in another process" in err, said
    assert team.as_("boss").count_cases(CaseFilter(statuses=("closed",))) == len(numbers)
    assert close_events(team) == dict.fromkeys(numbers, 1)


def test_the_schedulers_changes_are_audited_as_the_system(team) -> None:
    import sqlalchemy as sa

    number = solved_case(team)
    Scheduler(team.db, STOCKHOLM).tick(team.clock() + timedelta(days=8))
    with team.db.read() as session:
        rows = session.execute(sa.text(
            "SELECT actor, action, after FROM audit_event WHERE case_id = :n ORDER BY id"),
            {"n": number}).all()
    moves = [(actor, after) for actor, action, after in rows if action == "case.status"]
    assert moves[0][0] == "anna"  # solved by her
    assert moves[-1] == ("system", '{"status": "closed"}')


def test_a_dry_run_needs_no_lease(team) -> None:
    from store import leases

    number = solved_case(team)
    now = datetime.now(UTC)
    assert leases.acquire(team.db, "scheduler", "elsewhere:1:b", now=now) is None
    with team.db.read() as session:
        before = session.execute(sa.text("SELECT holder, expires_at FROM lease")).all()
    report = Scheduler(team.db, STOCKHOLM, holder="here:1:a").tick(
        team.clock() + timedelta(days=8), dry_run=True)
    assert report.closed == [number]
    with team.db.read() as session:  # the other's lease, untouched
        assert session.execute(sa.text("SELECT holder, expires_at FROM lease")).all() == before


@pytest.mark.postgresql_only  # SQLite's writers take turns: no UPDATE waits for a row
def test_a_case_solved_again_while_the_close_waits_for_it_stays_solved(team) -> None:
    # On PostgreSQL the close's UPDATE may wait for a row an agent is changing; when
    # it gets the row, the case was reopened and solved again: too recent to close.
    from store.models import Case

    number = solved_case(team)
    solved = team.clock()
    again = team.clock.advance(days=8)
    cases = Case.__table__  # type: ignore[attr-defined]
    moved: list[object] = []
    with team.db.engine.connect() as agent, team.db.engine.connect() as watcher:
        for values in ({"status": "open", "solved_at": None},
                       {"status": "solved", "solved_at": again}):
            agent.execute(sa.update(cases).where(cases.c.id == number).values(values))
        closing = threading.Thread(target=lambda: moved.append(team.system.advance(
            "solved", "closed", since_before=solved + timedelta(days=7), reason="test")))
        closing.start()
        deadline = time.monotonic() + 10
        while not watcher.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                                  ).scalar():
            assert time.monotonic() < deadline, "the close never waited for the row"
        agent.commit()
        closing.join()
    assert moved == [[]]
    assert status(team, number) == "solved"


def test_a_purge_that_fails_keeps_the_files_of_its_cases(team, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Files in a folder (either engine): deleted only once the purge has committed.
    from store import audit
    from store.db import Database
    from store.service import CaseService

    db = Database(team.db.url, files=tmp_path / "files")
    anna, system = CaseService(db, "anna", clock=team.clock), CaseService.system(
        db, clock=team.clock)
    number = anna.create_case(channel="Support", title="Pass", contact=ContactInput(
        name="Greta", email="greta@example.se"), messages=[MessageInput(
            "Här", attachments=(AttachmentInput("pass.jpg", b"foto"),))])
    (attachment,) = [a for m in anna.get_case(number).messages for a in m.attachments]
    anna.set_status(number, "solved")
    system.set_status(number, "closed")
    system.set_status(number, "archived")
    later = team.clock() + timedelta(days=1)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(audit, "record_many", fail)  # the purge's last step, after the files
        with pytest.raises(RuntimeError, match="disk is full"):
            system.purge(later)
    assert anna.get_case(number).status == "archived"
    assert anna.attachment_content(attachment.id) == ("pass.jpg", b"foto")
    assert [p.number for p in system.purge(later)] == [number]
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []
    db.dispose()


def test_archiving_sla_marks_and_purging_are_audited_as_the_system(team) -> None:
    scheduler = Scheduler(team.db, LifecycleSettings(timezone="Europe/Stockholm",
                                                     retention_days=30))
    scheduler.tick(team.clock())  # stores the service levels
    late = team.new_case()  # never answered: its first answer falls due
    number = solved_case(team)
    closed = team.clock() + timedelta(days=8)
    assert scheduler.tick(closed).sla["first-breached"] == [late]
    assert scheduler.tick(closed + timedelta(days=2)).archived == [number]

    def actors(where: str) -> list[tuple[str, str]]:
        with team.db.read() as session:
            return sorted(set(session.execute(sa.text(  # type: ignore[arg-type]
                f"SELECT action, actor FROM audit_event WHERE {where}")).all()))

    assert actors(f"case_id = {late} AND action LIKE 'sla.%'") == [
        (f"sla.{marker}", "system") for marker in ("first-breached", "first-soon",
                                                   "resolution-breached", "resolution-soon")]
    assert actors(f"case_id = {number} AND after LIKE '%archived%'") == [
        ("case.status", "system")]
    assert scheduler.tick(closed + timedelta(days=40)).purged == [number]
    assert actors("action = 'case.purged'") == [("case.purged", "system")]
