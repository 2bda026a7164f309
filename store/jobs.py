"""The scheduler's set-wise jobs: advancing cases by time (auto-close, archive),
purging by the retention policy, and service-level due times and marks.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, events, status_change, statuses
from store.core import ServiceCore
from store.files import FileStore
from store.inputs import Purged
from store.lifecycle import check_transition
from store.models import (
    AuditEvent,
    Case,
    Contact,
    Message,
    Setting,
    Status,
)
from store.permissions import (
    Actor,
)
from store.privacy.forget import delete_cases, files_of
from store.records import SLA_SETTING, with_merged
from store.sla import SlaPolicy, SlaSettings
from store.statuses import ENDED
from store.tables import table_of


class JobOps(ServiceCore):
    """The scheduler's set-wise jobs."""

    def advance(self, start: str, target: str, *, since_before: datetime, why: str = "",
                limit: int = 5000, dry_run: bool = False, **why_params: object) -> list[int]:
        """The scheduler's moves, set-wise: cases that became `start` (solved, closed)
        before `since_before` move to `target` (closed, archived) — at most `limit`
        in this one transaction, so that a job interrupted between batches leaves
        every case either moved, with its event and audit, or untouched. Returns the
        numbers moved; call again until it returns none. `why`: a key of
        `events.REASONS`, with its values."""
        begin, end = Status(start), Status(target)
        stamp = status_change.STAMPED[begin][0]  # since when the cases have been `start`

        def work(session: Session, actor: Actor) -> list[int]:
            self._require_system(actor)
            check_transition(begin, end, actor.kind)
            now, conn = self._now(), session.connection()
            table = table_of(Case)
            due = sa.select(table.c.id).where(
                table.c.status == begin.value, table.c[stamp] < since_before
            ).order_by(table.c.id).limit(limit)
            if dry_run:
                return list(conn.execute(due).scalars())
            # Status and time again on the row itself: under READ COMMITTED the UPDATE
            # may have waited for a row that was reopened and solved again meanwhile.
            moved = sorted(conn.execute(sa.update(table).where(
                table.c.id.in_(due.scalar_subquery()), table.c.status == begin.value,
                table.c[stamp] < since_before
            ).values({"status": end.value, **status_change.stamps(begin, end, now),
                      "version": table.c.version + 1,
                      "updated_at": sa.case((table.c.updated_at < now, now),
                                            else_=table.c.updated_at)}
                     ).returning(table.c.id)).scalars())
            # The rest, written by the database from the moved cases, not row by row.
            status_change.record(session, actor, moved, begin, end, now, why, **why_params)
            return moved

        return self._write(work)

    def purge(self, archived_before: datetime, *, dry_run: bool = False,
              limit: int = 500) -> list[Purged]:
        """Retention: archived cases archived before `archived_before` go — their
        conversation, attachments, raw mail, and contacts no other case has — and
        with each the cases merged into it (a merged case keeps its old status and
        points to the survivor). Each leaves one audit record with no personal data
        (its number and dates), and its older audit records lose their values. At
        most `limit` archived cases per transaction; call again until it returns none.
        `dry_run`: what would go, nothing done."""

        def work(session: Session, actor: Actor) -> tuple[list[Purged], set[str]]:
            self._require_system(actor)
            archived = list(session.scalars(sa.select(Case).where(
                col(Case.status) == Status.ARCHIVED.value, col(Case.archived_at) < archived_before,
                col(Case.merged_into_id).is_(None),  # goes with its survivor
            ).order_by(col(Case.id)).limit(limit)))
            cases = with_merged(session, archived)
            ids = sorted(cases)
            if not ids:
                return [], set()
            counts = dict(session.execute(sa.select(col(Message.case_id), sa.func.count()).where(
                col(Message.case_id).in_(ids)).group_by(col(Message.case_id))).all())
            contacts = {c.contact_id for c, _ in cases.values()}
            shared = set(session.scalars(sa.select(col(Case.contact_id)).where(
                col(Case.contact_id).in_(contacts), col(Case.id).not_in(ids))))
            report = []
            going = files_of(session, ids)
            for n in ids:
                case, ended_in = cases[n]
                assert ended_in.archived_at is not None  # selected for it
                report.append(Purged(n, ended_in.archived_at, counts.get(n, 0),
                                     case.contact_id not in shared, len(going.get(n, {})),
                                     sum(going.get(n, {}).values())))
            if dry_run:
                return report, set()
            now = self._now()
            digests = delete_cases(session, ids)
            session.execute(sa.delete(Contact).where(col(Contact.id).in_(contacts - shared)))
            files = FileStore(self.db).forget(session, digests)
            # The audit trail of a purged case keeps who did what when, not the values.
            session.execute(sa.update(AuditEvent).where(col(AuditEvent.case_id).in_(ids)).values(
                before="", after=""))
            audit.record_many(session, actor, at=now, events=[
                ("case.purged", p.number, {"archived_at": p.archived_at.isoformat(),
                                           "messages": p.messages}) for p in report])
            return report, files

        report, files = self._write(work)
        FileStore(self.db).remove(files)  # after the commit: a failed purge keeps them
        return report

    def set_sla_policy(self, settings: SlaSettings, zone: str) -> int | None:
        """Store the team's service levels (`init` and every tick do, from the config).
        Unchanged: None, and nothing is written. Changed (or stored for the first
        time): new due times apply from now on, and every unfinished case that has
        none yet gets its own, counted from its creation — so cases that came in
        before the first tick are not left without. Returns how many got them."""
        text = json.dumps({"settings": settings.model_dump(), "zone": zone}, sort_keys=True)
        policy = SlaPolicy(settings, ZoneInfo(zone))

        def work(session: Session, actor: Actor) -> int | None:
            self._require_system(actor)
            row = session.get(Setting, SLA_SETTING)
            if row is not None and row.value == text:
                return None
            session.merge(Setting(key=SLA_SETTING, value=text))
            session.info.pop(SLA_SETTING, None)  # (read once per unit of work: now anew)
            audit.record(session, actor, "sla.policy", at=self._now(), after=json.loads(text))
            table = table_of(Case)
            rows = session.execute(sa.select(table.c.id, table.c.created_at, table.c.priority,
                                             col(Contact.tier)).join(
                Contact, col(Contact.id) == table.c.contact_id).where(
                table.c.first_response_due.is_(None),
                table.c.status.not_in([s.value for s in ENDED]))).all()
            # A solved case was resolved when it was solved (reports count on it).
            session.execute(sa.update(table).where(
                table.c.status == Status.SOLVED.value, table.c.resolved_at.is_(None)
            ).values(resolved_at=table.c.solved_at))
            if rows:
                session.connection().execute(sa.update(table).where(
                    table.c.id == sa.bindparam("case_id")).values(
                    {k: sa.bindparam(k) for k in ("first_response_due", "first_response_soon",
                                                  "resolution_due", "resolution_soon")}),
                    [{"case_id": r.id, **policy.due(r.created_at, r.priority, r.tier)}
                     for r in rows])
            return len(rows)

        with self.db.read() as session:  # most ticks change nothing: no write at all
            row = session.get(Setting, SLA_SETTING)
            if row is not None and row.value == text:
                return None
        return self._write(work)

    def record_sla(self, now: datetime, limit: int = 5000,
                   dry_run: bool = False) -> dict[str, list[int]]:
        """Record, once per case, that a first answer or a solution is due soon or
        overdue — set-wise: an event in the conversation, an audit record and a
        change-feed row each. Paused (waiting) and finished cases are left alone."""
        table = table_of(Case)
        checks = (("first-soon", "first_response_soon", "first_response_at"),
                  ("first-breached", "first_response_due", "first_response_at"),
                  ("resolution-soon", "resolution_soon", "resolved_at"),
                  ("resolution-breached", "resolution_due", "resolved_at"))

        def work(session: Session, actor: Actor) -> dict[str, list[int]]:
            self._require_system(actor)
            conn, found = session.connection(), {}
            for marker, when, done in checks:
                due = sa.select(table.c.id).where(
                    table.c[when] <= now, table.c[done].is_(None),
                    table.c.sla_paused_at.is_(None), table.c.merged_into_id.is_(None),
                    table.c.status.not_in(statuses.values(statuses.SLA_DONE)),
                    sa.not_(table.c.sla_events.contains(marker))).limit(limit)
                if dry_run:
                    found[marker] = sorted(conn.execute(due).scalars())
                    continue
                # The marker is checked again by the UPDATE itself, so a second
                # process recording at the same moment finds the rows taken.
                ids = sorted(conn.execute(sa.update(table).where(
                    table.c.id.in_(due.scalar_subquery()),
                    sa.not_(table.c.sla_events.contains(marker))).values(
                    sla_events=sa.case((table.c.sla_events == "", marker),
                                       else_=table.c.sla_events + "," + marker)
                ).returning(table.c.id)).scalars())
                found[marker] = ids
                if not ids:
                    continue
                status_change.add_events(session, actor, ids, events.event(f"sla-{marker}"),
                                         now)
                audit.record_set(session, actor, at=now, action=f"sla.{marker}", cases=ids)
            return found

        return self._write(work)
