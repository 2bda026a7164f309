"""The store's API: every operation on cases, agents and channels.

Each method is one unit of work — it opens a transaction, resolves who is acting,
checks permissions and the lifecycle, changes what it must, writes the audit event
and the system event, commits, and returns frozen views. The TUI, the CLI, the
poller, the scheduler and ingest all call this; none of them writes SQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import audit, ingest_keys, presence, queries, search, workspace
from store.addresses import mail_address
from store.db import Database
from store.errors import Conflict, Forbidden, InvalidInput, NotFound, ReadOnly
from store.files import FileStore
from store.lifecycle import (
    ENDED,
    REOPENED_BY_CUSTOMER,
    ActorKind,
    allowed_targets,
    check_transition,
    initial_status,
    parse_status,
)
from store.models import (
    Agent,
    AgentPreference,
    Attachment,
    AuditEvent,
    Case,
    CaseLink,
    Channel,
    ChannelKind,
    ChannelMember,
    Contact,
    InboundMail,
    MailboxState,
    Mention,
    Message,
    MessageKind,
    Outbox,
    OutboxState,
    Presence,
    Priority,
    QuickReply,
    Setting,
    Status,
    StoredFile,
    Watch,
    WorkspaceEntry,
)
from store.permissions import (
    SYSTEM,
    SYSTEM_LOGIN,
    Actor,
    can_see_case,
    check_login,
    require_case,
    require_channel,
    require_supervisor,
    resolve_actor,
    unseen,
    visible_channels,
)
from store.queries import CaseFilter, GroupCount, Grouping, Resolved
from store.sla import SlaPolicy, SlaSettings
from store.views import (
    AgentTally,
    AgentView,
    AttachmentView,
    CaseRow,
    CaseView,
    ChannelView,
    ContactView,
    MessageView,
    PresenceView,
)
from store.workspace import WorkspacePrefs

T = TypeVar("T")
Clock = Callable[[], datetime]

MENTION_RE = re.compile(r"(?<![\w@])@([a-z_](?:[a-z0-9_.-]*[a-z0-9_])?)", re.IGNORECASE)
MACHINE_FLAGS = frozenset({"auto-reply", "bounce", "bulk"})
# Clocks differ a little; a message time further ahead is a mistake.
FUTURE_SLACK = timedelta(minutes=5)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ContactInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    customer_type: str | None = None
    tier: str | None = None
    id: int | None = None  # a known contact, picked by its number (the rest is ignored)


@dataclass(frozen=True)
class AttachmentInput:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class MessageInput:
    """A line of a conversation arriving from outside: `sender` is customer, agent or ai."""

    text: str
    sender: str = "customer"
    at: datetime | None = None
    author: str = ""
    flags: tuple[str, ...] = ()
    mail_message_id: str | None = None
    attachments: tuple[AttachmentInput, ...] = ()
    sender_address: str = ""


@dataclass(frozen=True)
class MailInput:
    """A mail as read from the server, for `CaseService.receive_mail`: `raw` always;
    what parsing made of it in `message` (None: it could not be parsed, `problem`
    says why), and the threading facts."""

    uid: int
    raw: bytes
    message: MessageInput | None
    subject: str = ""
    sender_name: str = ""
    thread_ids: tuple[str, ...] = ()  # what it answers, nearest first
    case_tag: int | None = None  # a [#number] in the subject
    problem: str = ""
    # Attachments over the size limit: (filename, size), mentioned on the case.
    too_large: tuple[tuple[str, int], ...] = ()
    bounce: BounceInput | None = None  # a report that a mail did not arrive
    log_only: str = ""  # kept and logged with this reason, on no case (list mail)


@dataclass(frozen=True)
class BounceInput:
    """A bounce: the Message-IDs of the mail it returns, to whom, and why."""

    message_ids: tuple[str, ...]
    recipient: str
    reason: str
    failed: bool  # False: delayed, not lost


@dataclass(frozen=True)
class OutboxMail:
    """A reply in the outbox, as the sender needs it."""

    id: int
    case: int
    state: str
    from_addr: str
    to_addr: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str
    references: str
    created_at: datetime
    attempts: int
    last_error: str
    auto_submitted: bool = False


# Pauses before each new attempt of a mail the server refused for now.
RETRY_PAUSES = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                timedelta(hours=1))


@dataclass(frozen=True)
class Receipt:
    """What became of one fetched mail."""

    uid: int
    outcome: str  # ingested | duplicate | quarantined | known (already ingested)
    case: int | None
    new_case: bool = False


@dataclass(frozen=True)
class Purged:
    """A case the retention policy removes (or would)."""

    number: int
    archived_at: datetime
    messages: int
    contact_removed: bool


@dataclass(frozen=True)
class InboundView:
    """A fetched mail as a supervisor reviews it."""

    id: int
    mailbox: str
    uid: int
    received_at: datetime
    outcome: str
    reason: str
    case: int | None
    size: int


SENDER_KINDS = {"customer": MessageKind.CUSTOMER, "agent": MessageKind.REPLY, "ai": MessageKind.AI}


def _one_line(text: str) -> str:
    """One line of text, control characters and line breaks as spaces (mail headers,
    names of agents and channels). Not the terminal's sanitizer: that is tui.sanitize."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _labels(labels: Iterable[str]) -> str:
    clean = sorted({_one_line(label).replace(",", " ").strip() for label in labels} - {""})
    return ",".join(clean)


