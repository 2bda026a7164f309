"""Presence: who else has a case open, and who is writing to its customer — so that
two agents don't answer the same customer at once.

A TUI says what its agent is doing in the case on show and renews it every
`RENEW_SECONDS`; an entry not renewed for `GONE_AFTER` belongs to a TUI that ended
or lost its connection, and is no longer shown (nor kept: the next write clears it).
One entry per agent and case, written with ON CONFLICT, so two TUIs of one agent
never fail each other. Presence is not a change to the case: it bumps no version
and adds nothing to the change feed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import Agent, Presence

DOING = ("viewing", "replying")
RENEW_SECONDS = 5
GONE_AFTER = timedelta(seconds=3 * RENEW_SECONDS)


def set_doing(session: Session, agent_id: int, case_id: int | None, doing: str | None,
              now: datetime) -> None:
    """The agent is `doing` in `case_id` (and in no other case); None: in none."""
    if doing is not None and doing not in DOING:
        raise ValueError(f"unknown presence {doing!r}")
    table = Presence.__table__  # type: ignore[attr-defined]
    session.execute(sa.delete(table).where(sa.or_(
        table.c.seen_at < now - GONE_AFTER,
        sa.and_(table.c.agent_id == agent_id,
                table.c.case_id != (case_id if doing is not None else -1)))))
    if doing is None or case_id is None:
        return
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(insert.values(agent_id=agent_id, case_id=case_id, doing=doing,
                                  seen_at=now).on_conflict_do_update(
        index_elements=["agent_id", "case_id"], set_={"doing": doing, "seen_at": now}))


def others_in(session: Session, case_id: int, agent_id: int | None,
              now: datetime) -> list[tuple[str, str, str]]:
    """(login, name, doing) of everyone else present in the case, writers first."""
    rows = session.execute(
        sa.select(Agent.login, Agent.name, Presence.doing).join(
            Agent, Agent.id == Presence.agent_id).where(
            Presence.case_id == case_id, Presence.seen_at >= now - GONE_AFTER,
            Presence.agent_id != (agent_id if agent_id is not None else -1))
        .order_by(Presence.doing, Agent.login))  # "replying" before "viewing"
    return [(login, name, doing) for login, name, doing in rows]
