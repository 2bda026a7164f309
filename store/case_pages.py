"""The case list's pages at the driver's speed (ARCHITECTURE.md, "The list path").

A list is read again and again with the same filter: refreshed after each change,
paged up and down. The first time, a page is built, run and turned into rows by
SQLAlchemy as any query is, and what the driver was sent is kept: the statement and
its parameters, for that filter and that shape of page (`PageShape`). After
that, a page of the list is that statement run on the driver's own cursor with only
the page's starting row, limit and offset put in, its rows made `CaseRow`s straight
from the driver's tuples.

Who the actor is and what they may see is kept too, as the filter resolved for them,
for as long as the team's version stays as it is: a number triggers move on every
change to agents, channels and memberships (migration 0022), read in the same
snapshot as the page. A membership taken away, an agent deactivated, in this process
or any other, so takes effect at the next page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from store import search
from store.errors import InvalidInput
from store.list_order import beyond, key_values, sort_index, sort_keys, sort_range
from store.models import Agent, Case, Channel, Contact, WorkspaceEntry
from store.permissions import TEAM_VERSION, team_version
from store.queries import Resolved, conditions
from store.triage import flags_of
from store.views import CaseRow

if TYPE_CHECKING:
    from store.db import Database
    from store.queries import CaseFilter

# Statements kept per service: a few lists, each in its shapes of page; a new search
# text is a new statement, so a day of searching must not pile them up.
KEPT = 200


_assignee = aliased(Agent)


def row_columns() -> sa.Select:
    """The columns of a case list row, joined from their tables."""
    return _ROW_COLUMNS


def _row_columns() -> sa.Select:
    return (
        sa.select(
            col(Case.id), col(Case.title), col(Case.status), col(Channel.name).label("channel"),
            col(Contact.name).label("contact"), col(_assignee.login).label("assignee"),
            col(Case.priority), col(Case.labels), col(Case.created_at), col(Case.updated_at),
            col(Case.version), col(Case.channel_id), col(Case.contact_id),
            col(Case.assignee_id), col(Case.first_response_due), col(Case.first_response_at),
            col(Case.resolution_due), col(Case.resolved_at), col(Case.sla_events),
            col(Case.flags),
        )
        .select_from(Case)
        .join(Channel, col(Channel.id) == Case.channel_id)
        .join(Contact, col(Contact.id) == Case.contact_id)
        .outerjoin(_assignee, col(_assignee.id) == Case.assignee_id)
    )


# Built once: a list query is this plus its WHERE, ORDER BY and LIMIT.
_ROW_COLUMNS = _row_columns()


def _aware(value: datetime | None) -> datetime | None:
    return value  # (SQLAlchemy's rows carry aware datetimes already: UTCDateTime)


def to_row(r: sa.Row | tuple[Any, ...]) -> CaseRow:
    """A row of `row_columns()` (and, in a page, whether it is unread) as SQLAlchemy
    gives it."""
    return row_of(r, _aware)


def row_of(r: Sequence[Any], when: Callable[[Any], datetime | None]) -> CaseRow:
    """A list row from the columns of `row_columns()` in their order; `when` turns a
    datetime column as the driver gave it into an aware datetime."""
    labels, events = r[7], r[18]
    return CaseRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6],
        tuple(x for x in labels.split(",") if x) if labels else (),
        when(r[8]), when(r[9]), r[10], r[11], r[12], r[13],  # type: ignore[arg-type]
        when(r[14]), when(r[15]), when(r[16]), when(r[17]),
        tuple(x for x in events.split(",") if x) if events else (),
        flags_of(r[19]), r[19], len(r) > 20 and bool(r[20]),
    )


# The values a page puts into its list's statement (see `page_statement`).
LIMIT, OFFSET = "page_limit", "page_offset"


@dataclass(frozen=True)
class PageShape:
    """What a page's statement depends on besides its filter (never the values of a
    row or a limit: those are put into it per page)."""

    reader: int | None  # whose unread markers the rows carry
    after: bool = False
    before: bool = False
    from_end: bool = False
    skip: bool = False

    @property
    def reverse(self) -> bool:
        """Read in reverse list order (the rows are turned round afterwards)."""
        return self.before or self.from_end


def page_statement(f: Resolved, shape: PageShape) -> tuple[sa.Select, dict[str, str]]:
    """The statement of a page of `f`'s list and its execution options; the row it
    starts from, its limit and offset are parameters (`page_values`)."""
    query = row_columns().add_columns(_unread(shape.reader)).where(
        *conditions(f, searching=False))
    options: dict[str, str] = {}
    if f.fts is not None:
        # Driven by the search index, newest first: stops after `limit` hits.
        query, hit = search.join_hits(query, f.fts, f.dialect)
        keys: tuple[sa.ColumnElement[Any], ...] = (hit,)
        descending = True
    else:
        keys, options = sort_keys(f), sort_index(f)
        descending = not f.ascending
        query = query.where(*sort_range(f))
    # `after` a row: the rows that follow it in list order; `before`: those preceding it.
    if shape.after or shape.before:
        key = sa.tuple_(*[sa.bindparam(f"key{i}", type_=k.type) for i, k in enumerate(keys)])
        query = query.where(beyond(keys, key, descending if shape.after else not descending))
    order = [k.desc() if descending != shape.reverse else k.asc() for k in keys]
    query = query.order_by(*order).limit(sa.bindparam(LIMIT, type_=sa.Integer))
    if shape.skip:
        query = query.offset(sa.bindparam(OFFSET, type_=sa.Integer))
    return query, options


def page_values(f: Resolved, *, limit: int, row: CaseRow | None, skip: int) -> dict[str, Any]:
    """The parameters of a page's statement: its limit, offset and starting row."""
    if limit < 1:
        raise InvalidInput("the limit must be at least 1")
    values: dict[str, Any] = {LIMIT: limit, OFFSET: skip}
    if row is not None:
        values.update((f"key{i}", v) for i, v in enumerate(key_values(f, row)))
    return values


