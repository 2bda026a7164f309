"""The order of a case list: the keys each sort walks (an index's order, the case number
breaking ties), a row's place in that order, and the rows beyond it — what keyset paging
stands on (store/case_pages.py) and what `queries.position` counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from store import statuses
from store.models import (
    ASSIGNEE_KEY_SQL,
    PRIORITY_RANK_SQL,
    SLA_KEY_SQL,
    SLA_NONE_SQL,
    STATUS_RANK_SQL,
    Case,
    UTCDateTime,
)
from store.tables import column_of
from store.views import CaseRow

if TYPE_CHECKING:
    from store.queries import Resolved


def beyond(keys: tuple[sa.ColumnElement[Any], ...],
           value: sa.ColumnElement[Any], descending: bool) -> sa.ColumnElement[bool]:
    """The rows after `value` in an order on `keys` (one row-value comparison: an
    index range, whatever the number of keys)."""
    return sa.tuple_(*keys) < value if descending else sa.tuple_(*keys) > value


# The order of each sort, as index keys; the case number breaks ties, so every
# row has its own place and keyset paging never skips or repeats one.
ID, _UPDATED = column_of(Case.id), column_of(Case.updated_at)
SORT_KEYS: dict[str, tuple[sa.ColumnElement[Any], ...]] = {
    "updated": (_UPDATED, ID),
    "number": (ID,),
    "title": (column_of(Case.title), ID),
    "status": (sa.literal_column(STATUS_RANK_SQL, sa.Integer), _UPDATED, ID),
    "priority": (sa.literal_column(PRIORITY_RANK_SQL, sa.Integer), _UPDATED, ID),
    "channel": (column_of(Case.channel_id), _UPDATED, ID),
    "assignee": (sa.literal_column(ASSIGNEE_KEY_SQL, sa.Integer), _UPDATED, ID),
    "contact": (column_of(Case.contact_id), _UPDATED, ID),
    "flags": (column_of(Case.flags), _UPDATED, ID),  # descending: urgent first
    # Ascending: the most urgent first, the cases without a due time after them.
    "sla": (sa.literal_column(SLA_NONE_SQL, sa.Integer),
            sa.literal_column(SLA_KEY_SQL, UTCDateTime), ID),
}
# Without a narrower filter, the planner would rather read the statuses' index and
# sort every row than walk the sort's own index and stop after a page.
_SORT_INDEX = {"title": "ix_cases_title", "status": "ix_cases_status_rank",
               "priority": "ix_cases_priority_rank", "assignee": "ix_cases_assignee_key",
               "channel": "ix_cases_channel_updated", "contact": "ix_cases_contact_updated",
               "sla": "ix_cases_sla_due", "flags": "ix_cases_flags_updated"}


def sort_keys(f: Resolved) -> tuple[sa.ColumnElement[Any], ...]:
    """The list order's keys: descending unless `f.ascending`. Channel, assignee and
    contact sort by when the channel, agent or contact was added (an index can give
    that order; names would need a sort of every row), newest updated within."""
    return SORT_KEYS[f.sort]


def sort_range(f: Resolved) -> list[sa.ColumnElement[bool]]:
    """The filter's statuses as a range of the status rank: the index scan then starts
    at the first wanted status instead of wading through 800,000 archived cases to
    reach the end of the list."""
    if f.sort != "status" or not f.statuses:
        return []
    ranks = [_STATUS_RANK.get(s, 0) for s in f.statuses]
    rank = SORT_KEYS["status"][0]
    return [rank >= min(ranks), rank <= max(ranks)]


def sort_index(f: Resolved) -> dict[str, str]:
    index = _SORT_INDEX.get(f.sort)
    if index is None or narrower_than_status(f) or f.priority is not None:
        return {}
    return {"indexed_by": index}


def key_value(f: Resolved, keys: tuple[sa.ColumnElement[Any], ...],
              row: CaseRow) -> sa.ColumnElement[Any]:
    """The list-order key of `row`, as SQL values typed like `keys`."""
    return sa.tuple_(*[sa.literal(v, type_=k.type)
                       for k, v in zip(keys, key_values(f, row), strict=True)])


def key_values(f: Resolved, row: CaseRow) -> tuple[object, ...]:
    """The list-order key of `row` (the values of `sort_keys`)."""
    if f.fts is not None:
        return (row.number,)
    match f.sort:
        case "updated":
            return row.updated_at, row.number
        case "number":
            return (row.number,)
        case "title":
            return row.title, row.number
        case "status":
            return _STATUS_RANK.get(row.status, 0), row.updated_at, row.number
        case "priority":
            return _PRIORITY_RANK.get(row.priority, 0), row.updated_at, row.number
        case "channel":
            return row.channel_id, row.updated_at, row.number
        case "assignee":
            return row.assignee_id or 0, row.updated_at, row.number
        case "contact":
            return row.contact_id, row.updated_at, row.number
        case "flags":
            return row.flag_bits, row.updated_at, row.number
        case "sla":
            return int(row.sla_due is None), row.sla_due or row.updated_at, row.number
    raise AssertionError(f.sort)


# The ranks of STATUS_RANK_SQL and PRIORITY_RANK_SQL, for a row's key value.
_STATUS_RANK: dict[str, int] = {s.value: n for s, n in statuses.RANK.items()}
_PRIORITY_RANK = {"high": 2, "medium": 1}


def narrower_than_status(f: Resolved) -> bool:
    """Whether the filter has an equality term that picks fewer cases than a status."""
    return any(x is not None for x in (f.assignee_id, f.contact_id, f.fts, f.watcher_id,
                                       f.labels)) or f.unassigned or bool(f.channel_ids)
