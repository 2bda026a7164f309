"""The demo database: a believable team's eight weeks, every status, channel kind and
line kind there is, consistent times — readable through the service like any other
database, and the same for the same seed."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from store.db import Database
from store.demo import DemoSummary, build_demo
from store.errors import InvalidInput
from store.models import Agent, Case, ChannelKind, Message, MessageKind, Setting, Status
from store.service import CaseFilter, CaseService

pytestmark = pytest.mark.sqlite_only

NOW = datetime(2026, 3, 11, 14, 30, tzinfo=UTC)  # a Wednesday afternoon
LOGIN = "tester"
CASES = 3000
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Every hour of a Wednesday and of a Sunday, five minutes past: after the night's archive
# run (02:00 and a few minutes), before the day team's first closing, on a weekend.
HOURS = [datetime(2026, 3, day, hour, 5, tzinfo=STOCKHOLM) for day in (11, 15)
         for hour in range(24)]


def fresh_db(path) -> Database:  # type: ignore[no-untyped-def]
    db = Database(path)
    db.upgrade()
    return db


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    db = fresh_db(tmp_path_factory.mktemp("demo") / "demo.db")
    calls: list[tuple[int, int]] = []
    summary = build_demo(db, cases=CASES, login=LOGIN, now=NOW,
                         progress=lambda done, total: calls.append((done, total)))
    yield db, summary, calls
    db.dispose()


def scalar(db: Database, sql: str) -> object:
    with db.read() as session:
        return session.execute(sa.text(sql)).scalar()


def column(db: Database, sql: str) -> list[object]:
    with db.read() as session:
        return list(session.execute(sa.text(sql)).scalars())


def test_summary_counts_what_is_in_the_database(demo) -> None:  # type: ignore[no-untyped-def]
    db, summary, _ = demo
    assert isinstance(summary, DemoSummary)
    assert summary.cases == CASES == scalar(db, "SELECT count(*) FROM cases")
    assert summary.messages == scalar(db, "SELECT count(*) FROM message")
    assert summary.contacts == scalar(db, "SELECT count(*) FROM contact")
    assert summary.agents == scalar(db, "SELECT count(*) FROM agent")
    assert summary.channels == scalar(db, "SELECT count(*) FROM channel") == 5
    assert 800 <= summary.contacts <= 1100  # about a third as many as cases
    assert 8 <= summary.agents <= 12
    assert scalar(db, "SELECT count(*) FROM contact WHERE id NOT IN "
                      "(SELECT contact_id FROM cases)") == 0


def test_progress_is_reported_at_least_every_percent(demo) -> None:  # type: ignore[no-untyped-def]
    _, _, calls = demo
    assert calls[-1] == (CASES, CASES)
    done = [0] + [d for d, _ in calls]
    assert all(total == CASES for _, total in calls)
    assert all(0 < b - a <= CASES // 100 for a, b in zip(done, done[1:], strict=False))


def test_it_is_marked_as_a_demo(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    with db.read() as session:
        assert session.get_one(Setting, "demo").value == "1"


def test_the_login_is_a_supervisor_in_every_channel(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    me = CaseService(db, LOGIN).whoami()
    assert me.is_supervisor
    assert me.is_active
    assert LOGIN in me.name
    channels = CaseService(db, LOGIN).list_channels()
    assert all(LOGIN in c.members for c in channels)
    agents = {a.login: a for a in CaseService(db, LOGIN).list_agents()}
    assert {"anna", "bo", "carin", "david", "elin", "farid", "greta", "hugo"} <= set(agents)
    assert sum(a.is_supervisor for a in agents.values() if a.login != LOGIN) in (1, 2)
    assert all(len(a.channels) >= 2 for a in agents.values())


def test_every_status_channel_kind_and_line_kind_appears(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    statuses = Counter(column(db, "SELECT status FROM cases"))
    assert set(statuses) == {s.value for s in Status}
    # Plausible proportions: most cases are over and done with.
    assert statuses["archived"] > CASES / 2
    assert statuses["archived"] + statuses["closed"] + statuses["solved"] > 0.85 * CASES
    kinds = set(column(db, "SELECT DISTINCT ch.kind FROM cases c "
                           "JOIN channel ch ON ch.id = c.channel_id"))
    assert kinds == {k.value for k in ChannelKind}
    assert set(column(db, "SELECT DISTINCT kind FROM message")) == {k.value for k in MessageKind}
    assert set(column(db, "SELECT DISTINCT priority FROM cases")) == {"high", "medium", "low"}
    assert "auto-reply" in column(db, "SELECT DISTINCT flags FROM message")


def test_recent_cases_are_still_being_worked_on(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    with db.read() as session:
        rows = session.execute(sa.select(Case.status, Case.created_at, Case.assignee_id,
                                         Case.solved_at)).all()
    week = NOW - timedelta(days=7)
    old = Counter(s for s, created, _, _ in rows if created < NOW - timedelta(days=21))
    assert old["archived"] > 0.9 * sum(old.values())
    assert all(created >= week for s, created, _, _ in rows if s in ("new", "escalated"))
    # Solved stays solved for a week, then closes (the scheduler runs now and then).
    assert all(solved >= week - timedelta(hours=1) for s, _, _, solved in rows if s == "solved")
    new = [a for s, _, a, _ in rows if s == "new"]
    assert sum(a is None for a in new) > len(new) / 2  # mostly unassigned
    assert all(a is not None for s, _, a, _ in rows if s in ("solved", "closed", "archived"))


def inconsistencies(db: Database, now: datetime) -> dict[str, object]:
    """What no demo may hold, and how many of each it holds."""
    bad = {
        "message outside its case's times": """SELECT count(*) FROM message m
            JOIN cases c ON c.id = m.case_id
            WHERE m.created_at < c.created_at OR m.created_at > c.updated_at""",
        "updated_at is not the last message": """SELECT count(*) FROM cases c
            WHERE updated_at != (SELECT max(created_at) FROM message WHERE case_id = c.id)""",
        "first response is not the first reply": """SELECT count(*) FROM cases c
            WHERE first_response_at IS NOT
              (SELECT min(created_at) FROM message WHERE case_id = c.id AND kind = 'reply')""",
        "timestamps disagree with the status": """SELECT count(*) FROM cases WHERE
            (status IN ('solved', 'closed', 'archived')) != (solved_at IS NOT NULL)
            OR (status IN ('closed', 'archived')) != (closed_at IS NOT NULL)
            OR (status = 'archived') != (archived_at IS NOT NULL)""",
        "closed less than 7 days after solving, not by a supervisor's hand": """
            SELECT count(*) FROM cases c
            WHERE julianday(closed_at) - julianday(solved_at) < 7 AND NOT EXISTS
              (SELECT 1 FROM message m JOIN agent a ON a.id = m.author_agent_id
               WHERE m.case_id = c.id AND a.is_supervisor AND m.event_kind = 'status'
               AND m.event_params = '{"end": "closed", "start": "solved"}')""",
        "archived before the night after closing": """SELECT count(*) FROM cases
            WHERE julianday(archived_at) - julianday(closed_at) < 2 / 24.0""",
        "a later number created earlier": """SELECT count(*) FROM cases a
            JOIN cases b ON b.id = a.id + 1 WHERE b.created_at < a.created_at""",
        "a message after now": "SELECT count(*) FROM message WHERE created_at > "
                               f"'{now.astimezone(UTC):%Y-%m-%d %H:%M:%S}.000000'",
    }
    return {what: n for what, sql in bad.items() if (n := scalar(db, sql))}


def test_times_are_consistent(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    assert inconsistencies(db, NOW) == {}
    # Only the scheduler closed cases here, a week after they were solved.
    assert scalar(db, """SELECT count(*) FROM cases
                         WHERE julianday(closed_at) - julianday(solved_at) < 7""") == 0
    first = scalar(db, "SELECT min(created_at) FROM cases")
    assert str(first) >= f"{NOW - timedelta(days=57):%Y-%m-%d}"


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, upgraded database to copy: upgrading takes as long as a small demo."""
    path = tmp_path_factory.mktemp("empty") / "empty.db"
    fresh_db(path).dispose()
    return path