def _unread(reader: int | None) -> sa.ColumnElement[bool]:
    """Whether the reader has something new in the case in their workspace (a
    supervisor following an agent sees that agent's markers)."""
    if reader is None:
        return sa.false().label("unread")
    return sa.exists().where(col(WorkspaceEntry.agent_id) == reader,
                             col(WorkspaceEntry.case_id) == Case.id,
                             col(WorkspaceEntry.unread)).label("unread")


@dataclass(frozen=True)
class Prepared:
    """A page's statement as its driver got it, and where the page's own values go."""

    sql: str
    params: tuple[Any, ...] | dict[str, Any]
    # (parameter name, its place: an index into `params`, or its key), how to send it.
    slots: tuple[tuple[str, int | str, Callable[[Any], Any] | None], ...]

    def params_for(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        params: list[Any] | dict[str, Any] = (
            list(self.params) if isinstance(self.params, tuple) else dict(self.params))
        for name, place, send in self.slots:
            value = values[name]
            params[place] = value if send is None else send(value)  # type: ignore[index]
        return tuple(params) if isinstance(params, list) else params


@dataclass(frozen=True)
class _Kept:
    """What is kept, for one version of the team (replaced whole when it moves)."""

    team: int
    resolved: dict[CaseFilter, tuple[Resolved, int | None]]
    prepared: dict[tuple[Resolved, PageShape], Prepared]


# Resolve a filter for the actor, in a unit of work: (resolved, whose unread markers).
Resolve = Callable[[Session, "CaseFilter"], tuple[Resolved, int | None]]


class CasePages:
    """The pages of one identity's lists (see the module's words)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._kept = _Kept(-1, {}, {})
        self._when = _sqlite_when if db.is_sqlite else _naive_when

    def page(self, resolve: Resolve, f: CaseFilter, *, after: CaseRow | None,
             before: CaseRow | None, from_end: bool, skip: int) -> list[CaseRow]:
        if after is not None and before is not None:
            raise InvalidInput("a page follows a row or precedes one, not both")
        row = after or before
        fast = self._kept_page(f, after, before, from_end, skip)
        if fast is not None:
            return fast
        with self.db.read() as session:
            resolved, reader = resolve(session, f)
            version = team_version(session)  # (the snapshot's: the rows' too)
            shape = _shape(reader, after, before, from_end, skip)
            values = page_values(resolved, limit=f.limit, row=row, skip=skip)
            query, options = page_statement(resolved, shape)
            sent: list[tuple[str, Any]] = []
            result = session.connection().execute(
                query, values, execution_options={**options, "casedesk_sent": sent})
            rows = [to_row(r) for r in result]
            self._keep(version, f, resolved, reader, shape, query.params(values), sent, values)
        return rows[::-1] if shape.reverse else rows

    def _kept_page(self, f: CaseFilter, after: CaseRow | None, before: CaseRow | None,
                   from_end: bool, skip: int) -> list[CaseRow] | None:
        """The page from what is kept, or None: nothing kept for it (or the driver
        failed: the whole way then says what went wrong, as any query would)."""
        kept = self._kept  # (one version's, all of it, whatever another thread keeps)
        resolution = kept.resolved.get(f)
        if resolution is None:
            return None
        resolved, reader = resolution
        shape = _shape(reader, after, before, from_end, skip)
        prepared = kept.prepared.get((resolved, shape))
        if prepared is None:
            return None
        params = prepared.params_for(
            page_values(resolved, limit=f.limit, row=after or before, skip=skip))
        dialect = self.db.engine.dialect
        raw = self.db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            # The team's version and the page: one snapshot.
            cursor.execute("BEGIN" if self.db.is_sqlite else
                           "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute(TEAM_VERSION)
            version = cursor.fetchone()[0]  # type: ignore[index]
            if version == kept.team:
                cursor.execute(prepared.sql, params)
                found = cursor.fetchall()
            cursor.close()
            raw.rollback()
        except dialect.loaded_dbapi.Error as exc:
            # (A connection gone never goes back into the pool.)
            if dialect.is_disconnect(exc, raw.dbapi_connection, None):
                raw.invalidate()
            return None
        finally:
            raw.close()
        if version != kept.team:
            return None
        when = self._when
        rows = [row_of(r, when) for r in found]
        return rows[::-1] if shape.reverse else rows

    def _keep(self, version: int, f: CaseFilter, resolved: Resolved, reader: int | None,
              shape: PageShape, query: sa.Select, sent: list[tuple[str, Any]],
              values: dict[str, Any]) -> None:
        prepared = _prepared(self.db.engine.dialect, query, sent, values)
        with self._lock:
            if version < self._kept.team:
                return  # read before another thread kept a newer version's
            full = max(len(self._kept.prepared), len(self._kept.resolved)) >= KEPT
            if version != self._kept.team or full:
                self._kept = _Kept(version, {}, {})
            self._kept.resolved[f] = (resolved, reader)
            if prepared is not None:
                self._kept.prepared[(resolved, shape)] = prepared


def _shape(reader: int | None, after: CaseRow | None, before: CaseRow | None,
           from_end: bool, skip: int) -> PageShape:
    return PageShape(reader, after is not None, before is not None, from_end,
                     skip > 0 and before is None and not from_end)


def _prepared(dialect: sa.Dialect, query: sa.Select, sent: list[tuple[str, Any]],
              values: dict[str, Any]) -> Prepared | None:
    """What the driver got for `query`, with the places of the page's own values; None
    when that cannot be told for sure (the page then always goes the whole way)."""
    if len(sent) != 1:
        return None
    sql, params = sent[0]
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    slots = []
    for name in values:
        if name not in compiled.binds:
            if name == OFFSET:
                continue  # (no offset in this shape)
            return None
        send = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if isinstance(params, dict):
            place: int | str = name
        elif isinstance(params, tuple | list) and compiled.positiontup is not None \
                and len(compiled.positiontup) == len(params) \
                and name in compiled.positiontup:
            place = compiled.positiontup.index(name)
        else:
            return None
        # Sure only if this page's value is there, sent just as it would be sent.
        if params[place] != (values[name] if send is None else send(values[name])):
            return None
        slots.append((name, place, send))
    return Prepared(sql, tuple(params) if isinstance(params, list) else params, tuple(slots))


def _sqlite_when(value: str | None) -> datetime | None:
    """A datetime as SQLite keeps it (naive UTC text) made aware."""
    if value is None:
        return None
    if len(value) <= 26:  # "YYYY-MM-DD HH:MM:SS.ffffff": no zone written
        return datetime.fromisoformat(value + "+00:00")  # (a tenth of .replace's cost)
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _naive_when(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)
