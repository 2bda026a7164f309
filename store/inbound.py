"""Mail in: a batch fetched from a mailbox becomes messages on cases in one durable
transaction — the raw bytes, the key (mailbox, UIDVALIDITY, UID) and the case
together — exactly once; bounces and list mail are kept on no case of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, events, satisfaction, search, triage, workspace
from store.core import ServiceCore
from store.errors import InvalidInput
from store.fields import clean_title, one_line, plain_address
from store.files import FileStore
from store.inputs import (
    NO_AUTO_ANSWER,
    SENDER_KINDS,
    AttachmentInput,
    BounceInput,
    ContactInput,
    InboundView,
    MailInput,
    MessageInput,
    Receipt,
)
from store.lifecycle import initial_status
from store.models import (
    Case,
    Channel,
    ChannelKind,
    Contact,
    InboundMail,
    MailboxState,
    Message,
    MessageKind,
    Outbox,
    OutboxState,
    Priority,
    Satisfaction,
    StoredFile,
)
from store.permissions import (
    SYSTEM,
    Actor,
    require_supervisor,
)
from store.records import (
    channel_named,
    find_or_add_contact,
    follow_merges,
    insert_case,
    sla_policy,
)
from store.tables import id_of, table_of
from store.threads import (
    fresh_key,
    known_bytes,
    mail_title,
    message_of,
    party,
    sort_mail,
    thread_of,
)
from store.triage import routing


class TooLarge(TypedDict):
    filename: str
    megabytes: str


def too_large(filename: str, size: int) -> TooLarge:
    """The values of the event that says an attachment was left in the raw mail."""
    return {"filename": one_line(filename), "megabytes": f"{size / 1_000_000:.1f}"}


def _hold_bytes(session: Session, mails: Sequence[MailInput]) -> None:
    """PostgreSQL: no other transaction takes the same bytes until this one ends (a
    poller and an import reading one mail at once: known by its bytes, stored once).
    SQLite's write lock already makes it so."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(hashlib.sha256(m.raw).digest()[:8], "big", signed=True)
                   for m in mails})  # in order: two batches never wait on each other
    for key in keys:
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def kind_of(mail: MailInput) -> MessageKind:
    """A mail's message: the customer's, or one of ours (an import's sent mail)."""
    return SENDER_KINDS[message_of(mail).sender]


def may_answer(message: MessageInput, ours: set[str]) -> bool:
    """Whether an automatic answer may go to this mail's sender (never to machines,
    lists, those who ask for none, or ourselves: that is how mail loops start)."""
    return bool(message.sender_address) and message.sender_address not in ours and not (
        NO_AUTO_ANSWER & set(message.flags))


def mail_contact(session: Session, name: str, address: str, now: datetime) -> Contact:
    """The sender as a contact: matched by address; a mail with no usable address
    gets a contact of its own, named as the mail named it."""
    if address:
        try:
            return find_or_add_contact(session, ContactInput(name=one_line(name)[:200],
                                                              email=address), now)
        except InvalidInput:
            pass  # not one plain address: kept as a name below
    row = Contact(name=one_line(name or address)[:200] or "(no sender)", created_at=now)
    session.add(row)
    session.flush()
    return row


