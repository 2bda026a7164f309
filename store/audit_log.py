"""The audit log, read (README, "The audit log"): who did what when, newest first, for
a case, an agent or a time. Supervisors read all of it; an agent, the events of the
cases they may read — never the team's own changes (agents, channels, quick replies),
nor a case of a channel they are not in (answered as one that does not exist).
Written only by store/audit.py, in the transaction of each change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.core import ServiceCore
from store.errors import InvalidInput
from store.models import AuditEvent, Case, CaseRead
from store.permissions import (
    Actor,
    can_see_case,
    require_supervisor,
    unseen,
    visible_channels,
)
from store.records import sla_policy

MOST_EVENTS = 10_000
SHOWN_CHARS = 60  # of one value, in the line that says what an event changed


@dataclass(frozen=True)
class AuditView:
    """One audit event: `before` and `after` as the change recorded them (None: none)."""

    id: int
    at: datetime
    actor: str
    action: str
    case: int | None
    before: Any
    after: Any


@dataclass(frozen=True)
class ReadView:
    """One read of a case (the access log): who, which case, when, how."""

    at: datetime
    login: str
    case: int
    via: str


def _value(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:  # written as JSON always; an old row of another shape, as it is
        return text


def changed(before: Any, after: Any) -> str:
    """What an event changed, as a line: `status: new → open`, key by key (untrusted
    text as it is: the caller sanitizes it for the terminal)."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return " → ".join(_short(v) for v in (before, after) if v is not None)
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    said = []
    for key in sorted(set(before) | set(after)):
        if key in before and key in after:
            if before[key] != after[key]:
                said.append(f"{key}: {_short(before[key])} → {_short(after[key])}")
        elif key in after:
            said.append(f"{key}: {_short(after[key])}")
        else:
            said.append(f"{key}: {_short(before[key])} (removed)")
    return ", ".join(said)


def _short(value: Any) -> str:
    text = " ".join((value if isinstance(value, str) else str(value)).split())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


class AuditOps(ServiceCore):
    """The audit log, as the actor may read it."""

    def audit_events(self, *, case: int | None = None, agent: str | None = None,
                     since: date | datetime | None = None, limit: int = 200,
                     before: int | None = None) -> list[AuditView]:
        """The newest events first, `limit` at most (`before` an event id: the ones
        older than it, for the next page): of case `case`, done by login `agent`, at
        `since` or later (a date: from its midnight in the team's time zone)."""
        if not 1 <= limit <= MOST_EVENTS:
            raise InvalidInput(f"the limit is from 1 to {MOST_EVENTS:,}")

        def work(session: Session, actor: Actor) -> list[AuditView]:
            query = sa.select(AuditEvent)
            if case is not None:
                if not can_see_case(session, actor, case) and not (
                        actor.sees_everything):  # (a purged case's events: a supervisor's)
                    raise unseen(actor, f"case #{case}")
                query = query.where(col(AuditEvent.case_id) == case)
            visible = visible_channels(session, actor)
            if visible is not None:  # an agent: the cases of their channels only —
                # asked of each event, newest first, until the page is full (a join
                # would read every visible case's events and sort them)
                query = query.where(sa.exists().where(
                    col(Case.id) == AuditEvent.case_id,
                    col(Case.channel_id).in_(visible or (-1,))))
            if agent is not None:
                query = query.where(col(AuditEvent.actor) == agent.strip())
            if since is not None:
                query = query.where(col(AuditEvent.at) >= self._moment(session, since))
            if before is not None:
                query = query.where(col(AuditEvent.id) < before)
            rows = session.scalars(query.order_by(col(AuditEvent.id).desc()).limit(limit))
            return [AuditView(r.id or 0, r.at.replace(tzinfo=UTC), r.actor, r.action,
                              r.case_id, _value(r.before), _value(r.after)) for r in rows]

        return self._read(work)

    def case_reads(self, *, case: int | None = None, agent: str | None = None,
                   limit: int = 200) -> list[ReadView]:
        """The access log, newest first: who read case `case`, what login `agent`
        read. A supervisor's (it tells of everyone's work). Reads still waiting in
        this process are written first."""
        if not 1 <= limit <= MOST_EVENTS:
            raise InvalidInput(f"the limit is from 1 to {MOST_EVENTS:,}")
        self.db.reads.flush()

        def work(session: Session, actor: Actor) -> list[ReadView]:
            require_supervisor(actor, "read the access log")
            query = sa.select(CaseRead)
            if case is not None:
                query = query.where(col(CaseRead.case_id) == case)
            if agent is not None:
                query = query.where(col(CaseRead.login) == agent.strip())
            rows = session.scalars(query.order_by(col(CaseRead.id).desc()).limit(limit))
            return [ReadView(r.at.replace(tzinfo=UTC), r.login, r.case_id, r.via)
                    for r in rows]

        return self._read(work)

    @staticmethod
    def _moment(session: Session, since: date | datetime) -> datetime:
        """`since` as a moment; a date's midnight where the team is (its service
        levels' time zone; this machine's without them)."""
        if not isinstance(since, datetime):
            policy = sla_policy(session)
            midnight = datetime.combine(since, time())
            # (this machine's zone as it was on that date, summer time or not)
            since = (midnight.replace(tzinfo=policy.calendar.zone) if policy is not None
                     else midnight.astimezone())
        if since.tzinfo is None:
            raise InvalidInput("a time to read the audit log from needs its time zone")
        return since.astimezone(UTC)
