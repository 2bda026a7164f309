"""Mail of the past (`casedesk import`): the statuses of the imported conversations,
read from their history once the whole import has landed.

The mail itself goes the poller's way (store/inbound.py: threaded, kept raw, known by
its bytes), taken by `CaseService.importer`, which moves no status and fills no
workspace while it lands. Then each conversation that is only imported mail gets the
status its last message says: the customer's and recent → New (never answered) or
Open; ours and recent → Waiting; older than `[lifecycle] solved_days` → Closed (the
next tick archives it), or Solved from today with `keep_solved`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, events, workspace
from store.core import ServiceCore
from store.inputs import MACHINE_FLAGS
from store.models import AuditEvent, Case, InboundMail, Message, MessageKind, Status
from store.permissions import SYSTEM, SYSTEM_LOGIN, Actor, require_supervisor
from store.records import sla_policy
from store.tables import id_of, table_of
from store.threads import IMPORTED

# Cases settled per transaction.
SETTLE_BATCH = 500
# The statuses of a conversation still going.
GOING = frozenset({Status.NEW, Status.OPEN, Status.WAITING})


@dataclass(frozen=True)
class Settled:
    """A conversation's status from its history: what it becomes, and its times."""

    case: int
    start: Status
    target: Status
    at: datetime  # when it became `target` (the event's time)
    last: datetime  # its last message
    stamps: dict[str, datetime | None]


def settle(case: int, start: Status, last: datetime, last_ours: bool, answered: bool, *,
           now: datetime, recent: timedelta, keep_solved: bool) -> Settled:
    """The status the history of one conversation gives it (pure)."""
    if now - last < recent:
        target = Status.WAITING if last_ours else Status.OPEN if answered else Status.NEW
        return Settled(case, start, target, last, last, {})
    if keep_solved:  # the lifecycle's clock starts today: an answer still reopens it
        return Settled(case, start, Status.SOLVED, now, last,
                       {"solved_at": now, "resolved_at": last})
    closed = min(last + recent, now)  # when the lifecycle would have closed it
    return Settled(case, start, Status.CLOSED, closed, last,
                   {"solved_at": last, "resolved_at": last, "closed_at": closed})


