"""The unit of work every operation is: resolve who acts, check, change, record the
event and the audit, commit — and what several kinds of operation share (a status
change's effects, a message arriving, attachments). ARCHITECTURE.md tells the whole.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, events, satisfaction, search, status_change, triage, workspace
from store.case_pages import CasePages
from store.db import WRITE_ATTEMPTS, Database
from store.errors import Conflict, Forbidden, InvalidInput, ReadOnly
from store.fields import fitting_labels, one_line
from store.files import FileStore
from store.inputs import (
    MACHINE_FLAGS,
    SENDER_KINDS,
    AttachmentInput,
    Clock,
    MailInput,
    MessageInput,
    utcnow,
)
from store.lifecycle import ActorKind, check_transition, work_begins
from store.models import (
    Agent,
    Attachment,
    Case,
    Channel,
    Contact,
    Message,
    MessageKind,
    Status,
    Watch,
    WorkspaceEntry,
)
from store.permissions import (
    SYSTEM,
    SYSTEM_LOGIN,
    Actor,
    KnownActor,
    know_actor,
    require_channel,
    require_supervisor,
)
from store.privacy.original import masked_original
from store.records import (
    add_link,
    agent_named,
    can_see,
    follow_merges,
    insert_case,
    login_of,
    open_follow_up,
    sla_policy,
)
from store.statuses import ENDED, REOPENED_BY_CUSTOMER
from store.tables import id_of, table_of
from store.triage import routing
from store.views import AgentView, Landing

T = TypeVar("T")
# The rows of an agent on a case.
_AgentRow = TypeVar("_AgentRow", Watch, WorkspaceEntry)


# Clocks differ a little; a message time further ahead is a mistake.
FUTURE_SLACK = timedelta(minutes=5)


class ServiceCore:
    """The store as one identity sees it. `login` is resolved to an agent in every
    unit of work, so a changed membership or a deactivation takes effect at once."""

    def __init__(self, db: Database, login: str, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.login = login
        self.clock = clock
        self._system = False
        self._read_all = False
        # Mail of the past being imported (store/importing.py): it lands as it was,
        # moving no status and filling no workspace; its statuses come from its history.
        self._history = False
        # The case list's statements and who the actor is, kept (store/case_pages.py).
        self.pages = CasePages(db)
        # Who `login` is, and what they may see, while the team stays as it was.
        self._known: KnownActor | None = None
        # This process's own presence entry (an agent may run two TUIs).
        self.presence_holder = f"{os.getpid()}:{secrets.token_hex(8)}"

    @classmethod
    def system(cls, db: Database, *, clock: Clock = utcnow) -> Self:
        """The scheduler's and the poller's identity: never reachable through a login."""
        service = cls(db, SYSTEM_LOGIN, clock=clock)
        service._system = True
        return service

    @classmethod
    def importer(cls, db: Database, *, clock: Clock = utcnow) -> Self:
        """The system identity taking in mail of the past (`casedesk import`)."""
        service = cls.system(db, clock=clock)
        service._history = True
        return service

    @classmethod
    def read_all(cls, db: Database, login: str, *, clock: Clock = utcnow) -> Self:
        """A supervisor's look at every case, changing nothing (`casedesk --read-all`):
        on a database opened read-only; anyone but a supervisor is refused at once."""
        if not db.read_only:
            raise ValueError("read-all needs a database opened with read_only=True")
        service = cls(db, login, clock=clock)
        service._read_all = True
        service.whoami()  # the refusal, before anything is shown
        return service

    if TYPE_CHECKING:
        # Defined by the service's mixins (store/team.py, store/outbox.py), used by others.
        def whoami(self) -> AgentView: ...

        def _acknowledge(self, session: Session, case: Case, channel: Channel,
                         first: MessageInput, template: str) -> None: ...

        def _queue_mail(self, session: Session, case: Case, channel: Channel,
                        row: Message) -> None: ...

    @property
    def reads_only(self) -> bool:
        return self._read_all

    def _actor(self, session: Session) -> Actor:
        if self._system:
            return SYSTEM
        known = self._known = know_actor(session, self.login, self._known)
        actor = known.actor
        if self._read_all:
            require_supervisor(actor, "read every case (--read-all)")
        return actor

    def _write(self, work: Callable[[Session, Actor], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
        if self._read_all:
            raise ReadOnly()
        return self.db.write(lambda session: work(session, self._actor(session)),
                             attempts=attempts)

    def _read(self, work: Callable[[Session, Actor], T]) -> T:
        with self.db.read() as session:
            return work(session, self._actor(session))

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return now

    def _add_inbound(self, session: Session, actor: Actor, case: Case,
                     message: MessageInput) -> tuple[Case, Message, Landing]:
        """`message` on `case` — or on its survivor, if merged, or on a new follow-up
        case, if it has ended. Returns the case it landed on, the message, and where
        it landed said against the case asked for."""
        asked, merged_into = id_of(case), None
        if case.merged_into_id is not None:
            merged, case = case, follow_merges(session, case)
            merged_into = id_of(case)
            require_channel(session, actor, case.channel_id,
                            f"the channel of case #{case.id}, which #{merged.id} was merged "
                            "into")
        # Machine mail (auto-replies, bounces) never opens a follow-up case: it is
        # kept, flagged, on the ended case.
        machine = MACHINE_FLAGS & set(message.flags)
        if Status(case.status) in ENDED and message.sender == "customer" and not machine:
            old = case
            follow_up = open_follow_up(session, old)
            if follow_up is not None:  # the customer wrote again already: that case
                with search.reindexing(session, follow_up.id):
                    row = self._append_inbound(session, actor, follow_up, message)
                return follow_up, row, Landing(id_of(follow_up), asked, merged_into,
                                               follow_up_of=id_of(old))
            # A new case: triage looks at what the customer wrote now (not the title:
            # "Site is down" followed up with "thanks, all good now" is no outage).
            assessment = self._assess("", message)
            case = insert_case(
                session, actor, session.get_one(Channel, old.channel_id),
                session.get_one(Contact, old.contact_id), title=old.title,
                escalated=False, priority=assessment.priority(None) or old.priority,
                # (those that fit: a case from before the limits must not stop a mail)
                labels=fitting_labels(old.labels.split(",")), now=self._now(),
                flags=assessment.bits, created=message.at, history=self._history,
            )
            add_link(session, id_of(old), id_of(case), "follow-up", self._now())
            self._event(session, case, "follow-up-of", number=old.id, status=old.status)
            self._event(session, old, "followed-up", number=case.id)
            row = self._append_inbound(session, actor, case, message)
            self._record_flags(session, actor, case, assessment, at=row.created_at)
            routing.route(self, session, case, "", message)
            search.index_new_case(session, id_of(case))
            return case, row, Landing(id_of(case), asked, merged_into, follow_up_of=id_of(old),
                                      new_case=True)
        with search.reindexing(session, case.id):
            row = self._append_inbound(session, actor, case, message)
        return case, row, Landing(id_of(case), asked, merged_into)

    def _require_system(self, actor: Actor) -> None:
        if actor.kind != ActorKind.SYSTEM:
            raise Forbidden("only casedesk's own sender and poller do this")

    def _append_inbound(
        self, session: Session, actor: Actor, case: Case, message: MessageInput
    ) -> Message:
        kind = SENDER_KINDS.get(message.sender)
        if kind is None:
            raise InvalidInput(
                f"unknown sender {message.sender!r}: use customer, agent or ai"
            )
        at = message.at or self._now()
        if at.tzinfo is None:
            raise InvalidInput("a message time needs a time zone (for example 2026-03-01T10:00Z)")
        if at > self._now() + FUTURE_SLACK:
            raise InvalidInput(f"the message time {at.isoformat()} is in the future")
        if kind == MessageKind.CUSTOMER:
            author = message.author or session.get_one(Contact, case.contact_id).name
            agent_id = None
        elif kind == MessageKind.AI:
            author = message.author or "AI agent"
            agent_id = None
        else:  # (a reply of the past, imported, is its sender's: no agent of ours)
            author = message.author or actor.display
            agent_id = actor.agent_id if not self._history else None
        row = Message(
            case_id=id_of(case), kind=kind.value, author=author, text=message.text,
            author_agent_id=agent_id, flags=",".join(message.flags), created_at=at,
            origin_case_id=case.id, mail_message_id=message.mail_message_id,
            sender_address=message.sender_address,
        )
        session.add(row)
        session.flush()
        self._store_attachments(session, row, message.attachments)
        case.updated_at = max(case.updated_at, at)
        if kind == MessageKind.REPLY:
            if case.first_response_at is None:
                case.first_response_at = at
            # An agent's line in a chat transcript: an agent answered, the work began.
            self._work_begins(session, actor, case, "answered")
        if kind == MessageKind.CUSTOMER:
            self._customer_wrote(session, case, message.flags)
        audit.record(session, actor, f"message.{kind.value}", at=self._now(), case_id=case.id,
                     after={"message": row.id})
        if not self._history:
            workspace.activity(session, [id_of(case)], agent_id, self._now())
        return row

    def _store_attachments(
        self, session: Session, message: Message, attachments: Sequence[AttachmentInput]
    ) -> None:
        self._attach(session, [(id_of(message), a) for a in attachments])

    def _attach(self, session: Session, items: Sequence[tuple[int, AttachmentInput]]) -> None:
        """Store attachments' bytes (once each) and their rows: (message id, file)."""
        if not items:
            return

        files = FileStore(self.db)
        session.connection().execute(sa.insert(table_of(Attachment)), [
            {"message_id": message_id, "filename": one_line(item.filename)[:500],
             "content_type": one_line(item.content_type)[:200] or "application/octet-stream",
             "size": len(item.content), "sha256": files.put(session, item.content)}
            for message_id, item in items])

    def _drop_unseeing(self, session: Session, actor: Actor, case: Case) -> None:
        """After a merge or a channel move: watches and workspace entries of agents who
        can no longer see the case go (they could neither read nor remove them)."""
        self._drop_unseeing_rows(session, actor, case, Watch)
        self._drop_unseeing_rows(session, actor, case, WorkspaceEntry)

    def _drop_unseeing_rows(self, session: Session, actor: Actor, case: Case,
                            table: type[_AgentRow]) -> None:
        rows = session.scalars(sa.select(table).where(col(table.case_id) == case.id)).all()
        for row in rows:
            login = login_of(session, row.agent_id)
            if login and not can_see(session, login, case):
                session.delete(row)
                audit.record(session, actor, f"{table.__tablename__}.remove", at=self._now(),
                             case_id=case.id, after={"agent": login,
                                                     "why": "cannot see the case"})

    def _agent_for(self, session: Session, actor: Actor, login: str | None, what: str) -> Agent:
        if login is None or login == actor.login:
            if actor.agent_id is None:
                raise Forbidden(f"{actor.login} has no workspace or watches")
            return session.get_one(Agent, actor.agent_id)
        require_supervisor(actor, what)
        return agent_named(session, login)

    def _require_human(self, actor: Actor, what: str, *, allow_system: bool = False) -> None:
        """Replies, notes, merges, splits and assignments are people's work (an AI agent
        hands over through ingest; the scheduler and poller never answer)."""
        if actor.kind in (ActorKind.AGENT, ActorKind.SUPERVISOR):
            return
        if allow_system and actor.kind == ActorKind.SYSTEM:
            return
        raise Forbidden(f"only a human agent can {what}")

    def _check_version(self, case: Case, expected: int | None) -> None:
        if expected is not None and expected != case.version:
            raise Conflict(id_of(case), expected, case.version)

    def _bump(self, case: Case) -> None:
        case.version += 1
        case.updated_at = max(case.updated_at, self._now())

    def _transition(self, session: Session, actor: Actor, case: Case, target: Status, *,
                    why: str = "", checked: bool = True, bump: bool = True) -> None:
        """Move `case` to `target` if the lifecycle allows `actor` to, with every effect
        of a move (store/status_change.py); `why`: a key of `events.REASONS`.
        `checked=False`: a move the lifecycle makes itself (`lifecycle.work_begins`);
        `bump=False`: the change it is part of counts the case's version already."""
        start = Status(case.status)
        if checked:
            check_transition(start, target, actor.kind)
        if start == target:
            return
        now = self._now()
        case.status = target.value
        for column, value in status_change.stamps(start, target, now).items():
            setattr(case, column, value)
        self._pause_sla(session, case, start, target, now)
        if bump:
            self._bump(case)
        assert case.id is not None  # a stored case
        status_change.record(session, actor, [case.id], start, target, now, why)
        if target == Status.SOLVED and self.db.csat:
            satisfaction.ask(session, case, now, self._event)

    def _work_begins(self, session: Session, actor: Actor, case: Case, why: str, *,
                     bump: bool = True) -> None:
        """A case waiting for an agent (new, escalated) is Open once one takes it, it
        is assigned, or an agent answers it (`lifecycle.work_begins`)."""
        target = work_begins(Status(case.status))
        if target is not None and not self._history:
            self._transition(session, actor, case, target, why=why, checked=False, bump=bump)

    def _customer_wrote(self, session: Session, case: Case, flags: Iterable[str]) -> None:
        """A customer's own reply reopens a waiting or solved case; their auto-replies
        and bounces never change a case's status."""
        if self._history:
            return
        if not MACHINE_FLAGS & set(flags) and Status(case.status) in REOPENED_BY_CUSTOMER:
            self._transition(session, SYSTEM, case, Status.OPEN, why="customer-replied")

    def _apply_sla(self, session: Session, case: Case, tier: str | None = None) -> None:
        """Due times anew from the case's creation (a new priority), the pauses counted.
        `tier`: the contact's, when the caller has it at hand."""
        policy = sla_policy(session)
        if policy is None:
            return
        tier = tier if tier is not None else session.get_one(Contact, case.contact_id).tier
        for key, value in policy.due(case.created_at, case.priority, tier,
                                     case.sla_paused_hours).items():
            setattr(case, key, value)

    def _pause_sla(self, session: Session, case: Case, start: Status, target: Status,
                   now: datetime) -> None:
        """The clocks stand still while the case waits for the customer."""
        policy = sla_policy(session)
        if policy is None:
            return
        if target == Status.WAITING and policy.settings.pause_when_waiting:
            case.sla_paused_at = now
        elif start == Status.WAITING and case.sla_paused_at is not None:  # even if since off
            case.sla_paused_hours += policy.calendar.hours_between(case.sla_paused_at, now)
            case.sla_paused_at = None
            self._apply_sla(session, case)

    # -- what people write, masked where it comes in (store/privacy) ----------

    def _mask(self, text: str) -> str:
        return self.db.privacy.text(text).text

    def _mask_message(self, message: MessageInput) -> MessageInput:
        masked = self._mask(message.text)
        return message if masked == message.text else replace(message, text=masked)

    def _mask_mail(self, mail: MailInput) -> MailInput:
        """A fetched mail's subject and text masked; its original too when it is kept
        masked or could not be read (then its `original.eml` is on the case)."""
        message = self._mask_message(mail.message) if mail.message is not None else None
        masked_raw = None
        if self.db.privacy.mask and (message is None or self.db.privacy.keep_raw == "masked"):
            masked_raw = masked_original(mail.raw, self.db.privacy.mask)
        return replace(mail, message=message, subject=self._mask(mail.subject),
                       masked_raw=masked_raw if masked_raw != mail.raw else None)

    def _assess(self, title: str, message: MessageInput | None) -> triage.Assessment:
        """Triage's detectors on a new case (store/triage) and the customer's message that
        starts it: before it is inserted, so that its priority, and the service levels
        that follow from it, start right."""
        if message is None:
            return triage.Assessment()
        return triage.assess_message(self.db.detectors, title, message)

    def _record_flags(self, session: Session, actor: Actor, case: Case,
                      assessment: triage.Assessment, at: datetime | None = None) -> None:
        """A new case's flags as events in its conversation (at the time of the message
        that set them, `at`, with its words) and in the audit."""
        for values in assessment.events():
            self._event(session, case, "flagged", at=at, flag=values["flag"],
                        words=values["words"])
        if assessment.findings:
            audit.record(session, actor, "case.flags", at=self._now(), case_id=case.id,
                         after={"flags": list(triage.flags_of(assessment.bits)),
                                "priority": case.priority})

    def _event(self, session: Session, case: Case, kind: str, *, actor: Actor = SYSTEM,
               mail_message_id: str | None = None, at: datetime | None = None,
               **params: object) -> Message:
        """A system event in the case's conversation (audit has the details): its kind
        and values, store/events.py."""
        what = events.event(kind, **params)
        row = Message(case_id=id_of(case), kind=MessageKind.EVENT.value, author=actor.display,
                      author_agent_id=actor.agent_id, created_at=at or self._now(),
                      origin_case_id=case.id, event_kind=what.kind,
                      event_params=what.stored(), mail_message_id=mail_message_id)
        session.add(row)
        return row
