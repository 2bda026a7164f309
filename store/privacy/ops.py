"""What the store does for customers' privacy (README, "Privacy"): the original
mail as the policy allows, the history masked after the fact, one customer erased
(GDPR art. 17) or everything about them written out (art. 15)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, search
from store.core import ServiceCore
from store.errors import InvalidInput, NotFound
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
    InboundMail,
    Message,
    MessageKind,
    Outbox,
    Satisfaction,
    Setting,
    StoredFile,
)
from store.permissions import Actor, require_case, require_supervisor, unseen
from store.privacy.forget import delete_cases, delete_messages
from store.privacy.original import masked_original
from store.records import find_or_add_contact
from store.tables import id_of, table_of

MASKED_THROUGH = "privacy.masked_through"  # the last message `mask_history` did


@dataclass
class MaskRun:
    """What `mask_history` changed (or would): rows and numbers of each kind."""

    messages: int = 0
    titles: int = 0
    fields: int = 0
    originals: int = 0
    found: Counter[str] = field(default_factory=Counter)
    done: bool = False  # nothing left after this batch
    through: int = 0  # the last message looked at


@dataclass(frozen=True)
class Erasure:
    """One customer's data that goes (or went): counts, and the cases by number."""

    contacts: list[int]
    cases: list[int]  # deleted whole
    shared: list[int]  # others' cases that keep all but this person's part
    messages: int
    attachments: int
    originals: int
    outbox: int


