"""A list of cases with the case opened beside it: the overview, the agent's workspace,
or (a supervisor) the workspace of an agent followed — a screen each, the same keys.

The list is read a window at a time in thread workers (tui/list_loading.py) that post
what they read; the handlers here draw it. Each screen keeps its own filters, grouping,
sort and place while another list is on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Input, Static, TextArea
from textual.worker import Worker

from store.queries import CaseFilter, Grouping
from store.service import CaseService
from store.views import CaseView
from tui import list_loading
from tui.case_side import CaseSide
from tui.caselist import CaseWindow, Request
from tui.list_dialogs import ListDialogs
from tui.list_loading import Keep
from tui.messages import (
    Counted,
    Edited,
    InList,
    ListLoaded,
    MarkedRead,
    RowsLoaded,
    Seen,
    Target,
    WorkspaceCounted,
)
from tui.sanitize import clean_line
from tui.screens import (
    CANCELLED,
    ChoiceModal,
    GoToModal,
    QuickRepliesModal,
    describe,
)
from tui.widgets.case_detail import CaseDetail
from tui.widgets.case_table import CaseTable
from tui.widgets.composer import Composer, Draft
from tui.widgets.key_footer import KeyFooter
from tui.words import groupings, sorts, tr, translate_bindings

if TYPE_CHECKING:  # for the types only: tui.app imports this module
    pass

# How long a new list's filter bar waits for its rows before it is shown anyway (s).
ARRANGED_WAIT = 0.15
# What changes data: not offered in read-all mode (and refused by the store).
_CHANGING = {"compose", "choose", "assign_me", "toggle", "undo", "create_case",
             "workspace_settings", "edit_line"}


class CaseListScreen(ListDialogs):
    """One list (`view`: "overview", "workspace" or "follow") with the case beside it."""

    BINDINGS = [
        # The app's own keys first, where the footer has always shown them.
        Binding("q", "app.quit", "Avsluta", id="list.quit"),
        Binding("question_mark", "app.keys", "Alla tangenter", id="list.keys"),
        Binding("slash", "search", "Sök", id="list.search"),
        Binding("number_sign", "go_to", "Gå till #", show=False, id="list.go_to"),
        Binding("f", "filter", "Filter", id="list.filter"),
        Binding("x", "clear_filters", "Rensa filter", id="list.clear_filters"),
        Binding("c", "columns", "Kolumner", show=False, id="list.columns"),
        Binding("g", "arrange('group')", "Gruppera", id="list.group"),
        Binding("o", "arrange('sort')", "Sortera", show=False, id="list.sort"),
        Binding("r", "compose(False)", "Svara", id="list.reply"),
        Binding("n", "compose(True)", "Intern anteckning", id="list.note"),
        Binding("s", "choose('status')", "Ändra status", id="list.status"),
        Binding("a", "assign_me", "Ta ärendet", id="list.assign_me"),
        Binding("A", "choose('assignee')", "Tilldela", show=False, id="list.assign"),
        Binding("p", "choose('priority')", "Prioritet", show=False, id="list.priority"),
        Binding("k", "choose('channel')", "Flytta kanal", show=False, id="list.move"),
        Binding("L", "edit_line('labels')", "Etiketter", show=False, id="list.labels"),
        Binding("T", "edit_line('title')", "Titel", show=False, id="list.title"),
        Binding("w", "toggle('watch')", "Bevaka", show=False, id="list.watch"),
        Binding("m", "toggle('workspace')", "In i/ur arbetsytan", show=False,
                id="list.workspace"),
        Binding("l", "choose('related')", "Relaterade ärenden", show=False,
                id="list.related"),
        Binding("u", "undo", "Ångra", show=False, id="list.undo"),
        Binding("h", "toggle_quoted", "Citat", show=False, id="list.quoted"),
        Binding("1", "view('overview')", "Översikt", id="list.overview"),
        Binding("2", "view('workspace')", "Min arbetsyta", id="list.workspace_view"),
        Binding("W", "workspace_settings", "Arbetsytans inställningar",
                id="list.workspace_settings"),
        Binding("N", "create_case", "Nytt ärende", id="list.create_case"),
        Binding("3", "agents", "Agenter", id="list.agents"),
        Binding("4", "channels", "Kanaler", id="list.channels"),
        Binding("5", "quick_replies", "Snabbsvar", show=False, id="list.quick_replies"),
        Binding("6", "metrics", "Nyckeltal", id="list.metrics"),
        Binding("H", "audit_trail", "Händelselogg", show=False, id="list.audit_trail"),
        Binding("escape", "clear_search", "Rensa sökning", show=False, id="list.clear"),
    ]

    def __init__(self, view: str, filters: CaseFilter) -> None:
        super().__init__()
        translate_bindings(self)
        self.view = view
        self.filters = filters
        self.grouping: Grouping | None = None
        self.generation = 0
        self.in_flight: set[Request] = set()
        self.undo: tuple[int, Callable[[CaseService], object]] | None = None
        self.after_search = False
        # The filter bar and sort heading of the list on its way: (generation, bar
        # text, sort), shown with its rows (see `reload`).
        self.arranged: tuple[int, str, tuple[str, bool]] | None = None
        # Set by the app when it switches to this list: the case open in the list left.
        self.arriving: tuple[CaseView | None, Draft | None, tuple[str, ...]] | None = (
            None, None, ())

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=tr(
            "Sök ord, kundnamn, e-post, telefon, #nummer (fakt* för ordbörjan)"),
                    id="search")
        yield Static(id="filters")
        with Horizontal():
            yield CaseTable(id="cases")
            yield CaseSide(id="case-side")
        yield KeyFooter()

    @property
    def shown(self) -> CaseView | None:
        """The case open beside the list."""
        return self.side.shown

    def on_mount(self) -> None:
        self.sub_title = self.desk.title_line()
        self.table.focus()
        self.load_columns()

    def on_screen_resume(self) -> None:
        # Switched to (not back from a modal): the case open in the list left comes
        # along, and the list is read anew, from its top.
        arriving, self.arriving = self.arriving, None
        if arriving is not None:
            self.side.take_over(*arriving)
            self.reload()

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        self.desk.report_failure(event)

    # -- which keys are offered ------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While text is being written, a letter types itself: its key is not offered.
        if isinstance(self.focused, TextArea | Input) and action in _LETTER_ACTIONS:
            return False
        return self.offers(action, parameters)

    def offers(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Whether the action is for this agent and view now (keys and the palette; the
        palette's own input has the focus while it is open, so letters don't count)."""
        read_only, me = self.desk.read_only, self.desk.me
        if read_only and (action in _CHANGING or action == "view"
                          and parameters[0] == "workspace"):
            return False
        if action == "view":  # the key to the other view only
            return parameters[0] != self.view
        if action == "workspace_settings":  # one's own: not while following someone
            return self.view != "follow"
        if action in ("agents", "channels"):
            return me is not None and me.is_supervisor
        if action == "quick_replies":  # the team's: a supervisor keeps them
            return me is not None and me.is_supervisor and not read_only
        if action == "audit_trail":  # a supervisor's (read-all too)
            return me is not None and me.is_supervisor
        if action == "clear_filters":  # offered while there is something to clear
            return self.filters != self.cleared_filters()
        return True

    # -- the views, and the supervisor's views (the app switches the screens) ------------

    def action_view(self, name: str) -> None:
        self.desk.show_view(name)

    def action_agents(self) -> None:
        self.desk.open_agents()

    def action_channels(self) -> None:
        self.desk.open_channels()

    def action_quick_replies(self) -> None:
        self.app.push_screen(QuickRepliesModal(self.desk.service))

    def action_metrics(self) -> None:
        from tui.screens.metrics import MetricsScreen  # (its plotting, at first use)

        me = self.desk.me
        self.app.push_screen(MetricsScreen(self.desk.service,
                                           supervisor=me is not None and me.is_supervisor))

    @on(WorkspaceCounted)
    def workspace_counted(self, message: WorkspaceCounted) -> None:
        login = self.desk.service.login
        if self.view == "workspace":
            self.sub_title = tr("{login} — Min arbetsyta: {cases} ärenden, {unread} olästa").format(
                login=login, cases=message.cases, unread=message.unread)
        elif self.view == "follow":
            self.sub_title = tr("{login} följer arbetsytan för {agent}: {cases} ärenden, "
                                "{unread} olästa (1 tillbaka)").format(
                login=login, agent=self.filters.workspace, cases=message.cases,
                unread=message.unread)

    def store_changed(self) -> None:
        """Another process changed something: the list and the open case anew."""
        self.reload(keep=self.keep_point())
        self.side.reload()

    # -- loading the list ----------------------------------------------------------

    def reload(self, keep: Keep | None = None) -> None:
        """Load the list anew (a new filter, or another process changed something),
        keeping the cursor on `keep` where it still is in the list."""
        # `x` clears the filters; the grouping and the sort stay (said apart from them).
        # (Read-all lists every status by default: no filter to speak of.)
        filters = describe(replace(self.filters, include_ended=False) if self.desk.read_only
                           else self.filters)
        parts = [tr("{filters}   (x rensar)").format(filters=filters) if filters else "",
                 self._arrangement()]
        shown = " · ".join(p for p in parts if p)
        # A search lists its hits newest first, whatever the sort: the heading says so.
        sorted_by = (("number", False) if self.searching
                     else (self.filters.sort, self.filters.ascending))
        self.generation += 1
        # Shown with the new rows: a bar that appears moves the table, and its old rows
        # would be drawn again first (a search: one repaint instead of two). Should
        # the rows be slow to come, a moment later.
        self.arranged = (self.generation, shown, sorted_by)
        self.set_timer(ARRANGED_WAIT, partial(self.show_arrangement, self.generation))
        self.in_flight.clear()
        self.refresh_bindings()
        self.load_list(self.generation, self.filters, self.grouping, keep,
                       self.shown.number if self.shown else None)

    def show_arrangement(self, generation: int | None = None) -> None:
        """The filter bar and the sort's heading of the list on its way (of that
        `generation` only, when given)."""
        if self.arranged is None or generation not in (None, self.arranged[0]):
            return
        _, shown, sorted_by = self.arranged
        self.arranged = None
        bar = self.query_one("#filters", Static)
        bar.update(Text(clean_line(shown)))
        bar.set_class(bool(shown), "-shown")
        self.table.sorted_by = sorted_by

    def _arrangement(self) -> str:
        parts = []
        if self.grouping:
            parts.append(tr("Grupperat efter {grouping}").format(
                grouping=groupings()[self.grouping].lower()))
        if (self.filters.sort != "updated" or self.filters.ascending) and not self.searching:
            arrow = "▲" if self.filters.ascending else "▼"
            name = sorts()[self.filters.sort]
            parts.append(tr("Sorterat efter {sort} {arrow}").format(
                sort=name if name.isupper() else name.lower(), arrow=arrow))  # SLA stays
        return " · ".join(parts)

    @property
    def searching(self) -> bool:
        """A search narrows the list (its hits come newest first, whatever the sort)."""
        return bool(self.filters.search and self.filters.search.strip())

    def keep_point(self) -> Keep:
        """Where the cursor is, to find again in a reloaded list."""
        return Keep.at(self.table.window, self.table.cursor)

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def load_list(self, generation: int, filters: CaseFilter, grouping: Grouping | None,
                  keep: Keep | None, open_case: int | None) -> None:
        service = self.desk.service
        # The change feed as of this list: anything later reloads it.
        self.post_message(Seen(service.latest_change()))
        if filters.workspace is not None:
            whose = None if filters.workspace == "me" else filters.workspace
            self.post_message(WorkspaceCounted(*service.workspace_counts(whose)))
        if grouping is None and (keep is None or keep.row is None):
            # A new list: its first rows on screen before it is counted (a count of a
            # common word's hits takes far longer than the rows).
            rows = service.list_cases(filters)
            window = CaseWindow(len(rows), generation)
            window.place(Request(start=0), rows)
            self.post_message(ListLoaded(generation, window, 0))
            self._tell_in_list(generation, filters, open_case)
            if len(rows) == filters.limit:
                self.post_message(Counted(generation, service.count_cases(filters)))
            return
        if grouping is None:
            window = CaseWindow(service.count_cases(filters), generation)
            cursor = list_loading.fill(service, window, filters, keep.row if keep else None,
                                       offset=keep.offset if keep else 0)
            self.post_message(ListLoaded(generation, window, cursor, keep))
        else:
            self.post_message(ListLoaded(generation, *list_loading.grouped(
                service, generation, filters, grouping, keep), keep))
        self._tell_in_list(generation, filters, open_case)

    def _tell_in_list(self, generation: int, filters: CaseFilter, open_case: int | None) -> None:
        """Whether the case beside the list is still in it (filtered out, merged, ended
        meanwhile): after the rows, which come first."""
        if open_case is not None:
            self.post_message(InList(generation, open_case,
                                     self.desk.service.in_list(filters, open_case)))

    @on(InList)
    def in_list(self, message: InList) -> None:
        if message.generation != self.generation:
            return  # an earlier list's answer, later than the newer one's
        self.side.show_in_list(message.number, message.present)

    @on(ListLoaded)
    def show_list(self, message: ListLoaded) -> None:
        if message.generation != self.generation:
            return  # a newer list is on its way
        if message.keep is not None and self.keep_point().moved_from(message.keep):
            # The agent moved on while it reloaded (another process's change): find
            # where they are now rather than put them back where they were.
            self.reload(keep=self.keep_point())
            return
        self.show_arrangement()
        empty = message.window.total == 0
        self.table.empty = "" if not empty else (
            tr("Inga ärenden matchar sökningen (esc rensar den).") if self.searching
            else tr("Inga ärenden här med de här filtren (x rensar dem)."))
        self.table.show_window(message.window, message.cursor,
                               steady=message.keep is not None)
        if self.after_search:
            # No hits: the words stay in the box to be changed, and what is typed next
            # goes there too, never to the list's keys.
            self.after_search = False
            (self.query_one("#search", Input) if empty else self.table).focus()

    @on(Counted)
    def counted(self, message: Counted) -> None:
        window = self.table.window
        # Counted: a flat list's count.
        if (message.generation == self.generation == window.generation
                and isinstance(window, CaseWindow)):
            window.total = max(message.total, window.end)
            self.table.counted()

    @on(CaseTable.RowsWanted)
    def fetch_rows(self, message: CaseTable.RowsWanted) -> None:
        if self.table.window.generation != self.generation:
            return  # a new list is on its way: its rows are not this window's
        self._fetch(self.table.window.request_for(message.index), message.index)

    def _fetch(self, request: Request | None, wanted: int) -> None:
        # A screenful of missing rows asks for the same window many times: load it once.
        if request is None or request in self.in_flight:
            return
        if request.skip and any(r.skip for r in self.in_flight):
            # One seek at a time: a dragged scrollbar asks at every step, and the rows
            # still missing where it stops are asked for again when this one lands.
            return
        self.in_flight.add(request)
        self.load_rows(self.generation, self.filters, self.grouping, request, wanted)

    @work(thread=True, group="rows", exit_on_error=False)
    def load_rows(self, generation: int, filters: CaseFilter, grouping: Grouping | None,
                  request: Request, wanted: int) -> None:
        items = list_loading.rows(self.desk.service, filters, grouping, request)
        self.post_message(RowsLoaded(generation, request, items, wanted))

    @on(RowsLoaded)
    def place_rows(self, message: RowsLoaded) -> None:
        self.in_flight.discard(message.request)
        window = self.table.window
        if not message.generation == window.generation == self.generation:
            return  # rows of an older list
        if not message.rows:
            # The list is shorter than counted (cases ended meanwhile): wait for the
            # next reload rather than ask again at every frame.
            self.table.refresh()
            return
        placed = window.place(message.request, message.rows)
        # Rows far from the agent go (asked for again by key on the way back); those
        # just placed stay, for a long jump to walk on from.
        window.trim(*self.table.near(), *([placed] if placed else []))
        # Still short of the row wanted (a long jump): walk on from here.
        follow = window.request_for(message.wanted)
        if follow != message.request:
            self._fetch(follow, message.wanted)
        self.table.rows_arrived()

    # -- the case beside the list --------------------------------------------------

    @on(CaseTable.CaseSelected)
    def open_case(self, message: CaseTable.CaseSelected) -> None:
        self.side.load_case(message.row.number)

    @on(MarkedRead)
    @on(Edited)
    def case_changed(self) -> None:
        self.reload(keep=self.keep_point())  # its row anew (an unread mark gone, say)

    def message_sent(self) -> None:
        """A reply or note went (told by the app: see CasedeskApp.sent). The focus goes to
        the case answered, still open beside the list: the next key (a note, a status)
        acts on it, wherever the reloaded list's cursor lands."""
        self.reload(keep=self.keep_point())
        self.side.query_one(CaseDetail).focus()

    @on(Composer.Left)
    def back_to_list(self) -> None:
        self.side.put_away()
        self.table.focus()
        self.call_after_refresh(self.side.tell_presence)  # once the list has the focus

    def target(self) -> Target | None:
        """The case a key acts on: the one under the cursor while the list has the
        focus, the one open beside it otherwise (README.md, "Keys")."""
        if self.table.has_focus:
            row = self.table.current
            if row is None:
                self.notify(tr("Flytta markören till ett ärende."), markup=False)
                return None
            return Target(row.number, row.version, row.title, row.labels)
        view = self.side.case_on_show()
        return Target(view.number, view.version, view.title, view.labels) if view else None

    def action_go_to(self) -> None:
        self.app.push_screen(GoToModal(), self.desk.go_to_case)

    def action_compose(self, note: bool) -> None:
        if target := self.target():
            self.side.start_writing(target.number, note)

    def action_toggle_quoted(self) -> None:
        self.side.toggle_quoted()

    def action_assign_me(self) -> None:
        if target := self.target():
            self.side.assign_me(target, ask=self.table.has_focus)

    def action_choose(self, kind: str) -> None:
        if target := self.target():
            self.side.choose(kind, target)

    def action_audit_trail(self) -> None:
        if target := self.target():
            self.side.read_audit(target.number)

    def action_edit_line(self, kind: str) -> None:
        if target := self.target():
            self.side.edit_line(kind, target)

    # The binding's toggle('watch') / toggle('workspace'): DOMNode's async action_toggle
    # flips a widget's attribute.
    def action_toggle(self, what: str) -> None:  # type: ignore[override]  # a case's, not DOMNode's
        if target := self.target():
            if what == "watch":
                self.side.toggle_watch(target.number)
            else:
                self.side.workspace_toggle(target.number)

    @on(Edited)
    def keep_undo(self, message: Edited) -> None:
        # Only the last change can be taken back, and only right after it.
        self.undo = (message.number, message.undo) if message.undo else None

    def action_undo(self) -> None:
        # Right after, on the same case: the cursor moved to another, nothing to undo.
        undo, self.undo = self.undo, None
        target = self.target() if undo is not None else None
        if undo is None or target is None or target.number != undo[0]:
            self.notify(tr("Inget att ångra."), markup=False)
            return
        self.take_back(self.side, *undo)

    @work(thread=True, group="edit", exit_on_error=False)
    def take_back(self, side: CaseSide, number: int,
                  undo: Callable[[CaseService], object]) -> None:
        undo(self.desk.service)
        side.post_message(Edited(number, tr("ångrat")))  # (thread-safe)

    # -- search ----------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("-shown")
        # Focused now, not after the keys already on their way ("/faktura" typed fast:
        # its `f` would open the filter).
        self.set_focus(box)

    def action_clear_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = ""
        box.remove_class("-shown")
        if self.filters.search:
            self.filters = replace(self.filters, search=None)
            self.reload()
        self.table.focus()

    @on(Input.Submitted, "#search")
    def search(self, message: Input.Submitted) -> None:
        words = message.value.strip()
        if not words:  # nothing to search for: the box keeps the focus (esc leaves it)
            if self.filters.search:
                self.filters = replace(self.filters, search=None)
                self.reload()
            return
        self.filters = replace(self.filters, search=words)
        self.after_search = True  # the focus moves once the hits are known
        self.reload()

    # -- grouping and sorting ------------------------------------------------------------

    def action_arrange(self, how: str) -> None:
        if how == "group":
            choices: list[tuple[str, object]] = [(tr("Ingen gruppering"), None)] + [
                (name, key) for key, name in groupings().items()]
            self.app.push_screen(ChoiceModal(tr("Gruppera efter"), choices,
                                             current=self.grouping), self.group_by)
        else:
            sort, ascending = self.filters.sort, self.filters.ascending
            choices = [(name + ((" ▲" if ascending else " ▼") if key == sort else ""), key)
                       for key, name in sorts().items()]
            self.app.push_screen(ChoiceModal(tr("Sortera efter (samma igen: omvänd ordning)"),
                                             choices, current=sort), self.sort_by)

    def group_by(self, by: object) -> None:
        if by is not CANCELLED and by != self.grouping:
            self.grouping = cast("Grouping | None", by)  # a choice of groupings()
            self.reload()

    def sort_by(self, sort: object) -> None:
        if sort is CANCELLED:
            return
        if sort == self.filters.sort:  # the same column again: the other way round
            ascending = not self.filters.ascending
        else:  # names A to Ö and the most urgent SLA first; the rest newest or most first
            ascending = sort in ("title", "channel", "assignee", "contact", "sla")
        self.filters = replace(self.filters, sort=str(sort), ascending=ascending)
        self.reload()


# The list's actions on a letter (or / and ?): a text being written takes those keys.
_TYPED = ("slash", "question_mark", "number_sign")  # keys a text takes as characters
_LETTER_ACTIONS = {b.action.partition("(")[0] for b in CaseListScreen.BINDINGS
                   if isinstance(b, Binding) and (len(b.key) == 1 or b.key in _TYPED)}
