"""The audit log and the change feed.

Every change writes an audit event (who, when, what, before/after as JSON) and a
row in the change feed, in the same transaction as the change itself. The audit
log is append-only: nothing in casedesk adds to an event or reorders it. Only
customers' data leaves it — a purged case's events keep who did what when, not the
values; an erased customer's take their values along, and masking after the fact
(`privacy mask`) masks numbers in them (store/privacy/).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import AuditEvent, Case, Change
from store.permissions import Actor
from store.tables import run, table_of


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# Built once: a change of any kind writes these.
_EVENT = sa.insert(table_of(AuditEvent))
_CHANGE = sa.insert(table_of(Change))


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    case_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append an audit event, and a change-feed row when a case changed."""
    run(session, _EVENT, {"at": at, "actor": actor.login, "action": action,
                          "case_id": case_id, "before": _json(before), "after": _json(after)})
    run(session, _CHANGE, {"at": at, "case_id": case_id, "kind": action})


def latest_change(session: Session) -> int:
    """The newest change-feed id: poll this to learn that something changed."""
    return session.scalar(sa.select(sa.func.max(Change.id))) or 0


def record_many(session: Session, actor: Actor, *, at: datetime,
                events: Iterable[tuple[str, int | None, Any]], before: Any = None) -> None:
    """`record` for many events at once (action, case, after; one `before` for all):
    two statements."""
    rows = [(action, case_id, _json(after)) for action, case_id, after in events]
    if not rows:
        return
    run(session, _EVENT, [
        {"at": at, "actor": actor.login, "action": action, "case_id": case_id,
         "before": _json(before), "after": after} for action, case_id, after in rows])
    run(session, _CHANGE, [
        {"at": at, "case_id": case_id, "kind": action} for action, case_id, _ in rows])


@functools.cache
def _set_inserts() -> tuple[sa.Insert, sa.Insert]:
    """`record_set`'s two statements, built once (a status change writes them)."""
    case_id = table_of(Case).c.id
    events, changes = table_of(AuditEvent), table_of(Change)
    at = sa.bindparam("at", type_=events.c.at.type)
    action: sa.BindParameter[str] = sa.bindparam("action")
    moved = case_id.in_(sa.bindparam("cases", expanding=True))
    return (
        sa.insert(events).from_select(
            ["at", "actor", "action", "case_id", "before", "after"],
            sa.select(at, sa.bindparam("actor"), action, case_id, sa.bindparam("before"),
                      sa.bindparam("after")).where(moved)),
        sa.insert(changes).from_select(
            ["at", "case_id", "kind"], sa.select(at, case_id, action).where(moved)))


def record_set(session: Session, actor: Actor, *, at: datetime, action: str,
               cases: list[int], before: Any = None, after: Any = None) -> None:
    """`record` for each of `cases` (those of them that exist), the same values for
    each: two INSERT … SELECT statements, however many cases."""
    params = {"cases": cases, "at": at, "actor": actor.login, "action": action,
              "before": _json(before), "after": _json(after)}
    for statement in _set_inserts():
        run(session, statement, params)