@pytest.mark.parametrize("now", HOURS, ids=lambda now: f"{now:%a-%H%M}")
def test_every_status_at_every_hour(upgraded: Path, tmp_path: Path, now: datetime) -> None:
    """Whenever it is built, a small demo has cases in every status: at night (the
    on-call agent's night a week ago closes cases after midnight, that stay Closed until
    the next night's archive run) and in a quiet hour (the newest cases are the work in
    hand)."""
    path = tmp_path / "demo.db"
    with closing(sqlite3.connect(upgraded)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    db = Database(path)
    build_demo(db, cases=300, login=LOGIN, now=now)
    assert set(column(db, "SELECT DISTINCT status FROM cases")) == {s.value for s in Status}
    assert inconsistencies(db, now) == {}
    db.dispose()


def test_conversations_are_whole(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    lines = column(db, "SELECT count(*) FROM message WHERE kind != 'event' GROUP BY case_id")
    assert len(lines) == CASES
    assert min(lines) >= 1
    assert max(lines) <= 8
    assert scalar(db, "SELECT count(*) FROM message WHERE origin_case_id != case_id") == 0
    assert scalar(db, """SELECT count(*) FROM message m JOIN cases c ON c.id = m.case_id
                         JOIN contact co ON co.id = c.contact_id
                         WHERE m.kind = 'customer' AND m.author != co.name""") == 0
    assert scalar(db, """SELECT count(*) FROM message m LEFT JOIN agent a
                         ON a.id = m.author_agent_id
                         WHERE m.kind IN ('reply', 'note') AND m.author IS NOT a.name""") == 0
    assert set(column(db, "SELECT DISTINCT author FROM message WHERE kind = 'ai'")) == {"AI-agent"}
    # Escalated cases are the AI agent's.
    assert scalar(db, """SELECT count(*) FROM cases c WHERE status = 'escalated' AND NOT EXISTS
                         (SELECT 1 FROM message WHERE case_id = c.id AND kind = 'ai')""") == 0
    # Mentions are of agents named in the note.
    rows = column(db, """SELECT m.text LIKE '%@' || a.login || '%' FROM mention x
                         JOIN message m ON m.id = x.message_id JOIN agent a ON a.id = x.agent_id""")
    assert rows
    assert all(rows)
    assert scalar(db, "SELECT count(*) FROM mention x JOIN agent a ON a.id = x.agent_id "
                      f"WHERE a.login = '{LOGIN}'")


def test_the_rest_of_the_team_data(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    assert scalar(db, "SELECT count(*) FROM watch") > 0
    assert scalar(db, "SELECT count(*) FROM workspace_entry") > 0
    assert scalar(db, "SELECT count(*) FROM case_link") > 0
    assert scalar(db, "SELECT count(*) FROM case_link WHERE case_id >= other_id") == 0
    assert scalar(db, "SELECT count(*) FROM cases WHERE labels LIKE '%faktura%'") > 0
    labels = column(db, "SELECT labels FROM cases WHERE labels != ''")
    assert all(str(x).split(",") == sorted(str(x).split(",")) for x in labels)
    types = set(column(db, "SELECT DISTINCT customer_type || '/' || tier FROM contact"))
    assert types == {"private/standard", "private/premium", "business/standard",
                     "business/premium"}
    assert scalar(db, "SELECT count(*) FROM contact WHERE phone LIKE '+46 7%'") > 0
    assert scalar(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM cases "
                      "GROUP BY contact_id)") > 3  # type: ignore[operator]
    with db.read() as session:
        assert session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    # The planner has statistics (without them the case list sorts every case).
    assert scalar(db, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'cases'")


def test_the_service_reads_it(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    service = CaseService(db, LOGIN)
    rows = service.list_cases()
    assert rows
    assert all(r.status not in ("closed", "archived") for r in rows)
    assert service.list_cases(CaseFilter(assignee="me", include_ended=True))
    found = service.list_cases(CaseFilter(search="faktura", include_ended=True))
    assert found
    case = service.get_case(found[0].number)
    assert "faktura" in (case.title + " ".join(m.text for m in case.messages)).lower()
    for number in (1, CASES // 2, CASES - 5, CASES):
        case = service.get_case(number)
        times = [m.created_at for m in case.messages]
        assert times == sorted(times)
        assert case.created_at <= times[0]
        assert times[-1] <= case.updated_at
        assert case.updated_at.tzinfo is not None
        assert case.updated_at <= NOW
        assert case.version == 1
    # Datetimes come back through the ORM as the aware UTC we meant.
    with db.read() as session:
        first = session.scalars(sa.select(Message).order_by(Message.id).limit(1)).one()
        raw = session.execute(sa.text("SELECT created_at FROM message WHERE id = :id"),
                              {"id": first.id}).scalar()
        assert first.created_at.tzinfo == UTC
        assert first.created_at.strftime("%Y-%m-%d %H:%M:%S.%f") == raw
        assert session.scalars(sa.select(Agent).where(Agent.login == LOGIN)).one().is_supervisor
    # Another agent sees only their channels' cases.
    bo = CaseService(db, "bo")
    assert {r.channel for r in bo.list_cases(CaseFilter(include_ended=True, limit=500))} <= set(
        bo.whoami().channels)


def test_the_same_seed_gives_the_same_demo(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    again = fresh_db(tmp_path / "again.db")
    build_demo(again, cases=CASES, login=LOGIN, now=NOW)
    other = fresh_db(tmp_path / "other.db")
    build_demo(other, cases=300, login=LOGIN, now=NOW, seed=2)
    titles = "SELECT title FROM cases ORDER BY id"
    texts = "SELECT text FROM message ORDER BY id"
    assert column(again, titles) == column(db, titles)
    assert column(again, texts) == column(db, texts)
    assert column(other, titles) != column(db, titles)[:300]
    again.dispose()
    other.dispose()


def test_it_refuses_a_database_that_is_not_empty(demo) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = demo
    with pytest.raises(InvalidInput, match="empty"):
        build_demo(db, cases=10, login=LOGIN, now=NOW)


def test_it_refuses_what_cannot_be_a_login(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = fresh_db(tmp_path / "x.db")
    for login in ("Root Admin", "system", ""):
        with pytest.raises(InvalidInput):
            build_demo(db, cases=10, login=login, now=NOW)
    with pytest.raises(InvalidInput):
        build_demo(db, cases=10, login="x", now=NOW.replace(tzinfo=None))
    db.dispose()


def test_a_login_shared_with_a_made_up_agent_replaces_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = fresh_db(tmp_path / "anna.db")
    summary = build_demo(db, cases=200, login="anna", now=NOW)
    anna = CaseService(db, "anna").whoami()
    assert anna.is_supervisor
    assert anna.name == "anna"  # not "you": the others see this name too
    assert summary.cases == 200
    db.dispose()
