"""The case-list queries: filters, counts, a row's place, group counts. (A page of the
list: store/case_pages.py; the list's order: store/list_order.py.)

Built for a million cases. Rules learnt by measuring on one:
- OFFSET only for a dragged scrollbar: a deep page costs ~400 ms. Pages are keyset
  windows on (updated_at, id) — or on id alone when searching — in either
  direction, so the end of the list is one query too.
- Select columns with Core, not ORM objects (~4.5x slower on a 50-row page).
- Search results come newest first from the FTS index itself; ranking by
  relevance on a common word costs over a second.
- Merged cases are few: a list filters them row by row, and group counts
  subtract them (a partial index finds them), so each count is one covering
  index scan.
Which index each query uses is asserted in tests/store/test_query_plans.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import search, statuses
from store.errors import InvalidInput
from store.lifecycle import parse_status
from store.list_order import (
    ID,
    SORT_KEYS,
    beyond,
    key_value,
    narrower_than_status,
    sort_keys,
)
from store.models import (
    ACTIVE_SQL,
    Agent,
    Case,
    Channel,
    Contact,
    Priority,
    Status,
    Watch,
    WorkspaceEntry,
)
from store.tables import column_of
from store.views import CaseRow

DEFAULT_LIMIT = 50
Grouping = Literal["status", "channel", "assignee", "contact", "labels"]
GROUPINGS: tuple[Grouping, ...] = ("status", "channel", "assignee", "contact", "labels")
Sort = Literal["updated", "number", "title", "status", "priority", "channel", "assignee",
               "contact", "sla", "flags"]
SORTS: tuple[Sort, ...] = ("updated", "number", "title", "status", "priority", "channel",
                           "assignee", "contact", "sla", "flags")
ACTIVE = tuple(statuses.values(statuses.ACTIVE))


@dataclass(frozen=True)
class CaseFilter:
    """What a case list shows. Empty `statuses` means every status but closed and
    archived (unless `include_ended`). `channel` names a channel and `channels` any
    number: a case of any channel named is listed (none named: every channel).
    `assignee` is a login, "me" or "none"."""

    statuses: tuple[str, ...] = ()
    channel: str | None = None
    channels: tuple[str, ...] = ()
    assignee: str | None = None
    search: str | None = None
    priority: str | None = None
    watched: bool = False
    contact_id: int | None = None
    workspace: str | None = None  # whose workspace: "me", or a login (a supervisor's)
    flag: str | None = None  # a triage flag the cases carry: "urgent", "frustrated"
    # Exactly these labels, as a case stores them (sorted, comma-separated; "" none):
    # one group of a list grouped by labels.
    labels: str | None = None
    limit: int = DEFAULT_LIMIT
    include_ended: bool = False
    sort: str = "updated"
    ascending: bool = False  # the default: newest first (see `sort_keys`)

    def __post_init__(self) -> None:
        # Tuples, whatever was given: a filter is a key of what a list keeps
        # (store/case_pages.py), so it must hash.
        object.__setattr__(self, "statuses", tuple(self.statuses))
        object.__setattr__(self, "channels", tuple(self.channels))


@dataclass(frozen=True)
class GroupCount:
    """One group of a grouped list: its key (None for "unassigned"), label and size."""

    key: str | int | None
    label: str
    count: int


@dataclass(frozen=True)
class Resolved:
    """A filter with names turned into ids, for the actor asking."""

    statuses: tuple[str, ...]
    channel_ids: tuple[int, ...]  # any of these channels; () = every channel
    assignee_id: int | None
    unassigned: bool
    priority: str | None
    watcher_id: int | None
    contact_id: int | None
    visible: tuple[int, ...] | None  # channel ids, None = all
    fts: str | None
    dialect: str = "sqlite"
    sort: Sort = "updated"
    ascending: bool = False
    workspace_id: int | None = None
    flag_bits: tuple[int, ...] = ()  # any of these `Case.flags` values; () = any
    labels: str | None = None


# A WHERE term: an expression, or SQL spelled literally to match an index.
Term = sa.ColumnElement[bool] | sa.TextClause


def conditions(
    f: Resolved, *, merged: bool = False, searching: bool = True
) -> list[Term]:
    """The WHERE terms of a filter (merged cases left out unless `merged`; the search
    as a subquery unless `searching` is off, for a query that joins the hits)."""
    where: list[Term] = []
    if not merged:
        where.append(col(Case.merged_into_id).is_(None))
    if len(f.statuses) == 1:
        where.append(col(Case.status) == f.statuses[0])
    elif set(f.statuses) == set(ACTIVE):
        where.append(sa.text(ACTIVE_SQL))  # literal: ix_cases_active_updated matches it
    elif f.statuses:
        where.append(col(Case.status).in_(f.statuses))
    if len(f.channel_ids) == 1:
        where.append(col(Case.channel_id) == f.channel_ids[0])
    elif f.channel_ids:
        where.append(col(Case.channel_id).in_(f.channel_ids))
    if f.unassigned:
        where.append(col(Case.assignee_id).is_(None))
    elif f.assignee_id is not None:
        where.append(col(Case.assignee_id) == f.assignee_id)
    if f.priority is not None:
        where.append(col(Case.priority) == f.priority)
    if f.contact_id is not None:
        where.append(col(Case.contact_id) == f.contact_id)
    if f.flag_bits:
        where.append(col(Case.flags).in_(f.flag_bits))
    if f.labels is not None:
        where.append(col(Case.labels) == f.labels)
    if f.watcher_id is not None:
        where.append(col(Case.id).in_(sa.select(col(Watch.case_id)).where(
            col(Watch.agent_id) == f.watcher_id)))
    if f.workspace_id is not None:
        where.append(col(Case.id).in_(sa.select(col(WorkspaceEntry.case_id)).where(
            col(WorkspaceEntry.agent_id) == f.workspace_id)))
    if f.visible is not None:
        where.append(col(Case.channel_id).in_(f.visible or (-1,)))
    if f.fts is not None and searching:
        where.append(col(Case.id).in_(search.matching_cases(f.fts, f.dialect)))

    return where


def position(session: Session, f: Resolved, row: CaseRow) -> int:
    """How many rows come before `row` in the list (its index, when it is in it)."""
    query = sa.select(sa.func.count()).select_from(Case).where(*conditions(f, searching=False))
    if f.fts is not None:
        # The hits newer than the row, straight from the search index's order.
        query, hit = search.join_hits(query, f.fts, f.dialect)
        return session.scalar(query.where(hit > row.number)) or 0
    keys, descending = sort_keys(f), not f.ascending
    return session.scalar(query.where(beyond(keys, key_value(f, keys, row),
                                             not descending))) or 0


def count(session: Session, f: Resolved) -> int:
    """How many cases the filter selects."""
    where = conditions(f, merged=True, searching=False)
    if f.fts is None:
        total = session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where),
                               execution_options=_count_index(f, "status"))
    elif where:  # the hits drive the count, each looked up among the cases
        total = session.scalar(search.join_hits(
            sa.select(sa.func.count()).select_from(Case).where(*where), f.fts, f.dialect)[0])
    else:  # every case is in the search index: its own count
        total = session.scalar(search.hit_count(f.fts, f.dialect))
    if f.fts is not None:
        where.append(search.is_hit(f.fts, f.dialect))
    return (total or 0) - len(_merged(session, where, ID))


def holds(session: Session, f: Resolved, number: int) -> bool:
    """Whether case `number` is one the filter selects (one row, by its key)."""
    where = conditions(f, searching=False)
    if f.fts is not None:
        where.append(search.is_hit(f.fts, f.dialect))
    return session.scalar(sa.select(col(Case.id)).where(col(Case.id) == number,
                                                         *where)) is not None


def _merged(session: Session, where: list[Term], column: sa.ColumnElement[Any]) -> list[Any]:
    """`column` of the merged cases among `where`: few, found by their partial index,
    and subtracted from counts rather than filtered out of every row counted."""
    query = sa.select(column).where(*where, col(Case.merged_into_id).is_not(None))
    return list(session.scalars(query, execution_options={
        "indexed_by": "ix_cases_merged_into_id"}))


# The covering index for counting within a set of statuses, by grouping.
_STATUS_INDEX = {"status": "ix_cases_status_channel", "channel": "ix_cases_status_channel",
                 "assignee": "ix_cases_status_assignee", "contact": "ix_cases_status_contact",
                 "labels": "ix_cases_status_labels"}


def _count_index(f: Resolved, by: Grouping) -> dict[str, str]:
    """Within a set of statuses (the usual view) a covering (status, …) index reads
    only those statuses' entries; the planner would rather walk the grouping
    column's index over every case, ~100x slower on a million."""
    if f.statuses and not narrower_than_status(f):
        return {"indexed_by": _STATUS_INDEX[by]}
    return {}


