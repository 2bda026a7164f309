"""The case list as the screen sees it: which lines of a long list are loaded.

The store hands out windows by keyset (never OFFSET), each anchored on an item the
screen already has — or on the top or the end of the list. These models keep the
loaded items by their index, say which window to ask for next to reach an index,
and place what arrives. A grouped list is a list of groups (itself windowed:
grouping by contact gives hundreds of thousands) whose open groups each hold a
list of cases. Rows far from the screen are dropped (`trim`) and asked for again by
key when the agent comes back: what a list holds is bounded by the screen, not by how
far the agent has paged. Pure: no Textual, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from store.queries import CaseFilter, GroupCount
from store.views import CaseRow

WINDOW = 200  # items per request: a few screens, well under a millisecond's work
# Farther than this from every loaded item (a dragged scrollbar), a case list seeks
# with one OFFSET query rather than walk the windows in between.
SEEK = 5 * WINDOW
# Rows kept on either side of the screen, the cursor and the window just placed;
# farther ones are dropped. A list holds about a screen, twice this and a window.
KEEP = 2 * WINDOW

Span = tuple[int, int]  # first and last index (inclusive) of what must stay near


@dataclass(frozen=True)
class Request:
    """A window to load: `after` that item (placed from `start`), `before` it (placed
    so it ends at `start`), or from the top / from the end. In a grouped list, a
    window of groups (`groups`) or of one group's cases (`group`)."""

    start: int
    after: Any = None
    before: Any = None
    from_end: bool = False
    groups: bool = False
    group: GroupCount | None = None
    skip: int = 0  # a seek: the window this many items down (placed from `start`)


