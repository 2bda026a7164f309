"""Presence: who else has a case open, and who is writing to its customer — so that
two agents don't answer the same customer at once.

A TUI says what its agent is doing in the case on show and renews it every
`RENEW_SECONDS`; an entry not renewed for `GONE_AFTER` belongs to a TUI that ended
or lost its connection, and is no longer shown (nor kept: the next write clears it).
One entry per running TUI, replaced whole by that TUI alone, so two TUIs of one agent
never undo each other (the agent is shown once). Presence is not a change to the
case: it bumps no version and adds nothing to the change feed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from store.models import Agent, Presence
from store.tables import table_of

DOING = ("viewing", "replying")
RENEW_SECONDS = 5
GONE_AFTER = timedelta(seconds=3 * RENEW_SECONDS)


def set_doing(session: Session, holder: str, agent_id: int, case_id: int | None,
              doing: str | None, now: datetime) -> None:
    """The TUI `holder` (of agent `agent_id`) is `doing` in `case_id`; None: in no case."""
    if doing is not None and doing not in DOING:
        raise ValueError(f"unknown presence {doing!r}")
    table = table_of(Presence)
    session.execute(sa.delete(table).where(sa.or_(table.c.seen_at < now - GONE_AFTER,
                                                  table.c.holder == holder)))
    if doing is None or case_id is None:
        return
    # ON CONFLICT: two writes of one TUI at once (a case opened, then `r` at once).
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    values = {"agent_id": agent_id, "case_id": case_id, "doing": doing, "seen_at": now}
    session.execute(insert.values(holder=holder, **values).on_conflict_do_update(
        index_elements=["holder"], set_=values))


def others_in(session: Session, case_id: int, agent_id: int | None,
              now: datetime) -> list[tuple[str, str, str]]:
    """(login, name, doing) of everyone else present in the case, writers first; an
    agent in it from two TUIs once, writing if either is."""
    doing = sa.func.min(Presence.doing)  # "replying" before "viewing"
    rows = session.execute(
        sa.select(col(Agent.login), col(Agent.name), doing).join(
            Agent, col(Agent.id) == Presence.agent_id).where(
            col(Presence.case_id) == case_id, col(Presence.seen_at) >= now - GONE_AFTER,
            col(Presence.agent_id) != (agent_id if agent_id is not None else -1))
        .group_by(Agent.login, Agent.name).order_by(doing, Agent.login))
    return [(login, name, what) for login, name, what in rows]
