"""The case list as the screen sees it: which rows of a long list are loaded.

The store hands out windows by keyset (never OFFSET), each anchored on a row the
screen already has — or on the top or the end of the list. This model keeps
the loaded rows by their index, says which window to ask for next to reach an
index, and places what arrives. Pure: no Textual, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.views import CaseRow

WINDOW = 200  # rows per request: a few screens, well under a millisecond's work


@dataclass(frozen=True)
class Request:
    """A window to load: `after` that row (placed from `start`), `before` it (placed so
    it ends at `start`), or from the top / from the end."""

    start: int
    after: CaseRow | None = None
    before: CaseRow | None = None
    from_end: bool = False


class CaseWindow:
    """Loaded rows of one list (one filter), by index."""

    def __init__(self, total: int = 0, generation: int = 0) -> None:
        self.total = total
        self.generation = generation  # which load of the list this is
        self.rows: dict[int, CaseRow] = {}

    def get(self, index: int) -> CaseRow | None:
        return self.rows.get(index)

    def index_of(self, number: int) -> int | None:
        for index, row in self.rows.items():
            if row.number == number:
                return index
        return None

    def request_for(self, index: int) -> Request | None:
        """The next window to ask for on the way to `index`; None if it is loaded."""
        if not 0 <= index < self.total or index in self.rows:
            return None
        if not self.rows:
            if index < self.total - index:
                return Request(start=0)
            return Request(start=self.total, from_end=True)
        below = [i for i in self.rows if i < index]
        above = [i for i in self.rows if i > index]
        near_below = max(below) if below else None
        near_above = min(above) if above else None
        # From whichever is nearer: a loaded row, the top, or the end.
        options = [(index, Request(start=0))]
        options.append((self.total - 1 - index, Request(start=self.total, from_end=True)))
        if near_below is not None:
            options.append((index - near_below,
                            Request(start=near_below + 1, after=self.rows[near_below])))
        if near_above is not None:
            options.append((near_above - index,
                            Request(start=near_above, before=self.rows[near_above])))
        return min(options, key=lambda option: option[0])[1]

    def place(self, request: Request, rows: list[CaseRow]) -> None:
        """Put a loaded window where its request said."""
        if request.before is not None or request.from_end:
            start = request.start - len(rows)
        else:
            start = request.start
        for offset, row in enumerate(rows):
            if 0 <= start + offset < self.total:
                self.rows[start + offset] = row