_GROUP_COLUMN: dict[str, sa.ColumnElement[Any]] = {
    "status": column_of(Case.status), "channel": column_of(Case.channel_id),
    # Unassigned is group 0, never NULL: NULL sorts first on SQLite and last on
    # PostgreSQL, and a keyset comparison with it is never true.
    "assignee": sa.func.coalesce(Case.assignee_id, 0), "contact": column_of(Case.contact_id),
    # A case's set of labels is one group ("faktura, retur"); none is the group "".
    "labels": column_of(Case.labels),
}


def _none_key(by: Grouping) -> str | int:
    """The key of the group of none (unassigned, no labels), first in key order."""
    return "" if by == "labels" else 0


def _group_column(by: str) -> sa.ColumnElement[Any]:
    column = _GROUP_COLUMN.get(by)
    if column is None:
        raise InvalidInput(f"cannot group by {by!r}: use {', '.join(GROUPINGS)}")
    return column


def group_counts(
    session: Session, f: Resolved, by: Grouping, *, limit: int | None = None,
    after: str | int | None = None, before: str | int | None = None, from_end: bool = False,
    at: str | int | None = None,
) -> list[GroupCount]:
    """The size of each group, in key order (statuses in lifecycle order); `limit`
    with `after`/`before` a key, or `from_end`, windows a long list of groups
    (grouping by contact gives hundreds of thousands); `at` a key: from that group on.
    Unassigned has the key None."""
    if by == "contact":
        return _contact_groups(session, f, limit=limit, after=after, before=before,
                               from_end=from_end, at=at)
    column = _group_column(by)
    where = conditions(f, merged=True)
    if after is not None:
        where.append(column > (after or _none_key(by)))
    if at is not None:
        where.append(column >= (at or _none_key(by)))
    if before is not None:
        where.append(column < (before or _none_key(by)))
    reverse = before is not None or from_end
    # Statuses in lifecycle order (their rank counts down), so that a window of them is
    # the first few of the lifecycle; every other grouping in key order.
    order = SORT_KEYS["status"][0].desc() if by == "status" else column
    if reverse:
        order = SORT_KEYS["status"][0] if by == "status" else column.desc()
    query = sa.select(column, sa.func.count()).where(*where).group_by(column).order_by(order)
    if limit is not None:
        query = query.limit(limit)
    counts: dict[Any, int] = dict(
        session.execute(query, execution_options=_count_index(f, by)).all())
    if reverse:
        counts = dict(reversed(counts.items()))
    if counts:
        for key in _merged(session, where, column):
            if key in counts:
                counts[key] -= 1
    labels = _labels(session, by, [k for k in counts if k])
    groups = [GroupCount(key or None, labels.get(key, _none_label(by)) if key else
                         _none_label(by), n) for key, n in counts.items() if n > 0]
    if by == "status":
        rank = {s.value: i for i, s in enumerate(Status)}
        groups.sort(key=lambda g: rank.get(str(g.key), 99))

    return groups