class CaseService:
    """The store as one identity sees it. `login` is resolved to an agent in every
    unit of work, so a changed membership or a deactivation takes effect at once."""

    def __init__(self, db: Database, login: str, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.login = login
        self.clock = clock
        self._system = False
        self._read_all = False
        # This process's own presence entry (an agent may run two TUIs).
        self.presence_holder = f"{os.getpid()}:{secrets.token_hex(8)}"

    @classmethod
    def system(cls, db: Database, *, clock: Clock = utcnow) -> CaseService:
        """The scheduler's and the poller's identity: never reachable through a login."""
        service = cls(db, SYSTEM_LOGIN, clock=clock)
        service._system = True
        return service

    @classmethod
    def read_all(cls, db: Database, login: str, *, clock: Clock = utcnow) -> CaseService:
        """A supervisor's look at every case, changing nothing (`casedesk --read-all`):
        on a database opened read-only; anyone but a supervisor is refused at once."""
        if not db.read_only:
            raise ValueError("read-all needs a database opened with read_only=True")
        service = cls(db, login, clock=clock)
        service._read_all = True
        service.whoami()  # the refusal, before anything is shown
        return service

    @property
    def reads_only(self) -> bool:
        return self._read_all

    # -- plumbing -----------------------------------------------------------

    def _actor(self, session: Session) -> Actor:
        if self._system:
            return SYSTEM
        actor = resolve_actor(session, self.login)
        if self._read_all:
            require_supervisor(actor, "read every case (--read-all)")
        return actor

    def _write(self, work: Callable[[Session, Actor], T], **options: int) -> T:
        if self._read_all:
            raise ReadOnly()
        return self.db.write(lambda session: work(session, self._actor(session)), **options)

    def _read(self, work: Callable[[Session, Actor], T]) -> T:
        with self.db.read() as session:
            return work(session, self._actor(session))

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return now

    # -- identity, agents, channels -------------------------------------------

    def whoami(self) -> AgentView:
        def work(session: Session, actor: Actor) -> AgentView:
            if actor.agent_id is None:
                return AgentView(actor.login, actor.display, "", True, True)
            return _agent_view(session, session.get_one(Agent, actor.agent_id))

        return self._read(work)

    def add_agent(
        self, login: str, *, name: str = "", email: str = "", supervisor: bool = False,
        ai: bool = False,
    ) -> AgentView:
        """Add an agent; `ai` for an AI agent's login (it may never solve a case)."""

        def work(session: Session, actor: Actor) -> AgentView:
            require_supervisor(actor, "add agents")
            if ai and supervisor:
                raise InvalidInput("an AI agent cannot be a supervisor")
            agent = _new_agent(session, login, name=name, email=email, supervisor=supervisor,
                               now=self._now(), ai=ai)
            audit.record(session, actor, "agent.add", at=self._now(),
                         after={"login": agent.login, "supervisor": supervisor, "ai": ai})
            return _agent_view(session, agent)

        return self._write(work)

    def list_agents(self) -> list[AgentView]:
        def work(session: Session, actor: Actor) -> list[AgentView]:
            agents = session.scalars(sa.select(Agent).order_by(Agent.login))
            return [_agent_view(session, a) for a in agents]

        return self._read(work)

    def colleagues_for(self, number: int) -> list[AgentView]:
        """The active agents who may read case `number` — whom it can be assigned to
        and who can be mentioned in its notes (not the system)."""

        def work(session: Session, actor: Actor) -> list[AgentView]:
            case = require_case(session, actor, number)
            agents = session.scalars(sa.select(Agent).where(
                Agent.is_active, Agent.login != SYSTEM_LOGIN).order_by(Agent.login))
            return [_agent_view(session, a) for a in agents if _can_see(session, a.login, case)]

        return self._read(work)

    def assignable_for(self, number: int) -> list[tuple[AgentView, bool]]:
        """Whom case `number` can be assigned to, each with whether they would join its
        channel by it: the colleagues who read it — for a supervisor, anyone active."""

        def work(session: Session, actor: Actor) -> list[tuple[AgentView, bool]]:
            case = require_case(session, actor, number)
            agents = session.scalars(sa.select(Agent).where(
                Agent.is_active, Agent.login != SYSTEM_LOGIN).order_by(Agent.login))
            anyone = actor.kind is ActorKind.SUPERVISOR
            found = [(a, _can_see(session, a.login, case)) for a in agents]
            return [(_agent_view(session, a), not sees) for a, sees in found
                    if sees or anyone and not a.is_ai]

        return self._read(work)

    def add_channel(self, name: str, *, kind: str, address: str = "") -> ChannelView:
        def work(session: Session, actor: Actor) -> ChannelView:
            require_supervisor(actor, "add channels")
            channel = _new_channel(session, name, kind=kind, address=address, now=self._now())
            audit.record(session, actor, "channel.add", at=self._now(),
                         after={"name": channel.name, "kind": channel.kind})
            return _channel_view(session, channel)

        return self._write(work)

    def list_channels(self) -> list[ChannelView]:
        def work(session: Session, actor: Actor) -> list[ChannelView]:
            channels = session.scalars(sa.select(Channel).order_by(Channel.name))
            return [_channel_view(session, c) for c in channels]

        return self._read(work)

    def set_membership(self, channel: str, login: str, *, member: bool) -> ChannelView:
        """Add `login` to `channel` (member=True) or remove them."""

        def work(session: Session, actor: Actor) -> ChannelView:
            require_supervisor(actor, "change channel members")
            ch = _channel_named(session, channel)
            agent = _agent_named(session, login)
            row = session.get(ChannelMember, (ch.id, agent.id))
            if member and row is None:
                session.add(ChannelMember(channel_id=ch.id, agent_id=agent.id))
            elif not member and row is not None:
                session.delete(row)
                if not agent.is_supervisor:  # (a supervisor still reads the channel)
                    self._drop_channel_rows(session, agent, ch)
                    self._unassign_leaver(session, actor, agent, ch)
            else:
                return _channel_view(session, ch)
            audit.record(session, actor, "channel.member." + ("add" if member else "remove"),
                         at=self._now(), after={"channel": ch.name, "login": agent.login})
            session.flush()
            return _channel_view(session, ch)

        return self._write(work)

    def _unassign_leaver(self, session: Session, actor: Actor, agent: Agent,
                         channel: Channel) -> None:
        """Who owns a case must read it: the ongoing cases of a channel an agent left
        are nobody's, said in each (ended ones keep their history)."""
        cases = session.scalars(sa.select(Case).where(
            Case.channel_id == channel.id, Case.assignee_id == agent.id,
            Case.merged_into_id.is_(None), Case.status.not_in([s.value for s in ENDED])))
        for case in cases:
            case.assignee_id = None
            self._bump(case)
            audit.record(session, actor, "case.assign", at=self._now(), case_id=case.id,
                         before={"assignee": agent.login}, after={"assignee": None})
            self._event(session, case, f"Unassigned: {agent.login} is not in {channel.name}",
                        actor=actor)

    @staticmethod
    def _drop_channel_rows(session: Session, agent: Agent, channel: Channel) -> None:
        """An agent who left a channel keeps no watches, workspace entries or presence
        in its cases: they could neither read nor remove them (and would come back,
        unread, on rejoining)."""
        in_channel = sa.select(Case.id).where(Case.channel_id == channel.id)
        for table in (Watch, WorkspaceEntry, Presence):
            session.execute(sa.delete(table).where(table.agent_id == agent.id,
                                                   table.case_id.in_(in_channel)))

    # -- the agent's own choices --------------------------------------------------

    def preference(self, key: str, default: str = "") -> str:
        def work(session: Session, actor: Actor) -> str:
            if actor.agent_id is None:
                return default
            row = session.get(AgentPreference, (actor.agent_id, key))
            return row.value if row is not None else default

        return self._read(work)

    def set_preference(self, key: str, value: str) -> None:
        def work(session: Session, actor: Actor) -> None:
            if actor.agent_id is None:
                raise Forbidden(f"{actor.login} keeps no preferences")
            row = session.get(AgentPreference, (actor.agent_id, key))
            if row is None:
                session.add(AgentPreference(agent_id=actor.agent_id, key=key, value=value))
            else:
                row.value = value

        self._write(work)

    # -- quick replies ------------------------------------------------------------

    def add_quick_reply(self, title: str, text: str) -> None:
        """A canned answer for the whole team (supervisors only)."""

        def work(session: Session, actor: Actor) -> None:
            require_supervisor(actor, "add quick replies")
            name = _one_line(title)
            if not name or not text.strip():
                raise InvalidInput("a quick reply needs a title and a text")
            if session.scalar(sa.select(QuickReply.id).where(QuickReply.title == name)):
                raise InvalidInput(f"there is already a quick reply {name!r}")
            session.add(QuickReply(title=name, text=text.strip(), created_at=self._now()))
            audit.record(session, actor, "quick_reply.add", at=self._now(),
                         after={"title": name})

        self._write(work)

    def quick_replies(self, number: int | None = None) -> list[tuple[str, str]]:
        """(title, text) of every quick reply, filled in for case `number`'s contact."""

        def work(session: Session, actor: Actor) -> list[tuple[str, str]]:
            name = ""
            if number is not None:
                case = require_case(session, actor, number)
                name = session.get_one(Contact, case.contact_id).name
            rows = session.scalars(sa.select(QuickReply).order_by(QuickReply.title))
            return [(r.title, fill_quick_reply(r.text, name)) for r in rows]

        return self._read(work)

    # -- creating cases and adding to conversations ---------------------------

    def create_case(
        self,
        *,
        channel: str,
        contact: ContactInput,
        title: str,
        messages: Sequence[MessageInput] = (),
        escalated: bool = False,
        priority: str | None = None,
        labels: Iterable[str] = (),
        first_reply: str | None = None,
        source_id: str | None = None,
    ) -> int:
        """Create a case (as `new`, or `escalated` when an AI agent hands it over) and
        return its number. `first_reply`: the case starts with an agent's message to
        the contact (by mail on an email channel: queued in the outbox), all in one step.
        `source_id`: the source system's id (ingest), taken once per channel: a second
        time it raises `AlreadyTaken` and changes nothing."""
        if first_reply is not None and not first_reply.strip():
            raise InvalidInput("the first message is empty")

        def work(session: Session, actor: Actor) -> int:
            ch = _channel_named(session, channel)
            require_channel(session, actor, ch.id, f"the channel {ch.name!r}")
            scope = ingest_keys.channel_scope(ch.id)  # type: ignore[arg-type]
            if source_id is not None:
                ingest_keys.refuse_taken(session, scope, source_id)
            case = _new_case(
                session, actor, ch, _find_or_add_contact(session, contact, self._now()),
                title=title, escalated=escalated, priority=priority, labels=labels,
                now=self._now(),
            )
            for message in messages:
                self._append_inbound(session, actor, case, message)
            if first_reply is not None:
                self._require_human(actor, "reply")
                self._answer(session, actor, case, first_reply)
            search.index_new_case(session, case.id)  # type: ignore[arg-type]
            if source_id is not None:  # in this transaction: taken with the case or not at all
                ingest_keys.record(session, scope, source_id, case=case.id, message=None,  # type: ignore[arg-type]
                                   now=self._now())
            return case.id  # type: ignore[return-value]

        return self._write(work)

    def add_message(self, number: int, message: MessageInput, *,
                    source_id: str | None = None) -> int:
        """A message from outside (the customer, an AI agent, a chat transcript) on
        case `number`. Returns the number of the case it landed on: a merged case
        forwards to its survivor; a closed or archived case gets a new linked case.
        `source_id`: as for `create_case`, taken once per case `number`."""

        def work(session: Session, actor: Actor) -> int:
            case = require_case(session, actor, number, for_update=True)
            scope = ingest_keys.case_scope(number)
            if source_id is not None:
                ingest_keys.refuse_taken(session, scope, source_id)
            landed, row = self._add_inbound(session, actor, case, message)
            if source_id is not None:
                ingest_keys.record(session, scope, source_id, case=landed.id, message=row.id,  # type: ignore[arg-type]
                                   now=self._now())
            return landed.id  # type: ignore[return-value]

        return self._write(work)

    def _add_inbound(self, session: Session, actor: Actor, case: Case,
                     message: MessageInput) -> tuple[Case, Message]:
        """`message` on `case` — or on its survivor, if merged, or on a new follow-up
        case, if it has ended. Returns the case it landed on and the message."""
        if case.merged_into_id is not None:
            merged, case = case, _follow_merges(session, case)
            require_channel(session, actor, case.channel_id,
                            f"the channel of case #{case.id}, which #{merged.id} was merged "
                            "into")
        # Machine mail (auto-replies, bounces) never opens a follow-up case: it is
        # kept, flagged, on the ended case.
        machine = MACHINE_FLAGS & set(message.flags)
        if Status(case.status) in ENDED and message.sender == "customer" and not machine:
            follow_up = _open_follow_up(session, case)
            if follow_up is not None:  # the customer wrote again already: that case
                with search.reindexing(session, follow_up.id):
                    row = self._append_inbound(session, actor, follow_up, message)
                return follow_up, row
            old = case
            case = _new_case(
                session, actor, session.get_one(Channel, old.channel_id),
                session.get_one(Contact, old.contact_id), title=old.title,
                escalated=False, priority=old.priority, labels=old.labels.split(","),
                now=self._now(),
            )
            _link(session, old.id, case.id, "follow-up", self._now())  # type: ignore[arg-type]
            self._event(session, case, f"Follow-up of #{old.id}, which is {old.status}")
            self._event(session, old, f"The customer wrote again: follow-up is #{case.id}")
            row = self._append_inbound(session, actor, case, message)
            search.index_new_case(session, case.id)  # type: ignore[arg-type]
            return case, row
        with search.reindexing(session, case.id):
            row = self._append_inbound(session, actor, case, message)
        return case, row

    # -- the scheduler ---------------------------------------------------------------

    def advance(self, start: str, target: str, *, since_before: datetime,
                reason: str, limit: int = 5000, dry_run: bool = False) -> list[int]:
        """The scheduler's moves, set-wise: cases that became `start` (solved, closed)
        before `since_before` move to `target` (closed, archived) — at most `limit`
        in this one transaction, so that a job interrupted between batches leaves
        every case either moved, with its event and audit, or untouched. Returns the
        numbers moved; call again until it returns none."""
        begin, end = Status(start), Status(target)
        stamp = {Status.SOLVED: "solved_at", Status.CLOSED: "closed_at"}[begin]
        mark = {Status.CLOSED: "closed_at", Status.ARCHIVED: "archived_at"}[end]

        def work(session: Session, actor: Actor) -> list[int]:
            self._require_system(actor)
            check_transition(begin, end, actor.kind)
            now, conn = self._now(), session.connection()
            table = Case.__table__  # type: ignore[attr-defined]
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
            ).values({"status": end.value, mark: now, "version": table.c.version + 1,
                      "updated_at": sa.case((table.c.updated_at < now, now),
                                            else_=table.c.updated_at)}
                     ).returning(table.c.id)).scalars())
            if not moved:
                return []
            # The event, audit record and change-feed row of each, written by the
            # database from the moved cases (INSERT … SELECT), not row by row.
            these = sa.select(table.c.id).where(table.c.id.in_(moved))
            message = Message.__table__  # type: ignore[attr-defined]
            conn.execute(sa.insert(message).from_select(
                ["case_id", "kind", "author", "text", "flags", "created_at", "origin_case_id",
                 "sender_address"],
                sa.select(table.c.id, sa.literal(MessageKind.EVENT.value),
                          sa.literal(SYSTEM.display),
                          sa.literal(f"Status: {begin.value} → {end.value} ({reason})"),
                          sa.literal(""), sa.literal(now, message.c.created_at.type),
                          table.c.id, sa.literal("")).where(table.c.id.in_(moved))))
            audit.record_set(session, actor, at=now, action="case.status", cases=these,
                             before={"status": begin.value}, after={"status": end.value})
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
                Case.status == Status.ARCHIVED.value, Case.archived_at < archived_before,
                Case.merged_into_id.is_(None),  # goes with its survivor
            ).order_by(Case.id).limit(limit)))
            cases = _with_merged(session, archived)
            ids = sorted(cases)
            if not ids:
                return [], set()
            messages = sa.select(Message.id).where(Message.case_id.in_(ids))
            counts = dict(session.execute(sa.select(Message.case_id, sa.func.count()).where(
                Message.case_id.in_(ids)).group_by(Message.case_id)).all())
            contacts = {c.contact_id for c, _ in cases.values()}
            shared = set(session.scalars(sa.select(Case.contact_id).where(
                Case.contact_id.in_(contacts), Case.id.not_in(ids))))
            report = [Purged(n, cases[n][1].archived_at, counts.get(n, 0),  # type: ignore[arg-type]
                             cases[n][0].contact_id not in shared) for n in ids]
            if dry_run:
                return report, set()
            now = self._now()
            search.forget_cases(session, ids)  # type: ignore[arg-type]
            # The raw mail of these cases' messages (and of any mail filed on them).
            mail = sa.or_(InboundMail.case_id.in_(ids), InboundMail.message_id.in_(messages))
            digests = set(session.scalars(sa.select(Attachment.sha256).where(
                Attachment.message_id.in_(messages)))) | set(session.scalars(sa.select(
                    InboundMail.sha256).where(mail)))
            for table, where in (
                (Attachment, Attachment.message_id.in_(messages)),
                (Mention, Mention.message_id.in_(messages)),
                (Outbox, sa.or_(Outbox.case_id.in_(ids), Outbox.message_id.in_(messages))),
                (InboundMail, mail),
                (Message, Message.case_id.in_(ids)),
                (Watch, Watch.case_id.in_(ids)),
                (WorkspaceEntry, WorkspaceEntry.case_id.in_(ids)),
                (CaseLink, sa.or_(CaseLink.case_id.in_(ids), CaseLink.other_id.in_(ids))),
            ):
                session.execute(sa.delete(table).where(where))
            session.execute(sa.delete(Case).where(Case.id.in_(ids)))
            session.execute(sa.delete(Contact).where(Contact.id.in_(contacts - shared)))
            files = FileStore(self.db).forget(session, digests)
            # The audit trail of a purged case keeps who did what when, not the values.
            session.execute(sa.update(AuditEvent).where(AuditEvent.case_id.in_(ids)).values(
                before="", after=""))
            audit.record_many(session, actor, at=now, events=[
                ("case.purged", p.number, {"archived_at": p.archived_at.isoformat(),
                                           "messages": p.messages}) for p in report])
            return report, files

        report, files = self._write(work)
        FileStore(self.db).remove(files)  # after the commit: a failed purge keeps them
        return report

    # -- mail out (the outbox) ----------------------------------------------------------
    # queued → sending → sent / failed / unknown, each step its own commit; the network
    # is never touched inside a transaction (../shared/RELIABILITY.md, rule 5).

    def outbox_claim(self, limit: int = 100) -> list[OutboxMail]:
        """Due mails, marked as being sent now. Mails left "sending" by a sender that
        died are marked unknown first: whether they went out cannot be told, so they
        are never sent again by themselves (`outbox_requeue` does it on request).
        Only the sender holding the lease may call this."""

        def work(session: Session, actor: Actor) -> list[OutboxMail]:
            self._require_system(actor)
            now = self._now()
            for row in session.scalars(sa.select(Outbox).where(
                    Outbox.state == OutboxState.SENDING.value)):
                self._outbox_end(session, row, OutboxState.UNKNOWN,
                                 "the sender stopped while sending it")
            due = list(session.scalars(sa.select(Outbox).where(
                Outbox.state == OutboxState.QUEUED.value,
                sa.or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= now),
            ).order_by(Outbox.id).limit(limit)))
            for row in due:
                row.state, row.updated_at, row.attempts = (OutboxState.SENDING.value, now,
                                                           row.attempts + 1)
            return [_outbox_mail(row) for row in due]

        return self._write(work)

    def outbox_sent(self, outbox_id: int) -> None:
        self._outbox_step(outbox_id, OutboxState.SENT, "")

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
            row.state, row.last_error = OutboxState.QUEUED.value, _one_line(error)[:1000]
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
            self._event(session, case, f"The reply is queued to be sent again (by "
                        f"{actor.display})", actor=actor)
            audit.record(session, actor, "outbox.requeue", at=self._now(), case_id=case.id,
                         after={"outbox": row.id})

        self._write(work)

    def outbox(self, states: Sequence[str] = ()) -> list[OutboxMail]:
        """The outbox's mails (in `states`), oldest first, of the cases the actor sees."""

        def work(session: Session, actor: Actor) -> list[OutboxMail]:
            query = sa.select(Outbox).order_by(Outbox.id)
            if states:
                query = query.where(Outbox.state.in_(list(states)))
            visible = visible_channels(session, actor)
            if visible is not None:
                query = query.join(Case, Case.id == Outbox.case_id).where(
                    Case.channel_id.in_(visible or {-1}))
            return [_outbox_mail(row) for row in session.scalars(query)]

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
        row.last_error = _one_line(error)[:1000]
        if state == OutboxState.SENT:
            return
        case = session.get_one(Case, row.case_id)
        if state == OutboxState.FAILED:
            self._event(session, case, f"The reply to {row.to_addr} could not be sent: "
                        f"{row.last_error}")
        else:
            self._event(session, case, f"It is not known whether the reply to {row.to_addr} "
                        f"went out ({row.last_error}). Check with the customer, or send it "
                        f"again with `casedesk outbox retry {row.id}`.")
        audit.record(session, SYSTEM, f"outbox.{state.value}", at=self._now(),
                     case_id=case.id, after={"outbox": row.id, "error": row.last_error})

    def _require_system(self, actor: Actor) -> None:
        if actor.kind != ActorKind.SYSTEM:
            raise Forbidden("only casedesk's own sender and poller do this")

    # -- mail in ---------------------------------------------------------------------

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

        def work(session: Session, actor: Actor) -> list[Receipt]:
            self._require_system(actor)
            ch = _channel_named(session, channel)
            if ch.kind != ChannelKind.EMAIL.value:
                raise InvalidInput(f"the channel {ch.name!r} is not an email channel")
            ours = set(session.scalars(sa.select(sa.func.lower(Channel.address)).where(
                Channel.address != "")))
            # Most mail starts a new case: those are written set-wise, a statement per
            # table for the batch; replies, duplicates and unreadable mail one by one.
            fresh, answers, one_by_one = self._sort_mail(session, mailbox, uidvalidity, mails)
            receipts = self._receive_new(session, actor, mailbox, ch, uidvalidity, fresh)
            # Answers to the batch's own new mail: their cases exist now.
            new_case_of = {m.message.mail_message_id: r.case for m, r in  # type: ignore[union-attr]
                           zip(fresh, receipts, strict=True)}
            receipts += self._receive_answers(session, actor, mailbox, uidvalidity, [
                (m, target if isinstance(target, int) else new_case_of[target])  # type: ignore[misc]
                for m, target in answers])
            receipts += [self._receive_one(session, actor, mailbox, ch, uidvalidity, mail)
                         for mail in one_by_one]
            by_uid = {m.uid: m for m in mails}
            for receipt in receipts:
                mail = by_uid[receipt.uid]
                if (acknowledge and receipt.new_case and mail.message is not None
                        and _may_answer(mail.message, ours)):
                    self._acknowledge(session, session.get_one(Case, receipt.case), ch,
                                      mail.message, acknowledge)
            receipts.sort(key=lambda r: r.uid)
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

        FileStore(self.db).write_ahead(item.content for m in mails if m.message is not None
                                       for item in m.message.attachments)
        return self.db.write(lambda session: work(session, self._actor(session)), durable=True)

    def _sort_mail(self, session: Session, mailbox: str, uidvalidity: int,
                   mails: Sequence[MailInput]
                   ) -> tuple[list[MailInput], list[tuple[MailInput, int | str]],
                              list[MailInput]]:
        """Sort a batch: (mails that start a new case; plain answers, each with the
        open case it lands on — or the Message-ID of the batch's own new mail it
        answers; the rest, one by one: tags, merged or ended cases, duplicates,
        unreadable mail). The answers' case is the one `_thread` would pick."""
        digests = {hashlib.sha256(m.raw).hexdigest() for m in mails}
        stored = set(session.scalars(sa.select(InboundMail.sha256).where(
            InboundMail.mailbox == mailbox, InboundMail.sha256.in_(digests))))
        known = set(session.scalars(sa.select(InboundMail.uid).where(
            InboundMail.mailbox == mailbox, InboundMail.uidvalidity == uidvalidity,
            InboundMail.uid.in_([m.uid for m in mails]))))
        referred = {i for m in mails for i in m.thread_ids}
        # Each referred Message-ID's case, ours first, the newest first (as `_thread`).
        best: dict[str, tuple[bool, int, int]] = {}
        if referred:
            for mail_id, case_id, kind, row_id in session.execute(sa.select(
                    Message.mail_message_id, Message.case_id, Message.kind, Message.id).where(
                    Message.mail_message_id.in_(referred))):
                rank = (kind == MessageKind.REPLY.value, row_id, case_id)
                best[mail_id] = max(best.get(mail_id, rank), rank)
        # Locked (PostgreSQL): no scheduler closes one of them before the answers land.
        cases = {c.id: c for c in session.execute(sa.select(
            Case.id, Case.status, Case.merged_into_id).where(
            Case.id.in_({b[2] for b in best.values()})).with_for_update())} if best else {}
        tags = {m.case_tag for m in mails if m.case_tag is not None}
        tagged = set(session.scalars(sa.select(Case.id).where(Case.id.in_(tags)))) if tags \
            else set()
        fresh: list[MailInput] = []
        answers: list[tuple[MailInput, int | str]] = []
        rest: list[MailInput] = []
        # Where each mail of the batch went, by its Message-ID: a later mail answering
        # it follows it (a new case's own ID stands for that case until it exists).
        went: dict[str, int | str | None] = {}
        seen_digests: set[str] = set()
        for mail in mails:
            digest = hashlib.sha256(mail.raw).hexdigest()
            readable = (mail.message is not None and mail.uid not in known
                        and digest not in stored and digest not in seen_digests
                        and mail.bounce is None and not mail.log_only)
            seen_digests.add(digest)
            hits = [best[i] for i in mail.thread_ids if i in best]
            ours = any(h[0] for h in hits)  # one of our own mails: it decides
            earlier = next((went[i] for i in mail.thread_ids if i in went), "")
            target: int | str | None
            if not readable:
                target = None
            elif hits and (ours or earlier == ""):
                case = cases[max(hits)[2]]
                open_case = case.merged_into_id is None and Status(case.status) not in ENDED
                target = max(hits)[2] if open_case else None
            elif earlier != "":
                target = earlier  # None: that mail goes one by one, so does this
            elif mail.case_tag in tagged:
                target = None
            else:
                target = mail.message.mail_message_id or f"uid:{mail.uid}"  # type: ignore[union-attr]
                fresh.append(mail)
            if mail.message is not None and mail.message.mail_message_id:
                went.setdefault(mail.message.mail_message_id, target)
            if target is None:
                rest.append(mail)
            elif mail not in fresh:
                answers.append((mail, target))
        return fresh, answers, rest

    def _receive_answers(self, session: Session, actor: Actor, mailbox: str,
                         uidvalidity: int, answers: list[tuple[MailInput, int]]
                         ) -> list[Receipt]:
        """Customers' answers on open cases, a statement per table: what
        `_append_inbound` does one by one (the reopening included), for a batch."""
        if not answers:
            return []
        now, conn = self._now(), session.connection()
        case_ids = sorted({case_id for _, case_id in answers})
        before = search.documents(session, case_ids)
        names = dict(conn.execute(sa.select(Case.id, Contact.name).join(
            Contact, Contact.id == Case.contact_id).where(Case.id.in_(case_ids))).all())
        rows = list(conn.execute(sa.insert(Message.__table__).returning(  # type: ignore[attr-defined]
            Message.__table__.c.id, sort_by_parameter_order=True), [  # type: ignore[attr-defined]
            {"case_id": case_id, "kind": MessageKind.CUSTOMER.value,
             "author": _one_line(m.sender_name)[:200] or m.message.sender_address  # type: ignore[union-attr]
             or names[case_id], "author_agent_id": None, "text": m.message.text,  # type: ignore[union-attr]
             "flags": ",".join(m.message.flags), "created_at": now,  # type: ignore[union-attr]
             "origin_case_id": case_id, "mail_message_id": m.message.mail_message_id,  # type: ignore[union-attr]
             "sender_address": m.message.sender_address}  # type: ignore[union-attr]
            for m, case_id in answers]).scalars())
        conn.execute(sa.update(Case.__table__).where(  # type: ignore[attr-defined]
            Case.__table__.c.id.in_(case_ids), Case.__table__.c.updated_at < now  # type: ignore[attr-defined]
        ).values(updated_at=now))
        self._keep_mail(session, mailbox, uidvalidity, [m for m, _ in answers],
                        [c for _, c in answers], rows, now)
        audit.record_many(session, actor, at=now, events=[
            ("message.customer", case_id, {"message": row}) for (_, case_id), row
            in zip(answers, rows, strict=True)])
        # A person's answer reopens a waiting or solved case (never their auto-reply).
        reopening = {case_id for m, case_id in answers
                     if not MACHINE_FLAGS & set(m.message.flags)}  # type: ignore[union-attr]
        for case in session.scalars(sa.select(Case).where(Case.id.in_(reopening))):
            if Status(case.status) in REOPENED_BY_CUSTOMER:
                self._transition(session, SYSTEM, case, Status.OPEN,
                                 reason="the customer replied")
        workspace.activity(session, case_ids, None, now)
        session.flush()
        search.replace_documents(session, before, search.documents(session, case_ids))
        return [Receipt(m.uid, "ingested", case_id) for (m, case_id) in answers]

    def _keep_mail(self, session: Session, mailbox: str, uidvalidity: int,
                   mails: list[MailInput], cases: list[int], rows: list[int],
                   now: datetime) -> None:
        """The raw mails, their keys and attachments, for mails now on `cases` as
        messages `rows`: a statement per table."""
        conn = session.connection()
        self._attach(session, [(message_id, item) for mail, message_id in zip(
            mails, rows, strict=True) for item in mail.message.attachments])  # type: ignore[union-attr]
        digests = [hashlib.sha256(m.raw).hexdigest() for m in mails]
        have = set(conn.execute(sa.select(StoredFile.sha256).where(
            StoredFile.sha256.in_(digests))).scalars())
        raw = {d: m.raw for d, m in zip(digests, mails, strict=True) if d not in have}
        if raw:  # raw first, in the database: atomic with the key and the case
            conn.execute(sa.insert(StoredFile.__table__), [  # type: ignore[attr-defined]
                {"sha256": d, "content": content} for d, content in raw.items()])
        conn.execute(sa.insert(InboundMail.__table__), [  # type: ignore[attr-defined]
            {"mailbox": mailbox, "uidvalidity": uidvalidity, "uid": m.uid, "sha256": d,
             "size": len(m.raw), "received_at": now, "outcome": "ingested", "reason": "",
             "case_id": case_id, "message_id": message_id, "server_done": False}
            for m, d, case_id, message_id in zip(mails, digests, cases, rows, strict=True)])
        for mail, case_id in zip(mails, cases, strict=True):
            if mail.too_large:
                case = session.get_one(Case, case_id)
                for filename, size in mail.too_large:
                    self._event(session, case, _too_large(filename, size))

    def _receive_new(self, session: Session, actor: Actor, mailbox: str, channel: Channel,
                     uidvalidity: int, mails: list[MailInput]) -> list[Receipt]:
        """New cases for `mails` (see `_sort_mail`), a statement per table: what
        `_new_case` and `_append_inbound` do one by one, for a whole batch."""
        if not mails:
            return []
        now = self._now()
        conn = session.connection()
        messages = [m.message for m in mails]
        assert all(messages)
        # Contacts: found by address, or added.
        addresses = {m.sender_address for m in messages if m and m.sender_address}  # type: ignore[union-attr]
        contacts: dict[str, tuple[int, str]] = {
            r.email: (r.id, r.name) for r in conn.execute(sa.select(
                Contact.id, Contact.email, Contact.name).where(Contact.email.in_(addresses)))}
        # New senders with one plain address: added together (first name seen wins).
        new = {m.message.sender_address: _one_line(m.sender_name)[:200]  # type: ignore[union-attr]
               for m in reversed(mails) if plain_address(m.message.sender_address)  # type: ignore[union-attr]
               and m.message.sender_address not in contacts}  # type: ignore[union-attr]
        if new:
            added = conn.execute(sa.insert(Contact.__table__).returning(  # type: ignore[attr-defined]
                Contact.__table__.c.id, sort_by_parameter_order=True), [  # type: ignore[attr-defined]
                {"name": name or address, "email": address, "phone": "",
                 "customer_type": "private", "tier": "standard", "created_at": now}
                for address, name in new.items()]).scalars()
            for (address, name), contact_id in zip(new.items(), added, strict=True):
                contacts[address] = (contact_id, name or address)
        contact_of: list[tuple[int, str]] = []
        for mail in mails:
            address = mail.message.sender_address  # type: ignore[union-attr]
            if address in contacts:
                contact_of.append(contacts[address])
            else:  # no usable address: a contact of its own
                contact = _mail_contact(session, mail.sender_name, address, now)
                contact_of.append((contact.id, contact.name))  # type: ignore[arg-type]
        policy = sla_policy(session)
        tiers = dict(conn.execute(sa.select(Contact.id, Contact.tier).where(
            Contact.id.in_({c for c, _ in contact_of}))).all()) if policy else {}
        cases = list(conn.execute(sa.insert(Case.__table__).returning(  # type: ignore[attr-defined]
            Case.__table__.c.id, sort_by_parameter_order=True), [  # type: ignore[attr-defined]
            {"title": _title(_mail_title(m.subject)), "channel_id": channel.id,
             "contact_id": contact_id, "status": initial_status(escalated=False).value,
             "priority": Priority.MEDIUM.value, "labels": "", "version": 1,
             "created_at": now, "updated_at": now, "sla_paused_hours": 0.0, "sla_events": "",
             **(policy.due(now, Priority.MEDIUM.value, tiers.get(contact_id, "standard"))
                if policy else {})}
            for m, (contact_id, _name) in zip(mails, contact_of, strict=True)]).scalars())
        rows = list(conn.execute(sa.insert(Message.__table__).returning(  # type: ignore[attr-defined]
            Message.__table__.c.id, sort_by_parameter_order=True), [  # type: ignore[attr-defined]
            {"case_id": case_id, "kind": MessageKind.CUSTOMER.value, "author": name,
             "author_agent_id": None, "text": m.text, "flags": ",".join(m.flags),  # type: ignore[union-attr]
             "created_at": now, "origin_case_id": case_id,
             "mail_message_id": m.mail_message_id, "sender_address": m.sender_address}  # type: ignore[union-attr]
            for m, case_id, (_id, name) in zip(messages, cases, contact_of, strict=True)]
        ).scalars())
        self._keep_mail(session, mailbox, uidvalidity, mails, cases, rows, now)
        audit.record_many(session, actor, at=now, events=[
            *(("case.create", case_id, {"channel": channel.name, "status": "new",
                                        "contact": contact_id})
              for case_id, (contact_id, _n) in zip(cases, contact_of, strict=True)),
            *(("message.customer", case_id, {"message": message_id})
              for case_id, message_id in zip(cases, rows, strict=True))])
        session.flush()
        workspace.cases_arrived(session, cases, now)
        search.index_new_cases(session, cases)
        return [Receipt(m.uid, "ingested", case_id, new_case=True)
                for m, case_id in zip(mails, cases, strict=True)]

    def _receive_one(self, session: Session, actor: Actor, mailbox: str, channel: Channel,
                     uidvalidity: int, mail: MailInput) -> Receipt:
        known = session.scalar(sa.select(InboundMail.case_id).where(
            InboundMail.mailbox == mailbox, InboundMail.uidvalidity == uidvalidity,
            InboundMail.uid == mail.uid))
        if known is not None or session.scalar(sa.select(sa.func.count()).where(
                InboundMail.mailbox == mailbox, InboundMail.uidvalidity == uidvalidity,
                InboundMail.uid == mail.uid)):
            return Receipt(mail.uid, "known", known)
        digest = hashlib.sha256(mail.raw).hexdigest()
        record = InboundMail(mailbox=mailbox, uidvalidity=uidvalidity, uid=mail.uid,
                             sha256=digest, size=len(mail.raw), received_at=self._now(),
                             outcome="ingested")
        # Raw first, in the database itself: atomic with the key and the case.
        if session.get(StoredFile, digest) is None:
            session.add(StoredFile(sha256=digest, content=mail.raw))
        earlier = session.execute(sa.select(InboundMail.case_id, InboundMail.uidvalidity).where(
            InboundMail.mailbox == mailbox, InboundMail.sha256 == digest).limit(1)).first()
        if earlier is not None:
            # The same bytes again (a new UIDVALIDITY, a copy in the folder): no new case.
            record.outcome, record.case_id = "duplicate", earlier.case_id
            record.reason = (f"the same mail as before (UIDVALIDITY {earlier.uidvalidity})"
                             if earlier.uidvalidity != uidvalidity else "the same mail twice")
            session.add(record)
            return Receipt(mail.uid, "duplicate", earlier.case_id)
        if mail.bounce is not None or mail.log_only:
            # A machine's report on a mail of ours, or list mail to be logged: kept
            # with what it is about, on no case of its own and never answered.
            if mail.bounce is not None:
                record.case_id, record.reason = self._bounced(session, mail.bounce)
                record.outcome = "bounce"
            else:
                record.outcome, record.reason = "logged", mail.log_only
            session.add(record)
            return Receipt(mail.uid, record.outcome, record.case_id)
        message = mail.message
        if message is None:  # unreadable: still a message on a case, the raw mail with it
            record.outcome, record.reason = "quarantined", mail.problem
            message = MessageInput(
                f"This mail could not be read ({mail.problem}). The original is attached.",
                attachments=(AttachmentInput("original.eml", mail.raw, "message/rfc822"),))
        case = _thread(session, mail, message.sender_address)
        # Shown as the mail names its sender (an answer may come from a colleague).
        message = replace(message, author=_one_line(mail.sender_name)[:200]
                          or message.sender_address)
        new = case is None
        if case is None:
            contact = _mail_contact(session, mail.sender_name, message.sender_address,
                                    self._now())
            message = replace(message, author=contact.name)
            case = _new_case(session, actor, channel, contact,
                             title=_mail_title(mail.subject), escalated=False, priority=None,
                             labels=(), now=self._now())
            row = self._append_inbound(session, actor, case, message)
            search.index_new_case(session, case.id)  # type: ignore[arg-type]
        else:
            case, row = self._add_inbound(session, actor, case, message)
        for filename, size in mail.too_large:
            self._event(session, case, _too_large(filename, size))
        record.case_id, record.message_id = case.id, row.id
        session.add(record)
        return Receipt(mail.uid, record.outcome, case.id, new_case=new)

    def _bounced(self, session: Session, bounce: BounceInput) -> tuple[int | None, str]:
        """Mark the mail of ours a bounce returns: failed, with the server's reason on
        its case (a delay only told). (its case, the reason recorded with the bounce)"""
        found = session.execute(sa.select(Outbox).join(
            Message, Message.id == Outbox.message_id).where(
            Message.mail_message_id.in_(list(bounce.message_ids))).limit(1)).scalar()
        if found is None:
            return None, f"a delivery report on no mail of ours: {bounce.reason}"[:1000]
        case = session.get_one(Case, found.case_id)
        to = _one_line(bounce.recipient or found.to_addr)
        if not bounce.failed:
            self._event(session, case, f"Delivery delayed: {bounce.reason} (the reply to {to})")
            return case.id, f"delayed: {bounce.reason}"[:1000]
        self._event(session, case, f"Delivery failed: {bounce.reason} (the reply to {to})")
        # The server had taken it (sent), or we could not tell (unknown): now we know.
        if found.state in (OutboxState.SENT.value, OutboxState.UNKNOWN.value):
            found.state, found.updated_at = OutboxState.FAILED.value, self._now()
            found.last_error = _one_line(f"returned: {bounce.reason}")[:1000]
            audit.record(session, SYSTEM, "outbox.bounced", at=self._now(), case_id=case.id,
                         after={"outbox": found.id, "error": found.last_error})
        return case.id, f"failed: {bounce.reason}"[:1000]

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
            self._event(session, case, f"No automatic acknowledgement was sent: {exc}.")
            return
        text = template.replace("{number}", str(case.id)).replace("{title}", case.title)
        domain = channel.address.rpartition("@")[2] or "casedesk.invalid"
        mail_id = f"<casedesk.{case.id}.ack.{secrets.token_hex(6)}@{_one_line(domain)}>"
        row = Message(case_id=case.id, kind=MessageKind.EVENT.value, author=SYSTEM.display,
                      text=f"Automatic acknowledgement sent to {first.sender_address}:\n{text}",
                      created_at=self._now(), origin_case_id=case.id, mail_message_id=mail_id)
        session.add(row)
        session.flush()
        session.add(Outbox(
            case_id=case.id, message_id=row.id, from_addr=channel.address,
            to_addr=first.sender_address,
            subject=f"Re: {_one_line(case.title)} [#{case.id}]", body=text,
            mail_message_id=mail_id, in_reply_to=_one_line(first.mail_message_id or ""),
            references=_one_line(first.mail_message_id or ""), auto_submitted=True,
            created_at=row.created_at, updated_at=row.created_at))

    def inbound(self, outcomes: Sequence[str] = (), limit: int = 100) -> list[InboundView]:
        """The newest fetched mails (with these outcomes): for a supervisor, every
        skip visible — duplicates and quarantined mail with their reasons."""

        def work(session: Session, actor: Actor) -> list[InboundView]:
            require_supervisor(actor, "review the fetched mail")
            query = sa.select(InboundMail).order_by(InboundMail.id.desc()).limit(limit)
            if outcomes:
                query = query.where(InboundMail.outcome.in_(list(outcomes)))
            return [InboundView(r.id, r.mailbox, r.uid, r.received_at, r.outcome,  # type: ignore[arg-type]
                                r.reason, r.case_id, r.size) for r in session.scalars(query)]

        return self._read(work)

    def mail_pending_on_server(self, mailbox: str, uidvalidity: int) -> list[int]:
        """UIDs whose \\Seen flag or move is still to be done (a crash came between
        the commit and the server)."""

        def work(session: Session, actor: Actor) -> list[int]:
            return list(session.scalars(sa.select(InboundMail.uid).where(
                InboundMail.mailbox == mailbox, InboundMail.uidvalidity == uidvalidity,
                InboundMail.server_done.is_(False)).order_by(InboundMail.uid)))

        return self._read(work)

    def mail_done_on_server(self, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> None:
        def work(session: Session) -> None:
            session.execute(sa.update(InboundMail).where(
                InboundMail.mailbox == mailbox, InboundMail.uidvalidity == uidvalidity,
                InboundMail.uid.in_(list(uids))).values(server_done=True))

        if uids:
            self.db.write(work)

    def mailbox_position(self, mailbox: str) -> tuple[int, int]:
        """(UIDVALIDITY, the highest UID ingested) of a mailbox; (0, 0) when new."""

        def work(session: Session, actor: Actor) -> tuple[int, int]:
            state = session.get(MailboxState, mailbox)
            return (state.uidvalidity, state.last_uid) if state else (0, 0)

        return self._read(work)

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
        else:
            author = message.author or actor.display
            agent_id = actor.agent_id
        row = Message(
            case_id=case.id, kind=kind.value, author=author, text=message.text,
            author_agent_id=agent_id, flags=",".join(message.flags), created_at=at,
            origin_case_id=case.id, mail_message_id=message.mail_message_id,
            sender_address=message.sender_address,
        )
        session.add(row)
        session.flush()
        self._store_attachments(session, row, message.attachments)
        case.updated_at = max(case.updated_at, at)
        if kind == MessageKind.REPLY and case.first_response_at is None:
            case.first_response_at = at
        # A customer's own reply reopens a waiting or solved case; their auto-replies
        # and bounces never change a case's status.
        auto = MACHINE_FLAGS & set(message.flags)
        reopens = Status(case.status) in REOPENED_BY_CUSTOMER
        if kind == MessageKind.CUSTOMER and not auto and reopens:
            self._transition(session, SYSTEM, case, Status.OPEN, reason="the customer replied")
        audit.record(session, actor, f"message.{kind.value}", at=self._now(), case_id=case.id,
                     after={"message": row.id})
        workspace.activity(session, [case.id], agent_id, self._now())  # type: ignore[list-item]
        return row

    def _store_attachments(
        self, session: Session, message: Message, attachments: Sequence[AttachmentInput]
    ) -> None:
        self._attach(session, [(message.id, a) for a in attachments])  # type: ignore[misc]

    def _attach(self, session: Session, items: Sequence[tuple[int, AttachmentInput]]) -> None:
        """Store attachments' bytes (once each) and their rows: (message id, file)."""
        if not items:
            return
        from store.files import FileStore

        files = FileStore(self.db)
        session.connection().execute(sa.insert(Attachment.__table__), [  # type: ignore[attr-defined]
            {"message_id": message_id, "filename": _one_line(item.filename)[:500],
             "content_type": _one_line(item.content_type)[:200] or "application/octet-stream",
             "size": len(item.content), "sha256": files.put(session, item.content)}
            for message_id, item in items])

    def reply(
        self,
        number: int,
        text: str,
        *,
        status: str | None = None,
        expected_version: int | None = None,
    ) -> MessageView:
        """An agent's answer to the customer; on an email case it is queued in the
        outbox. `status` is set in the same step."""

        def work(session: Session, actor: Actor) -> MessageView:
            self._require_human(actor, "reply")
            case = require_case(session, actor, number, for_update=True)
            _require_not_merged(case)
            if not text.strip():
                raise InvalidInput("the reply is empty")
            if status is not None:
                self._check_version(case, expected_version)
                check_transition(Status(case.status), parse_status(status), actor.kind)
            with search.reindexing(session, case.id):
                row = self._answer(session, actor, case, text)
            if status is not None:
                self._transition(session, actor, case, parse_status(status))
            return _message_view(session, row)

        return self._write(work)

    def _answer(self, session: Session, actor: Actor, case: Case, text: str) -> Message:
        """The reply's row, its first-response time, and on an email case its mail."""
        now = self._now()
        row = Message(case_id=case.id, kind=MessageKind.REPLY.value, author=actor.display,
                      author_agent_id=actor.agent_id, text=text, created_at=now,
                      origin_case_id=case.id)
        session.add(row)
        session.flush()
        if case.first_response_at is None:
            case.first_response_at = now
        case.updated_at = now
        channel = session.get_one(Channel, case.channel_id)
        if channel.kind == ChannelKind.EMAIL.value:
            self._queue_mail(session, case, channel, row)
        audit.record(session, actor, "message.reply", at=now, case_id=case.id,
                     after={"message": row.id})
        workspace.activity(session, [case.id], actor.agent_id, now)  # type: ignore[list-item]
        return row

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
        domain = channel.address.rpartition("@")[2] or "casedesk.invalid"
        mail_id = f"<casedesk.{case.id}.{row.id}.{secrets.token_hex(6)}@{_one_line(domain)}>"
        row.mail_message_id = mail_id
        # The thread: the mails of the case so far (theirs and ours), the newest last.
        thread = list(session.scalars(sa.select(Message.mail_message_id).where(
            Message.case_id == case.id, Message.mail_message_id.is_not(None),
            Message.id != row.id).order_by(Message.id.desc()).limit(10)))[::-1]
        answers = session.scalar(sa.select(Message.mail_message_id).where(
            Message.case_id == case.id, Message.kind == MessageKind.CUSTOMER.value,
            Message.mail_message_id.is_not(None)).order_by(Message.id.desc()).limit(1))
        session.add(Outbox(
            case_id=case.id, message_id=row.id, from_addr=channel.address, to_addr=contact.email,
            subject=f"Re: {_one_line(case.title)} [#{case.id}]", body=row.text,
            mail_message_id=mail_id, in_reply_to=_one_line(answers or ""),
            references=" ".join(_one_line(i) for i in thread),
            created_at=row.created_at, updated_at=row.created_at,
        ))

    def note(self, number: int, text: str, *, status: str | None = None,
             expected_version: int | None = None) -> MessageView:
        """An internal note: never sent. `@login` mentions of known agents are recorded."""

        def work(session: Session, actor: Actor) -> MessageView:
            self._require_human(actor, "write notes")
            case = require_case(session, actor, number, for_update=True)
            _require_not_merged(case)
            if not text.strip():
                raise InvalidInput("the note is empty")
            if status is not None:
                self._check_version(case, expected_version)
                check_transition(Status(case.status), parse_status(status), actor.kind)
            now = self._now()
            with search.reindexing(session, case.id):
                row = Message(case_id=case.id, kind=MessageKind.NOTE.value, author=actor.display,
                              author_agent_id=actor.agent_id, text=text, created_at=now,
                              origin_case_id=case.id)
                session.add(row)
                session.flush()
            logins = {m.lower() for m in MENTION_RE.findall(text)}
            if logins:
                mentioned = session.scalars(
                    sa.select(Agent).where(sa.func.lower(Agent.login).in_(logins))).all()
                # Only someone who may read the case is told about the note.
                told = [a.id for a in mentioned
                        if a.is_active and _can_see(session, a.login, case)]
                for agent_id in told:
                    session.add(Mention(message_id=row.id, agent_id=agent_id))
                workspace.mentioned(session, case.id, told, now)  # type: ignore[arg-type]
            workspace.activity(session, [case.id], actor.agent_id, now)  # type: ignore[list-item]
            case.updated_at = now
            audit.record(session, actor, "message.note", at=now, case_id=case.id,
                         after={"message": row.id, "mentions": sorted(logins)})
            if status is not None:
                self._transition(session, actor, case, parse_status(status))
            session.flush()
            return _message_view(session, row)

        return self._write(work)

    # -- editing a case ---------------------------------------------------------

    def _edit(
        self,
        number: int,
        expected_version: int | None,
        change: Callable[[Session, Actor, Case], None],
    ) -> CaseRow:
        def work(session: Session, actor: Actor) -> CaseRow:
            case = require_case(session, actor, number, for_update=True)
            _require_not_merged(case)
            self._check_version(case, expected_version)
            change(session, actor, case)
            session.flush()
            return _case_row(session, case)

        return self._write(work)

    def set_status(self, number: int, status: str, *,
                   expected_version: int | None = None) -> CaseRow:
        target = parse_status(status)
        return self._edit(
            number, expected_version,
            lambda session, actor, case: self._transition(session, actor, case, target),
        )

    def assign(self, number: int, login: str | None, *,
               expected_version: int | None = None) -> CaseRow:
        """Assign to `login` ("me" for oneself), or unassign with None."""

        def change(session: Session, actor: Actor, case: Case) -> None:
            self._require_human(actor, "assign cases", allow_system=True)
            agent = None
            if login is not None:
                agent = _agent_named(session, actor.login if login == "me" else login)
                if not agent.is_active:
                    raise InvalidInput(f"{agent.login} is deactivated")
                if (actor.kind is ActorKind.SUPERVISOR and not agent.is_ai
                        and not _can_see(session, agent.login, case)):
                    # A supervisor assigns any case to any person: who owns a case must
                    # read it, so its channel gets them as a member (said in the case).
                    # (An AI agent's channels stay a choice of their own.)
                    channel = session.get_one(Channel, case.channel_id)
                    _join(session, channel.id, agent.id)  # type: ignore[arg-type]
                    audit.record(session, actor, "channel.member.add", at=self._now(),
                                 after={"channel": channel.name, "login": agent.login})
                    self._event(session, case, f"{agent.login} added to {channel.name}",
                                actor=actor)
                _require_can_see(session, agent.login, case)
            before = _login_of(session, case.assignee_id)
            after = agent.login if agent else None
            if before == after:
                return
            case.assignee_id = agent.id if agent else None
            if agent is not None:
                workspace.assigned(session, case.id, agent.id, actor.agent_id,  # type: ignore[arg-type]
                                   self._now())
            self._bump(case)
            audit.record(session, actor, "case.assign", at=self._now(), case_id=case.id,
                         before={"assignee": before}, after={"assignee": after})
            self._event(session, case, f"Assigned to {after}" if after else "Unassigned",
                        actor=actor)

        return self._edit(number, expected_version, change)

    def set_priority(self, number: int, priority: str, *,
                     expected_version: int | None = None) -> CaseRow:
        value = _priority(priority)

        def change(session: Session, actor: Actor, case: Case) -> None:
            if case.priority == value:
                return
            before, case.priority = case.priority, value
            self._bump(case)
            self._apply_sla(session, case)
            audit.record(session, actor, "case.priority", at=self._now(), case_id=case.id,
                         before={"priority": before}, after={"priority": value})
            self._event(session, case, f"Priority: {before} → {value}", actor=actor)

        return self._edit(number, expected_version, change)

    def set_labels(self, number: int, labels: Iterable[str], *,
                   expected_version: int | None = None) -> CaseRow:
        value = _labels(labels)

        def change(session: Session, actor: Actor, case: Case) -> None:
            if case.labels == value:
                return
            before, case.labels = case.labels, value
            self._bump(case)
            audit.record(session, actor, "case.labels", at=self._now(), case_id=case.id,
                         before={"labels": before}, after={"labels": value})

        return self._edit(number, expected_version, change)

    def rename(self, number: int, title: str, *, expected_version: int | None = None) -> CaseRow:
        value = _title(title)

        def change(session: Session, actor: Actor, case: Case) -> None:
            if case.title == value:
                return
            before = case.title
            with search.reindexing(session, case.id):
                case.title = value
            self._bump(case)
            audit.record(session, actor, "case.title", at=self._now(), case_id=case.id,
                         before={"title": before}, after={"title": value})
            self._event(session, case, f"Title changed from “{before}”", actor=actor)

        return self._edit(number, expected_version, change)

    def move_channel(self, number: int, channel: str, *,
                     expected_version: int | None = None) -> CaseRow:
        def change(session: Session, actor: Actor, case: Case) -> None:
            target = _channel_named(session, channel)
            require_channel(session, actor, target.id, f"the channel {target.name!r}")
            if target.id == case.channel_id:
                return
            before = session.get_one(Channel, case.channel_id).name
            case.channel_id = target.id  # type: ignore[assignment]
            self._bump(case)
            audit.record(session, actor, "case.channel", at=self._now(), case_id=case.id,
                         before={"channel": before}, after={"channel": target.name})
            self._event(session, case, f"Moved from channel {before} to {target.name}",
                        actor=actor)
            self._drop_unseeing(session, actor, case)
            # Nobody stays assigned to a case they can no longer see.
            assignee = _login_of(session, case.assignee_id)
            if assignee and not _can_see(session, assignee, case):
                case.assignee_id = None
                audit.record(session, actor, "case.assign", at=self._now(), case_id=case.id,
                             before={"assignee": assignee}, after={"assignee": None})
                self._event(session, case, f"Unassigned: {assignee} is not in {target.name}",
                            actor=actor)

        return self._edit(number, expected_version, change)

    def set_watch(self, number: int, *, watching: bool, login: str | None = None) -> bool:
        """Watch (or stop watching) a case; a supervisor may do it for someone else."""

        def work(session: Session, actor: Actor) -> bool:
            case = require_case(session, actor, number)
            agent = self._agent_for(session, actor, login, "change someone else's watches")
            _require_can_see(session, agent.login, case)
            return _toggle(session, Watch, case, agent, watching, actor, self._now(), "watch")

        return self._write(work)

    def in_workspace(self, number: int) -> bool:
        """Whether case `number` is in the actor's own workspace."""

        def work(session: Session, actor: Actor) -> bool:
            require_case(session, actor, number)
            return actor.agent_id is not None and session.get(
                WorkspaceEntry, (actor.agent_id, number)) is not None

        return self._read(work)

    def find_contacts(self, text: str, limit: int = 8) -> list[ContactView]:
        """Contacts whose name, email or phone starts with `text` (any case), among
        those of cases the actor may see — to pick one for a new case."""
        prefix = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"

        def work(session: Session, actor: Actor) -> list[ContactView]:
            if prefix == "%":
                return []
            fold = (sa.func.casefold if session.get_bind().dialect.name == "sqlite"
                    else sa.func.lower)  # see Database: SQLite's lower() is ASCII only
            query = sa.select(Contact).where(sa.or_(
                fold(Contact.name).like(prefix, escape="\\"),
                fold(Contact.email).like(prefix, escape="\\"),
                Contact.phone.like(prefix, escape="\\")))
            visible = visible_channels(session, actor)
            if visible is not None:
                query = query.where(sa.select(Case.id).where(
                    Case.contact_id == Contact.id,
                    Case.channel_id.in_(sorted(visible) or [-1])).exists())
            return [ContactView(c.id, c.name, c.email, c.phone, c.customer_type, c.tier)  # type: ignore[arg-type]
                    for c in session.scalars(query.order_by(Contact.name).limit(limit))]

        return self._read(work)

    def workspace_prefs(self, login: str | None = None) -> WorkspacePrefs:
        """Which cases enter and leave a workspace (the actor's own by default)."""

        def work(session: Session, actor: Actor) -> WorkspacePrefs:
            agent = self._agent_for(session, actor, login, "see someone else's workspace")
            return workspace.prefs(session, agent.id)  # type: ignore[arg-type]

        return self._read(work)

    def set_workspace_prefs(self, prefs: WorkspacePrefs) -> None:
        """Save the actor's workspace settings; `workspace.STANDARD` resets them."""

        def work(session: Session, actor: Actor) -> None:
            agent = self._agent_for(session, actor, None, "")
            before = workspace.prefs(session, agent.id)  # type: ignore[arg-type]
            workspace.save_prefs(session, agent.id, prefs)  # type: ignore[arg-type]
            audit.record(session, actor, "workspace.settings", at=self._now(),
                         before=asdict(before), after=asdict(prefs))

        self._write(work)

    def mark_read(self, number: int) -> bool:
        """The actor has looked at case `number`: nothing new in it for them now.
        Returns whether it was unread."""
        if self._read_all:  # asked to change, even when there is nothing to change
            raise ReadOnly()

        def work(session: Session, actor: Actor) -> None:
            require_case(session, actor, number)
            if actor.agent_id is not None:
                workspace.read(session, actor.agent_id, number)

        with self.db.read() as session:  # most opened cases are read already: no write
            actor = self._actor(session)
            if actor.agent_id is None or not session.scalar(sa.select(WorkspaceEntry.unread).where(
                    WorkspaceEntry.agent_id == actor.agent_id, WorkspaceEntry.case_id == number)):
                return False
        self._write(work)
        return True

    def workspace_counts(self, login: str | None = None) -> tuple[int, int]:
        """(cases, unread ones) in a workspace that the actor may see (the actor's own
        by default; a supervisor may follow anyone's)."""

        def work(session: Session, actor: Actor) -> tuple[int, int]:
            agent = self._agent_for(session, actor, login, "follow someone else's workspace")
            visible = visible_channels(session, actor)
            # As the workspace's list shows it by default: not the ended cases.
            query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case(
                (WorkspaceEntry.unread, 1), else_=0)), 0)).select_from(WorkspaceEntry).join(
                Case, Case.id == WorkspaceEntry.case_id).where(
                WorkspaceEntry.agent_id == agent.id, Case.merged_into_id.is_(None),
                Case.status.not_in([s.value for s in ENDED]))
            if visible is not None:
                query = query.where(Case.channel_id.in_(visible or {-1}))
            total, unread = session.execute(query).one()
            return int(total), int(unread)

        return self._read(work)

    def set_in_workspace(self, number: int, *, present: bool, login: str | None = None) -> bool:
        """Add a case to (or remove it from) a workspace, the actor's own by default."""

        def work(session: Session, actor: Actor) -> bool:
            case = require_case(session, actor, number)
            agent = self._agent_for(session, actor, login, "change someone else's workspace")
            _require_can_see(session, agent.login, case)
            return _toggle(session, WorkspaceEntry, case, agent, present, actor, self._now(),
                           "workspace")

        return self._write(work)

    # -- presence ----------------------------------------------------------------------

    def set_presence(self, number: int | None, doing: str | None) -> None:
        """The actor is `doing` ("viewing", "replying") in case `number`, and in no
        other; None: in no case. Renew it every `presence.RENEW_SECONDS`."""

        def work(session: Session, actor: Actor) -> None:
            if number is not None and doing is not None:
                require_case(session, actor, number)
            if actor.agent_id is not None:
                presence.set_doing(session, self.presence_holder, actor.agent_id, number,
                                   doing, self._now())

        self._write(work, attempts=1)  # renewed soon anyway: never a long wait

    def present(self, number: int) -> list[PresenceView]:
        """Who else has case `number` open right now, those writing a reply first."""

        def work(session: Session, actor: Actor) -> list[PresenceView]:
            require_case(session, actor, number)
            return [PresenceView(login, name, doing) for login, name, doing
                    in presence.others_in(session, number, actor.agent_id, self._now())]

        return self._read(work)

    # -- the supervisor's views ----------------------------------------------------------

    def agent_tallies(self) -> list[AgentTally]:
        """Every active person with their assigned cases by status and their workspace:
        the supervisor's agents view."""

        def work(session: Session, actor: Actor) -> list[AgentTally]:
            require_supervisor(actor, "see every agent's cases")
            live = sa.and_(Case.merged_into_id.is_(None))
            assigned: dict[tuple[int, str], int] = {
                (agent_id, status): n for agent_id, status, n in session.execute(
                    sa.select(Case.assignee_id, Case.status, sa.func.count())
                    .where(live, Case.assignee_id.is_not(None), Case.status.in_(
                        [s.value for s in Status if s not in ENDED and s != Status.SOLVED]))
                    .group_by(Case.assignee_id, Case.status))}
            held = {agent_id: (int(total), int(unread)) for agent_id, total, unread
                    in session.execute(
                        sa.select(WorkspaceEntry.agent_id, sa.func.count(),
                                  sa.func.coalesce(sa.func.sum(sa.case(
                                      (WorkspaceEntry.unread, 1), else_=0)), 0))
                        .join(Case, Case.id == WorkspaceEntry.case_id)
                        .where(live, Case.status.not_in([s.value for s in ENDED]))
                        .group_by(WorkspaceEntry.agent_id))}
            agents = session.scalars(sa.select(Agent).where(
                Agent.is_active, Agent.login != SYSTEM_LOGIN).order_by(Agent.login))
            tallies = []
            for agent in agents:
                view = _agent_view(session, agent)
                total, unread = held.get(agent.id, (0, 0))  # type: ignore[arg-type]
                n = {s: assigned.get((agent.id, s.value), 0) for s in Status}  # type: ignore[arg-type]
                tallies.append(AgentTally(
                    agent.login, agent.name, agent.is_supervisor,
                    n[Status.NEW] + n[Status.OPEN], n[Status.ESCALATED], n[Status.WAITING],
                    n[Status.PARKED], total, unread, view.channels))
            return tallies

        return self._read(work)

    def _drop_unseeing(self, session: Session, actor: Actor, case: Case) -> None:
        """After a merge or a channel move: watches and workspace entries of agents who
        can no longer see the case go (they could neither read nor remove them)."""
        for table in (Watch, WorkspaceEntry):
            rows = session.scalars(sa.select(table).where(table.case_id == case.id)).all()
            for row in rows:
                login = _login_of(session, row.agent_id)
                if login and not _can_see(session, login, case):
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
        return _agent_named(session, login)

    # -- related cases, merge, split -------------------------------------------

    def related(self, number: int) -> list[CaseRow]:
        """Other cases of the same contact, and cases linked to this one."""

        def work(session: Session, actor: Actor) -> list[CaseRow]:
            case = require_case(session, actor, number)
            query = _related(session, actor, case, queries.row_columns())
            return [queries.to_row(r) for r in session.execute(query)]

        return self._read(work)

    def link(self, number: int, other: int) -> None:
        def work(session: Session, actor: Actor) -> None:
            a = require_case(session, actor, number)
            b = require_case(session, actor, other)
            if a.id == b.id:
                raise InvalidInput("a case cannot be linked to itself")
            if _link(session, a.id, b.id, "related", self._now()):  # type: ignore[arg-type]
                audit.record(session, actor, "case.link", at=self._now(), case_id=a.id,
                             after={"linked": b.id})
                self._event(session, a, f"Linked to #{b.id}", actor=actor)
                self._event(session, b, f"Linked to #{a.id}", actor=actor)

        self._write(work)

    def merge(self, number: int, into: int) -> int:
        """Merge case `number` into case `into`: the conversation, attachments, watchers,
        workspace entries and links move; the merged case keeps its number and points
        to the survivor. Returns the survivor's number."""

        def work(session: Session, actor: Actor) -> int:
            self._require_human(actor, "merge cases")
            source = require_case(session, actor, number, for_update=True)
            target = require_case(session, actor, into, for_update=True)
            if source.id == target.id:
                raise InvalidInput("a case cannot be merged into itself")
            _require_not_merged(source)
            _require_not_merged(target)
            now = self._now()
            moved = session.scalar(
                sa.select(sa.func.count()).select_from(Message).where(Message.case_id == source.id)
            )
            with search.reindexing(session, source.id, target.id):
                session.execute(
                    sa.update(Message).where(Message.case_id == source.id)
                    .values(case_id=target.id,
                            origin_case_id=sa.func.coalesce(Message.origin_case_id, source.id))
                )
            # The raw mail goes where its message goes (retention purges them together).
            for table in (Outbox, InboundMail):
                session.execute(sa.update(table).where(table.case_id == source.id)  # type: ignore[attr-defined]
                                .values(case_id=target.id))
            for table in (Watch, WorkspaceEntry):
                _move_agent_rows(session, table, source.id, target.id)  # type: ignore[arg-type]
            self._drop_unseeing(session, actor, target)
            for other in _linked(session, source.id):  # type: ignore[arg-type]
                if other != target.id:
                    _link(session, target.id, other, "related", now)  # type: ignore[arg-type]
            _link(session, source.id, target.id, "merged", now)  # type: ignore[arg-type]
            source.merged_into_id = target.id
            target.updated_at = source.updated_at = now
            target.first_response_at = _earliest(target.first_response_at,
                                                  source.first_response_at)
            self._bump(source)
            self._bump(target)
            audit.record(session, actor, "case.merge", at=now, case_id=source.id,
                         before={"case": source.id, "messages": moved}, after={"into": target.id})
            audit.record(session, actor, "case.merge.survivor", at=now, case_id=target.id,
                         after={"merged": source.id, "messages": moved})
            self._event(session, target, f"Case #{source.id} ({source.title}) was merged into "
                        f"this case: {moved} messages moved", actor=actor)
            self._event(session, source, f"Merged into #{target.id}", actor=actor)
            return target.id  # type: ignore[return-value]

        return self._write(work)

    def split(self, message_id: int, *, title: str | None = None) -> int:
        """Move one message (a different question that hijacked a thread) into a new
        case for the same contact, linked to the old one. Returns the new number."""

        def work(session: Session, actor: Actor) -> int:
            self._require_human(actor, "split cases")
            message = session.get(Message, message_id)
            if message is None or not can_see_case(session, actor, message.case_id):
                raise unseen(actor, f"message {message_id}")  # (its case unnamed)
            old = require_case(session, actor, message.case_id, for_update=True)
            _require_not_merged(old)
            if message.kind == MessageKind.EVENT.value:
                raise InvalidInput("a system event cannot be split off")
            now = self._now()
            new = _new_case(
                session, actor, session.get_one(Channel, old.channel_id),
                session.get_one(Contact, old.contact_id),
                title=title or old.title, escalated=False, priority=old.priority,
                labels=old.labels.split(","), now=now,
            )
            search.index_new_case(session, new.id)  # type: ignore[arg-type]
            with search.reindexing(session, old.id, new.id):
                message.case_id = new.id  # type: ignore[assignment]
                for table in (Outbox, InboundMail):
                    session.execute(sa.update(table).where(table.message_id == message.id)  # type: ignore[attr-defined]
                                    .values(case_id=new.id))
            _link(session, old.id, new.id, "split", now)  # type: ignore[arg-type]
            old.updated_at = now
            self._bump(old)
            audit.record(session, actor, "case.split", at=now, case_id=old.id,
                         after={"message": message.id, "new_case": new.id})
            self._event(session, old, f"A message was split off into #{new.id}", actor=actor)
            self._event(session, new, f"Split off from #{old.id}", actor=actor)
            return new.id  # type: ignore[return-value]

        return self._write(work)

    # -- reading ----------------------------------------------------------------

    def list_cases(
        self, filters: CaseFilter | None = None, *, after: CaseRow | None = None,
        before: CaseRow | None = None, from_end: bool = False, skip: int = 0,
    ) -> list[CaseRow]:
        """One window of the cases `filters` selects that the actor may see: newest
        updated first (newest first when searching). `after`/`before` a row: the
        window following/preceding it; `from_end`: the last window; `skip`: the
        window that many rows down (see `queries.page`)."""
        f = filters or CaseFilter()

        def work(session: Session, actor: Actor) -> list[CaseRow]:
            resolved = self._resolve(session, actor, f)
            rows = queries.page(session, resolved, limit=f.limit,
                                after=after, before=before, from_end=from_end, skip=skip)
            # Unread as the workspace's owner sees it: a supervisor following an agent
            # sees that agent's markers.
            return _mark_unread(session, resolved.workspace_id or actor.agent_id, rows)

        return self._read(work)

    def case_position(self, filters: CaseFilter | None, row: CaseRow) -> int:
        """The index of `row` in the list `filters` selects (rows before it)."""

        def work(session: Session, actor: Actor) -> int:
            return queries.position(session, self._resolve(session, actor,
                                                           filters or CaseFilter()), row)

        return self._read(work)

    def count_cases(self, filters: CaseFilter | None = None) -> int:
        def work(session: Session, actor: Actor) -> int:
            return queries.count(session, self._resolve(session, actor, filters or CaseFilter()))

        return self._read(work)

    def group_counts(
        self, filters: CaseFilter | None, by: Grouping, *, limit: int | None = None,
        after: str | int | None = None, before: str | int | None = None,
        from_end: bool = False,
    ) -> list[GroupCount]:
        """The groups of a grouped list with their sizes (see `queries.group_counts`)."""

        def work(session: Session, actor: Actor) -> list[GroupCount]:
            return queries.group_counts(
                session, self._resolve(session, actor, filters or CaseFilter()), by,
                limit=limit, after=after, before=before, from_end=from_end)

        return self._read(work)

    def group_total(self, filters: CaseFilter | None, by: Grouping, *,
                    below: str | int | None = None) -> int:
        """How many groups (before the key `below`) a grouped list has."""

        def work(session: Session, actor: Actor) -> int:
            return queries.group_total(
                session, self._resolve(session, actor, filters or CaseFilter()), by,
                below=below)

        return self._read(work)

    def _resolve(self, session: Session, actor: Actor, f: CaseFilter) -> Resolved:
        """Names to ids, "me" to the actor, and the channels the actor may see."""
        assignee_id = None
        if f.assignee not in (None, "none"):
            if f.assignee == "me":
                if actor.agent_id is None:
                    raise InvalidInput(f"{actor.login} has no cases of their own")
                assignee_id = actor.agent_id
            else:
                assignee_id = _agent_named(session, f.assignee).id
        if f.watched and actor.agent_id is None:
            raise InvalidInput(f"{actor.login} watches no cases")
        workspace_id = None
        if f.workspace is not None:
            workspace_id = self._agent_for(session, actor, None if f.workspace == "me"
                                           else f.workspace, "follow someone else's workspace").id
        visible = visible_channels(session, actor)
        return Resolved(
            statuses=queries.statuses_of(f),
            channel_id=_channel_named(session, f.channel).id if f.channel else None,
            assignee_id=assignee_id,
            unassigned=f.assignee == "none",
            priority=queries.parse_priority(f.priority) if f.priority else None,
            watcher_id=actor.agent_id if f.watched else None,
            contact_id=f.contact_id,
            visible=None if visible is None else tuple(sorted(visible)),
            workspace_id=workspace_id,
            fts=f.search.strip() if f.search and f.search.strip() else None,
            dialect=session.get_bind().dialect.name,
            sort=queries.parse_sort(f.sort),
            ascending=f.ascending,
        )

    def allowed_statuses(self, number: int) -> list[str]:
        """The statuses the actor may move case `number` to now (for menus)."""

        def work(session: Session, actor: Actor) -> list[str]:
            case = require_case(session, actor, number)
            return [s.value for s in allowed_targets(Status(case.status), actor.kind)]

        return self._read(work)

    def get_case(self, number: int) -> CaseView:
        def work(session: Session, actor: Actor) -> CaseView:
            case = require_case(session, actor, number)
            related = session.scalars(_related(session, actor, case, sa.select(Case.id),
                                               merged=True))
            return _case_view(session, case, tuple(related))

        return self._read(work)

    def attachment_content(self, attachment_id: int) -> tuple[str, bytes]:
        """An attachment's filename and bytes, for someone who may see its case."""

        def work(session: Session, actor: Actor) -> tuple[str, bytes]:
            from store.files import FileStore

            attachment = session.get(Attachment, attachment_id)
            case_id = attachment and session.scalar(sa.select(Message.case_id).where(
                Message.id == attachment.message_id))
            if not case_id or not can_see_case(session, actor, case_id):
                raise unseen(actor, f"attachment {attachment_id}")  # (its case unnamed)
            return attachment.filename, FileStore(self.db).get(session, attachment.sha256)

        return self._read(work)

    def latest_change(self) -> int:
        with self.db.read() as session:
            return audit.latest_change(session)

    # -- rules shared by the operations -------------------------------------------

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
            raise Conflict(case.id, expected, case.version)  # type: ignore[arg-type]

    def _bump(self, case: Case) -> None:
        case.version += 1
        case.updated_at = max(case.updated_at, self._now())

    def _transition(
        self, session: Session, actor: Actor, case: Case, target: Status, *, reason: str = ""
    ) -> None:
        """Move `case` to `target` if the lifecycle allows `actor` to; set timestamps."""
        start = Status(case.status)
        check_transition(start, target, actor.kind)
        if start == target:
            return
        now = self._now()
        case.status = target.value
        if target == Status.SOLVED:
            case.solved_at = case.resolved_at = now
        elif target == Status.CLOSED:
            case.closed_at = now
        elif target == Status.ARCHIVED:
            case.archived_at = now
        if start == Status.SOLVED and target == Status.OPEN:
            case.solved_at = case.resolved_at = None
        self._pause_sla(session, case, start, target, now)
        workspace.status_changed(session, case.id, target)  # type: ignore[arg-type]
        self._bump(case)
        audit.record(session, actor, "case.status", at=now, case_id=case.id,
                     before={"status": start.value}, after={"status": target.value})
        why = f" ({reason})" if reason else ""
        self._event(session, case, f"Status: {start.value} → {target.value}{why}", actor=actor)

    def _apply_sla(self, session: Session, case: Case) -> None:
        """Due times anew from the case's creation (a new priority), the pauses counted."""
        policy = sla_policy(session)
        if policy is None:
            return
        tier = session.get_one(Contact, case.contact_id).tier
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
            audit.record(session, actor, "sla.policy", at=self._now(), after=json.loads(text))
            table = Case.__table__  # type: ignore[attr-defined]
            rows = session.execute(sa.select(table.c.id, table.c.created_at, table.c.priority,
                                             Contact.tier).join(
                Contact, Contact.id == table.c.contact_id).where(
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
        table = Case.__table__  # type: ignore[attr-defined]
        checks = (("first-soon", "first_response_soon", "first_response_at",
                   "SLA: the first answer is due soon"),
                  ("first-breached", "first_response_due", "first_response_at",
                   "SLA: the first answer is overdue"),
                  ("resolution-soon", "resolution_soon", "resolved_at",
                   "SLA: the solution is due soon"),
                  ("resolution-breached", "resolution_due", "resolved_at",
                   "SLA: the solution is overdue"))

        def work(session: Session, actor: Actor) -> dict[str, list[int]]:
            self._require_system(actor)
            conn, found = session.connection(), {}
            message = Message.__table__  # type: ignore[attr-defined]
            for marker, when, done, text in checks:
                due = sa.select(table.c.id).where(
                    table.c[when] <= now, table.c[done].is_(None),
                    table.c.sla_paused_at.is_(None), table.c.merged_into_id.is_(None),
                    table.c.status.not_in([s.value for s in (Status.SOLVED, *ENDED)]),
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
                conn.execute(sa.insert(message).from_select(
                    ["case_id", "kind", "author", "text", "flags", "created_at",
                     "origin_case_id", "sender_address"],
                    sa.select(table.c.id, sa.literal(MessageKind.EVENT.value),
                              sa.literal(SYSTEM.display), sa.literal(text), sa.literal(""),
                              sa.literal(now, message.c.created_at.type), table.c.id,
                              sa.literal("")).where(table.c.id.in_(ids))))
                audit.record_set(session, actor, at=now, action=f"sla.{marker}",
                                 cases=sa.select(table.c.id).where(table.c.id.in_(ids)))
            return found

        return self._write(work)

    def _event(self, session: Session, case: Case, text: str, *, actor: Actor = SYSTEM) -> None:
        """A system event in the case's conversation (audit has the details)."""
        session.add(Message(case_id=case.id, kind=MessageKind.EVENT.value, author=actor.display,
                            author_agent_id=actor.agent_id, text=text, created_at=self._now(),
                            origin_case_id=case.id))


# -- helpers over the session (pure store internals) ----------------------------


def fill_quick_reply(text: str, contact_name: str) -> str:
    """`{namn}` (or `{name}`) becomes the contact's first name; without a name, the
    greeting still reads well ("Hej {namn}!" becomes "Hej!")."""
    first = contact_name.split()[0] if contact_name.strip() else ""
    for key in ("{namn}", "{name}"):
        text = text.replace(" " + key, f" {first}" if first else "").replace(key, first)
    return text


def _title(title: str) -> str:
    """Kept as given (nothing lost; the display shows control characters as markers)."""
    value = title.strip()
    if not _one_line(value):
        raise InvalidInput("a case needs a title")
    return value[:500]


def _priority(text: str) -> str:
    return queries.parse_priority(text)


def plain_address(value: str) -> bool:
    """One address mail can be sent to (store.addresses.mail_address)."""
    try:
        mail_address(value)
    except InvalidInput:
        return False
    return True


CUSTOMER_TYPES = ("private", "business")
TIER_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")


def _email(text: str) -> str:
    """One plain email address (lower-cased), or InvalidInput: a reply must never go
    to a list of addresses someone typed into a name field."""
    value = text.strip().lower()
    mail_address(value)
    return value


def _require_not_merged(case: Case) -> None:
    if case.merged_into_id is not None:
        raise InvalidInput(f"case #{case.id} was merged into #{case.merged_into_id}: use that one")


def sla_policy(session: Session) -> SlaPolicy | None:
    """The team's service levels, as the scheduler last stored them (None: none)."""
    text = session.scalar(sa.select(Setting.value).where(Setting.key == SLA_SETTING))
    return _parse_sla(text) if text else None


@lru_cache(maxsize=8)
def _parse_sla(text: str) -> SlaPolicy:
    data = json.loads(text)
    return SlaPolicy(SlaSettings.model_validate(data["settings"]), ZoneInfo(data["zone"]))


SLA_SETTING = "sla"

TAG_RE = re.compile(r"\s*\[#\d{1,12}\]\s*")
REPLY_PREFIX_RE = re.compile(r"^\s*((re|sv|vs|aw|fw|fwd|vb)\s*:\s*)+", re.IGNORECASE)


def _thread(session: Session, mail: MailInput, sender: str) -> Case | None:
    """The case a mail answers: by the Message-IDs it refers to (ours first: whoever
    quotes them saw our mail), then by a `[#number]` in the subject — but only from
    that case's contact or someone who already wrote in it, so that a stranger quoting
    a case number never lands on (or sees) another customer's case."""
    if mail.thread_ids:
        ids = list(mail.thread_ids)
        found = session.execute(sa.select(Message.case_id).where(
            Message.mail_message_id.in_(ids)).order_by(
            (Message.kind == MessageKind.REPLY.value).desc(), Message.id.desc()).limit(1)
        ).scalar()
        if found is not None:
            return _follow_merges(session, session.get_one(Case, found))
    if mail.case_tag is not None and sender:
        case = session.get(Case, mail.case_tag)
        if case is None:
            return None
        contact = session.get_one(Contact, case.contact_id)
        took_part = session.scalar(sa.select(sa.func.count()).where(
            Message.case_id == case.id, Message.sender_address == sender))
        if contact.email == sender or took_part:
            return _follow_merges(session, case)
    return None


def _too_large(filename: str, size: int) -> str:
    return (f"The attachment {_one_line(filename)!r} ({size / 1_000_000:.1f} MB) is larger "
            "than the limit and was not stored with the message; the original mail keeps it.")


def _may_answer(message: MessageInput, ours: set[str]) -> bool:
    """Whether an automatic answer may go to this mail's sender (never to machines,
    lists, those who ask for none, or ourselves: that is how mail loops start)."""
    return bool(message.sender_address) and message.sender_address not in ours and not (
        {"auto-reply", "bounce", "bulk", "no-sender", "no-autoreply"} & set(message.flags))


def _mail_title(subject: str) -> str:
    title = REPLY_PREFIX_RE.sub("", TAG_RE.sub(" ", subject)).strip()
    return title if _one_line(title) else "(no subject)"


def _mail_contact(session: Session, name: str, address: str, now: datetime) -> Contact:
    """The sender as a contact: matched by address; a mail with no usable address
    gets a contact of its own, named as the mail named it."""
    if address:
        try:
            return _find_or_add_contact(session, ContactInput(name=_one_line(name)[:200],
                                                              email=address), now)
        except InvalidInput:
            pass  # not one plain address: kept as a name below
    row = Contact(name=_one_line(name or address)[:200] or "(no sender)", created_at=now)
    session.add(row)
    session.flush()
    return row


def _open_follow_up(session: Session, case: Case) -> Case | None:
    """The newest follow-up of an ended case that is still going, if any."""
    lo, hi = CaseLink.case_id, CaseLink.other_id
    found = session.scalar(sa.select(Case).join(
        CaseLink, sa.or_(sa.and_(lo == case.id, hi == Case.id),
                         sa.and_(hi == case.id, lo == Case.id))).where(
        CaseLink.kind == "follow-up", Case.id > case.id, Case.merged_into_id.is_(None),
        Case.status.not_in([s.value for s in ENDED])).order_by(Case.id.desc()).limit(1))
    return found


def _with_merged(session: Session, cases: list[Case]) -> dict[int, tuple[Case, Case]]:
    """`cases` and every case merged into one of them, chains followed: by number,
    the case and the one of `cases` it ended in."""
    found = {c.id: (c, c) for c in cases}
    frontier = list(found)
    while frontier:
        merged = list(session.scalars(sa.select(Case).where(
            Case.merged_into_id.in_(frontier), Case.id.not_in(list(found)))))
        for case in merged:
            found[case.id] = (case, found[case.merged_into_id][1])  # type: ignore[index]
        frontier = [c.id for c in merged]
    return found  # type: ignore[return-value]


def _follow_merges(session: Session, case: Case) -> Case:
    seen = set()
    while case.merged_into_id is not None and case.id not in seen:
        seen.add(case.id)
        case = session.get_one(Case, case.merged_into_id)
    return case


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    values = [v for v in (a, b) if v is not None]
    return min(values) if values else None


def _new_agent(session: Session, login: str, *, name: str, email: str, supervisor: bool,
               now: datetime, ai: bool = False) -> Agent:
    login = check_login(login.strip())
    if session.scalar(sa.select(Agent.id).where(Agent.login == login)) is not None:
        raise InvalidInput(f"there is already an agent {login!r}")
    agent = Agent(login=login, name=_one_line(name) or login,
                  email=_email(email) if email.strip() else "", is_supervisor=supervisor,
                  is_ai=ai, created_at=now)
    session.add(agent)
    session.flush()
    return agent


def _new_channel(session: Session, name: str, *, kind: str, address: str,
                 now: datetime) -> Channel:
    name = _one_line(name)
    if not name:
        raise InvalidInput("a channel needs a name")
    try:
        kind = ChannelKind(kind.strip().lower()).value
    except ValueError:
        raise InvalidInput(
            f"unknown channel kind {kind!r}: use email, chat, phone or form"
        ) from None
    if session.scalar(sa.select(Channel.id).where(Channel.name == name)) is not None:
        raise InvalidInput(f"there is already a channel {name!r}")
    if kind == ChannelKind.EMAIL.value and not address.strip():
        raise InvalidInput("an email channel needs its support address (--address)")
    address = _email(address) if kind == ChannelKind.EMAIL.value else _one_line(address)
    channel = Channel(name=name, kind=kind, address=address, created_at=now)
    session.add(channel)
    session.flush()
    return channel


def bootstrap(db: Database, login: str, *, name: str = "", clock: Clock = utcnow) -> bool:
    """Make `login` the first supervisor of an empty database. Returns False (and does
    nothing) when the database already has agents."""

    def work(session: Session) -> bool:
        if session.scalar(sa.select(sa.func.count()).select_from(Agent)):
            return False
        _new_agent(session, login, name=name, email="", supervisor=True, now=clock())
        audit.record(session, SYSTEM, "agent.add", at=clock(),
                     after={"login": login, "supervisor": True, "first": True})
        return True

    return db.write(work)


def _find_or_add_contact(session: Session, contact: ContactInput, now: datetime) -> Contact:
    if contact.id is not None:  # one picked from the known contacts
        known = session.get(Contact, contact.id)
        if known is None:
            raise NotFound(f"there is no contact {contact.id}")
        return known
    email = _email(contact.email) if contact.email.strip() else ""
    phone = _one_line(contact.phone)
    if contact.customer_type is not None and contact.customer_type not in CUSTOMER_TYPES:
        raise InvalidInput(f"unknown customer type {contact.customer_type!r}: use "
                           f"{' or '.join(CUSTOMER_TYPES)}")
    if contact.tier is not None and not TIER_RE.match(contact.tier):
        raise InvalidInput(f"{contact.tier!r} cannot be a tier: use a short lower-case word "
                           "such as standard or premium")
    found = None
    if email:
        found = session.scalars(sa.select(Contact).where(Contact.email == email)).first()
    elif phone:
        found = session.scalars(sa.select(Contact).where(Contact.phone == phone)).first()
    if found is not None:
        if contact.name.strip() and not found.name:
            found.name = contact.name.strip()
        if phone and not found.phone:
            found.phone = phone
        return found
    if not (email or phone or contact.name.strip()):
        raise InvalidInput("a contact needs a name, an email address or a phone number")
    row = Contact(
        name=contact.name.strip() or email or phone, email=email, phone=phone,
        customer_type=contact.customer_type or "private", tier=contact.tier or "standard",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _new_case(
    session: Session, actor: Actor, channel: Channel, contact: Contact, *, title: str,
    escalated: bool, priority: str | None, labels: Iterable[str], now: datetime,
) -> Case:
    case = Case(
        title=_title(title), channel_id=channel.id, contact_id=contact.id,  # type: ignore[arg-type]
        status=initial_status(escalated=escalated).value,
        priority=_priority(priority) if priority else Priority.MEDIUM.value,
        labels=_labels(labels), created_at=now, updated_at=now,
    )
    policy = sla_policy(session)
    if policy is not None:  # the service levels start with the case
        for key, value in policy.due(now, case.priority, contact.tier).items():
            setattr(case, key, value)
    session.add(case)
    session.flush()
    audit.record(session, actor, "case.create", at=now, case_id=case.id,
                 after={"channel": channel.name, "status": case.status, "contact": contact.id})
    workspace.cases_arrived(session, [case.id], now)  # type: ignore[list-item]
    return case


def _link(session: Session, a: int, b: int, kind: str, now: datetime) -> bool:
    lo, hi = sorted((a, b))
    if session.get(CaseLink, (lo, hi)) is not None:
        return False
    session.add(CaseLink(case_id=lo, other_id=hi, kind=kind, created_at=now))
    session.flush()
    return True


def _linked(session: Session, case_id: int) -> list[int]:
    rows = session.execute(
        sa.select(CaseLink.case_id, CaseLink.other_id).where(
            sa.or_(CaseLink.case_id == case_id, CaseLink.other_id == case_id)
        )
    )
    return sorted({b if a == case_id else a for a, b in rows})


def _move_agent_rows(session: Session, table: type[Watch] | type[WorkspaceEntry],
                     source: int, target: int) -> None:
    """Move per-agent rows (watches, workspace entries) from one case to another."""
    have = {row.agent_id: row for row in
            session.scalars(sa.select(table).where(table.case_id == target))}
    for row in session.scalars(sa.select(table).where(table.case_id == source)).all():
        kept = have.get(row.agent_id)
        if isinstance(kept, WorkspaceEntry) and isinstance(row, WorkspaceEntry):
            kept.unread = kept.unread or row.unread
        if kept is None:
            if isinstance(row, WorkspaceEntry):
                session.add(WorkspaceEntry(agent_id=row.agent_id, case_id=target,
                                           added_at=row.added_at, unread=row.unread))
            else:
                session.add(Watch(agent_id=row.agent_id, case_id=target))
        session.delete(row)


def _toggle(session: Session, table: type[Watch] | type[WorkspaceEntry], case: Case,
            agent: Agent, present: bool, actor: Actor, now: datetime, what: str) -> bool:
    row = session.get(table, (case.id, agent.id) if table is Watch else (agent.id, case.id))
    if present and row is None:
        if table is Watch:
            session.add(Watch(case_id=case.id, agent_id=agent.id))  # type: ignore[arg-type]
        else:
            session.add(WorkspaceEntry(agent_id=agent.id, case_id=case.id,  # type: ignore[arg-type]
                                       added_at=now))
    elif not present and row is not None:
        session.delete(row)
    else:
        return present
    audit.record(session, actor, f"{what}.{'add' if present else 'remove'}", at=now,
                 case_id=case.id, after={"agent": agent.login})
    return present


def _mark_unread(session: Session, agent_id: int | None, rows: list[CaseRow]) -> list[CaseRow]:
    """The rows with something new for the agent in their workspace, so marked."""
    if agent_id is None or not rows:
        return rows
    unread = set(session.scalars(sa.select(WorkspaceEntry.case_id).where(
        WorkspaceEntry.agent_id == agent_id, WorkspaceEntry.unread,
        WorkspaceEntry.case_id.in_([r.number for r in rows]))))
    return [replace(r, unread=True) if r.number in unread else r for r in rows]


def _join(session: Session, channel_id: int, agent_id: int) -> None:
    """`agent_id` a member of `channel_id`, also when another process just made it so."""
    table = ChannelMember.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(insert.values(channel_id=channel_id, agent_id=agent_id)
                    .on_conflict_do_nothing(index_elements=["channel_id", "agent_id"]))


def _can_see(session: Session, login: str, case: Case) -> bool:
    channels = visible_channels(session, resolve_actor(session, login))
    return channels is None or case.channel_id in channels


def _require_can_see(session: Session, login: str, case: Case) -> None:
    if not _can_see(session, login, case):
        raise Forbidden(
            f"{login} is not a member of the channel of case #{case.id}: a supervisor can "
            "add them to it"
        )


def _agent_named(session: Session, login: str) -> Agent:
    agent = session.scalars(sa.select(Agent).where(Agent.login == login.strip())).first()
    if agent is None:
        raise NotFound(f"there is no agent {login!r} (see `casedesk agent list`)")
    return agent


def _channel_named(session: Session, name: str) -> Channel:
    channel = session.scalars(sa.select(Channel).where(Channel.name == name.strip())).first()
    if channel is None:
        channel = session.scalars(
            sa.select(Channel).where(sa.func.lower(Channel.name) == name.strip().lower())
        ).first()
    if channel is None:
        raise NotFound(f"there is no channel {name!r} (see `casedesk channel list`)")
    return channel


def _login_of(session: Session, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    return session.scalar(sa.select(Agent.login).where(Agent.id == agent_id))


# -- views -------------------------------------------------------------------------

def _case_row(session: Session, case: Case) -> CaseRow:
    return queries.to_row(session.execute(queries.row_columns().where(Case.id == case.id)).one())


def _agent_view(session: Session, agent: Agent) -> AgentView:
    channels = session.scalars(
        sa.select(Channel.name).join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(ChannelMember.agent_id == agent.id).order_by(Channel.name)
    )
    return AgentView(agent.login, agent.name, agent.email, agent.is_supervisor,
                     agent.is_active, tuple(channels))


def _channel_view(session: Session, channel: Channel) -> ChannelView:
    members = session.scalars(
        sa.select(Agent.login).join(ChannelMember, ChannelMember.agent_id == Agent.id)
        .where(ChannelMember.channel_id == channel.id).order_by(Agent.login)
    )
    return ChannelView(channel.name, channel.kind, channel.address, tuple(members))


def _outbox_mail(row: Outbox) -> OutboxMail:
    return OutboxMail(
        id=row.id, case=row.case_id, state=row.state, from_addr=row.from_addr,  # type: ignore[arg-type]
        to_addr=row.to_addr, subject=row.subject, body=row.body,
        message_id=row.mail_message_id, in_reply_to=row.in_reply_to,
        references=row.references, created_at=row.created_at, attempts=row.attempts,
        last_error=row.last_error, auto_submitted=row.auto_submitted)


def _message_view(session: Session, m: Message,
                  attachments: Sequence[Attachment] | None = None,
                  mentions: Sequence[str] | None = None) -> MessageView:
    if attachments is None:
        attachments = session.scalars(
            sa.select(Attachment).where(Attachment.message_id == m.id).order_by(Attachment.id)
        ).all()
    if mentions is None:
        mentions = session.scalars(
            sa.select(Agent.login).join(Mention, Mention.agent_id == Agent.id)
            .where(Mention.message_id == m.id).order_by(Agent.login)
        ).all()
    return MessageView(
        id=m.id, kind=m.kind, author=m.author, text=m.text, created_at=m.created_at,  # type: ignore[arg-type]
        flags=tuple(x for x in m.flags.split(",") if x), mentions=tuple(mentions),
        attachments=tuple(AttachmentView(a.id, a.filename, a.content_type, a.size, a.sha256)  # type: ignore[arg-type]
                          for a in attachments),
        origin_case=m.origin_case_id if m.origin_case_id != m.case_id else None,
        mail_message_id=m.mail_message_id, sender_address=m.sender_address,
    )


def _related(session: Session, actor: Actor, case: Case, query: sa.Select,  # type: ignore[type-arg]
             *, merged: bool = False, limit: int = 200) -> sa.Select:  # type: ignore[type-arg]
    """The cases related to `case` that the actor may see: the same contact's others and
    those linked to it, newest updated first; `merged`: with the linked ones merged
    away (the detail names them; a merge cannot take them again)."""
    linked = _linked(session, case.id)  # type: ignore[arg-type]
    same_contact = sa.and_(Case.contact_id == case.contact_id, Case.merged_into_id.is_(None))
    query = query.where(
        sa.or_(same_contact, Case.id.in_(linked or [-1])), Case.id != case.id,
        sa.true() if merged else Case.merged_into_id.is_(None))
    visible = visible_channels(session, actor)
    if visible is not None:
        query = query.where(Case.channel_id.in_(sorted(visible) or [-1]))
    return query.order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)


def _case_view(session: Session, case: Case, related: tuple[int, ...]) -> CaseView:
    channel = session.get_one(Channel, case.channel_id)
    contact = session.get_one(Contact, case.contact_id)
    messages = session.scalars(
        sa.select(Message).where(Message.case_id == case.id).order_by(Message.created_at,
                                                                      Message.id)
    ).all()
    ids = [m.id for m in messages]
    attachments: dict[int, list[Attachment]] = {}
    mentions: dict[int, list[str]] = {}
    if ids:
        for a in session.scalars(sa.select(Attachment).where(Attachment.message_id.in_(ids))
                                 .order_by(Attachment.id)):
            attachments.setdefault(a.message_id, []).append(a)
        for mid, login in session.execute(
            sa.select(Mention.message_id, Agent.login).join(Agent, Agent.id == Mention.agent_id)
            .where(Mention.message_id.in_(ids)).order_by(Agent.login)
        ):
            mentions.setdefault(mid, []).append(login)
    watchers = session.scalars(
        sa.select(Agent.login).join(Watch, Watch.agent_id == Agent.id)
        .where(Watch.case_id == case.id).order_by(Agent.login)
    )
    workspaces = session.scalars(
        sa.select(Agent.login).join(WorkspaceEntry, WorkspaceEntry.agent_id == Agent.id)
        .where(WorkspaceEntry.case_id == case.id).order_by(Agent.login)
    )
    return CaseView(
        number=case.id, title=case.title, status=case.status, channel=channel.name,  # type: ignore[arg-type]
        channel_kind=channel.kind,
        contact=ContactView(contact.id, contact.name, contact.email, contact.phone,  # type: ignore[arg-type]
                            contact.customer_type, contact.tier),
        assignee=_login_of(session, case.assignee_id), priority=case.priority,
        labels=tuple(x for x in case.labels.split(",") if x), version=case.version,
        created_at=case.created_at, updated_at=case.updated_at,
        first_response_at=case.first_response_at, solved_at=case.solved_at,
        closed_at=case.closed_at, archived_at=case.archived_at,
        merged_into=case.merged_into_id, watchers=tuple(watchers),
        related=related,
        messages=tuple(_message_view(session, m, attachments.get(m.id, []),  # type: ignore[arg-type]
                                     mentions.get(m.id, [])) for m in messages),
        in_workspaces=tuple(workspaces),
    )
