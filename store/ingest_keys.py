"""Source ids of ingest lines (`IngestKey`): a line that carries its source system's
id is taken once. The key is written in the same transaction as the case or message
it made, so a run killed at any moment and run again neither loses nor doubles one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from store.errors import StoreError
from store.models import IngestKey
from store.tables import table_of


class AlreadyTaken(StoreError):
    """This source id was taken before: nothing was changed."""

    def __init__(self, source_id: str, case: int) -> None:
        super().__init__(f"the id {source_id!r} was taken before, as case #{case}")
        self.source_id = source_id
        self.case = case


def channel_scope(channel_id: int) -> str:
    return f"channel:{channel_id}"


def case_scope(number: int) -> str:
    return f"case:{number}"


def refuse_taken(session: Session, scope: str, source_id: str) -> None:
    """AlreadyTaken if (`scope`, `source_id`) is taken."""
    case = session.scalar(sa.select(col(IngestKey.case_id)).where(
        col(IngestKey.scope) == scope, col(IngestKey.source_id) == source_id))
    if case is not None:
        raise AlreadyTaken(source_id, case)


def record(session: Session, scope: str, source_id: str, *, case: int, message: int | None,
           now: datetime) -> None:
    """Write the key in the caller's transaction. Another process that took the same
    key meanwhile (PostgreSQL: this insert waits for its commit) makes this one
    AlreadyTaken, and the caller's whole transaction is rolled back."""
    table = table_of(IngestKey)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    inserted = session.execute(insert.values(
        scope=scope, source_id=source_id, case_id=case, message_id=message, created_at=now,
    ).on_conflict_do_nothing(index_elements=["scope", "source_id"])
        .returning(table.c.scope)).first()  # (rowcount says -1 here: RETURNING tells)
    if inserted is None:
        refuse_taken(session, scope, source_id)
        raise StoreError(f"the id {source_id!r} was being taken at the same time: try again")