class PrivacyOps(ServiceCore):
    """The original mail, masking after the fact, erasure and export."""

    def may_back_up(self) -> None:
        """Forbidden unless this login may copy the whole database (a supervisor)."""
        self._read(lambda session, actor: require_supervisor(actor, "back up the database"))

    def original_mail(self, message_id: int) -> bytes:
        """The mail message `message_id` came as, byte for byte: a supervisor's to
        read, or everyone's who sees the case when the originals are kept masked
        (`[privacy] keep_raw`)."""

        def work(session: Session, actor: Actor) -> bytes:
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
            return bytes(content)

        return self._read(work)

    # -- the history masked after the fact ------------------------------------

    def mask_history(self, *, dry_run: bool = False, limit: int = 2000) -> MaskRun:
        """Mask what is stored from before masking was on (or before a kind was
        added): up to `limit` messages after the last batch done, with their cases'
        titles and form fields, the index and (`keep_raw = "masked"`) the originals,
        in one transaction that also moves the mark. Call again until `done`: an
        interrupted run goes on where it stopped, nothing twice. `dry_run`: counted,
        nothing written (it still reads on from the mark)."""
        privacy = self.db.privacy

        def work(session: Session, actor: Actor) -> MaskRun:
            require_supervisor(actor, "mask the stored history")
            if not privacy.mask:
                raise InvalidInput("masking is off ([privacy] mask = []): nothing to do")
            mark = session.get(Setting, MASKED_THROUGH)
            start = int(mark.value) if mark is not None else 0
            rows = session.execute(sa.select(col(Message.id), col(Message.case_id),
                                             col(Message.text)).where(
                col(Message.id) > start, col(Message.text) != "").order_by(
                col(Message.id)).limit(limit)).all()
            return self._mask_rows(session, actor, MaskRun(), rows, start, limit, mark)

        def count(session: Session, actor: Actor) -> MaskRun:
            require_supervisor(actor, "mask the stored history")
            run = MaskRun(done=True)
            for _, _, text in session.execute(sa.select(
                    col(Message.id), col(Message.case_id), col(Message.text)).where(
                    col(Message.text) != "")).yield_per(5000):
                found = privacy.text(text).found
                run.messages += bool(found)
                run.found += found
            for (title,) in session.execute(sa.select(col(Case.title))).yield_per(5000):
                found = privacy.text(title).found
                run.titles += bool(found)
                run.found += found
            return run

        return self._read(count) if dry_run else self._write(work)

    def _mask_rows(self, session: Session, actor: Actor, run: MaskRun,
                   rows: Sequence[Any], start: int, limit: int, mark: Setting | None
                   ) -> MaskRun:
        privacy = self.db.privacy
        changed: dict[int, str] = {}
        cases: set[int] = set()
        for message_id, case_id, text in rows:
            masked = privacy.text(text)
            if masked.changed:
                changed[message_id] = masked.text
                cases.add(case_id)
                run.found += masked.found
        run.through = rows[-1][0] if rows else start
        run.done = len(rows) < limit
        # Titles and fields of every case whose messages this batch covers (a case's
        # first message is at most as new as the case).
        covered = {case_id for _, case_id, _ in rows}
        titles = {n: privacy.text(t) for n, t in session.execute(sa.select(
            table_of(Case).c.id, col(Case.title)).where(col(Case.id).in_(covered)))}
        titles = {n: m for n, m in titles.items() if m.changed}
        fields = [(n, name, privacy.text(v)) for n, name, v in session.execute(sa.select(
            col(CaseField.case_id), col(CaseField.name), col(CaseField.value)).where(
            col(CaseField.case_id).in_(covered)))]
        fields = [f for f in fields if f[2].changed]
        cases |= set(titles) | {n for n, _, _ in fields}
        with search.reindexing(session, *sorted(cases)):
            for message_id, text in changed.items():
                session.execute(sa.update(Message).where(col(Message.id) == message_id)
                                .values(text=text))
            for number, masked in titles.items():
                session.execute(sa.update(Case).where(col(Case.id) == number)
                                .values(title=masked.text))
                run.found += masked.found
            for number, name, masked in fields:
                session.execute(sa.update(CaseField).where(
                    col(CaseField.case_id) == number, col(CaseField.name) == name
                ).values(value=masked.text))
                run.found += masked.found
        if privacy.keep_raw == "masked" and rows:
            run.originals = self._mask_originals(session, [r[0] for r in rows])
        run.messages, run.titles, run.fields = len(changed), len(titles), len(fields)
        if mark is None:
            session.add(Setting(key=MASKED_THROUGH, value=str(run.through)))
        else:
            mark.value = str(run.through)
        if run.found:
            audit.record(session, actor, "privacy.mask", at=self._now(),
                         after={"through": run.through, "messages": run.messages,
                                "titles": run.titles, "found": dict(run.found)})
        return run

    def _mask_originals(self, session: Session, message_ids: list[int]) -> int:
        """The stored originals of these messages, masked in place (under the digest
        of the bytes fetched, which still finds the same mail again)."""
        done = 0
        for digest, raw in session.execute(sa.select(
                col(StoredFile.sha256), col(StoredFile.content)).join(
                InboundMail, col(InboundMail.sha256) == col(StoredFile.sha256)).where(
                col(InboundMail.message_id).in_(message_ids)).distinct()).all():
            masked = masked_original(bytes(raw), self.db.privacy.mask)
            if masked != raw:
                session.execute(sa.update(StoredFile).where(col(StoredFile.sha256) == digest)
                                .values(content=masked))
                done += 1
        return done

    # -- one customer ----------------------------------------------------------

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
                    ) -> tuple[list[int], dict[int, list[int]]]:
        """The cases that go whole, and in cases that stay, this person's messages."""
        sender = sa.func.lower(col(Message.sender_address))
        addresses = [c.email.lower() for c in contacts if c.email]
        theirs: list[int] = list(session.scalars(sa.select(col(Case.id)).where(
            col(Case.contact_id).in_([id_of(c) for c in contacts]))))
        customer = col(Message.kind) == MessageKind.CUSTOMER.value
        # Someone else wrote in one of their cases too: it stays, for them.
        shared = set(session.scalars(sa.select(col(Message.case_id)).where(
            col(Message.case_id).in_(theirs), customer, col(Message.sender_address) != "",
            sender.not_in(addresses))))
        whole = [n for n in theirs if n not in shared]
        # Their messages in cases that stay: by their address anywhere, and in their
        # own shared cases the customer lines that name no address (chat, phone).
        written = session.execute(sa.select(col(Message.case_id), table_of(Message).c.id).where(
            customer, col(Message.case_id).not_in(whole), sa.or_(
                sender.in_(addresses),
                sa.and_(col(Message.case_id).in_(sorted(shared)),
                        col(Message.sender_address) == "")),
        )).all()
        part: dict[int, list[int]] = {}
        for case_id, message_id in written:
            part.setdefault(case_id, []).append(message_id)
        return sorted(whole), part

    def erase_contact(self, who: str | int, *, dry_run: bool = False) -> Erasure:
        """Everything about one customer (an address, a phone number, or a contact's
        id), gone: the cases that are only theirs whole, and in a case someone else
        wrote in too, their messages; the contact; its audit values and change-feed
        rows. One audit record names the contact's id and the counts, nothing more.
        A supervisor's; `dry_run`: the counts, nothing done."""

        def work(session: Session, actor: Actor) -> tuple[Erasure, set[str]]:
            require_supervisor(actor, "erase a customer's data")
            contacts = self._contacts(session, who)
            whole, part = self._their_part(session, contacts)
            messages = [m for ms in part.values() for m in ms]
            in_whole = sa.select(col(Message.id)).where(col(Message.case_id).in_(whole))
            theirs = sa.or_(col(Message.id).in_(messages), col(Message.id).in_(in_whole))
            report = Erasure(
                contacts=[id_of(c) for c in contacts], cases=whole, shared=sorted(part),
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
            gone = self._erase(session, contacts, whole, part)
            audit.record(session, actor, "contact.erased", at=self._now(), after={
                "contacts": report.contacts, "cases": len(whole), "shared": len(part),
                "messages": report.messages})
            return report, gone

        report, gone = self._write(work) if not dry_run else self._read(work)
        FileStore(self.db).remove(gone)  # after the commit: an erasure rolled back keeps them
        return report

    def _erase(self, session: Session, contacts: list[Contact], whole: list[int],
               part: dict[int, list[int]]) -> set[str]:
        """The rows go; returns the digests of the files to remove after the commit."""
        ids = [id_of(c) for c in contacts]
        addresses = [c.email.lower() for c in contacts if c.email]
        with search.reindexing(session, *sorted(part)):
            digests = delete_messages(session, [m for ms in part.values() for m in ms])
            for number in part:  # a shared case is the first other customer's now
                self._hand_over(session, number, ids)
            session.execute(sa.delete(Outbox).where(  # mail to them on cases that stay
                col(Outbox.case_id).in_(sorted(part)),
                sa.func.lower(col(Outbox.to_addr)).in_(addresses)))
        digests |= delete_cases(session, whole, feed=True)
        # Audit values that could name them: their cases' (whatever they hold), any
        # that holds their address or phone number, and the contact's own.
        touched = [*whole, *part]
        session.execute(sa.update(AuditEvent).where(col(AuditEvent.case_id).in_(touched))
                        .values(before="", after=""))
        names = [json.dumps(v, ensure_ascii=False)[1:-1] for c in contacts
                 for v in (c.email, c.phone) if len(v) >= 6]
        names += [f'"contact": {i}{end}' for i in ids for end in (",", "}")]
        for name in names:
            like = f"%{name}%"
            session.execute(sa.update(AuditEvent).where(sa.or_(
                col(AuditEvent.before).like(like), col(AuditEvent.after).like(like)))
                .values(before="", after=""))
        session.execute(sa.delete(Contact).where(col(Contact.id).in_(ids)))
        return FileStore(self.db).forget(session, digests)

    def _hand_over(self, session: Session, number: int, erased: list[int]) -> None:
        case = session.get_one(Case, number)
        if case.contact_id not in erased:
            return
        # Their survey answer goes with them; the case is the other customer's now.
        session.execute(sa.delete(Satisfaction).where(col(Satisfaction.case_id) == number))
        sender = session.scalar(sa.select(col(Message.sender_address)).where(
            col(Message.case_id) == number, col(Message.kind) == MessageKind.CUSTOMER.value,
            col(Message.sender_address) != "").order_by(col(Message.id)).limit(1))
        if sender is not None:
            case.contact_id = id_of(find_or_add_contact(
                session, ContactInput(name="", email=sender), self._now()))

    def export_contact(self, who: str | int) -> dict[str, Any]:
        """Everything held about one customer (GDPR art. 15, "Vilka uppgifter har ni
        om mig?"): the contact, their cases with every message they wrote or got,
        attachments by name and size, mail sent to them, survey answers. A
        supervisor's."""

        def work(session: Session, actor: Actor) -> dict[str, Any]:
            require_supervisor(actor, "export a customer's data")
            contacts = self._contacts(session, who)
            whole, part = self._their_part(session, contacts)
            numbers = sorted({*whole, *part})
            cases = []
            for case in session.scalars(sa.select(Case).where(col(Case.id).in_(numbers))
                                        .order_by(col(Case.id))):
                mine = part.get(id_of(case))
                self.db.reads.note(actor.login, id_of(case), "export", self._now())
                messages = session.scalars(sa.select(Message).where(
                    col(Message.case_id) == case.id, col(Message.kind) != MessageKind.EVENT.value,
                    *([col(Message.id).in_(mine)] if mine is not None else []))
                    .order_by(col(Message.id)))
                cases.append({
                    "number": case.id, "title": case.title, "status": case.status,
                    "channel": session.get_one(Channel, case.channel_id).name,
                    "created_at": case.created_at.isoformat(),
                    "fields": dict(session.execute(sa.select(
                        col(CaseField.name), col(CaseField.value)).where(
                        col(CaseField.case_id) == case.id)).all()),
                    "messages": [_message(session, m) for m in messages],
                    "mail_sent": [{"to": o.to_addr, "subject": o.subject, "state": o.state,
                                   "at": o.created_at.isoformat()}
                                  for o in session.scalars(sa.select(Outbox).where(
                                      col(Outbox.case_id) == case.id))] if mine is None else [],
                    "satisfaction": _rating(session, id_of(case)) if mine is None else None,
                })
            audit.record(session, actor, "contact.exported", at=self._now(),
                         after={"contacts": [id_of(c) for c in contacts]})
            return {"contacts": [{"id": c.id, "name": c.name, "email": c.email,
                                  "phone": c.phone, "customer_type": c.customer_type,
                                  "created_at": c.created_at.isoformat()} for c in contacts],
                    "cases": cases}

        return self._write(work)


def _message(session: Session, message: Message) -> dict[str, Any]:
    attachments = session.scalars(sa.select(Attachment).where(
        col(Attachment.message_id) == message.id))
    return {"id": message.id, "kind": message.kind, "author": message.author,
            "at": message.created_at.isoformat(), "text": message.text,
            "attachments": [{"filename": a.filename, "size": a.size} for a in attachments]}


def _rating(session: Session, number: int) -> int | None:
    return session.scalar(sa.select(col(Satisfaction.rating)).where(
        col(Satisfaction.case_id) == number))

