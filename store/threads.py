"""Which case a mail joins: by the Message-IDs it answers (ours first), then by the
`[#number]` in its subject — only from that case's contact or someone who already
wrote in it, so a stranger quoting a case number never reaches another customer's case.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.fields import clean_title, one_line
from store.inputs import MailInput, MessageInput
from store.models import (
    Case,
    Contact,
    InboundMail,
    Message,
    MessageKind,
    Status,
)
from store.records import follow_merges
from store.statuses import ENDED

# A case's number in a mail's subject, `[#1234]`: written by `reply_subject`, read by
# `case_tag`, dropped from a new case's title by `mail_title`.
_TAG = r"\[#(\d{1,12})\]"
TAG_RE = re.compile(_TAG)
_SPACED_TAG_RE = re.compile(rf"\s*{_TAG}\s*")
REPLY_PREFIX_RE = re.compile(r"^\s*((re|sv|vs|aw|fw|fwd|vb)\s*:\s*)+", re.IGNORECASE)
# An answer says so in its subject (Re:, Sv:, Vs:, Aw:), a forward does not.
ANSWER_PREFIX_RE = re.compile(r"^\s*(re|sv|vs|aw)\s*:", re.IGNORECASE)
# A mail client that drops the headers an answer carries (phones do) still keeps the
# subject: an answer with its case's title, between the case's customer and us, within
# this long of the case's last message, lands on that case.
SUBJECT_WINDOW = timedelta(days=30)
NO_SUBJECT = "(no subject)"
# The mailbox an import's mails are kept under: "import:" and where they came from.
IMPORTED = "import:"


def message_of(mail: MailInput) -> MessageInput:
    """The message of a mail that `sort_mail` passes on as readable."""
    if mail.message is None:
        raise ValueError(f"the mail of UID {mail.uid} has no readable message")
    return mail.message


def tag(number: int) -> str:
    return f"[#{number}]"


def case_tag(subject: str) -> int | None:
    found = TAG_RE.search(subject)
    return int(found.group(1)) if found else None


def reply_subject(title: str, number: int) -> str:
    """Our mail's subject on a case: its title and its tag, which an answer keeps."""
    return f"Re: {one_line(title)} {tag(number)}"


def _referred(session: Session, mail_ids: Iterable[str]) -> dict[str, tuple[bool, int, int]]:
    """Each Message-ID's message in the store, ranked as a mail's case is chosen: one
    of our own replies first (whoever quotes it saw our mail), then the newest — as
    (ours, message id, case number)."""
    best: dict[str, tuple[bool, int, int]] = {}
    ids = list(mail_ids)
    if ids:
        for mail_id, case_id, kind, row_id in session.execute(sa.select(
                col(Message.mail_message_id), col(Message.case_id), col(Message.kind),
                col(Message.id)).where(col(Message.mail_message_id).in_(ids))):
            assert mail_id is not None  # selected for it
            assert row_id is not None
            rank = (kind == MessageKind.REPLY.value, row_id, case_id)
            best[mail_id] = max(best.get(mail_id, rank), rank)
    return best


def _answered(best: dict[str, tuple[bool, int, int]], mail: MailInput) -> int | None:
    """The case the mail answers by the Message-IDs it refers to, if any is known."""
    hits = [best[i] for i in mail.thread_ids if i in best]
    return max(hits)[2] if hits else None


def party(mail: MailInput) -> tuple[str, str]:
    """The customer of a mail, (name, address): its sender — or, for a mail of ours
    (an import's sent mail), the person it went to."""
    if mail.recipient is not None:
        return mail.recipient
    return mail.sender_name, mail.message.sender_address if mail.message else ""


def answers_by_subject(mail: MailInput) -> bool:
    """Whether the mail is an answer that lost the headers that thread (its subject
    says it answers — Re:, Sv: — and names something), with a customer to match."""
    return (not mail.thread_ids and bool(party(mail)[1])
            and ANSWER_PREFIX_RE.match(mail.subject) is not None
            and mail_title(mail.subject) != NO_SUBJECT)


