"""Frozen values the store hands out. No ORM object leaves `store/`: widgets and
commands get these, built inside the unit of work that read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from store import statuses
from store.events import Event


@dataclass(frozen=True)
class AgentView:
    login: str
    name: str
    email: str
    is_supervisor: bool
    is_active: bool
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelView:
    name: str
    kind: str
    address: str
    members: tuple[str, ...] = ()
    signature: str = ""  # under every mail the channel sends


@dataclass(frozen=True)
class ContactView:
    id: int
    name: str
    email: str
    phone: str
    customer_type: str
    tier: str
    # The customer type (new, existing, internal) for the case shown: as a person
    # set it (`standing_set`), else derived (store/standing.py); "" outside a case.
    standing: str = ""
    standing_set: bool = False

    @property
    def signed(self) -> str:
        """The contact as shown: the name with the address beside it."""
        return signed(self.name, self.email or "–")


@dataclass(frozen=True)
class DraftView:
    """What the agent wrote in case `number` and has not sent."""

    number: int
    text: str
    note: bool
    status: str | None
    saved_at: datetime


@dataclass(frozen=True)
class PresenceView:
    """Someone else in a case: `doing` is "viewing" or "replying"."""

    login: str
    name: str
    doing: str


@dataclass(frozen=True)
class AgentTally:
    """An agent as a supervisor's agents view shows them: the cases assigned to them
    by status (`open` counts the new ones too), and their workspace (its ongoing cases,
    the unread ones)."""

    login: str
    name: str
    is_supervisor: bool
    open: int
    escalated: int
    waiting: int
    parked: int
    workspace: int
    unread: int
    channels: tuple[str, ...] = ()


class CaseRow(NamedTuple):
    """One line of a case list. A plain tuple: a page of them is built at the
    driver's speed (store/case_pages.py)."""

    number: int
    title: str
    status: str
    channel: str
    contact: str
    assignee: str | None
    priority: str
    labels: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int
    # The ids behind the names: a list sorted by channel, assignee or contact pages on them.
    channel_id: int = 0
    contact_id: int = 0
    assignee_id: int | None = None
    # Service levels: the next due time is the first answer's until it is given.
    first_response_due: datetime | None = None
    first_response_at: datetime | None = None
    resolution_due: datetime | None = None
    resolved_at: datetime | None = None
    sla_events: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # what triage found: "urgent", "frustrated"
    flag_bits: int = 0  # the same as stored (`Case.flags`): the list's sort key
    unread: bool = False  # in the reader's workspace, with something new since they looked

    @property
    def sla_due(self) -> datetime | None:
        """When the next promise falls due (None: kept, or none made, or the case is
        solved or ended)."""
        if self.status in statuses.SLA_DONE:
            return None
        if self.first_response_at is None and self.first_response_due is not None:
            return self.first_response_due
        return self.resolution_due if self.resolved_at is None else None

    @property
    def sla_state(self) -> str:
        """"breached", "due-soon" or "" for the promise `sla_due` is about."""
        which = "first" if self.first_response_at is None else "resolution"
        if f"{which}-breached" in self.sla_events:
            return "breached"
        return "due-soon" if f"{which}-soon" in self.sla_events else ""


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class MessageView:
    id: int
    kind: str
    author: str
    text: str
    created_at: datetime
    flags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    attachments: tuple[AttachmentView, ...] = ()
    origin_case: int | None = None
    mail_message_id: str | None = None  # a mail's Message-ID (ours, on a sent reply)
    sender_address: str = ""
    # A system event's kind and values (its `text`: the same in English).
    event: Event | None = None
    # A reply that goes out by mail: its outbox state (queued, sending, sent, failed,
    # unknown); "" for everything that is not mailed.
    delivery: str = ""

    @property
    def signed(self) -> str:
        """Who wrote it, as shown: a mail's name with its real address beside it."""
        return signed(self.author, self.sender_address)


@dataclass(frozen=True)
class CaseView:
    """A case with its whole conversation."""

    number: int
    title: str
    status: str
    channel: str
    channel_kind: str
    contact: ContactView
    assignee: str | None
    priority: str
    labels: tuple[str, ...]
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    archived_at: datetime | None
    merged_into: int | None
    watchers: tuple[str, ...]
    related: tuple[int, ...]
    messages: tuple[MessageView, ...] = field(default=())
    in_workspaces: tuple[str, ...] = ()  # the logins whose own workspace holds it
    flags: tuple[str, ...] = ()  # what triage found: "urgent", "frustrated"
    fields: tuple[tuple[str, str], ...] = ()  # a web form's (name, value), by name
    rating: int | None = None  # the customer's satisfaction rating, 1–5 (store/satisfaction)

    @property
    def flagged_by(self) -> dict[str, str]:
        """Each flag's words, as the message wrote them (its `flagged` event)."""
        return {m.event.params.get("flag", ""): m.event.params.get("words", "")
                for m in self.messages if m.event is not None and m.event.kind == "flagged"}


@dataclass(frozen=True)
class Landing:
    """Where a message from outside went (`add_message`), said against the case it was
    sent to: `case`, which is `asked` unless that case was merged (`merged_into`: the
    case it ended up merged into, chains followed) or had ended (`follow_up_of`: the
    ended case; `new_case`: the follow-up was opened for this message)."""

    case: int
    asked: int
    merged_into: int | None = None
    follow_up_of: int | None = None
    new_case: bool = False

    @property
    def said(self) -> str:
        """In English, for the command line: "added to #7 (#5 is merged into it)"."""
        why = []
        if self.follow_up_of is not None:
            why.append(f"a follow-up of #{self.follow_up_of}, which has ended")
        if self.merged_into is not None:
            into = "it" if self.merged_into == self.case else f"#{self.merged_into}"
            why.append(f"#{self.asked} is merged into {into}")
        done = f"{'created' if self.new_case else 'added to'} #{self.case}"
        return f"{done} ({'; '.join(why)})" if why else done


def signed(name: str, address: str) -> str:
    """A name with its address, as shown. A mail's name is whatever the sender typed and
    may look like another address: then the real address comes first, and the name
    after it, plainly a name (its own quotes cannot close ours)."""
    if not address or address == name:
        return name
    if any(ch in name for ch in '@<>"'):
        return f'{address} ("{name.replace(chr(34), chr(39))}")'
    return f"{name} <{address}>"

