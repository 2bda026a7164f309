"""Building a demo database: the team, then the cases batch by batch on a private
connection, the quick replies and service levels, then the search index and the
planner's statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import search
from store.db import Database
from store.demo.data import CHANNELS, QUICK_REPLIES, SIGNATURES
from store.demo.generate import Builder
from store.demo.plan import Rows
from store.demo.team import Team
from store.errors import InvalidInput
from store.permissions import check_login

MAX_BATCH = 10_000


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` made."""

    cases: int
    messages: int
    contacts: int
    agents: int
    channels: int


def build_demo(
    db: Database,
    *,
    cases: int = 3000,
    login: str,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill the empty, upgraded database `db` with a demo team's cases and mark it a demo
    database (setting `demo` = "1"). `login` (the person running it) becomes a supervisor
    in every channel. The same `seed`, `cases` and `now` give the same data.

    `progress(done, total)` is called after each batch of cases (at least every 1%);
    the search index is built after the last call.
    """
    if cases < 1:
        raise InvalidInput("a demo needs at least one case")
    login = check_login(login.strip())
    if not db.is_sqlite:
        raise InvalidInput("a demo is built in an SQLite database (give a file path)")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise InvalidInput("`now` must be an aware datetime")
    at = int(now.astimezone(UTC).timestamp())
    team = Team(login)
    db.write(lambda session: team.write(session, at, cases))
    batch = max(1, min(MAX_BATCH, cases // 100))
    builder = Builder(cases=cases, team=team, seed=seed, now=at)
    with _Loader(db) as loader:
        for lo in range(0, cases, batch):
            hi = min(cases, lo + batch)
            loader.load(builder.batch(lo, hi))
            if progress is not None:
                progress(hi, cases)
    db.write(_team_lists)
    _service_levels(db, now)  # before the statistics: they cover the SLA indexes too
    db.write(_finish)
    _checkpoint(db)
    return DemoSummary(cases=cases, messages=builder.messages,
                       contacts=len(builder.contacts), agents=len(team.agents),
                       channels=len(CHANNELS))


def _service_levels(db: Database, now: datetime) -> None:
    """The default service levels, with due times on the unfinished cases; the first
    tick then marks what is due soon or overdue."""
    from store.service import CaseService
    from store.sla import SlaSettings

    CaseService.system(db, clock=lambda: now).set_sla_policy(SlaSettings(), "Europe/Stockholm")


def _team_lists(session: Session) -> None:
    """The team's quick replies, the signatures of its email channels, and its list of
    labels: those its cases carry."""
    from store.models import Case, Channel, Label, QuickReply

    at = datetime.now(UTC)
    for title, text, english in QUICK_REPLIES:
        session.add(QuickReply(title=title, text=text, text_en=english, created_at=at))
    for channel in session.scalars(sa.select(Channel).where(
            col(Channel.name).in_(SIGNATURES))):
        channel.signature = SIGNATURES[channel.name]
    names = {name for text in session.scalars(sa.select(col(Case.labels)).distinct())
             for name in text.split(",") if name}
    session.add_all(Label(name=name, created_at=at) for name in sorted(names))


_INSERTS = {
    "contact": "INSERT INTO contact (id, name, email, phone, customer_type, tier, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "cases": "INSERT INTO cases (id, title, channel_id, contact_id, assignee_id, status, "
             "priority, labels, flags, version, created_at, updated_at, first_response_at, "
             "solved_at, resolved_at, closed_at, archived_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
    "message": "INSERT INTO message (id, case_id, kind, author_agent_id, author, text, flags, "
               "created_at, origin_case_id, event_kind, event_params) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "mention": "INSERT INTO mention (message_id, agent_id) VALUES (?, ?)",
    "watch": "INSERT INTO watch (case_id, agent_id) VALUES (?, ?)",
    "workspace_entry": "INSERT INTO workspace_entry (agent_id, case_id, added_at, unread) "
                       "VALUES (?, ?, ?, ?)",
    "case_link": "INSERT INTO case_link (case_id, other_id, kind, created_at) "
                 "VALUES (?, ?, ?, ?)",
}


class _Loader:
    """A private connection for the bulk load, taken out of the engine's pool so that
    its load-only settings never reach anyone else: no foreign-key checks (the rows are
    consistent by construction), no fsync (a demo is rebuilt, not recovered), a large
    page cache. Each batch is one BEGIN IMMEDIATE transaction."""

    def __init__(self, db: Database) -> None:
        self._raw = db.engine.raw_connection()
        conn = self._raw.driver_connection
        assert conn is not None
        self._raw.detach()  # closed at the end, never returned to the pool
        for pragma in ("foreign_keys = OFF", "synchronous = OFF", "cache_size = -131072",
                       "wal_autocheckpoint = 16384"):
            conn.execute(f"PRAGMA {pragma}")
        self._conn = conn

    def __enter__(self) -> _Loader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def load(self, rows: Rows) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table, sql in _INSERTS.items():
                if rows[table]:
                    conn.executemany(sql, rows[table])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _finish(session: Session) -> None:
    """The search index, and the statistics the query planner needs."""
    cache = session.execute(sa.text("PRAGMA cache_size")).scalar()
    session.execute(sa.text("PRAGMA cache_size = -131072"))
    try:
        search.rebuild(session)
        # Full statistics (an `analysis_limit` guesses badly here: it makes the planner
        # take ix_cases_merged_into_id for the case list and sort a million rows).
        session.execute(sa.text("ANALYZE"))
    finally:
        session.execute(sa.text(f"PRAGMA cache_size = {int(cache or -2000)}"))


def _checkpoint(db: Database) -> None:
    """Fold the write-ahead log into the database file (the load made it large)."""
    raw = db.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
