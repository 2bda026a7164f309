"""Mail out through a durable outbox: queued → sending → sent / failed / unknown,
each step its own commit; the network is never touched inside a transaction, and a
mail whose outcome is unknown is never sent again by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit
from store.addresses import mail_address
from store.converters import outbox_mail
from store.core import ServiceCore
from store.errors import InvalidInput
from store.fields import one_line
from store.inputs import MessageInput, OutboxMail
from store.knowledge.ops import acknowledgement_article
from store.models import (
    Case,
    Channel,
    Contact,
    Message,
    Outbox,
    OutboxState,
)
from store.permissions import (
    SYSTEM,
    Actor,
    can_see_case,
    require_case,
    unseen,
    visible_channels,
)
from store.tables import id_of, run, table_of
from store.threads import customer_mail_id, our_mail_id, reply_subject, signed
from store.triage.language import customer_language

# Pauses before each new attempt of a mail the server refused for now.
RETRY_PAUSES = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                timedelta(hours=1))


class OutboxOps(ServiceCore):
    """The outbox's states, and mail queued to go out."""

    def outbox_claim(self, limit: int = 100) -> list[OutboxMail]:
        """Due mails, marked as being sent now. Mails left "sending" by a sender that
        died are marked unknown first: whether they went out cannot be told, so they
        are never sent again by themselves (`outbox_requeue` does it on request).
        Only the sender holding the lease may call this."""

        def work(session: Session, actor: Actor) -> list[OutboxMail]:
            self._require_system(actor)
            now = self._now()
            for row in session.scalars(sa.select(Outbox).where(
                    col(Outbox.state) == OutboxState.SENDING.value)):
                self._outbox_end(session, row, OutboxState.UNKNOWN,
                                 "the sender stopped while sending it")
            # One statement for the whole claim (an ORM object and UPDATE a mail were
            # a tenth of the outbox's time, bench/mail_bench.py).
            table = table_of(Outbox)
            due = sa.select(table.c.id).where(
                table.c.state == OutboxState.QUEUED.value,
                sa.or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
            ).order_by(table.c.id).limit(limit)
            claimed = run(session, sa.update(table).where(
                table.c.id.in_(due.scalar_subquery()),
                table.c.state == OutboxState.QUEUED.value,  # (as it is once locked: PostgreSQL)
            ).values(state=OutboxState.SENDING.value, updated_at=now,
                     attempts=table.c.attempts + 1).returning(*table.c)).all()
            return sorted((outbox_mail(row) for row in claimed), key=lambda mail: mail.id)

        return self._write(work)

    def outbox_sent(self, outbox_id: int) -> None:
        self.outbox_sent_many([outbox_id])

    def outbox_sent_many(self, outbox_ids: Sequence[int]) -> None:
        """The server took these mails: sent, in one transaction (the sender marks them
        a few at a time). Only mails still "sending" change, as in `_outbox_step`."""
        ids = sorted(outbox_ids)
        if not ids:
            return

        def work(session: Session, actor: Actor) -> None:
            self._require_system(actor)
            now, table = self._now(), table_of(Outbox)
            # A statement for the rows and two for their audit and change-feed rows,
            # however many mails (an ORM unit of work took 4 ms a mail).
            ended = session.connection().execute(sa.update(table).where(
                table.c.id.in_(ids), table.c.state == OutboxState.SENDING.value,
            ).values(state=OutboxState.SENT.value, updated_at=now, last_error="").returning(
                table.c.id, table.c.case_id)).all()
            # In the change feed too: a reply on show turns from queued to sent.
            audit.record_many(session, SYSTEM, at=now, events=[
                ("outbox.sent", case_id, {"outbox": outbox_id})
                for outbox_id, case_id in sorted(ended)])

        self._write(work)

    def outbox_failed(self, outbox_id: int, error: str) -> None:
        """Refused for good (5xx): the case says so."""
        self._outbox_step(outbox_id, OutboxState.FAILED, error)

    def outbox_unknown(self, outbox_id: int, error: str) -> None:
        """The connection broke after the mail was handed over: maybe it went out."""
        self._outbox_step(outbox_id, OutboxState.UNKNOWN, error)

    def outbox_retry(self, outbox_id: int, error: str, *, give_up_after: timedelta
                     = timedelta(days=1)) -> bool:
        """A temporary failure (4xx, the network): queued again after a pause that
        grows with each attempt — or failed, a day after it was written. Returns
        whether it will be tried again."""

        def work(session: Session, actor: Actor) -> bool:
            self._require_system(actor)
            row = session.get_one(Outbox, outbox_id)
            now = self._now()
            if row.state != OutboxState.SENDING.value:
                return False
            if now - row.created_at > give_up_after:
                self._outbox_end(session, row, OutboxState.FAILED,
                                 f"still not accepted after {row.attempts} tries: {error}")
                return False
            pause = RETRY_PAUSES[min(row.attempts, len(RETRY_PAUSES)) - 1]
            row.state, row.last_error = OutboxState.QUEUED.value, one_line(error)[:1000]
            row.next_attempt_at, row.updated_at = now + pause, now
            return True

        return self._write(work)

    def outbox_requeue(self, outbox_id: int) -> None:
        """Send a failed or unknown mail again: a person's decision, never automatic."""

        def work(session: Session, actor: Actor) -> None:
            row = session.get(Outbox, outbox_id)
            if row is None or not can_see_case(session, actor, row.case_id):
                raise unseen(actor, f"outbox mail {outbox_id}")  # (its case unnamed)
            case = require_case(session, actor, row.case_id)
            if row.state not in (OutboxState.FAILED.value, OutboxState.UNKNOWN.value):
                raise InvalidInput(f"outbox mail {outbox_id} is {row.state}: only a failed "
                                   "or unknown one is sent again")
            # A day of tries from now (and its Date header: when it is sent anew).
            row.state, row.next_attempt_at, row.attempts = OutboxState.QUEUED.value, None, 0
            row.updated_at = row.created_at = self._now()
            self._event(session, case, "reply-requeued", by=actor.display, actor=actor)
            audit.record(session, actor, "outbox.requeue", at=self._now(), case_id=case.id,
                         after={"outbox": row.id})

        self._write(work)

    def outbox(self, states: Sequence[str] = ()) -> list[OutboxMail]:
        """The outbox's mails (in `states`), oldest first, of the cases the actor sees."""

        def work(session: Session, actor: Actor) -> list[OutboxMail]:
            query = sa.select(Outbox).order_by(col(Outbox.id))
            if states:
                query = query.where(col(Outbox.state).in_(list(states)))
            visible = visible_channels(session, actor)
            if visible is not None:
                query = query.join(Case, col(Case.id) == Outbox.case_id).where(
                    col(Case.channel_id).in_(visible or {-1}))
            return [outbox_mail(row) for row in session.scalars(query)]

        return self._read(work)

    def _outbox_step(self, outbox_id: int, state: OutboxState, error: str) -> None:
        def work(session: Session, actor: Actor) -> None:
            self._require_system(actor)
            row = session.get_one(Outbox, outbox_id)
            # Only the sender that claimed it ends it (a mail it no longer holds was
            # re-decided meanwhile; the later word stands).
            if row.state == OutboxState.SENDING.value:
                self._outbox_end(session, row, state, error)

        self._write(work)

    def _outbox_end(self, session: Session, row: Outbox, state: OutboxState, error: str) -> None:
        row.state, row.updated_at = state.value, self._now()
        row.last_error = one_line(error)[:1000]
        case = session.get_one(Case, row.case_id)
        if state == OutboxState.FAILED:
            self._event(session, case, "reply-failed", to=row.to_addr, error=row.last_error)
        else:
            self._event(session, case, "reply-unknown", to=row.to_addr, error=row.last_error,
                        outbox=row.id)
        audit.record(session, SYSTEM, f"outbox.{state.value}", at=self._now(),
                     case_id=case.id, after={"outbox": row.id, "error": row.last_error})

    def _acknowledge(self, session: Session, case: Case, channel: Channel,
                     first: MessageInput, template: str) -> None:
        """The automatic answer to a new case's first mail: in the conversation as an
        event, out through the outbox marked Auto-Submitted (RFC 3834)."""
        try:
            mail_address(first.sender_address)
            mail_address(channel.address)
        except InvalidInput as exc:
            # Nobody asked for this answer: the customer's mail still becomes a case
            # (raising would undo the whole batch), and a failed outbox row would only
            # invite a retry that fails again. The case says why no answer went out.
            self._event(session, case, "not-acknowledged", why=str(exc))
            return
        text = template.replace("{number}", str(case.id)).replace("{title}", case.title)
        text += acknowledgement_article(self.db.knowledge, case.title, first.text, template)
        mail_id = our_mail_id(channel.address, case.id, "ack")
        row = self._event(session, case, "acknowledged", to=first.sender_address, text=text,
                          mail_message_id=mail_id)
        session.flush()
        session.add(Outbox(
            case_id=id_of(case), message_id=id_of(row), from_addr=channel.address,
            to_addr=first.sender_address,
            subject=reply_subject(case.title, id_of(case)),
            body=signed(text, self._signature(session, case, channel, "acknowledgement")),
            mail_message_id=mail_id, in_reply_to=one_line(first.mail_message_id or ""),
            references=one_line(first.mail_message_id or ""), auto_submitted=True,
            created_at=row.created_at, updated_at=row.created_at))

    def _signature(self, session: Session, case: Case, channel: Channel, where: str) -> str:
        """The channel's signature, with the team's data-handling text under it in the
        customer's language (`[privacy] notice_sv`, `notice_en`)."""
        if not self.db.privacy.notice:
            return channel.signature
        notice = self.db.privacy.notice_for(where, customer_language(session, case.id))
        return "\n\n".join(part for part in (channel.signature.strip(), notice) if part)

    def _queue_mail(self, session: Session, case: Case, channel: Channel, row: Message) -> None:
        contact = session.get_one(Contact, case.contact_id)
        if not contact.email:
            raise InvalidInput(
                f"the contact of case #{case.id} has no email address: add one, or write a note"
            )
        try:
            mail_address(contact.email)  # the contact may be older than the check
        except InvalidInput as exc:
            raise InvalidInput(f"the reply cannot be mailed to the contact of case #{case.id}: "
                               f"{exc}; write a note instead") from None
        try:
            mail_address(channel.address)
        except InvalidInput as exc:
            raise InvalidInput(f"the channel {channel.name!r} has no address to send from: "
                               f"{exc}") from None
        mail_id = our_mail_id(channel.address, case.id, row.id)
        row.mail_message_id = mail_id
        # The thread: the mails of the case so far (theirs and ours), the newest last.
        thread = list(session.scalars(sa.select(col(Message.mail_message_id)).where(
            col(Message.case_id) == case.id, col(Message.mail_message_id).is_not(None),
            col(Message.id) != row.id).order_by(col(Message.id).desc()).limit(10)))[::-1]
        session.add(Outbox(
            case_id=id_of(case), message_id=id_of(row), from_addr=channel.address,
            to_addr=contact.email, subject=reply_subject(case.title, id_of(case)),
            body=signed(row.text, self._signature(session, case, channel, "signature")),
            mail_message_id=mail_id, in_reply_to=customer_mail_id(session, case.id),
            references=" ".join(one_line(i) for i in thread if i is not None),
            created_at=row.created_at, updated_at=row.created_at,
        ))