class ImportOps(ServiceCore):
    """What an import asks the store before it writes, and the statuses of imported
    conversations after."""

    def may_import(self) -> None:
        """Forbidden unless this login may import mail (a supervisor): the import
        itself then writes as the system (`CaseService.importer`)."""
        self._read(lambda session, actor: require_supervisor(actor, "import mail"))

    def stored_mail(self, digests: Iterable[str]) -> dict[str, int | None]:
        """Of these SHA-256 digests of mails' bytes, those already stored (by the poller
        or an import): each with the case it went to."""
        wanted = list(set(digests))

        def work(session: Session, actor: Actor) -> dict[str, int | None]:
            self._require_system(actor)
            return dict(session.execute(sa.select(
                col(InboundMail.sha256), col(InboundMail.case_id)).where(
                col(InboundMail.sha256).in_(wanted))).all()) if wanted else {}

        return self._read(work)

    def stored_message_ids(self, mail_ids: Iterable[str]) -> set[str]:
        """Of these Message-IDs, those of messages in the store (what a dry run
        counts as threads joined)."""
        wanted = list(set(mail_ids))

        def work(session: Session, actor: Actor) -> set[str]:
            self._require_system(actor)
            return {i for i in session.scalars(sa.select(col(Message.mail_message_id)).where(
                col(Message.mail_message_id).in_(wanted))) if i} if wanted else set()

        return self._read(work)

    def next_run(self, source: str) -> int:
        """The UIDVALIDITY an import's run from `source` keeps its mail under: one past
        every earlier run's, so that their keys never meet (mail is known by its bytes,
        not by where it sat in a file)."""

        def work(session: Session, actor: Actor) -> int:
            self._require_system(actor)
            return (session.scalar(sa.select(sa.func.max(col(InboundMail.uidvalidity))).where(
                col(InboundMail.mailbox) == source)) or 0) + 1

        return self._read(work)

    def settle_imported(self, cases: Iterable[int], *, recent: timedelta,
                        keep_solved: bool = False) -> Counter[str]:
        """Give each of `cases` that holds only imported mail, and that nobody but the
        system ever changed, the status its history says (`settle`) — in one
        transaction: call it with a few hundred at a time. Returns how many are now in
        each status."""
        ids = sorted(set(cases))
        return self._write(lambda session, actor: self._settle(
            session, actor, ids, recent, keep_solved)) if ids else Counter()

    def _settle(self, session: Session, actor: Actor, ids: list[int], recent: timedelta,
                keep_solved: bool) -> Counter[str]:
        self._require_system(actor)
        now, conn = self._now(), session.connection()
        said = col(Message.kind) != MessageKind.EVENT.value
        messages = dict(conn.execute(sa.select(col(Message.case_id), sa.func.count()).where(
            col(Message.case_id).in_(ids), said).group_by(col(Message.case_id))).all())
        imported = dict(conn.execute(sa.select(col(InboundMail.case_id), sa.func.count()).where(
            col(InboundMail.case_id).in_(ids), col(InboundMail.mailbox).startswith(IMPORTED),
            col(InboundMail.outcome).in_(["ingested", "quarantined"])
        ).group_by(col(InboundMail.case_id))).all())
        # Worked on in casedesk: a status, an assignee, a note — anyone's but the system's.
        worked = set(conn.execute(sa.select(col(AuditEvent.case_id)).where(
            col(AuditEvent.case_id).in_(ids), col(AuditEvent.actor) != SYSTEM_LOGIN
        ).distinct()).scalars())
        pure = [c for c, n in messages.items() if imported.get(c, 0) >= n and c not in worked]
        if not pure:
            return Counter()
        last: dict[int, tuple[datetime, bool]] = {}
        for case_id, kind, at, flags in conn.execute(sa.select(
                col(Message.case_id), col(Message.kind), col(Message.created_at),
                col(Message.flags)).where(col(Message.case_id).in_(pure), said)):
            if MACHINE_FLAGS & set(flags.split(",")):
                continue  # an out-of-office is not the customer's last word
            if case_id not in last or at >= last[case_id][0]:
                last[case_id] = (at, kind == MessageKind.REPLY.value)
        rows = conn.execute(sa.select(
            table_of(Case).c.id, col(Case.status), col(Case.first_response_at)).where(
            col(Case.id).in_(list(last)), col(Case.merged_into_id).is_(None))).all()
        settled = [settle(case_id, Status(status), *last[case_id], first is not None,
                          now=now, recent=recent, keep_solved=keep_solved)
                   for case_id, status, first in rows
                   if status != Status.ARCHIVED.value]  # (its mail goes to a follow-up)
        table = table_of(Case)
        moves = [m for m in settled if m.start != m.target]
        stays = [m for m in settled if m.start == m.target]
        if stays:  # in the lists by when its conversation last moved, not the import
            conn.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
                updated_at=sa.bindparam("b_last")), [
                {"b_id": m.case, "b_last": m.last} for m in stays])
        if moves:
            cleared = {"solved_at": None, "resolved_at": None, "closed_at": None}
            conn.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
                status=sa.bindparam("b_status"), updated_at=sa.bindparam("b_last"),
                version=table.c.version + 1, **{k: sa.bindparam(f"b_{k}") for k in cleared}), [
                {"b_id": m.case, "b_status": m.target.value, "b_last": m.last,
                 **{f"b_{k}": v for k, v in (cleared | m.stamps).items()}} for m in moves])
            # The events at their own times (what time in status reads back), the rest
            # as every status change has it (store/status_change.py).
            conn.execute(sa.insert(table_of(Message)), [
                {"case_id": m.case, "kind": MessageKind.EVENT.value, "author": SYSTEM.display,
                 "author_agent_id": None, "text": "", "flags": "", "created_at": m.at,
                 "origin_case_id": m.case, "sender_address": "", "event_kind": event.kind,
                 "event_params": event.stored()}
                for m in moves for event in [events.status(m.start.value, m.target.value,
                                                           "imported")]])
            for target in {m.target for m in moves}:
                workspace.status_changed(session, [m.case for m in moves if m.target == target],
                                         target)
            audit.record_many(session, actor, at=now, events=[
                ("case.status", m.case, {"status": m.target.value, "imported": True})
                for m in moves])
        going = {m.case: m for m in settled if m.target in GOING}
        self._going_on(session, going, now)
        return Counter(m.target.value for m in settled)

    def _going_on(self, session: Session, going: dict[int, Settled], now: datetime) -> None:
        """The conversations still going: into the workspaces, with service levels from
        when they began (a waiting one's paused since our last word)."""
        workspace.cases_arrived(session, list(going), now)
        policy = sla_policy(session)
        if policy is None or not going:
            return
        for case in session.scalars(sa.select(Case).where(col(Case.id).in_(list(going)))):
            self._apply_sla(session, case)
            if going[id_of(case)].target == Status.WAITING and policy.settings.pause_when_waiting:
                case.sla_paused_at = going[id_of(case)].last
