"""A status change has one path (store/status_change.py): a single edit, the scheduler's
set-wise moves and the demo's history all leave the same marks — the case's times, the
event in the conversation, the audit record, the workspaces."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from scheduler.jobs import Scheduler
from scheduler.settings import LifecycleSettings
from store.db import Database
from store.demo import SOLVED_DAYS, build_demo
from store.service import MessageInput


def marks(db: Database, number: int) -> dict[str, object]:
    """What a move left on case `number`: its times, its last event, its last status
    audit record, who holds it in their workspace."""
    with db.read() as session:
        case = session.execute(sa.text(
            "SELECT status, solved_at, resolved_at, closed_at, archived_at FROM cases "
            "WHERE id = :n"), {"n": number}).one()
        event = session.execute(sa.text(
            "SELECT author, text, event_kind, event_params, created_at FROM message "
            "WHERE case_id = :n AND kind = 'event' ORDER BY id DESC LIMIT 1"),
            {"n": number}).one()
        audit = session.execute(sa.text(
            "SELECT actor, before, after, at FROM audit_event WHERE case_id = :n "
            "AND action = 'case.status' ORDER BY id DESC LIMIT 1"), {"n": number}).one()
        change = session.execute(sa.text(
            "SELECT kind FROM change WHERE case_id = :n ORDER BY id DESC LIMIT 1"),
            {"n": number}).scalar()
        holders = sorted(session.execute(sa.text(
            "SELECT agent.login FROM workspace_entry JOIN agent ON agent.id = agent_id "
            "WHERE case_id = :n"), {"n": number}).scalars())
    params = json.loads(event.event_params)
    return {"status": case.status, "solved_at": case.solved_at, "resolved_at": case.resolved_at,
            "closed_at": case.closed_at, "archived_at": case.archived_at,
            "event": (event.event_kind, params.get("start"), params.get("end")),
            "event_text": event.text, "event_at": event.created_at,
            "audit": (json.loads(audit.before), json.loads(audit.after)), "audit_at": audit.at,
            "change": change, "holders": holders}


def test_closing_by_an_edit_and_by_tick_leave_the_same_marks(team) -> None:
    by_hand, by_tick = team.new_case(), team.new_case()
    for number in (by_hand, by_tick):
        team.as_("anna").assign(number, "anna")
        team.as_("anna").set_status(number, "solved")
    team.clock.advance(days=SOLVED_DAYS, minutes=1)
    now = team.clock()
    team.as_("boss").set_status(by_hand, "closed")
    report = Scheduler(team.db, LifecycleSettings(timezone="Europe/Stockholm")).tick(now)
    assert report.closed == [by_tick]

    hand, tick = marks(team.db, by_hand), marks(team.db, by_tick)
    assert hand["status"] == tick["status"] == "closed"
    for mark in ("closed_at", "event_at", "audit_at"):
        assert hand[mark] == tick[mark]
    assert hand["solved_at"] is not None
    assert hand["solved_at"] == hand["resolved_at"]
    assert tick["solved_at"] == tick["resolved_at"] == hand["solved_at"]
    assert hand["event"] == tick["event"] == ("status", "solved", "closed")
    assert hand["event_text"] == tick["event_text"] == ""  # no words stored
    assert hand["audit"] == tick["audit"] == ({"status": "solved"}, {"status": "closed"})
    assert hand["change"] == tick["change"] == "case.status"
    assert hand["holders"] == tick["holders"] == []  # left anna's workspace when solved


def test_a_reopened_case_is_solved_no_more_whoever_reopens_it(team) -> None:
    number = team.new_case()
    team.as_("anna").set_status(number, "solved")
    assert marks(team.db, number)["solved_at"] is not None
    team.clock.advance(hours=1)
    team.system.add_message(number, MessageInput("Igen."))
    after = marks(team.db, number)
    assert after["status"] == "open"
    assert after["solved_at"] is None
    assert after["resolved_at"] is None
    assert after["event"] == ("status", "solved", "open")
    assert after["audit"] == ({"status": "solved"}, {"status": "open"})


def test_the_demo_writes_its_moves_as_the_store_makes_them(tmp_path) -> None:
    db = Database(tmp_path / "demo.db")
    db.upgrade()
    build_demo(db, cases=400, login="tester", now=datetime(2026, 3, 11, 14, 30, tzinfo=UTC))
    with db.read() as session:
        closed = session.execute(sa.text(
            "SELECT id, solved_at, resolved_at, closed_at FROM cases WHERE status = 'closed' "
            "ORDER BY id LIMIT 20")).all()
        assert closed, "the demo has closed cases"
        for number, solved_at, resolved_at, closed_at in closed:
            assert resolved_at == solved_at
            kind, params, at = session.execute(sa.text(
                "SELECT event_kind, event_params, created_at FROM message WHERE case_id = :n "
                "AND kind = 'event' ORDER BY id DESC LIMIT 1"), {"n": number}).one()
            # The same event tick writes for the same move, with the same reason.
            assert (kind, json.loads(params)) == ("status", {
                "start": "solved", "end": "closed", "why": "solved-for",
                "days": str(SOLVED_DAYS)})
            assert at == closed_at
            since = datetime.fromisoformat(closed_at) - datetime.fromisoformat(solved_at)
            assert since >= timedelta(days=SOLVED_DAYS)
        # Out of every workspace once solved, as `set_status` takes them out.
        held = session.execute(sa.text(
            "SELECT count(*) FROM workspace_entry JOIN cases ON cases.id = case_id "
            "WHERE cases.status IN ('solved', 'closed', 'archived')")).scalar()
        assert held == 0
        assert session.execute(sa.text("SELECT count(*) FROM workspace_entry")).scalar()
        words = session.execute(sa.text(
            "SELECT count(*) FROM message WHERE kind = 'event' AND "
            "(text != '' OR event_kind = '')")).scalar()
        assert words == 0
