"""Copying a whole casedesk database into another — the move from one machine's
SQLite file to the team's PostgreSQL.

The target is migrated to the same schema and must hold no cases yet. Rows go
table by table in foreign-key order (PostgreSQL: through COPY, the fast path),
keeping every id, so case numbers stay what people have quoted; then the id
sequences are moved past the copied ids and the search index is rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col

import store.models  # noqa: F401  (registers the tables)
from store import search
from store.db import Database
from store.errors import InvalidInput

CHUNK = 20_000


def _rows(source: Database, table: sa.Table) -> Iterator[list[sa.Row]]:
    with source.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            sa.select(table).order_by(*table.primary_key.columns))
        yield from (list(part) for part in result.partitions(CHUNK))


def _plain(value: Any) -> Any:
    """A value as the target's column stores it (naive UTC, like `UTCDateTime`)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


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
        columns = [c.name for c in table.columns]
        counts[table.name] = 0
        for chunk in _rows(source, table):
            rows = [tuple(_plain(v) for v in row) for row in chunk]
            _insert(target, table, columns, rows)
            counts[table.name] += len(rows)
            if progress:
                progress(table.name, counts[table.name])
    _copy_files(source, target)
    target.write(_finish)
    return counts


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


def _insert(target: Database, table: sa.Table, columns: list[str],
            rows: list[tuple[Any, ...]]) -> None:
    def work(session: sa.orm.Session) -> None:
        if target.url.get_backend_name() == "postgresql":
            driver = session.connection().connection.driver_connection
            assert driver is not None  # that of an open connection
            cursor = driver.cursor()
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            session.execute(table.insert(), [dict(zip(columns, row, strict=True))
                                             for row in rows])

    target.write(work)


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