class Window:
    """Loaded items of one list, by index."""

    def __init__(self, total: int = 0, generation: int = 0) -> None:
        self.total = total
        self.generation = generation  # which load of the list this is
        self.rows: dict[int, Any] = {}

    def get(self, index: int) -> Any:
        return self.rows.get(index)

    def request_for(self, index: int) -> Request | None:
        """The next window to ask for on the way to `index`; None if it is loaded."""
        if not 0 <= index < self.total or index in self.rows:
            return None
        if not self.rows:
            if self.seeks and min(index, self.total - 1 - index) > SEEK:
                start = max(index - WINDOW // 2, 0)  # far from both ends: seek
                return Request(start=start, skip=start)
            if index < self.total - index:
                return Request(start=0)
            return Request(start=self.total, from_end=True)
        below = [i for i in self.rows if i < index]
        above = [i for i in self.rows if i > index]
        near_below = max(below) if below else None
        near_above = min(above) if above else None
        # From whichever is nearer: a loaded item, the top, or the end.
        options = [(index, Request(start=0))]
        options.append((self.total - 1 - index, Request(start=self.total, from_end=True)))
        if near_below is not None:
            options.append((index - near_below,
                            Request(start=near_below + 1, after=self.rows[near_below])))
        if near_above is not None:
            options.append((near_above - index,
                            Request(start=near_above, before=self.rows[near_above])))
        distance, request = min(options, key=lambda option: option[0])
        if distance > SEEK and self.seeks:
            start = max(index - WINDOW // 2, 0)
            return Request(start=start, skip=start)
        return request

    seeks = False  # whether this list's store query can seek (the store's case lists can)

    def place(self, request: Request, items: list[Any]) -> Span:
        """Put a loaded window where its request said; the indexes it took."""
        if request.before is not None or request.from_end:
            start = request.start - len(items)
        else:
            start = request.start
        for offset, item in enumerate(items):
            if 0 <= start + offset < self.total:
                self.rows[start + offset] = item
        return start, start + len(items) - 1

    def trim(self, *near: Span, pinned: frozenset[int] = frozenset()) -> None:
        """Drop the rows farther than KEEP from every span in `near` (the screen, the
        cursor, a window just placed that a walk goes on from), except `pinned`."""
        wide = [(first - KEEP, last + KEEP) for first, last in near]
        gone = [i for i in self.rows
                if i not in pinned and not any(a <= i <= b for a, b in wide)]
        for index in gone:
            del self.rows[index]

    def nearest(self, index: int) -> int | None:
        """The loaded index nearest to `index` (None: nothing loaded)."""
        return min(self.rows, key=lambda i: abs(i - index), default=None)

    @property
    def held(self) -> int:
        """How many items are loaded."""
        return len(self.rows)

    @property
    def end(self) -> int:
        """One past the last index loaded (0: none)."""
        return max(self.rows, default=-1) + 1


class CaseWindow(Window):
    """Loaded rows of one flat list (one filter), by index."""

    seeks = True

    def index_of(self, number: int) -> int | None:
        for index, row in self.rows.items():
            if row.number == number:
                return index
        return None

    def group_at(self, index: int) -> GroupCount | None:
        return None


@dataclass(frozen=True)
class Header:
    """A group's heading line: its name, size and whether it is open."""

    group: GroupCount
    index: int
    open: bool


class GroupedWindow:
    """A grouped list: a heading per group, followed by its cases when it is open."""

    def __init__(self, by: str, total_groups: int, generation: int = 0) -> None:
        self.by = by
        self.generation = generation
        self.groups = Window(total_groups, generation)
        self.opened: dict[int, CaseWindow] = {}  # group index: its cases

    @property
    def total(self) -> int:
        return self.groups.total + sum(w.total for w in self.opened.values())

    def _locate(self, line: int) -> tuple[int, int | None]:
        """(group index, None) for a heading; (group index, row index) for a case."""
        shift = 0  # lines taken by the open groups above
        for index in sorted(self.opened):
            heading = index + shift
            if line <= heading:
                break
            size = self.opened[index].total
            if line <= heading + size:
                return index, line - heading - 1
            shift += size
        return line - shift, None

    def line_of(self, group_index: int) -> int:
        """The line of a group's heading."""
        return group_index + sum(w.total for i, w in self.opened.items() if i < group_index)

    def get(self, line: int) -> CaseRow | Header | None:
        index, row = self._locate(line)
        if row is not None:
            return self.opened[index].get(row)
        group = self.groups.get(index)
        return None if group is None else Header(group, index, index in self.opened)

    def group_at(self, line: int) -> GroupCount | None:
        return self.groups.get(self._locate(line)[0])

    def index_of(self, number: int) -> int | None:
        for index, window in self.opened.items():
            row = window.index_of(number)
            if row is not None:
                return self.line_of(index) + 1 + row
        return None

    def request_for(self, line: int) -> Request | None:
        if not 0 <= line < self.total:
            return None
        index, row = self._locate(line)
        if row is None:
            request = self.groups.request_for(index)
            return None if request is None else replace(request, groups=True)
        request = self.opened[index].request_for(row)
        return None if request is None else replace(request, group=self.groups.get(index))

    def place(self, request: Request, items: list[Any]) -> Span | None:
        """Put a window of groups or of one group's cases in place; the lines it took
        (None: its group was closed meanwhile)."""
        if request.groups:
            first, last = self.groups.place(request, items)
            return self.line_of(first), self.line_of(last)
        for index, window in self.opened.items():
            if request.group is not None and self.groups.get(index) == request.group:
                first, last = window.place(request, items)
                heading = self.line_of(index)
                return heading + 1 + first, heading + 1 + last
        return None

    @property
    def held(self) -> int:
        return self.groups.held + sum(w.held for w in self.opened.values())

    def trim(self, *near: Span) -> None:
        """Drop the groups and cases farther than KEEP lines from `near`. An open
        group's heading stays (its cases are placed by it)."""
        for index, window in self.opened.items():
            below = self.line_of(index) + 1  # the line of its first case
            window.trim(*((a - below, b - below) for a, b in near))
        self.groups.trim(*((self._locate(max(a, 0))[0], self._locate(max(b, 0))[0])
                           for a, b in near), pinned=frozenset(self.opened))

    def open(self, index: int, rows: list[CaseRow] | None = None) -> None:
        """Open a group (with its first rows, when they are at hand)."""
        group = self.groups.get(index)
        if group is not None and index not in self.opened:
            window = self.opened[index] = CaseWindow(group.count, self.generation)
            if rows:
                window.place(Request(start=0), rows)

    def close(self, index: int) -> None:
        self.opened.pop(index, None)


def in_group(f: CaseFilter, by: str, group: GroupCount) -> CaseFilter:
    """The filter of one group's cases: the list's own, narrowed to the group."""
    if by == "status":
        return replace(f, statuses=(str(group.key),))
    if by == "channel":
        return replace(f, channel=group.label)
    if by == "assignee":
        return replace(f, assignee=group.label if group.key is not None else "none")
    if by == "labels":
        return replace(f, labels=str(group.key or ""))
    assert group.key is not None  # by contact: each group is a contact's
    return replace(f, contact_id=int(group.key))
