"""Reading a list's windows from the store, in a thread worker (never on the event loop):
a new list, a list reloaded around the cursor's case or group, a grouped list, and the
rows of one window. No Textual: the screen posts what these return.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from store.errors import Forbidden, NotFound
from store.queries import CaseFilter, GroupCount, Grouping
from store.service import CaseService
from store.views import CaseRow
from tui.caselist import WINDOW, CaseWindow, GroupedWindow, Request, in_group


@dataclass(frozen=True)
class Keep:
    """Where the cursor was: on a case (`row`) or a group's heading (`group`), and
    which groups were open. On a row still loading, the nearest loaded case and how
    many lines below it (`offset`) the cursor was."""

    row: CaseRow | None
    group: GroupCount | None = None
    opened: frozenset[object] | None = None
    offset: int = 0

    @classmethod
    def at(cls, window: CaseWindow | GroupedWindow, cursor: int) -> Keep:
        """Where the cursor is in `window`, to find again in a reloaded list."""
        item = window.get(cursor)
        opened = None
        offset = 0
        if isinstance(window, GroupedWindow):
            opened = frozenset(window.groups.get(i).key for i in window.opened)
        elif item is None and (near := window.nearest(cursor)) is not None:
            # Paging faster than the rows load: found again by the case nearest it
            # (else a reload meanwhile would put the agent back at the top).
            item, offset = window.get(near), cursor - near
        return cls(item if isinstance(item, CaseRow) else None, window.group_at(cursor),
                   opened, offset)

    def moved_from(self, earlier: Keep) -> bool:
        """The cursor is somewhere else than `earlier` (unknown on a row still loading:
        nothing to find it by)."""
        if self.row is None and self.group is None:
            return False
        return self._place() != earlier._place()

    def _place(self) -> tuple[object, object, int]:
        return (self.row.number if self.row else None,
                self.group.key if self.group else None, self.offset)


def fill(service: CaseService, window: CaseWindow, filters: CaseFilter, keep: CaseRow | None,
         limit: int = WINDOW, *, offset: int = 0) -> int:
    """Load a list's first rows, or those around `keep` while it is still in the
    list; the index of the cursor (`offset` lines below `keep`'s)."""
    cursor = 0
    if keep is not None:
        try:
            fresh = service.get_case(keep.number)
            moved = keep._replace(updated_at=fresh.updated_at)
            cursor = service.case_position(filters, moved)
            key: CaseRow | None = moved
        except (NotFound, Forbidden):  # the case is gone from view: start at the top
            key, cursor = None, 0
        if key is not None:
            # The rows above the case, then the case and those below it.
            before = service.list_cases(replace(filters, limit=WINDOW // 2), before=key)
            window.place(Request(start=cursor, before=key), before)
            above = before[-1] if before else None  # None: the case is at the top
            window.place(Request(start=cursor, after=above),
                         service.list_cases(filters, after=above))
            cursor = min(max(cursor + offset, 0), max(window.total - 1, 0))
    if not window.rows and window.total:
        window.place(Request(start=0), service.list_cases(replace(filters, limit=limit)))
    return cursor


def grouped(service: CaseService, generation: int, filters: CaseFilter, by: Grouping,
            keep: Keep | None) -> tuple[GroupedWindow, int]:
    """A grouped list: a few groups all open, or very many (by contact) all closed
    and windowed; after a reload, the groups open before and the cursor's case."""
    first = service.group_counts(filters, by, limit=WINDOW + 1)
    few = len(first) <= WINDOW
    window = GroupedWindow(by, len(first) if few else service.group_total(filters, by),
                           generation)
    window.groups.place(Request(start=0), first[:WINDOW])
    target = keep.group if keep else None
    loaded = {g.key for g in window.groups.rows.values()}
    if (target is not None and target.key is not None and target.key not in loaded
            and not few):  # the cursor's group, far down the list of groups
        start = service.group_total(filters, by, below=target.key)
        window.groups.place(Request(start=start), service.group_counts(
            filters, by, limit=WINDOW, at=target.key))
    opened = keep.opened if keep and keep.opened is not None else None
    cursor = 0
    for index, group in sorted(window.groups.rows.items()):
        if (group.key in opened) if opened is not None else few:
            window.open(index)
        if target is not None and group.key == target.key:
            cursor = window.line_of(index)
            if index in window.opened and keep and keep.row is not None:
                cursor += 1 + fill(service, window.opened[index],
                                   in_group(filters, by, group), keep.row)
    for index, cases in sorted(window.opened.items()):
        # The first screenful of the first open groups, so that the list opens whole.
        if window.line_of(index) < 80 and not cases.rows:
            fill(service, cases, in_group(filters, by, window.groups.get(index)), None, 60)
    return window, cursor


def rows(service: CaseService, filters: CaseFilter, grouping: Grouping | None,
         request: Request) -> list[Any]:
    """The items of one window: groups, or cases (of the whole list or of one group)."""
    if request.groups and grouping is not None:
        def key(group: GroupCount | None) -> str | int | None:
            return None if group is None else (group.key if group.key is not None else 0)
        return service.group_counts(
            filters, grouping, limit=WINDOW, after=key(request.after),
            before=key(request.before), from_end=request.from_end)
    if request.group is not None and grouping is not None:
        filters = in_group(filters, grouping, request.group)
    return service.list_cases(filters, after=request.after, before=request.before,
                              from_end=request.from_end, skip=request.skip)
