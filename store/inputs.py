"""What comes into the store from outside — a contact, a message, a fetched mail, a
bounce — and the plain values it hands back about mail (receipts, outbox mails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from store.models import (
    MessageKind,
)

Clock = Callable[[], datetime]


MACHINE_FLAGS = frozenset({"auto-reply", "bounce", "bulk"})
# Mail never answered automatically: a machine's, a list's, one with no sender, or one
# asking for no automatic answers (that is how mail loops start).
NO_AUTO_ANSWER = MACHINE_FLAGS | {"no-sender", "no-autoreply"}


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
    # A mail of ours (an import's sent mail, `message.sender` "agent"): the customer
    # it went to, (name, address).
    recipient: tuple[str, str] | None = None
    # `raw` with its sensitive numbers masked, where it is kept or shown so
    # (store/privacy); None: no such number in it, or not asked for.
    masked_raw: bytes | None = None


@dataclass(frozen=True)
class BounceInput:
    """A bounce: the Message-IDs of the mail it returns, to whom, and why."""

    message_ids: tuple[str, ...]
    recipient: str
    reason: str
    action: str  # failed | delayed (not lost yet)


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
    files: int = 0  # stored files (attachments, original mail) that go with it
    bytes: int = 0


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
