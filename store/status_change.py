"""What a status change does to a case, written once: the timestamps it sets and clears,
the workspace rules, the audit record and change-feed row, the event in the
conversation. ARCHITECTURE.md ("how a key becomes an audited change").

Set-wise: one statement per table for however many cases moved together, so that a
single edit (`store/core.py`'s `_transition`) and the scheduler's nightly moves of
thousands (`store/jobs.py`'s `advance`) take the same path. The demo builds its history
from `stamps` and `event` (`store/demo/generate.py`). Who may make which move is
`store/lifecycle.py`; the service-level pause of a waiting case is `core._pause_sla`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import audit, events, workspace
from store.models import Case, Message, MessageKind
from store.permissions import Actor
from store.statuses import Status
from store.tables import run, table_of

T = TypeVar("T")
# The time a case became each status, on the case.
STAMPED = {Status.SOLVED: ("solved_at", "resolved_at"), Status.CLOSED: ("closed_at",),
           Status.ARCHIVED: ("archived_at",)}


def stamps(start: Status, target: Status, at: T) -> dict[str, T | None]:
    """The case's columns a move from `start` to `target` at `at` sets (the time it
    became solved, closed, archived) or clears (solved no more when reopened)."""
    values: dict[str, T | None] = dict.fromkeys(STAMPED.get(target, ()), at)
    if start == Status.SOLVED and target == Status.OPEN:
        values.update(dict.fromkeys(STAMPED[Status.SOLVED], None))
    return values


def event(start: Status, target: Status, why: str = "", **why_params: object) -> events.Event:
    """The event the conversation shows (`why`: a key of `events.REASONS`)."""
    return events.status(start.value, target.value, why, **why_params)


def record(session: Session, actor: Actor, cases: Iterable[int], start: Status,
           target: Status, at: datetime, why: str = "", **why_params: object) -> None:
    """The rest of a move the cases' rows already show: out of the workspaces of those
    who want cases with the new status gone, an audit record and change-feed row each,
    and the event in each conversation — a statement per table."""
    ids = list(cases)
    if not ids:
        return
    # (Each statement below flushes first: the event goes after what this unit of
    # work wrote before it.)
    workspace.status_changed(session, ids, target)
    audit.record_set(session, actor, at=at, action="case.status", cases=ids,
                     before={"status": start.value}, after={"status": target.value})
    add_events(session, actor, ids, event(start, target, why, **why_params), at)


@functools.cache
def _add_events() -> sa.Insert:
    """`add_events`' statement, built once (every status change writes it)."""
    case_id = table_of(Case).c.id
    message = table_of(Message)
    return sa.insert(message).from_select(
        ["case_id", "kind", "author", "author_agent_id", "text", "flags", "created_at",
         "origin_case_id", "sender_address", "event_kind", "event_params"],
        sa.select(case_id, sa.literal(MessageKind.EVENT.value), sa.bindparam("author"),
                  sa.bindparam("agent", type_=message.c.author_agent_id.type), sa.literal(""),
                  sa.literal(""), sa.bindparam("at", type_=message.c.created_at.type),
                  case_id, sa.literal(""), sa.bindparam("kind"), sa.bindparam("params")
                  ).where(case_id.in_(sa.bindparam("cases", expanding=True))
                          ).order_by(case_id))


def add_events(session: Session, actor: Actor, cases: list[int], what: events.Event,
               at: datetime) -> None:
    """The same event in the conversation of each of `cases`: one INSERT … SELECT."""
    run(session, _add_events(), {"cases": cases, "author": actor.display,
                                 "agent": actor.agent_id, "at": at, "kind": what.kind,
                                 "params": what.stored()})
