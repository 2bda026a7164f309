"""A raw mail into what a case needs: sender, subject, threading headers, text,
attachments, and what kind of mail it is (auto-reply, bounce, bulk).

Real mail is hostile or broken often enough that nothing here may raise for one
bad header or part: each is decoded on its own, with a readable fallback and a
note in `problems`. Only mail that is not mail at all raises `Unreadable`, and the
caller keeps its raw bytes anyway. The headers and addresses are read in
mail.headers, the body within its limits in mail.mime, bounces in mail.bounces.
Pure: no database, no network.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from mail.bounces import BOUNCE_SENDER_RE, Bounce, bounce_of, is_report
from mail.headers import Address, Policy, addresses, header, sender, text_of
from mail.mime import Limits, Part, body, cut, html_to_text
from store import threads

__all__ = ["Address", "Bounce", "Limits", "ParsedMail", "Part", "Unreadable", "addresses",
           "html_to_text", "parse"]

MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,998}>")
# Subjects of automatic answers that carry none of the standard headers.
AUTO_SUBJECT_RE = re.compile(
    r"^(auto(matic)?[ -]?(reply|response|svar)|out of (the )?office|frånvaro|autosvar|"
    r"abwesenheit|fraværende)\b", re.IGNORECASE)
# The Message-IDs a mail answers that are read: the nearest of References are the
# ones that thread; thousands would cost a query parameter each.
MAX_REFERENCES = 20
DEFAULT_LIMITS = Limits()


class Unreadable(Exception):
    """The bytes are not a mail at all."""


@dataclass(frozen=True)
class ParsedMail:
    sender_name: str
    sender_address: str  # lower case; "" when the mail has no usable From
    subject: str
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    text: str
    attachments: tuple[Part, ...] = ()
    # auto-reply, bounce, bulk, no-sender; no-autoreply: the sender asks for no answer
    flags: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())  # limits met first
    # Attachments not kept (over a size limit): (filename, size).
    too_large: tuple[tuple[str, int], ...] = ()
    bounce: Bounce | None = None  # a report that a mail of ours did not arrive
    # Read as the sender is: by the address, a name that holds one is only a name.
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The Message-IDs this mail answers, nearest first."""
        return tuple(dict.fromkeys((*self.in_reply_to, *reversed(self.references))))

    @property
    def case_tag(self) -> int | None:
        return threads.case_tag(self.subject)


def parse(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> ParsedMail:
    if not raw.strip():
        raise Unreadable("the mail is empty")
    # Past the part limit the parser never sees the rest: its memory and time are
    # bounded by the limits, not by what a sender made.
    raw, limited = cut(raw, limits.max_parts)
    problems: list[str] = []
    try:
        msg = email.message_from_bytes(raw, policy=Policy(problems))
    except Exception as exc:  # the parser is not supposed to raise; be sure
        raise Unreadable(f"the mail cannot be parsed: {type(exc).__name__}") from None
    if not msg.keys():
        raise Unreadable("the mail has no headers")
    problems += [f"{type(d).__name__}" for d in msg.defects][:5]
    found = sender(msg, problems)
    name, address = (found.name, found.address) if found else ("", "")
    subject = " ".join(header(msg, "Subject", problems).split())
    content = body(msg, limits, problems)
    if limited:
        content.notes.insert(0, f"more than {limits.max_parts} parts: the rest was not "
                                "read (the original mail keeps it)")
    flags = _flags(msg, address, subject)
    return ParsedMail(
        sender_name=name, sender_address=address, subject=subject,
        message_id=next(iter(_ids(msg.get("Message-ID"))), None),
        in_reply_to=_ids(msg.get("In-Reply-To"))[:3],
        references=_ids(msg.get("References"))[-MAX_REFERENCES:],
        date=_date(msg.get("Date")), text=content.text,
        attachments=tuple(content.attachments), too_large=tuple(content.too_large),
        flags=flags, problems=tuple(dict.fromkeys([*content.notes, *problems])),
        bounce=bounce_of(msg, address, content.text, subject) if "bounce" in flags else None,
        reply_to=addresses(text_of(msg.get("Reply-To"))),
        to=addresses(text_of(msg.get("To"))), cc=addresses(text_of(msg.get("Cc"))),
    )


def _ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    text = text_of(value)[:100_000]
    found = MESSAGE_ID_RE.findall(text)
    if not found and text.strip():  # no brackets: the sender's own style, kept whole
        found = [text.split()[0][:998]]
    return tuple(found)


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(text_of(value)[:200])
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _flags(msg: Message, address: str, subject: str) -> tuple[str, ...]:
    """What kind of mail this is (RFC 3834 and the headers mailers really send)."""
    flags = []
    auto = text_of(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = text_of(msg.get("Precedence", "")).strip().lower()
    if (auto != "no" or msg.get("X-Autoreply") or msg.get("X-Autorespond")
            or precedence == "auto_reply" or AUTO_SUBJECT_RE.match(subject.strip())):
        flags.append("auto-reply")
    return_path = text_of(msg.get("Return-Path", "")).strip()
    if is_report(msg) or BOUNCE_SENDER_RE.match(address) or return_path == "<>":
        flags.append("bounce")
    if precedence in ("bulk", "junk", "list") or msg.get("List-Id") or msg.get(
            "List-Unsubscribe"):
        flags.append("bulk")
    if not address:
        flags.append("no-sender")
    if msg.get("X-Auto-Response-Suppress"):
        flags.append("no-autoreply")
    return tuple(flags)
