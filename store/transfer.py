"""Copying a whole casedesk database into another — the move from one machine's
SQLite file to the team's PostgreSQL.

The target is migrated to the same schema and must hold no cases yet. Rows go
table by table in foreign-key order (PostgreSQL: through COPY, the fast path),
keeping every id, so case numbers stay what people have quoted; then the id
sequences are moved past the copied ids and the search index is rebuilt. Either
side may be SQLite or PostgreSQL: values are read and written through the tables'
own types, times aware on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col

import store.models  # noqa: F401  (registers the tables)
from store import search
from store.db import Database
from store.errors import InvalidInput

CHUNK = 20_000


def _rows(source: Database, table: sa.Table) -> Iterator[list[dict[str, Any]]]:
    """The table's rows as read through its columns' types (times aware UTC)."""
    with source.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            sa.select(table).order_by(*table.primary_key.columns))
        yield from ([dict(row._mapping) for row in part] for part in result.partitions(CHUNK))


def copy_database(source: Database, target: Database,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every casedesk table of `source` into `target`; returns rows per table."""
    source.check_schema()
    target.upgrade()
    with target.engine.connect() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM cases")).scalar():
            raise InvalidInput(f"{target.location} already has cases: copy into an empty one")
        if conn.execute(sa.text("SELECT count(*) FROM agent")).scalar():
            raise InvalidInput(f"{target.location} already has agents: copy into an empty one")
    counts: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name == "team_version":
            continue  # the target's own: its triggers move it as the team comes in
        counts[table.name] = 0
        later = _own_references(table)
        pointers: list[dict[str, Any]] = []
        for rows in _rows(source, table):
            pointers += [row for row in rows if any(row[name] is not None for name in later)]
            _insert(target, table, [{**row, **dict.fromkeys(later)} for row in rows])
            counts[table.name] += len(rows)
            if progress:
                progress(table.name, counts[table.name])
        if pointers:
            target.write(partial(_point, table, later, pointers))
    _copy_files(source, target)
    target.write(_finish)
    return counts


def _own_references(table: sa.Table) -> list[str]:
    """The columns that point at another row of their own table (a case merged into a
    newer case): the row pointed at may come later, so they are set once all are in."""
    return [column.name for column in table.columns
            if any(key.column.table is table for key in column.foreign_keys)]


def _point(table: sa.Table, names: list[str], rows: list[dict[str, Any]],
           session: sa.orm.Session) -> None:
    """Set the `_own_references` of rows already copied, as the source has them."""
    key = list(table.primary_key.columns)
    session.execute(
        sa.update(table)
        .where(*(column == sa.bindparam(f"key_{column.name}") for column in key))
        .values({name: sa.bindparam(f"new_{name}") for name in names}),
        [{**{f"key_{c.name}": row[c.name] for c in key},
          **{f"new_{name}": row[name] for name in names}} for row in rows])


def _copy_files(source: Database, target: Database) -> None:
    """Attachment bytes, wherever each side keeps them (a folder or the database)."""
    from store.files import FileStore
    from store.models import Attachment

    if source.files_dir is not None and source.files_dir == target.files_dir:
        return
    with source.read() as session:
        digests = list(session.scalars(sa.select(col(Attachment.sha256)).distinct()))
    for digest in digests:
        with source.read() as session:
            content = FileStore(source).get(session, digest)
        target.write(partial(FileStore(target).put, content=content))


def _insert(target: Database, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    def work(session: sa.orm.Session) -> None:
        if target.url.get_backend_name() == "postgresql":
            stored = _as_stored(table, session.get_bind().dialect)
            driver = session.connection().connection.driver_connection
            assert driver is not None  # that of an open connection
            cursor = driver.cursor()
            names = ", ".join(f'"{c.name}"' for c in table.columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(stored(row))
        else:
            session.execute(table.insert(), rows)

    target.write(work)


def _as_stored(table: sa.Table, dialect: sa.Dialect
               ) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row as an INSERT would bind it. COPY passes no value through its column's type,
    so each type's own rule (`UTCDateTime`: naive UTC) converts it here."""
    rules = [(column.name, column.type.dialect_impl(dialect).bind_processor(dialect))
             for column in table.columns]
    return lambda row: tuple(row[name] if rule is None else rule(row[name])
                             for name, rule in rules)


def _finish(session: sa.orm.Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        for table in SQLModel.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].autoincrement is not False and \
                    isinstance(pk[0].type, sa.Integer):
                session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"coalesce((SELECT max({pk[0].name}) FROM \"{table.name}\"), 0) + 1, false)"))
    search.rebuild(session)
    session.execute(sa.text("ANALYZE"))