def group_total(session: Session, f: Resolved, by: Grouping, *,
                below: str | int | None = None) -> int:
    """How many groups there are (`below` a key: how many come before it, its index
    in a list of groups by key)."""
    if by == "contact" and below is not None:
        # The contacts before one by name: counted from the list's cases (by its
        # index), each joined to its contact's name.
        return session.scalar(
            sa.select(sa.func.count(sa.distinct(col(Case.contact_id))))
            .join(Contact, col(Contact.id) == Case.contact_id)
            .where(*conditions(f), _name_place() < _contact_place(session, below)),
            execution_options=_count_index(f, by)) or 0
    column = _group_column(by)
    where = conditions(f, merged=True)
    if below is not None:
        where.append(column < (below or _none_key(by)))
    total = session.scalar(sa.select(sa.func.count(sa.distinct(column))).where(*where),
                           execution_options=_count_index(f, by)) or 0
    merged = _merged(session, where, column)
    if merged:
        # A group of merged cases alone is no group: few keys, counted exactly.
        keys = set(merged)
        sizes: dict[Any, int] = dict(session.execute(sa.select(column, sa.func.count()).where(
            *where, column.in_(keys)).group_by(column)).all())
        total -= sum(1 for key in keys if sizes.get(key, 0) == merged.count(key))
    return total