def _by_subject(session: Session, mail: MailInput, at: datetime) -> int | None:
    """The newest case of this mail's customer whose title its subject answers, with a
    message in the `SUBJECT_WINDOW` before it (`at`): for answers whose client dropped
    the headers that thread. (A case that went on later does not reach back: an
    imported mail of 2019 is no answer to this year's case.)"""
    if not answers_by_subject(mail):
        return None
    last = sa.select(sa.func.max(col(Message.created_at))).where(
        col(Message.case_id) == Case.id, col(Message.kind) != MessageKind.EVENT.value,
        col(Message.created_at) <= at).scalar_subquery()
    return session.scalar(sa.select(col(Case.id)).join(
        Contact, col(Contact.id) == Case.contact_id).where(
        col(Contact.email) == party(mail)[1],
        col(Case.title) == clean_title(mail_title(mail.subject)), last >= at - SUBJECT_WINDOW
    ).order_by(col(Case.id).desc()).limit(1))


def thread_of(session: Session, mail: MailInput, sender: str, at: datetime) -> Case | None:
    """The case a mail answers: by the Message-IDs it refers to (ours first: whoever
    quotes them saw our mail), then by a `[#number]` in the subject — but only from
    that case's contact or someone who already wrote in it, so that a stranger quoting
    a case number never lands on (or sees) another customer's case — then by its
    subject and customer (`_by_subject`; `at`: when the mail was written)."""
    found = _answered(_referred(session, mail.thread_ids), mail)
    if found is None and mail.case_tag is None:
        found = _by_subject(session, mail, at)
    if found is not None:
        return follow_merges(session, session.get_one(Case, found))
    if mail.case_tag is not None and sender:
        case = session.get(Case, mail.case_tag)
        if case is None:
            return None
        contact = session.get_one(Contact, case.contact_id)
        took_part = session.scalar(sa.select(sa.func.count()).where(
            col(Message.case_id) == case.id, col(Message.sender_address) == sender))
        if contact.email == sender or took_part:
            return follow_merges(session, case)
    return None


def signed(text: str, signature: str) -> str:
    """A mail's body with the channel's signature under it, after the usual "-- "
    line (RFC 3676) that mail programs know to leave out of a quote; a text that
    already ends with it (pasted, or from a quick reply) is not signed twice."""
    body = text.rstrip()
    if not signature or body == signature or body.endswith("\n" + signature):
        return text
    return f"{text.rstrip()}\n\n-- \n{signature}"


def our_mail_id(address: str, case_id: int | None, what: object) -> str:
    """A Message-ID for a mail of ours from `address` on a case (`what`: the reply's
    message id, "ack", "csat"): unique, and its case there to read when answered."""
    domain = address.rpartition("@")[2] or "casedesk.invalid"
    return f"<casedesk.{case_id}.{what}.{secrets.token_hex(6)}@{one_line(domain)}>"


def customer_mail_id(session: Session, case_id: int | None) -> str:
    """The Message-ID of the customer's latest mail on the case, what ours answers
    ("" when none)."""
    found = session.scalar(sa.select(col(Message.mail_message_id)).where(
        col(Message.case_id) == case_id, col(Message.kind) == MessageKind.CUSTOMER.value,
        col(Message.mail_message_id).is_not(None)).order_by(col(Message.id).desc()).limit(1))
    return one_line(found or "")


def mail_title(subject: str) -> str:
    title = REPLY_PREFIX_RE.sub("", _SPACED_TAG_RE.sub(" ", subject)).strip()
    return title if one_line(title) else NO_SUBJECT


