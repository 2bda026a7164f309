"""Rows that go for good, set-wise: whole cases (the retention purge, an erased
customer's cases) and single messages (an erased customer's part of a case others
share). Each returns the digests of the files its rows used; `FileStore.forget`
then drops those nothing else uses, in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import search
from store.models import (
    Attachment,
    Case,
    CaseField,
    CaseLink,
    CaseRead,
    Change,
    Draft,
    InboundMail,
    IngestKey,
    Mention,
    Message,
    Outbox,
    Presence,
    Satisfaction,
    Watch,
    WorkspaceEntry,
)


def _digests(session: Session, messages: sa.Select[Any],
             mail: sa.ColumnElement[bool]) -> set[str]:
    return set(session.scalars(sa.select(col(Attachment.sha256)).where(
        col(Attachment.message_id).in_(messages)))) | set(session.scalars(sa.select(
            col(InboundMail.sha256)).where(mail)))


def files_of(session: Session, case_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """The stored files that would go with cases `case_ids` (none that a case outside
    them uses too): for each case, digest → size."""
    ids = list(case_ids)
    messages = sa.select(col(Message.id)).where(col(Message.case_id).in_(ids))
    found: dict[int, dict[str, int]] = {}
    for case_id, digest, size in [*session.execute(sa.select(
            col(Message.case_id), col(Attachment.sha256), col(Attachment.size)).join(
            Message, col(Message.id) == col(Attachment.message_id)).where(
            col(Message.case_id).in_(ids))), *session.execute(sa.select(
                col(InboundMail.case_id), col(InboundMail.sha256), col(InboundMail.size)).where(
                col(InboundMail.case_id).in_(ids)))]:
        found.setdefault(case_id, {})[digest] = size
    digests = {d for files in found.values() for d in files}
    kept = set(session.scalars(sa.select(col(Attachment.sha256)).join(
        Message, col(Message.id) == col(Attachment.message_id)).where(
        col(Attachment.sha256).in_(digests), col(Message.case_id).not_in(ids)))) | set(
        session.scalars(sa.select(col(InboundMail.sha256)).where(
            col(InboundMail.sha256).in_(digests),
            sa.or_(col(InboundMail.case_id).is_(None), col(InboundMail.case_id).not_in(ids)),
            sa.or_(col(InboundMail.message_id).is_(None),
                   col(InboundMail.message_id).not_in(messages)))))
    return {n: {d: s for d, s in files.items() if d not in kept} for n, files in found.items()}


def delete_messages(session: Session, message_ids: Sequence[int]) -> set[str]:
    """Messages `message_ids` and what hangs on them: attachments, mentions, their
    outbox mail, the raw mail they came as, ingest keys."""
    if not message_ids:
        return set()
    ids = list(message_ids)
    mail = col(InboundMail.message_id).in_(ids)
    digests = _digests(session, sa.select(col(Message.id)).where(col(Message.id).in_(ids)), mail)
    for table, where in (
        (Attachment, col(Attachment.message_id).in_(ids)),
        (Mention, col(Mention.message_id).in_(ids)),
        (Outbox, col(Outbox.message_id).in_(ids)),
        (InboundMail, mail),
        (IngestKey, col(IngestKey.message_id).in_(ids)),
        (Message, col(Message.id).in_(ids)),
    ):
        session.execute(sa.delete(table).where(where))
    return digests


def delete_cases(session: Session, case_ids: Sequence[int], *, feed: bool = False) -> set[str]:
    """Cases `case_ids` with their conversations, attachments, raw mail, outbox and
    every row that names them (out of the search index first). `feed`: their
    change-feed rows too (an erasure; a purge keeps the feed's bare ids)."""
    ids = list(case_ids)
    if not ids:
        return set()
    search.forget_cases(session, ids)
    messages = sa.select(col(Message.id)).where(col(Message.case_id).in_(ids))
    # The raw mail of these cases' messages (and of any mail filed on them).
    mail = sa.or_(col(InboundMail.case_id).in_(ids), col(InboundMail.message_id).in_(messages))
    digests = _digests(session, messages, mail)
    for table, where in (
        (Attachment, col(Attachment.message_id).in_(messages)),
        (Mention, col(Mention.message_id).in_(messages)),
        (Outbox, sa.or_(col(Outbox.case_id).in_(ids), col(Outbox.message_id).in_(messages))),
        (InboundMail, mail),
        (IngestKey, col(IngestKey.case_id).in_(ids)),
        (Message, col(Message.case_id).in_(ids)),
        (Watch, col(Watch.case_id).in_(ids)),
        (WorkspaceEntry, col(WorkspaceEntry.case_id).in_(ids)),
        (CaseLink, sa.or_(col(CaseLink.case_id).in_(ids), col(CaseLink.other_id).in_(ids))),
        (CaseField, col(CaseField.case_id).in_(ids)),
        (Satisfaction, col(Satisfaction.case_id).in_(ids)),
        (Presence, col(Presence.case_id).in_(ids)),
        (Draft, col(Draft.case_id).in_(ids)),
        *([(Change, col(Change.case_id).in_(ids)),
           (CaseRead, col(CaseRead.case_id).in_(ids))] if feed else []),
    ):
        session.execute(sa.delete(table).where(where))
    session.execute(sa.delete(Case).where(col(Case.id).in_(ids)))
    return digests