# Grouped by contact, the groups go by the contact's name (case aside), then id: the
# contacts' own index (ix_contact_name_key) leads, and each contact is asked whether
# the list has cases of theirs, so a window of groups costs its size, not the list's.
def _name_place() -> sa.Tuple:
    return sa.tuple_(sa.func.lower(col(Contact.name)), col(Contact.id))


def _has_cases(f: Resolved) -> sa.ColumnElement[bool]:
    return sa.exists(sa.select(col(Case.id)).where(
        col(Case.contact_id) == col(Contact.id), *conditions(f)).correlate(Contact))


def _contact_place(session: Session, key: str | int) -> sa.Tuple:
    name = session.scalar(sa.select(sa.func.lower(col(Contact.name))).where(
        col(Contact.id) == int(key)))
    return sa.tuple_(sa.literal(name or ""), sa.literal(int(key)))


def _contact_groups(session: Session, f: Resolved, *, limit: int | None,
                    after: str | int | None, before: str | int | None,
                    from_end: bool, at: str | int | None = None) -> list[GroupCount]:
    count = sa.select(sa.func.count()).select_from(Case).where(
        col(Case.contact_id) == col(Contact.id), *conditions(f)).correlate(Contact)
    query = sa.select(col(Contact.id), col(Contact.name), col(Contact.email),
                      col(Contact.phone), count.scalar_subquery()).where(_has_cases(f))
    if after is not None:
        query = query.where(_name_place() > _contact_place(session, after))
    if at is not None:
        query = query.where(_name_place() >= _contact_place(session, at))
    if before is not None:
        query = query.where(_name_place() < _contact_place(session, before))
    reverse = before is not None or from_end
    name_key = sa.func.lower(col(Contact.name))
    query = query.order_by(*((name_key.desc(), col(Contact.id).desc()) if reverse
                             else (name_key, col(Contact.id))))
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.execute(query).all())
    if reverse:
        rows.reverse()
    # Two customers of one name are told apart by their address (or phone).
    return [GroupCount(key, " ".join(x for x in (name, f"<{email}>" if email else phone)
                                     if x) or _none_label("contact"), n)
            for key, name, email, phone, n in rows]


def _none_label(by: Grouping) -> str:
    return {"assignee": "unassigned", "labels": "no labels"}.get(by, "-")


def _labels(session: Session, by: Grouping, keys: Sequence[str | int]) -> dict[Any, str]:
    if by == "status" or not keys:
        return {k: str(k) for k in keys}
    if by == "labels":
        return {k: str(k).replace(",", ", ") for k in keys}
    key, label = {
        "channel": (col(Channel.id), col(Channel.name)),
        "assignee": (col(Agent.id), col(Agent.login)),
        "contact": (col(Contact.id), col(Contact.name)),
    }[by]
    return dict(session.execute(sa.select(key, label).where(key.in_(keys))).all())


def parse_sort(text: str) -> Sort:
    for sort in SORTS:
        if text == sort:
            return sort
    raise InvalidInput(f"cannot sort by {text!r}: use {', '.join(SORTS)}")


def parse_priority(text: str) -> str:
    try:
        return Priority(text.strip().lower()).value
    except ValueError:
        raise InvalidInput(f"unknown priority {text!r}: use high, medium or low") from None


def channels_of(f: CaseFilter) -> tuple[str, ...]:
    """The channels a filter names, each once, in the order named."""
    return tuple(dict.fromkeys(n.strip() for n in ((f.channel,) if f.channel else ())
                               + f.channels if n.strip()))


def statuses_of(f: CaseFilter) -> tuple[str, ...]:
    if f.statuses:
        return tuple(dict.fromkeys(parse_status(s).value for s in f.statuses))
    return () if f.include_ended else ACTIVE
