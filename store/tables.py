"""Typed access to what SQLModel's metaclass sets up: a model's `Table`, and the
column expression behind one of its attributes.

The models declare their attributes with Python types (`Case.id: int | None`), so
to a type checker `Case.id` is an int. Where a query needs the SQL object itself —
a Core insert into the table, a column's SQL type — these say so, checked at run
time. In WHERE and ORDER BY terms `sqlmodel.col(Case.id)` does the same job.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session
from sqlmodel import SQLModel

_T = TypeVar("_T")


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table of a model class (`Case.__table__`)."""
    table = sa.inspect(model).local_table
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def dialect_of(session: Session) -> str:
    """The database's kind ("sqlite", "postgresql"): which of a statement's forms to run."""
    return session.get_bind().dialect.name


def column_of(attribute: _T) -> sa.ColumnElement[_T]:
    """The column expression of a model's attribute (`Case.id`): what SQLAlchemy
    turns the attribute into wherever it is used in a statement."""
    if not isinstance(attribute, QueryableAttribute):
        raise TypeError(f"{attribute!r} is not a mapped attribute")
    return attribute.expression


def run(session: Session, statement: sa.Executable,
        params: dict[str, Any] | list[dict[str, Any]] | None = None, *,
        flush: bool = True) -> sa.CursorResult[Any]:
    """Run a Core statement built once (with bind parameters) in the session's
    transaction, after what is pending is flushed, as `Session.execute` would — but
    without its per-call ORM bookkeeping, most of a small statement's cost on the
    write path. For statements on rows no object of the session holds (workspace
    entries, drafts, the audit log, the search index: no unit of work that runs these
    loads them as objects; one that did would hold them stale). `flush=False`:
    nothing pending can change what it reads (a setting), and a change half made is
    better written once, whole."""
    if flush:
        session.flush()
    return session.connection().execute(statement, params)


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """The number of a row that is in the database (None only before it is flushed)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id before it is flushed")
    return row.id
