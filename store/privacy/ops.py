"""What the store does for customers' privacy (README, "Privacy"): the original
mail as the policy allows, the history masked after the fact, one customer erased
(GDPR art. 17) or everything about them written out (art. 15)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, search
from store.errors import NotFound
from store.fields import email_address, one_line
from store.files import FileStore
from store.inputs import ContactInput
from store.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseField,
    Channel,
    Contact,
    Draft,
    InboundMail,
    Message,
    MessageKind,
    Outbox,
    Satisfaction,
    StoredFile,
)
from store.permissions import Actor, require_case, require_supervisor, unseen
from store.privacy.forget import delete_cases, delete_messages
from store.privacy.history import HistoryOps
from store.privacy.original import masked_original
from store.records import find_or_add_contact
from store.tables import id_of, table_of


@dataclass(frozen=True)
class Erasure:
    """One customer's data that goes (or went): counts, and the cases by number."""

    contacts: list[int]
    cases: list[int]  # deleted whole
    shared: list[int]  # cases that stay without this person's part (theirs handed over)
    messages: int
    attachments: int
    originals: int
    outbox: int


class PrivacyOps(HistoryOps):
    """The original mail, masking after the fact, erasure and export."""

    def may_back_up(self) -> None:
        """Forbidden unless this login may copy the whole database (a supervisor)."""
        self._read(lambda session, actor: require_supervisor(actor, "back up the database"))

    def original_mail(self, message_id: int) -> bytes:
        """The mail message `message_id` came as, byte for byte: a supervisor's to
        read; with `[privacy] keep_raw = "masked"` everyone's who sees the case, and
        masked (also what was kept before the setting). A read in the access log."""

        def work(session: Session, actor: Actor) -> tuple[bytes, str]:
            message = session.get(Message, message_id)
            if message is None:
                raise unseen(actor, f"message {message_id}")
            require_case(session, actor, message.case_id)
            if self.db.privacy.keep_raw != "masked":
                require_supervisor(actor, "read the original mail (the config's "
                                   "[privacy] keep_raw = \"supervisors\")")
            # Kept in the database itself (ARCHITECTURE.md, "How a mail becomes a case").
            content = session.scalar(sa.select(col(StoredFile.content)).join(
                InboundMail, col(InboundMail.sha256) == col(StoredFile.sha256)).where(
                col(InboundMail.message_id) == message_id).limit(1))
            if content is None:
                raise NotFound(f"message {message_id} came as no mail")
            self.db.reads.note(actor.login, message.case_id, "original", self._now())
            return bytes(content), actor.login

        raw, _ = self._read(work)
        if self.db.privacy.keep_raw == "masked":
            return masked_original(raw, self.db.privacy.mask)
        return raw

    @staticmethod
    def _contacts(session: Session, who: str | int) -> list[Contact]:
        if isinstance(who, int):
            found = session.get(Contact, who)
            contacts = [found] if found is not None else []
        elif "@" in who:
            contacts = list(session.scalars(sa.select(Contact).where(
                sa.func.lower(col(Contact.email)) == email_address(who).lower())))
        else:
            contacts = list(session.scalars(sa.select(Contact).where(
                col(Contact.phone) == one_line(who))))
        if not contacts:
            raise NotFound(f"there is no contact {who}")
        return contacts

    def _their_part(self, session: Session, contacts: list[Contact]
                    ) -> tuple[list[int], list[int], list[int]]:
        """(the cases that go whole, their cases that stay for someone else, and in
        cases that stay, the ids of this person's messages)."""
        ids = [id_of(c) for c in contacts]
        sender = sa.func.lower(col(Message.sender_address))
        addresses = [c.email.lower() for c in contacts if c.email]
        theirs: list[int] = list(session.scalars(sa.select(col(Case.id)).where(
            col(Case.contact_id).in_(ids))))
        customer = col(Message.kind) == MessageKind.CUSTOMER.value
        # Someone else wrote in one of their cases, or another customer's case was
        # merged into it: it stays, for them.
        shared: set[int] = set(session.scalars(sa.select(table_of(Message).c.case_id).where(
            col(Message.case_id).in_(theirs), customer, col(Message.sender_address) != "",
            sender.not_in(addresses)))) | set(session.scalars(sa.select(
                table_of(Case).c.merged_into_id).where(col(Case.merged_into_id).in_(theirs),
                                                      col(Case.contact_id).not_in(ids))))
        while True:  # a case that stays, merged into one of theirs: that one stays too
            kept = set(session.scalars(sa.select(table_of(Case).c.merged_into_id).where(
                col(Case.merged_into_id).in_(theirs), col(Case.id).not_in(
                    [n for n in theirs if n not in shared])))) - shared
            if not kept:
                break
            shared |= kept
        whole = [n for n in theirs if n not in shared]
        # Their messages in cases that stay: by their address anywhere, and the
        # customer lines that name no address (chat, phone) first written in a case
        # of theirs (wherever a merge or a split has taken them since).
        first_in = sa.func.coalesce(col(Message.origin_case_id), col(Message.case_id))
        written = session.scalars(sa.select(table_of(Message).c.id).where(
            customer, col(Message.case_id).not_in(whole), sa.or_(
                sender.in_(addresses),
                sa.and_(col(Message.sender_address) == "", first_in.in_(theirs))))).all()
        return sorted(whole), sorted(shared), list(written)

    def erase_contact(self, who: str | int, *, dry_run: bool = False) -> Erasure:
        """Everything about one customer (an address, a phone number, or a contact's
        id), gone: the cases that are only theirs whole, and in a case someone else
        wrote in too (or merged into), their messages — the case then the other
        customer's; the contact; the audit values that name them and the change-feed
        and access-log rows of their cases. One audit record names the contact's id
        and the counts, nothing more. A supervisor's; `dry_run`: the counts, nothing
        done. On SQLite the freed pages are overwritten (`secure_delete`)."""

        def work(session: Session, actor: Actor) -> tuple[Erasure, set[str]]:
            require_supervisor(actor, "erase a customer's data")
            contacts = self._contacts(session, who)
            whole, shared, messages = self._their_part(session, contacts)
            in_whole = sa.select(col(Message.id)).where(col(Message.case_id).in_(whole))
            theirs = sa.or_(col(Message.id).in_(messages), col(Message.id).in_(in_whole))
            # The cases that stay but change: theirs handed over, others' they wrote in.
            touched = sorted({*shared, *session.scalars(sa.select(
                table_of(Message).c.case_id).where(col(Message.id).in_(messages)))})
            report = Erasure(
                contacts=[id_of(c) for c in contacts], cases=whole, shared=touched,
                messages=session.scalar(sa.select(sa.func.count()).where(theirs)) or 0,
                attachments=session.scalar(sa.select(sa.func.count()).select_from(Attachment)
                                           .join(Message).where(theirs)) or 0,
                originals=session.scalar(sa.select(sa.func.count()).where(sa.or_(
                    col(InboundMail.message_id).in_(messages),
                    col(InboundMail.case_id).in_(whole)))) or 0,
                outbox=session.scalar(sa.select(sa.func.count()).where(sa.or_(
                    col(Outbox.case_id).in_(whole), col(Outbox.message_id).in_(messages)))) or 0,
            )
            if dry_run:
                return report, set()
            if self.db.is_sqlite:  # what is deleted is overwritten, not left in free pages
                session.execute(sa.text("PRAGMA secure_delete = ON"))
            try:
                gone = self._erase(session, contacts, whole, shared, touched, messages)
            finally:
                if self.db.is_sqlite:
                    session.execute(sa.text("PRAGMA secure_delete = OFF"))
            audit.record(session, actor, "contact.erased", at=self._now(), after={
                "contacts": report.contacts, "cases": len(whole), "shared": len(shared),
                "messages": report.messages})
            return report, gone

        report, gone = self._write(work) if not dry_run else self._read(work)
        if not dry_run:
            FileStore(self.db).remove(gone)  # after the commit: a rollback keeps them
            self.db.checkpoint()  # nor is anything of theirs left in the -wal file
        return report

    def _erase(self, session: Session, contacts: list[Contact], whole: list[int],
               shared: list[int], touched: list[int], messages: list[int]) -> set[str]:
        """The rows go; returns the digests of the files to remove after the commit."""
        ids = [id_of(c) for c in contacts]
        addresses = [c.email.lower() for c in contacts if c.email]
        # Their mail wherever it was kept: the same bytes under another key too.
        mail = sa.or_(col(InboundMail.case_id).in_(whole),
                      col(InboundMail.message_id).in_(messages))
        digests = set(session.scalars(sa.select(col(InboundMail.sha256)).where(mail)))
        with search.reindexing(session, *touched):
            digests |= delete_messages(session, messages)
            for number in shared:  # the first other customer's now
                self._hand_over(session, number, ids)
            session.execute(sa.delete(Outbox).where(  # mail to them on cases that stay
                col(Outbox.case_id).in_(shared),
                sa.func.lower(col(Outbox.to_addr)).in_(addresses)))
        digests |= delete_cases(session, whole, feed=True)
        # What agents were writing on the cases that stay may be about them too.
        session.execute(sa.delete(Draft).where(col(Draft.case_id).in_(shared)))
        session.execute(sa.delete(InboundMail).where(col(InboundMail.sha256).in_(digests)))
        # Audit values: every one of their own cases' (the cases are gone), and those
        # that name their address, phone number or contact — never others' values.
        session.execute(sa.update(AuditEvent).where(col(AuditEvent.case_id).in_(whole))
                        .values(before="", after=""))
        names = [json.dumps(v, ensure_ascii=False).lower() for c in contacts
                 for v in (c.email, c.phone) if v]
        names += [f'"contact": {i}{end}' for i in ids for end in (",", "}")]
        for name in names:
            like = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            session.execute(sa.update(AuditEvent).where(sa.or_(
                sa.func.lower(col(AuditEvent.before)).like(like, escape="\\"),
                sa.func.lower(col(AuditEvent.after)).like(like, escape="\\")))
                .values(before="", after=""))
        session.execute(sa.delete(Contact).where(col(Contact.id).in_(ids)))
        return FileStore(self.db).forget(session, digests)

    def _hand_over(self, session: Session, number: int, erased: list[int]) -> None:
        case = session.get_one(Case, number)
        if case.contact_id not in erased:
            return
        # Their survey answer goes with them; the case is the other customer's now.
        session.execute(sa.delete(Satisfaction).where(col(Satisfaction.case_id) == number))
        session.execute(sa.delete(InboundMail).where(col(InboundMail.case_id) == number,
                                                     col(InboundMail.outcome) == "rating"))
        sender = session.scalar(sa.select(col(Message.sender_address)).where(
            col(Message.case_id) == number, col(Message.kind) == MessageKind.CUSTOMER.value,
            col(Message.sender_address) != "").order_by(col(Message.id)).limit(1))
        other = session.scalar(sa.select(col(Case.contact_id)).where(
            col(Case.merged_into_id) == number, col(Case.contact_id).not_in(erased)).limit(1))
        if sender is not None:
            case.contact_id = id_of(find_or_add_contact(
                session, ContactInput(name="", email=sender), self._now()))
        elif other is not None:
            case.contact_id = other

    def export_contact(self, who: str | int) -> dict[str, Any]:
        """Everything held about one customer (GDPR art. 15, "Vilka uppgifter har ni
        om mig?"): the contact, their cases with every message they wrote or got,
        attachments by name and size, mail sent to them, survey answers; of another
        customer's case only their own messages. A supervisor's; audited, and each
        case a read in the access log."""

        def work(session: Session, actor: Actor) -> tuple[dict[str, Any], list[int]]:
            require_supervisor(actor, "export a customer's data")
            contacts = self._contacts(session, who)
            ids = [id_of(c) for c in contacts]
            whole, shared, messages = self._their_part(session, contacts)
            mine = set(messages)
            numbers = sorted({*whole, *shared, *session.scalars(sa.select(
                table_of(Message).c.case_id).where(col(Message.id).in_(messages)))})
            cases = []
            for case in session.scalars(sa.select(Case).where(col(Case.id).in_(numbers))
                                        .order_by(col(Case.id))):
                own = case.contact_id in ids
                rows = session.scalars(sa.select(Message).where(
                    col(Message.case_id) == case.id, col(Message.kind) != MessageKind.EVENT.value)
                    .order_by(col(Message.id)))
                cases.append({
                    "number": case.id, "status": case.status,
                    "channel": session.get_one(Channel, case.channel_id).name,
                    "created_at": case.created_at.isoformat(),
                    **({"title": case.title, "fields": dict(session.execute(sa.select(
                        col(CaseField.name), col(CaseField.value)).where(
                        col(CaseField.case_id) == case.id)).all()),
                        "mail_sent": [{"to": o.to_addr, "subject": o.subject, "state": o.state,
                                       "at": o.created_at.isoformat()}
                                      for o in session.scalars(sa.select(Outbox).where(
                                          col(Outbox.case_id) == case.id))],
                        "satisfaction": _rating(session, id_of(case))} if own else {}),
                    "messages": [_message(session, m) for m in rows if own or m.id in mine],
                })
            audit.record(session, actor, "contact.exported", at=self._now(),
                         after={"contacts": ids})
            return {"contacts": [{"id": c.id, "name": c.name, "email": c.email,
                                  "phone": c.phone, "customer_type": c.customer_type,
                                  "created_at": c.created_at.isoformat()} for c in contacts],
                    "cases": cases}, numbers

        extract, numbers = self._write(work)
        login = self.login
        for number in numbers:  # (after the commit: a retried export is one read)
            self.db.reads.note(login, number, "export", self._now())
        return extract


def _message(session: Session, message: Message) -> dict[str, Any]:
    attachments = session.scalars(sa.select(Attachment).where(
        col(Attachment.message_id) == message.id))
    return {"id": message.id, "kind": message.kind, "author": message.author,
            "at": message.created_at.isoformat(), "text": message.text,
            "attachments": [{"filename": a.filename, "size": a.size} for a in attachments]}


def _rating(session: Session, number: int) -> int | None:
    return session.scalar(sa.select(col(Satisfaction.rating)).where(
        col(Satisfaction.case_id) == number))