class InboundOps(ServiceCore):
    """Mail fetched from a mailbox, onto cases."""

    def receive_mail(self, mailbox: str, channel: str, uidvalidity: int,
                     mails: Sequence[MailInput], *, acknowledge: str | None = None
                     ) -> list[Receipt]:
        """A batch of mails fetched from `mailbox` (whose new cases go to `channel`),
        in one durable transaction: each one's raw bytes, its key (mailbox,
        UIDVALIDITY, UID) and its place on a case commit together or not at all, and
        a key already stored is never ingested again. The mailbox's position moves
        to the highest UID. Only the poller (the system identity) may call this.

        `acknowledge`: answer the first mail of each new case with this text ({number}
        and {title} filled in) — never machine mail, a list, a sender asking for no
        automatic answers, or one of our own addresses."""

        mails = [self._mask_mail(m) for m in mails]

        def work(session: Session, actor: Actor) -> list[Receipt]:
            self._require_system(actor)
            _hold_bytes(session, mails)
            ch = channel_named(session, channel)
            if ch.kind != ChannelKind.EMAIL.value:
                raise InvalidInput(f"the channel {ch.name!r} is not an email channel")
            ours = set(session.scalars(sa.select(sa.func.lower(col(Channel.address))).where(
                col(Channel.address) != "")))
            # Most mail starts a new case: those are written set-wise, a statement per
            # table for the batch; replies, duplicates and unreadable mail one by one.
            by_uid = {m.uid: m for m in mails}
            # Answers to a satisfaction survey that are a rating alone: the case's rating.
            rated = {uid: found for uid, found in satisfaction.ratings(session, mails).items()
                     if not self._seen(session, mailbox, uidvalidity, by_uid[uid])
                     } if not self._history else {}
            receipts = [self._receive_rating(session, mailbox, uidvalidity, mail, *rated[mail.uid])
                        for mail in mails if mail.uid in rated]
            fresh, answers, one_by_one = sort_mail(session, mailbox, uidvalidity, [
                m for m in mails if m.uid not in rated], self._now())
            receipts += self._receive_new(session, actor, mailbox, ch, uidvalidity, fresh)
            # Answers to the batch's own new mail: their cases exist now.
            new_case_of = {fresh_key(m): r.case for m, r in
                           zip(fresh, receipts[len(rated):], strict=True) if r.case is not None}
            receipts += self._receive_answers(session, actor, mailbox, uidvalidity, [
                (m, target if isinstance(target, int) else new_case_of[target])
                for m, target in answers])
            receipts += [self._receive_one(session, actor, mailbox, ch, uidvalidity, mail)
                         for mail in one_by_one]
            for receipt in receipts:
                mail = by_uid[receipt.uid]
                if (acknowledge and receipt.new_case and mail.message is not None
                        and may_answer(mail.message, ours)):
                    self._acknowledge(session, session.get_one(Case, receipt.case), ch,
                                      mail.message, acknowledge)
            receipts.sort(key=lambda r: r.uid)
            if self._history:  # an import's mail: no mailbox to come back to
                return receipts
            state = session.get(MailboxState, mailbox)
            if state is None:
                state = MailboxState(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=0,
                                     updated_at=self._now())
                session.add(state)
            if state.uidvalidity != uidvalidity:
                state.uidvalidity, state.last_uid = uidvalidity, 0
            state.last_uid = max([state.last_uid, *(m.uid for m in mails)])
            state.updated_at = self._now()
            return receipts

        # A bounce's attachments (the returned mail) are stored only if it is no bounce
        # of ours after all: then inside the transaction, rarely.
        FileStore(self.db).write_ahead([
            *(item.content for m in mails if m.message is not None and m.bounce is None
              for item in m.message.attachments),
            *(m.masked_raw or m.raw for m in mails if m.message is None)])  # its original.eml
        return self.db.write(lambda session: work(session, self._actor(session)), durable=True)


    def _kept(self, mail: MailInput) -> bytes:
        """The original as stored, under the digest of the bytes fetched (so the same
        mail is known again): masked when `[privacy] keep_raw` says so."""
        if self.db.privacy.keep_raw == "masked" and mail.masked_raw is not None:
            return mail.masked_raw
        return mail.raw

    @staticmethod
    def _seen(session: Session, mailbox: str, uidvalidity: int, mail: MailInput) -> bool:
        """Whether the mail was fetched before (its key, or its very bytes): then it
        goes the way of every mail seen twice."""
        return session.scalar(sa.select(sa.func.count()).where(sa.or_(
            sa.and_(col(InboundMail.mailbox) == mailbox,
                    col(InboundMail.uidvalidity) == uidvalidity,
                    col(InboundMail.uid) == mail.uid),
            sa.and_(col(InboundMail.sha256) == hashlib.sha256(mail.raw).hexdigest(),
                    known_bytes(mailbox))))) != 0

    def _receive_rating(self, session: Session, mailbox: str, uidvalidity: int,
                        mail: MailInput, survey: Satisfaction, rating: int) -> Receipt:
        """A reply to a survey that is a rating alone: kept raw, on its case as the
        rating — no message, so the case stays as it is."""
        case = satisfaction.rate(session, survey, rating, self._now(), self._event)
        digest = hashlib.sha256(mail.raw).hexdigest()
        if session.get(StoredFile, digest) is None:
            session.add(StoredFile(sha256=digest, content=self._kept(mail)))
        session.add(InboundMail(
            mailbox=mailbox, uidvalidity=uidvalidity, uid=mail.uid, sha256=digest,
            size=len(mail.raw), received_at=self._now(), outcome="rating",
            reason=f"satisfaction {rating}/5", case_id=case.id))
        return Receipt(mail.uid, "rating", case.id)

    def _receive_answers(self, session: Session, actor: Actor, mailbox: str,
                         uidvalidity: int, answers: list[tuple[MailInput, int]]
                         ) -> list[Receipt]:
        """Customers' answers on open cases, a statement per table: what
        `_append_inbound` does one by one (the reopening included), for a batch."""
        if not answers:
            return []
        now, conn = self._now(), session.connection()
        case_ids = sorted({case_id for _, case_id in answers})
        names = dict(conn.execute(sa.select(col(Case.id), col(Contact.name)).join(
            Contact, col(Contact.id) == Case.contact_id).where(col(Case.id).in_(case_ids))).all())
        with search.reindexing(session, *case_ids):
            rows = list(conn.execute(sa.insert(table_of(Message)).returning(
                table_of(Message).c.id, sort_by_parameter_order=True), [
                {"case_id": case_id, "kind": kind_of(m).value,
                 "author": one_line(m.sender_name)[:200] or message_of(m).sender_address
                 or names[case_id], "author_agent_id": None, "text": message_of(m).text,
                 "flags": ",".join(message_of(m).flags), "created_at": message_of(m).at or now,
                 "origin_case_id": case_id, "mail_message_id": message_of(m).mail_message_id,
                 "sender_address": message_of(m).sender_address}
                for m, case_id in answers]).scalars())
            answered = {c.id: c for c in session.scalars(sa.select(Case).where(
                col(Case.id).in_({case_id for _, case_id in answers})))}
            for m, case_id in answers:
                case, at = answered[case_id], message_of(m).at or now
                case.updated_at = max(case.updated_at, at)
                if kind_of(m) == MessageKind.REPLY:  # our own sent mail, imported
                    case.first_response_at = min(case.first_response_at or at, at)
            self._keep_mail(session, mailbox, uidvalidity, [m for m, _ in answers],
                            [c for _, c in answers], rows, now)
            audit.record_many(session, actor, at=now, events=[
                (f"message.{kind_of(m).value}", case_id, {"message": row})
                for (m, case_id), row in zip(answers, rows, strict=True)])
            for m, case_id in answers:
                if kind_of(m) == MessageKind.CUSTOMER:
                    self._customer_wrote(session, answered[case_id], message_of(m).flags)
            if not self._history:
                workspace.activity(session, case_ids, None, now)
        return [Receipt(m.uid, "ingested", case_id) for (m, case_id) in answers]

    def _keep_mail(self, session: Session, mailbox: str, uidvalidity: int,
                   mails: list[MailInput], cases: list[int], rows: list[int],
                   now: datetime) -> None:
        """The raw mails, their keys and attachments, for mails now on `cases` as
        messages `rows`: a statement per table."""
        conn = session.connection()
        self._attach(session, [(message_id, item) for mail, message_id in zip(
            mails, rows, strict=True) for item in message_of(mail).attachments])
        digests = [hashlib.sha256(m.raw).hexdigest() for m in mails]
        have = set(conn.execute(sa.select(col(StoredFile.sha256)).where(
            col(StoredFile.sha256).in_(digests))).scalars())
        raw = {d: self._kept(m) for d, m in zip(digests, mails, strict=True) if d not in have}
        if raw:  # raw first, in the database: atomic with the key and the case
            conn.execute(sa.insert(table_of(StoredFile)), [
                {"sha256": d, "content": content} for d, content in raw.items()])
        conn.execute(sa.insert(table_of(InboundMail)), [
            {"mailbox": mailbox, "uidvalidity": uidvalidity, "uid": m.uid, "sha256": d,
             "size": len(m.raw), "received_at": now, "outcome": "ingested", "reason": "",
             "case_id": case_id, "message_id": message_id,
             "server_done": self._history}  # (an import has no server to tell)
            for m, d, case_id, message_id in zip(mails, digests, cases, rows, strict=True)])
        for mail, case_id in zip(mails, cases, strict=True):
            if mail.too_large:
                case = session.get_one(Case, case_id)
                for filename, size in mail.too_large:
                    self._event(session, case, "attachment-too-large", at=message_of(mail).at,
                                **too_large(filename, size))

    def _receive_new(self, session: Session, actor: Actor, mailbox: str, channel: Channel,
                     uidvalidity: int, mails: list[MailInput]) -> list[Receipt]:
        """New cases for `mails` (see `store.threads.sort_mail`), a statement per table: what
        `insert_case` and `_append_inbound` do one by one, for a whole batch."""
        if not mails:
            return []
        now = self._now()
        conn = session.connection()
        messages = [message_of(m) for m in mails]
        customers = [party(m) for m in mails]  # (name, address): a sender, or whom we wrote
        # Contacts: found by address, or added.
        addresses = {address for _, address in customers if address}
        contacts: dict[str, tuple[int, str]] = {
            r.email: (r.id, r.name) for r in conn.execute(sa.select(
                col(Contact.id), col(Contact.email), col(Contact.name)).where(
                col(Contact.email).in_(addresses)))}
        # New customers with one plain address: added together (first name seen wins).
        new = {address: one_line(name)[:200] for name, address in reversed(customers)
               if plain_address(address) and address not in contacts}
        if new:
            added = conn.execute(sa.insert(table_of(Contact)).returning(
                table_of(Contact).c.id, sort_by_parameter_order=True), [
                {"name": name or address, "email": address, "phone": "",
                 "customer_type": "private", "tier": "standard", "created_at": now}
                for address, name in new.items()]).scalars()
            for (address, name), contact_id in zip(new.items(), added, strict=True):
                contacts[address] = (contact_id, name or address)
        contact_of: list[tuple[int, str]] = []
        for name, address in customers:
            if address in contacts:
                contact_of.append(contacts[address])
            else:  # no usable address: a contact of its own
                contact = mail_contact(session, name, address, now)
                contact_of.append((id_of(contact), contact.name))
        policy = sla_policy(session)
        tiers = dict(conn.execute(sa.select(col(Contact.id), col(Contact.tier)).where(
            col(Contact.id).in_({c for c, _ in contact_of}))).all()) if policy else {}
        titles = [clean_title(mail_title(m.subject)) for m in mails]
        found = [self._assess(title, m) for title, m in zip(titles, messages, strict=True)]
        priorities = [a.priority(None) or Priority.MEDIUM.value for a in found]
        began = [m.at or now for m in messages]
        ours = [kind_of(m) == MessageKind.REPLY for m in mails]  # we wrote first
        cases = list(conn.execute(sa.insert(table_of(Case)).returning(
            table_of(Case).c.id, sort_by_parameter_order=True), [
            {"title": title, "channel_id": channel.id,
             "contact_id": contact_id, "status": initial_status(escalated=False).value,
             "priority": priority, "labels": "", "flags": assessment.bits, "version": 1,
             "created_at": at, "updated_at": at, "sla_paused_hours": 0.0, "sla_events": "",
             # (service levels for the past: once its status is known, store/importing.py)
             **(policy.due(at, priority, tiers.get(contact_id, "standard"))
                if policy and not self._history else {})}
            for title, assessment, priority, (contact_id, _name), at, our_own in zip(
                titles, found, priorities, contact_of, began, ours, strict=True)]).scalars())
        rows = list(conn.execute(sa.insert(table_of(Message)).returning(
            table_of(Message).c.id, sort_by_parameter_order=True), [
            {"case_id": case_id, "kind": kind_of(mail).value,
             "author": one_line(mail.sender_name)[:200] or m.sender_address if our_own
             else name, "author_agent_id": None, "text": m.text, "flags": ",".join(m.flags),
             "created_at": at, "origin_case_id": case_id,
             "mail_message_id": m.mail_message_id, "sender_address": m.sender_address}
            for mail, m, case_id, (_id, name), at, our_own in zip(
                mails, messages, cases, contact_of, began, ours, strict=True)]
        ).scalars())
        self._keep_mail(session, mailbox, uidvalidity, mails, cases, rows, now)
        flagged = [(case_id, a, p, at) for case_id, a, p, at in zip(
            cases, found, priorities, began, strict=True) if a.findings]
        if flagged:  # the flags' events, after each first message
            what = [(case_id, at, events.event("flagged", **values))
                    for case_id, a, _p, at in flagged for values in a.events()]
            conn.execute(sa.insert(table_of(Message)), [
                {"case_id": case_id, "kind": MessageKind.EVENT.value, "author": SYSTEM.display,
                 "author_agent_id": None, "text": "", "flags": "", "created_at": at,
                 "origin_case_id": case_id, "event_kind": event.kind,
                 "event_params": event.stored()} for case_id, at, event in what])
        audit.record_many(session, actor, at=now, events=[
            *(("case.create", case_id, {"channel": channel.name, "status": "new",
                                        "contact": contact_id})
              for case_id, (contact_id, _n) in zip(cases, contact_of, strict=True)),
            *((f"message.{kind_of(mail).value}", case_id, {"message": message_id})
              for mail, case_id, message_id in zip(mails, cases, rows, strict=True)),
            *(("case.flags", case_id, {"flags": list(triage.flags_of(a.bits)),
                                       "priority": priority})
              for case_id, a, priority, _at in flagged)])
        session.flush()
        if self.db.rules is not None:  # the team's rules, case by case
            for case_id, title, message in zip(cases, titles, messages, strict=True):
                routing.route(self, session, session.get_one(Case, case_id), title, message)
        if not self._history:
            workspace.cases_arrived(session, cases, now)
        search.index_new_cases(session, cases)
        return [Receipt(m.uid, "ingested", case_id, new_case=True)
                for m, case_id in zip(mails, cases, strict=True)]

    def _receive_one(self, session: Session, actor: Actor, mailbox: str, channel: Channel,
                     uidvalidity: int, mail: MailInput) -> Receipt:
        known = session.scalar(sa.select(col(InboundMail.case_id)).where(
            col(InboundMail.mailbox) == mailbox, col(InboundMail.uidvalidity) == uidvalidity,
            col(InboundMail.uid) == mail.uid))
        if known is not None or session.scalar(sa.select(sa.func.count()).where(
                col(InboundMail.mailbox) == mailbox, col(InboundMail.uidvalidity) == uidvalidity,
                col(InboundMail.uid) == mail.uid)):
            return Receipt(mail.uid, "known", known)
        digest = hashlib.sha256(mail.raw).hexdigest()
        record = InboundMail(mailbox=mailbox, uidvalidity=uidvalidity, uid=mail.uid,
                             sha256=digest, size=len(mail.raw), received_at=self._now(),
                             outcome="ingested")
        # Raw first, in the database itself: atomic with the key and the case.
        if session.get(StoredFile, digest) is None:
            session.add(StoredFile(sha256=digest, content=self._kept(mail)))
        earlier = session.execute(sa.select(
            col(InboundMail.case_id), col(InboundMail.uidvalidity), col(InboundMail.mailbox)
        ).where(col(InboundMail.sha256) == digest, known_bytes(mailbox)).limit(1)).first()
        if earlier is not None:
            # The same bytes again (a new UIDVALIDITY, a copy in the folder, the mail
            # imported before or read from another mailbox): no new case.
            record.outcome, record.case_id = "duplicate", earlier.case_id
            record.reason = (
                f"the same mail as one read from {one_line(earlier.mailbox)}"
                if earlier.mailbox != mailbox else
                f"the same mail as before (UIDVALIDITY {earlier.uidvalidity})"
                if earlier.uidvalidity != uidvalidity else "the same mail twice")
            session.add(record)
            return Receipt(mail.uid, "duplicate", earlier.case_id)
        if mail.bounce is not None:
            # A report on a mail of ours from this channel's address: on that mail's
            # case, never a case of its own. One that matches none is ordinary mail.
            bounced = self._bounced(session, channel, mail.bounce)
            if bounced is not None:
                record.outcome, (record.case_id, record.reason) = "bounce", bounced
                session.add(record)
                return Receipt(mail.uid, "bounce", record.case_id)
        message = mail.message
        if message is None:  # unreadable: still a message on a case, the raw mail with it
            record.outcome, record.reason = "quarantined", mail.problem
            message = MessageInput(
                f"This mail could not be read ({mail.problem}). The original is attached.",
                attachments=(AttachmentInput("original.eml", mail.masked_raw or mail.raw,
                                             "message/rfc822"),))
        at = message.at or self._now()
        case = thread_of(session, mail, party(mail)[1], at)
        if case is None and mail.log_only:
            # List mail to be logged only: kept, on no case, never answered (an answer
            # in one of our threads that came through a list still lands on its case).
            record.outcome, record.reason = "logged", mail.log_only
            session.add(record)
            return Receipt(mail.uid, "logged", None)
        # Shown as the mail names its sender (an answer may come from a colleague).
        message = replace(message, author=one_line(mail.sender_name)[:200]
                          or message.sender_address)
        new = case is None
        if case is None:
            contact = mail_contact(session, *party(mail), self._now()) if mail.message \
                else mail_contact(session, mail.sender_name, "", self._now())
            if mail.recipient is None:
                message = replace(message, author=contact.name)
            title = mail_title(mail.subject)
            assessment = self._assess(title, message)
            case = insert_case(session, actor, channel, contact, title=title, escalated=False,
                               priority=assessment.priority(None), labels=(),
                               now=self._now(), flags=assessment.bits, created=at,
                               history=self._history)
            row = self._append_inbound(session, actor, case, message)
            if mail.recipient is not None:  # we wrote first: no answer to anyone yet
                case.first_response_at = None
            self._record_flags(session, actor, case, assessment, at=row.created_at)
            routing.route(self, session, case, title, message, contact=contact)
            search.index_new_case(session, id_of(case))
        else:
            case, row, _ = self._add_inbound(session, actor, case, message)
        for filename, size in mail.too_large:
            self._event(session, case, "attachment-too-large", at=row.created_at,
                        **too_large(filename, size))
        record.case_id, record.message_id = case.id, row.id
        session.add(record)
        return Receipt(mail.uid, record.outcome, case.id, new_case=new)

    def _bounced(self, session: Session, channel: Channel, bounce: BounceInput
                 ) -> tuple[int, str] | None:
        """Mark the mail of ours a bounce returns failed, the server's reason on its case
        (a delay only told there): (its case, the reason kept with the bounce); None
        when it names no mail of ours sent from `channel` (to its recipient)."""
        query = sa.select(Outbox).join(Message, col(Message.id) == Outbox.message_id).where(
            col(Message.mail_message_id).in_(list(bounce.message_ids)),
            sa.func.lower(col(Outbox.from_addr)) == channel.address.lower())
        if bounce.recipient:
            query = query.where(sa.func.lower(col(Outbox.to_addr)) == bounce.recipient)
        found = session.execute(query.limit(1)).scalar()
        if found is None:
            return self._bounced_past(session, bounce) if self._history else None
        case = follow_merges(session, session.get_one(Case, found.case_id))
        what = "acknowledgement" if found.auto_submitted else "reply"
        to = one_line(found.to_addr)
        if bounce.action != "failed":
            self._event(session, case, "delivery-delayed", why=bounce.reason, what=what,
                        to=to)
            return id_of(case), f"delayed: {bounce.reason}"[:1000]
        self._event(session, case, "delivery-failed", why=bounce.reason, what=what, to=to)
        # The server had taken it (sent), or we could not tell (unknown): now we know.
        if found.state in (OutboxState.SENT.value, OutboxState.UNKNOWN.value):
            found.state, found.updated_at = OutboxState.FAILED.value, self._now()
            found.last_error = one_line(f"returned: {bounce.reason}")[:1000]
            audit.record(session, SYSTEM, "outbox.bounced", at=self._now(), case_id=case.id,
                         after={"outbox": found.id, "error": found.last_error})
        return id_of(case), f"failed: {bounce.reason}"[:1000]

    def _bounced_past(self, session: Session, bounce: BounceInput) -> tuple[int, str] | None:
        """An imported bounce of the team's imported sent mail: told on that reply's case,
        at the bounce's time (there is no outbox row of the past to mark)."""
        found = session.scalar(sa.select(Message).where(
            col(Message.mail_message_id).in_(list(bounce.message_ids)),
            col(Message.kind) == MessageKind.REPLY.value).limit(1))
        if found is None:
            return None
        case = follow_merges(session, session.get_one(Case, found.case_id))
        failed = bounce.action == "failed"
        self._event(session, case, "delivery-failed" if failed else "delivery-delayed",
                    why=bounce.reason, what="reply", to=one_line(bounce.recipient))
        return id_of(case), f"{'failed' if failed else 'delayed'}: {bounce.reason}"[:1000]

    def inbound(self, outcomes: Sequence[str] = (), limit: int = 100) -> list[InboundView]:
        """The newest fetched mails (with these outcomes): for a supervisor, every
        skip visible — duplicates and quarantined mail with their reasons."""

        def work(session: Session, actor: Actor) -> list[InboundView]:
            require_supervisor(actor, "review the fetched mail")
            query = sa.select(InboundMail).order_by(col(InboundMail.id).desc()).limit(limit)
            if outcomes:
                query = query.where(col(InboundMail.outcome).in_(list(outcomes)))
            return [InboundView(id_of(r), r.mailbox, r.uid, r.received_at, r.outcome,
                                r.reason, r.case_id, r.size) for r in session.scalars(query)]

        return self._read(work)

    def mail_pending_on_server(self, mailbox: str, uidvalidity: int) -> list[int]:
        """UIDs whose \\Seen flag or move is still to be done (a crash came between
        the commit and the server)."""

        def work(session: Session, actor: Actor) -> list[int]:
            return list(session.scalars(sa.select(col(InboundMail.uid)).where(
                col(InboundMail.mailbox) == mailbox, col(InboundMail.uidvalidity) == uidvalidity,
                col(InboundMail.server_done).is_(False)).order_by(col(InboundMail.uid))))

        return self._read(work)

    def mail_done_on_server(self, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> None:
        def work(session: Session) -> None:
            session.execute(sa.update(InboundMail).where(
                col(InboundMail.mailbox) == mailbox, col(InboundMail.uidvalidity) == uidvalidity,
                col(InboundMail.uid).in_(list(uids))).values(server_done=True))

        if uids:
            self.db.write(work)

    def mailbox_position(self, mailbox: str) -> tuple[int, int]:
        """(UIDVALIDITY, the highest UID ingested) of a mailbox; (0, 0) when new."""

        def work(session: Session, actor: Actor) -> tuple[int, int]:
            state = session.get(MailboxState, mailbox)
            return (state.uidvalidity, state.last_uid) if state else (0, 0)

        return self._read(work)
