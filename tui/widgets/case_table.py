"""The case list: a virtual table over the store.

Only the rows on screen are drawn (Textual's Line API) and only windows around
them are loaded; a missing row is drawn as a placeholder while the screen asks
for its window (`RowsWanted`), in a worker, never on the event loop.
Untrusted text is sanitized and drawn as plain segments, never as markup.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.views import CaseRow
from tui.caselist import CaseWindow, GroupedWindow, Header, Span
from tui.sanitize import clean_line
from tui.words import N_, day_and_time, priorities, statuses, tr, translate_bindings

# (key, heading, width); the title takes what is left. Number and title always show.
# The headings are Swedish keys (`tr` where shown).
COLUMNS = [("number", N_("Nr"), 8), ("status", N_("Status"), 9), ("flags", N_("Flagg"), 5),
           ("priority", N_("Prio"), 5),
           ("channel", N_("Kanal"), 12), ("assignee", N_("Tilldelad"), 9),
           ("updated", N_("Uppdaterad"), 16), ("sla", N_("SLA"), 14), ("title", N_("Titel"), 0),
           ("contact", N_("Kontakt"), 16), ("labels", N_("Etiketter"), 14)]
ALWAYS = ("number", "title")
# Dropped in this order when the list is narrow (the case open beside it): what an
# agent needs least first; the SLA, who has it and its status stay longest.
NARROW_DROPS = ("labels", "updated", "channel", "priority", "contact", "flags", "assignee", "sla",
                "status")
TITLE_MIN = 14
CHOOSABLE = [(key, heading) for key, heading, _ in COLUMNS if key not in ALWAYS]
# Labels only when chosen (`c`): few teams use many, and the title needs the room.
DEFAULT_COLUMNS = tuple(key for key, _, _ in COLUMNS if key != "labels")
# The heading of a grouped list's group of none.
NONE_GROUPS = {"assignee": N_("Ingen tilldelad"), "labels": N_("Inga etiketter")}


def _fit(text: str, width: int) -> str:
    """`text` in exactly `width` terminal cells (wide characters count twice)."""
    text = clean_line(text)
    if cell_len(text) > width:
        return set_cell_size(text, max(width - 1, 0)) + "…"
    return set_cell_size(text, width)


def _when(value: datetime) -> str:
    # One fixed format, the year first and whole (nothing relative to today: the list
    # would change by itself).
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def widths() -> dict[str, int]:
    """Each column's width; the priority's fits its longest name in the current language
    (English "Medium" is wider than Swedish "Medel")."""
    width = {key: w for key, _, w in COLUMNS}
    width["priority"] = max(width["priority"], *(cell_len(p) for p in priorities().values()))
    return width


def cells(row: CaseRow) -> dict[str, str]:
    return {"number": f"#{row.number}", "status": statuses().get(row.status, row.status),
            "priority": priorities().get(row.priority, row.priority), "channel": row.channel,
            "assignee": row.assignee or "–", "updated": _when(row.updated_at),
            "sla": _sla(row), "title": ("● " if row.unread else "") + row.title,
            "contact": row.contact, "flags": "".join(FLAG_MARKS[f] for f in row.flags),
            "labels": ", ".join(row.labels)}


# Triage's flags (store/triage) in the list: one sign each, urgent first.
FLAG_MARKS = {"urgent": "⚑", "frustrated": "☹"}
SLA_MARKS = {"breached": "‼ ", "due-soon": "! ", "": "  "}


def _sla(row: CaseRow) -> str:
    """The next due time, marked when it is near (!) or past (‼)."""
    due = row.sla_due
    if due is None:
        return ""
    return SLA_MARKS[row.sla_state] + day_and_time(due)


class CaseTable(ScrollView, can_focus=True):
    """The cases of the current list, one per line, with a cursor. (Styles:
    case_table.tcss.)"""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Upp", show=False, id="case_table.up"),
        Binding("down", "cursor(1)", "Ner", show=False, id="case_table.down"),
        Binding("pageup", "page(-1)", "Sida upp", show=False, id="case_table.page_up"),
        Binding("pagedown", "page(1)", "Sida ner", show=False, id="case_table.page_down"),
        Binding("home", "jump(0)", "Först", show=False, id="case_table.home"),
        Binding("end", "jump(-1)", "Sist", show=False, id="case_table.end"),
        Binding("enter", "select", "Öppna", id="case_table.open"),
        Binding("left", "fold(False)", "Fäll ihop gruppen", show=False, id="case_table.fold"),
        Binding("right", "fold(True)", "Fäll ut gruppen", show=False, id="case_table.unfold"),
    ]

    cursor: reactive[int] = reactive(0)
    """The index of the highlighted row."""

    class RowsWanted(Message):
        """Rows around `index` are needed on screen."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class CaseSelected(Message):
        """Enter on a case."""

        def __init__(self, row: CaseRow) -> None:
            super().__init__()
            self.row = row

    class CursorMoved(Message):
        """The line under the cursor: a case, a group's heading (None: not loaded)."""

        def __init__(self, row: CaseRow | Header | None) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        translate_bindings(self)
        self.columns: tuple[str, ...] = DEFAULT_COLUMNS
        self.sorted_by: tuple[str, bool] = ("updated", False)  # (column, ascending)
        self.window: CaseWindow | GroupedWindow = CaseWindow()
        self._asked: set[int] = set()
        self._missing: set[int] = set()
        self.empty = ""  # what an empty list says (set with it: not while one loads)

    # -- data -------------------------------------------------------------------

    def show_window(self, window: CaseWindow | GroupedWindow, cursor: int = 0, *,
                    steady: bool = False) -> None:
        """A new list (or the same list reloaded): draw it, cursor at `cursor`.
        `steady`: the same list reloaded around the cursor's case — that case stays
        on the same line of the screen, however many rows came or went above it;
        except at the top of the list, which stays in view (new cases show there)."""
        top = int(self.scroll_offset.y)
        line = self.cursor - top
        self.window = window
        self._asked.clear()
        self.virtual_size = Size(0, window.total + 1)  # +1: the heading; never wider
        self.cursor = min(max(cursor, 0), max(window.total - 1, 0))
        if steady and top > 0:
            self.scroll_to(y=max(self.cursor - line, 0), animate=False, immediate=True)
        self.scroll_to_cursor()
        self.refresh()

    def rows_arrived(self) -> None:
        self._asked.clear()
        self.refresh()

    def relayout(self) -> None:
        """The number of lines changed (a group opened or closed)."""
        self.virtual_size = Size(0, self.window.total + 1)
        self.cursor = min(self.cursor, max(self.window.total - 1, 0))
        self.scroll_to_cursor()
        self.refresh()

    def counted(self) -> None:
        """A flat list's count came: only the scrollbar's length changes (no scrolling
        to the cursor, no refresh of its own: the rows on screen are the same)."""
        self.virtual_size = Size(0, self.window.total + 1)

    def near(self) -> tuple[Span, Span]:
        """The lines the agent is at: those on screen, and the cursor's."""
        top = int(self.scroll_offset.y)
        last = top + self.scrollable_content_region.height - 1
        return (top, last), (self.cursor, self.cursor)

    @property
    def current(self) -> CaseRow | None:
        """The case under the cursor (None on a group's heading)."""
        item = self.window.get(self.cursor)
        return item if isinstance(item, CaseRow) else None

    # -- drawing ----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            sort, ascending = self.sorted_by
            headings = {key: tr(heading) + ((" ▲" if ascending else " ▼") if key == sort else "")
                        for key, heading, _ in COLUMNS}
            hidden = len(self._columns_at(width)[1])
            if hidden:  # said, never dropped silently: a wider terminal, or `c`
                headings["title"] += tr(" (+{n} kolumner får inte plats)").format(n=hidden)
            return self._strip(headings, width, Style(bold=True, underline=True))
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.window.total:
            if index == 0 and self.empty:
                return Strip([Segment(" " + _fit(self.empty, width - 1),
                                      Style(italic=True))], width)
            return Strip.blank(width)
        row = self.window.get(index)
        if row is None:
            self._want(index)
            return self._strip({"number": "…"}, width, Style(dim=True))
        style = Style(reverse=True) if index == self.cursor and self.has_focus else (
            Style(bgcolor="grey23") if index == self.cursor else Style())
        if isinstance(row, Header):
            return self._heading(row, width, style)
        if row.priority == "high":
            style += Style(bold=True)
        return self._strip(cells(row), width, style)

    def _heading(self, header: Header, width: int, style: Style) -> Strip:
        group = header.group
        by = self.window_by
        name = statuses().get(str(group.key), group.label) if by == "status" else (
            tr(NONE_GROUPS[by]) if group.key is None and by in NONE_GROUPS else group.label)
        text = f"{'▾' if header.open else '▸'} {clean_line(name)} ({group.count})"
        return Strip([Segment(set_cell_size(text, width),
                              Style(bold=True, bgcolor="grey15") + style)], width)

    @property
    def window_by(self) -> str | None:
        return self.window.by if isinstance(self.window, GroupedWindow) else None

    def _columns_at(self, width: int) -> tuple[list[tuple[str, int]], list[str]]:
        """The columns shown at `width` with their widths, and those chosen that do not
        fit. A narrow list (a small terminal, the case beside it) drops columns, least
        needed first, before the title gets too short to read; the column the list is
        sorted by stays (unless it is the usual order)."""
        width_of = widths()
        shown = [(key, width_of[key]) for key, _, _ in COLUMNS
                 if key in self.columns or key in ALWAYS]
        kept = self.sorted_by[0] if self.sorted_by != ("updated", False) else None
        dropped = []
        for key in (k for k in NARROW_DROPS if k != kept):
            if sum(w for _, w in shown) + len(shown) + TITLE_MIN <= width:
                break
            if any(k == key for k, _ in shown):
                dropped.append(key)
                shown = [(k, w) for k, w in shown if k != key]
        return shown, dropped

    def _strip(self, texts: dict[str, str], width: int, style: Style) -> Strip:
        shown = self._columns_at(width)[0]
        title_width = max(width - sum(w for _, w in shown) - len(shown), TITLE_MIN)
        line = " ".join(_fit(texts.get(key, ""), w or title_width) for key, w in shown)
        return Strip([Segment(set_cell_size(line, width), style)], width)

    def show_columns(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.refresh()

    def _want(self, index: int) -> None:
        # Not posted from here: a message made while the screen renders would carry the
        # App as its sender and stop short of it. Asked once the drawing is done.
        if index not in self._asked:
            self._asked.add(index)
            if not self._missing:
                self.call_later(self._ask_for_missing)
            self._missing.add(index)

    def _ask_for_missing(self) -> None:
        if self._missing:
            # The first and last missing rows on screen: one window each covers the rest.
            for index in sorted({min(self._missing), max(self._missing)}):
                self.post_message(self.RowsWanted(index))
            self._missing.clear()

    # -- moving ------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self.window.get(new)))

    def scroll_to_cursor(self) -> None:
        lines = max(self.scrollable_content_region.height - 1, 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + lines:
            self.scroll_to(y=self.cursor - lines + 1, animate=False)

    def _move_to(self, index: int) -> None:
        if self.window.total:
            self.cursor = min(max(index, 0), self.window.total - 1)

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(self.scrollable_content_region.height - 2, 1))

    def action_jump(self, where: int) -> None:
        self._move_to(0 if where == 0 else self.window.total - 1)

    def action_select(self) -> None:
        item = self.window.get(self.cursor)
        if isinstance(item, Header):
            self.action_fold(not item.open)
        elif item is not None:
            self.post_message(self.CaseSelected(item))

    def action_fold(self, unfold: bool) -> None:
        """Open or close the group the cursor is in, the cursor on its heading."""
        window = self.window
        if not isinstance(window, GroupedWindow):
            return
        group = window.group_at(self.cursor)
        index = next((i for i, g in window.groups.rows.items() if g == group), None)
        if index is None:
            return
        if unfold:
            window.open(index)
        else:
            window.close(index)
        self.cursor = window.line_of(index)
        self.relayout()
        if unfold and group is not None:
            self.call_after_refresh(self._show_group, self.cursor, group.count)

    def _show_group(self, heading: int, count: int) -> None:
        """Scroll an opened group into view: its heading and as many cases as fit."""
        lines = max(self.scrollable_content_region.height - 1, 1)
        bottom = heading + min(count, lines - 1)
        if bottom >= int(self.scroll_offset.y) + lines:
            self.scroll_to(y=bottom - lines + 1, animate=False)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