def sort_mail(session: Session, mailbox: str, uidvalidity: int,
               mails: Sequence[MailInput], now: datetime
               ) -> tuple[list[MailInput], list[tuple[MailInput, int | str]],
                          list[MailInput]]:
    """Sort a batch: (mails that start a new case; plain answers, each with the
    open case it lands on — or the Message-ID of the batch's own new mail it
    answers; the rest, one by one: tags, merged or ended cases, duplicates,
    unreadable mail). The answers' case is the one `thread_of` would pick. Mail is
    known by its bytes wherever it was read (another mailbox, an import)."""
    digests = {hashlib.sha256(m.raw).hexdigest() for m in mails}
    stored = set(session.scalars(sa.select(col(InboundMail.sha256)).where(
        col(InboundMail.sha256).in_(digests), known_bytes(mailbox))))
    known = set(session.scalars(sa.select(col(InboundMail.uid)).where(
        col(InboundMail.mailbox) == mailbox, col(InboundMail.uidvalidity) == uidvalidity,
        col(InboundMail.uid).in_([m.uid for m in mails]))))
    best = _referred(session, {i for m in mails for i in m.thread_ids})
    # Locked (PostgreSQL): no scheduler closes one of them before the answers land.
    cases = {c.id: c for c in session.execute(sa.select(
        col(Case.id), col(Case.status), col(Case.merged_into_id)).where(
        col(Case.id).in_({b[2] for b in best.values()})).with_for_update())} if best else {}
    tags = {m.case_tag for m in mails if m.case_tag is not None}
    tagged = set(session.scalars(sa.select(col(Case.id)).where(col(Case.id).in_(tags)))) if tags \
        else set()
    fresh: list[MailInput] = []
    answers: list[tuple[MailInput, int | str]] = []
    rest: list[MailInput] = []
    # Where each mail of the batch went, by its Message-ID: a later mail answering
    # it follows it (a new case's own ID stands for that case until it exists).
    went: dict[str, int | str | None] = {}
    # And by its customer and title, for an answer found by its subject alone.
    went_as: dict[tuple[str, str], tuple[int | str, datetime]] = {}
    seen_digests: set[str] = set()
    for mail in mails:
        digest = hashlib.sha256(mail.raw).hexdigest()
        readable = (mail.message is not None and mail.uid not in known
                    and digest not in stored and digest not in seen_digests
                    and mail.bounce is None and not mail.log_only)
        seen_digests.add(digest)
        answered = _answered(best, mail)  # the case `thread_of` picks
        ours = any(best[i][0] for i in mail.thread_ids if i in best)  # ours decides
        earlier = next((went[i] for i in mail.thread_ids if i in went), "")
        target: int | str | None
        if not readable:
            target = None
        elif answered is not None and (ours or earlier == ""):
            case = cases[answered]
            open_case = case.merged_into_id is None and Status(case.status) not in ENDED
            target = answered if open_case else None
        elif earlier != "":
            target = earlier  # None: that mail goes one by one, so does this
        elif mail.case_tag in tagged:
            target = None
        elif answers_by_subject(mail) and _topic(mail) in went_as and timedelta(0) <= (
                (message_of(mail).at or now) - went_as[_topic(mail)][1]) <= SUBJECT_WINDOW:
            target = went_as[_topic(mail)][0]
        elif _by_subject(session, mail, message_of(mail).at or now) is not None:
            target = None  # one by one, where `thread_of` finds that case again
        else:
            target = fresh_key(mail)
            fresh.append(mail)
        if mail.message is not None and mail.message.mail_message_id:
            went.setdefault(mail.message.mail_message_id, target)
        if target is not None:
            went_as[_topic(mail)] = (target, message_of(mail).at or now)
        if target is None:
            rest.append(mail)
        elif mail not in fresh:
            answers.append((mail, target))
    return fresh, answers, rest


def fresh_key(mail: MailInput) -> str:
    """What stands for the case a batch's new mail starts until it exists."""
    return message_of(mail).mail_message_id or f"uid:{mail.uid}"


def known_bytes(mailbox: str) -> sa.ColumnElement[bool]:
    """Where a mail's bytes, read from `mailbox`, make it known: read from there
    before, or imported (and an import's, read anywhere). Two mailboxes of ours that
    receive the same bytes are two channels' mail, each taken."""
    if mailbox.startswith(IMPORTED):
        return sa.true()
    return sa.or_(col(InboundMail.mailbox) == mailbox,
                  col(InboundMail.mailbox).startswith(IMPORTED))


def _topic(mail: MailInput) -> tuple[str, str]:
    """A mail's customer and title, as an answer by subject alone matches them."""
    return party(mail)[1], clean_title(mail_title(mail.subject))
