"""The casedesk TUI: a thin App that wires the screens to the store.

One concurrency model: store calls run in thread workers and come back as
messages; the event loop never waits on the database. Another process's change
is seen by polling the store's change feed (a one-row read) twice a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Input, Static, TextArea
from textual.worker import Worker, WorkerState

from store.db import Busy
from store.errors import Conflict, Forbidden, InvalidInput, NotFound, TransitionError
from store.presence import RENEW_SECONDS
from store.queries import CaseFilter, GroupCount, Grouping
from store.service import CaseService, MessageInput
from store.views import AgentView, CaseRow, CaseView, ChannelView, PresenceView
from store.workspace import WorkspacePrefs
from tui.caselist import WINDOW, CaseWindow, GroupedWindow, Request, in_group
from tui.sanitize import clean_line
from tui.screens import (
    CANCELLED,
    AgentsModal,
    ChannelsModal,
    ChoiceModal,
    ColumnModal,
    ConfirmModal,
    CreateCaseModal,
    FilterModal,
    NewCase,
    WorkspaceSettingsModal,
    describe,
)
from tui.widgets.case_detail import CaseDetail
from tui.widgets.case_table import CaseTable
from tui.widgets.composer import Composer, Draft
from tui.words import (
    N_,
    groupings,
    priorities,
    sorts,
    statuses,
    tr,
    transition_refused,
    translate_bindings,
    use,
)


@dataclass
class ListLoaded(Message):
    generation: int
    window: CaseWindow | GroupedWindow
    cursor: int
    keep: Keep | None = None  # the place it was reloaded around


@dataclass
class Seen(Message):
    """The change feed's position a list was read at."""

    change: int


@dataclass
class Counted(Message):
    """The size of a list shown before it was counted."""

    generation: int
    total: int


@dataclass
class RowsLoaded(Message):
    generation: int
    request: Request
    rows: list[Any]
    wanted: int


@dataclass
class View:
    """A list the agent switches to: the overview, their workspace, or (a supervisor)
    the workspace of an agent followed."""

    name: str
    filters: CaseFilter
    grouping: Grouping | None = None


@dataclass(frozen=True)
class Keep:
    """Where the cursor was: on a case (`row`) or a group's heading (`group`), and
    which groups were open."""

    row: CaseRow | None
    group: GroupCount | None = None
    opened: frozenset[object] | None = None


@dataclass
class CaseLoaded(Message):
    view: CaseView


@dataclass
class WorkspaceCounted(Message):
    cases: int
    unread: int


@dataclass
class StoreChanged(Message):
    change: int


@dataclass
class Identified(Message):
    """Who runs the app (a supervisor has the agents and channels views)."""

    me: AgentView


@dataclass
class PresenceSeen(Message):
    """Who else is in case `number` right now."""

    number: int
    people: list[PresenceView]


@dataclass
class Edited(Message):
    number: int
    what: str


@dataclass
class Choices(Message):
    kind: str
    number: int
    choices: list[tuple[str, object]]


@dataclass
class MessageSent(Message):
    number: int
    note: bool
    status: str | None


# What the command palette (ctrl+p) says of each action, by binding id: the palette
# lists the same actions, under the same names, as the keys (in Swedish: `tr` where shown).
PALETTE = {
    "app.search": N_("Sök i titlar och konversationer"),
    "app.filter": N_("Välj status, kanal, tilldelad, prioritet, bevakade"),
    "app.clear_filters": N_("Visa alla pågående ärenden"),
    "app.columns": N_("Välj vilka kolumner listan visar"),
    "app.group": N_("Gruppera efter tilldelning, status, kanal eller kontakt"),
    "app.sort": N_("Sortera efter en kolumn (samma kolumn igen vänder ordningen)"),
    "app.reply": N_("Svara kunden i det öppna ärendet"),
    "app.note": N_("Skriv en anteckning som bara teamet ser"),
    "app.status": N_("Sätt status på det öppna ärendet"),
    "app.assign_me": N_("Tilldela det öppna ärendet till dig"),
    "app.assign": N_("Tilldela det öppna ärendet till någon"),
    "app.priority": N_("Ändra prioritet"),
    "app.move": N_("Flytta det öppna ärendet till en annan kanal"),
    "app.watch": N_("Bevaka eller sluta bevaka det öppna ärendet"),
    "app.workspace": N_("Lägg till eller ta bort ur din arbetsyta"),
    "app.overview": N_("Alla ärenden du får se"),
    "app.create_case": N_("Ett nytt ärende: kanal, kontakt, titel och första meddelandet"),
    "app.workspace_view": N_("Din egen kö: ärendena i din arbetsyta, olästa markerade ●"),
    "app.workspace_settings": N_("Vilka ärenden som läggs till i och tas bort ur arbetsytan"),
    "app.related": N_("Samma kunds ärenden; slå ihop"),
    "app.quoted": N_("Visa eller dölj citerad historik i kundens mejl"),
    "app.agents": N_("Varje agents ärenden och arbetsyta; följ en agent"),
    "app.channels": N_("Kanalernas medlemmar: lägg till och ta bort agenter"),
}
# What changes data: not offered in read-all mode (and refused by the store).
_CHANGING = {"compose", "choose", "assign_me", "toggle", "create_case", "workspace_settings"}


class CasedeskApp(App[None]):
    """The case overview with the case beside it."""

    TITLE = "casedesk"
    BINDINGS = [
        Binding("q", "quit", "Avsluta", id="app.quit"),
        Binding("question_mark", "keys", "Alla tangenter", id="app.keys"),
        Binding("slash", "search", "Sök", id="app.search"),
        Binding("f", "filter", "Filter", id="app.filter"),
        Binding("x", "clear_filters", "Rensa filter", id="app.clear_filters"),
        Binding("c", "columns", "Kolumner", show=False, id="app.columns"),
        Binding("g", "arrange('group')", "Gruppera", id="app.group"),
        Binding("o", "arrange('sort')", "Sortera", show=False, id="app.sort"),
        Binding("r", "compose(False)", "Svara", id="app.reply"),
        Binding("n", "compose(True)", "Intern anteckning", id="app.note"),
        Binding("s", "choose('status')", "Ändra status", id="app.status"),
        Binding("a", "assign_me", "Ta ärendet", id="app.assign_me"),
        Binding("A", "choose('assignee')", "Tilldela", show=False, id="app.assign"),
        Binding("p", "choose('priority')", "Prioritet", show=False, id="app.priority"),
        Binding("k", "choose('channel')", "Flytta kanal", show=False, id="app.move"),
        Binding("w", "toggle('watch')", "Bevaka", show=False, id="app.watch"),
        Binding("m", "toggle('workspace')", "In i/ur arbetsytan", show=False,
                id="app.workspace"),
        Binding("l", "choose('related')", "Relaterade ärenden", show=False,
                id="app.related"),
        Binding("h", "toggle_quoted", "Citat", show=False, id="app.quoted"),
        Binding("1", "view('overview')", "Översikt", id="app.overview"),
        Binding("2", "view('workspace')", "Min arbetsyta", id="app.workspace_view"),
        Binding("W", "workspace_settings", "Arbetsytans inställningar",
                id="app.workspace_settings"),
        Binding("N", "create_case", "Nytt ärende", id="app.create_case"),
        Binding("3", "agents", "Agenter", id="app.agents"),
        Binding("4", "channels", "Kanaler", id="app.channels"),
        Binding("escape", "clear_search", "Rensa sökning", show=False, id="app.clear"),
    ]
    CSS = """
    /* Below the header, above the list: docked bars would overlap the header. */
    #search { display: none; }
    #search.-shown { display: block; }
    #filters { height: 1; padding: 0 1; background: $accent 30%; display: none; }
    #filters.-shown { display: block; }
    Screen > Horizontal { height: 1fr; }
    CaseTable { width: 1fr; }
    /* Until a case is opened, the list has the whole width (and every column). */
    #case-side { width: 40%; min-width: 50; border-left: solid $panel; display: none; }
    #case-side.-open { display: block; }
    CaseDetail { border-left: none; height: 1fr; }
    Composer { display: none; }
    Composer.-open { display: block; }
    #presence { display: none; height: auto; padding: 0 1; background: $warning 40%;
                text-style: bold; }
    #presence.-shown { display: block; }
    """

    def __init__(self, service: Callable[[], CaseService], *, poll_seconds: float = 0.5,
                 language: str | None = None,
                 background: Callable[[threading.Event], None] | None = None) -> None:
        use(language)  # "sv" or "en"; None: the locale's. Before any screen is built.
        super().__init__()
        translate_bindings(self)
        self.service = service()
        # Read-all (a supervisor, `--read-all`): every case, archived ones too; nothing
        # that changes data is offered.
        self.read_only = self.service.reads_only
        self.me: AgentView | None = None
        # The list on screen, and the others as they were left: each keeps its own.
        self.current = View("overview", self.base_filter())
        self.views: dict[str, View] = {"overview": self.current}
        self.generation = 0
        self.in_flight: set[Request] = set()
        self.poll_seconds = poll_seconds
        self.last_change: int | None = None
        self.shown: CaseView | None = None
        self.drafts: dict[int, Draft] = {}
        # What this agent was last said to be doing, and where (presence).
        self.doing: tuple[int | None, str | None] = (None, None)
        self.sending: set[int] = set()  # the cases a reply or note is on its way to
        self.quit_anyway = False  # asked, and the agent said yes: unsent drafts go
        # The scheduler (and mail) for a personal database: run in a thread until the
        # app ends, never on the event loop; each part only while no daemon holds it.
        self.background = background
        self.stopping = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=tr("Sök i titlar och konversationer (fakt* för början av ord)"),
                    id="search")
        yield Static(id="filters")
        with Horizontal():
            yield CaseTable(id="cases")
            with Vertical(id="case-side"):
                yield Static(id="presence")
                yield CaseDetail(id="detail")
                yield Composer(id="composer")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While text is being written, a letter types itself: its key is not offered.
        if isinstance(self.focused, TextArea | Input) and action in _LETTER_ACTIONS:
            return False
        return self.offers(action, parameters)

    def offers(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Whether the action is for this agent and view now (keys and the palette; the
        palette's own input has the focus while it is open, so letters don't count)."""
        if self.read_only and (action in _CHANGING or action == "view"
                               and parameters[0] == "workspace"):
            return False
        if action == "view":  # the key to the other view only
            return parameters[0] != self.view
        if action == "workspace_settings":
            return self.view == "workspace"
        if action in ("agents", "channels"):
            return self.me is not None and self.me.is_supervisor
        return True

    @property
    def view(self) -> str:
        return self.current.name

    @property
    def filters(self) -> CaseFilter:
        return self.current.filters

    @filters.setter
    def filters(self, value: CaseFilter) -> None:
        self.current.filters = value

    @property
    def grouping(self) -> Grouping | None:
        return self.current.grouping

    @grouping.setter
    def grouping(self, value: Grouping | None) -> None:
        self.current.grouping = value

    def base_filter(self, workspace: str | None = None) -> CaseFilter:
        """A view's filters before the agent chooses any (read-all: ended cases too)."""
        return CaseFilter(limit=WINDOW, workspace=workspace, include_ended=self.read_only)

    def on_mount(self) -> None:
        self.sub_title = self.title_line()
        self.query_one(CaseTable).focus()
        self.reload()
        self.load_columns()
        self.identify()
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.check_changes)
        if not self.read_only:
            self.set_interval(RENEW_SECONDS, self.renew_presence)
        if self.background is not None:
            self.run_background()

    @work(thread=True, group="background", exit_on_error=False)
    def run_background(self) -> None:
        assert self.background is not None
        self.background(self.stopping)

    def unsent(self) -> list[int]:
        """The cases with a reply or note written and not sent (kept in this app only)."""
        drafts = dict(self.drafts)
        if self.shown is not None:
            drafts[self.shown.number] = self.query_one(Composer).draft
        return sorted(n for n, d in drafts.items() if d.text.strip())

    async def action_quit(self) -> None:
        unsent = self.unsent()
        if unsent and not self.quit_anyway:
            question = tr("Det du har skrivit i {cases} är inte skickat och försvinner om du "
                          "avslutar. Avsluta ändå?").format(
                              cases=", ".join(f"#{n}" for n in unsent))

            def answer(yes: bool | None) -> None:
                if yes:
                    self.quit_anyway = True
                    self.call_later(self.action_quit)

            self.push_screen(ConfirmModal(question), answer)
            return
        self.stopping.set()
        if not self.read_only and self.doing != (None, None):
            # Gone from the case at once (else in presence.GONE_AFTER); a failure here
            # must not keep the agent from leaving.
            # A second at most (it expires anyway), in a thread that never holds the
            # process up after the screen is gone.
            done = threading.Event()

            def gone() -> None:
                with contextlib.suppress(Exception):
                    self.service.set_presence(None, None)
                done.set()

            threading.Thread(target=gone, daemon=True).start()
            await asyncio.to_thread(done.wait, 1)
        await super().action_quit()

    def title_line(self) -> str:
        if self.read_only:
            return tr("{login} — Läsläge: alla ärenden, inget kan ändras").format(
                login=self.service.login)
        return self.service.login

    @work(thread=True, group="identity", exit_on_error=False)
    def identify(self) -> None:
        self.post_message(Identified(self.service.whoami()))

    @on(Identified)
    def identified(self, message: Identified) -> None:
        self.me = message.me
        self.refresh_bindings()

    def on_unmount(self) -> None:
        self.stopping.set()

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    # -- loading the list ----------------------------------------------------------

    def reload(self, keep: Keep | None = None) -> None:
        """Load the list anew (a new filter, or another process changed something),
        keeping the cursor on `keep` where it still is in the list."""
        # `x` clears the filters; the grouping and the sort stay (said apart from them).
        # (Read-all lists every status by default: no filter to speak of.)
        filters = describe(replace(self.filters, include_ended=False) if self.read_only
                           else self.filters)
        parts = [tr("{filters}   (x rensar)").format(filters=filters) if filters else "",
                 self._arrangement()]
        shown = " · ".join(p for p in parts if p)
        bar = self.query_one("#filters", Static)
        bar.update(Text(clean_line(shown)))
        bar.set_class(bool(shown), "-shown")
        # A search lists its hits newest first, whatever the sort: the heading says so.
        searching = bool(self.filters.search and self.filters.search.strip())
        self.table.sorted_by = (("number", False) if searching
                                else (self.filters.sort, self.filters.ascending))
        self.generation += 1
        self.in_flight.clear()
        self.load_list(self.generation, self.filters, self.grouping, keep)

    def _arrangement(self) -> str:
        parts = []
        if self.grouping:
            parts.append(tr("Grupperat efter {grouping}").format(
                grouping=groupings()[self.grouping].lower()))
        searching = bool(self.filters.search and self.filters.search.strip())
        if (self.filters.sort != "updated" or self.filters.ascending) and not searching:
            arrow = "▲" if self.filters.ascending else "▼"
            name = sorts()[self.filters.sort]
            parts.append(tr("Sorterat efter {sort} {arrow}").format(
                sort=name if name.isupper() else name.lower(), arrow=arrow))  # SLA stays
        return " · ".join(parts)

    def keep_point(self) -> Keep:
        """Where the cursor is, to find again in a reloaded list."""
        window = self.table.window
        item = window.get(self.table.cursor)
        opened = None
        if isinstance(window, GroupedWindow):
            opened = frozenset(window.groups.get(i).key for i in window.opened)
        return Keep(item if isinstance(item, CaseRow) else None,
                    window.group_at(self.table.cursor), opened)

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def load_list(self, generation: int, filters: CaseFilter, grouping: Grouping | None,
                  keep: Keep | None) -> None:
        # The change feed as of this list: anything later reloads it.
        self.post_message(Seen(self.service.latest_change()))
        if filters.workspace is not None:
            whose = None if filters.workspace == "me" else filters.workspace
            self.post_message(WorkspaceCounted(*self.service.workspace_counts(whose)))
        if grouping is None and (keep is None or keep.row is None):
            # A new list: its first rows on screen before it is counted (a count of a
            # common word's hits takes far longer than the rows).
            rows = self.service.list_cases(filters)
            window = CaseWindow(len(rows), generation)
            window.place(Request(start=0), rows)
            self.post_message(ListLoaded(generation, window, 0))
            if len(rows) == filters.limit:
                self.post_message(Counted(generation, self.service.count_cases(filters)))
        elif grouping is None:
            window = CaseWindow(self.service.count_cases(filters), generation)
            cursor = self._fill(window, filters, keep.row if keep else None)
            self.post_message(ListLoaded(generation, window, cursor, keep))
        else:
            self.post_message(ListLoaded(generation, *self._grouped(
                generation, filters, grouping, keep), keep))

    def _fill(self, window: CaseWindow, filters: CaseFilter, keep: CaseRow | None,
              limit: int = WINDOW) -> int:
        """Load a list's first rows, or those around `keep` while it is still in the
        list; the index of the cursor."""
        service, cursor = self.service, 0
        if keep is not None:
            try:
                fresh = service.get_case(keep.number)
                key: CaseRow | None = replace(keep, updated_at=fresh.updated_at)
                cursor = service.case_position(filters, key)  # type: ignore[arg-type]
            except (NotFound, Forbidden):  # the case is gone from view: start at the top
                key, cursor = None, 0
            if key is not None:
                # The rows above the case, then the case and those below it.
                before = service.list_cases(replace(filters, limit=WINDOW // 2), before=key)
                window.place(Request(start=cursor, before=key), before)
                above = before[-1] if before else None  # None: the case is at the top
                window.place(Request(start=cursor, after=above),
                             service.list_cases(filters, after=above))
        if not window.rows and window.total:
            window.place(Request(start=0), service.list_cases(replace(filters, limit=limit)))
        return cursor

    def _grouped(self, generation: int, filters: CaseFilter, by: Grouping,
                 keep: Keep | None) -> tuple[GroupedWindow, int]:
        """A grouped list: a few groups all open, or very many (by contact) all closed
        and windowed; after a reload, the groups open before and the cursor's case."""
        service = self.service
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
                filters, by, limit=WINDOW, after=int(target.key) - 1))  # type: ignore[call-overload]
        opened = keep.opened if keep and keep.opened is not None else None
        cursor = 0
        for index, group in sorted(window.groups.rows.items()):
            if (group.key in opened) if opened is not None else few:
                window.open(index)
            if target is not None and group.key == target.key:
                cursor = window.line_of(index)
                if index in window.opened and keep and keep.row is not None:
                    cursor += 1 + self._fill(window.opened[index],
                                             in_group(filters, by, group), keep.row)
        for index, cases in sorted(window.opened.items()):
            # The first screenful of the first open groups, so that the list opens whole.
            if window.line_of(index) < 80 and not cases.rows:
                self._fill(cases, in_group(filters, by, window.groups.get(index)), None, 60)
        return window, cursor

    @on(ListLoaded)
    def show_list(self, message: ListLoaded) -> None:
        if message.generation != self.generation:
            return  # a newer list is on its way
        if message.keep is not None and self._moved_since(message.keep):
            # The agent moved on while it reloaded (another process's change): find
            # where they are now rather than put them back where they were.
            self.reload(keep=self.keep_point())
            return
        self.table.show_window(message.window, message.cursor,
                               steady=message.keep is not None)

    def _moved_since(self, keep: Keep) -> bool:
        now = self.keep_point()
        if now.row is None and now.group is None:
            return False  # on a row still loading: nothing to find it by

        def place(k: Keep) -> tuple[object, object]:
            return (k.row.number if k.row else None, k.group.key if k.group else None)

        return place(now) != place(keep)

    @on(Counted)
    def counted(self, message: Counted) -> None:
        window = self.table.window
        if message.generation == self.generation == window.generation:
            window.total = max(message.total, len(window.rows))  # type: ignore[union-attr]
            self.table.relayout()

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
        items: list[Any]
        if request.groups and grouping is not None:
            def key(group: GroupCount | None) -> str | int | None:
                return None if group is None else (group.key if group.key is not None else 0)
            items = self.service.group_counts(
                filters, grouping, limit=WINDOW, after=key(request.after),
                before=key(request.before), from_end=request.from_end)
        else:
            if request.group is not None and grouping is not None:
                filters = in_group(filters, grouping, request.group)
            items = self.service.list_cases(filters, after=request.after,
                                            before=request.before, from_end=request.from_end,
                                            skip=request.skip)
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
        window.place(message.request, message.rows)
        # Still short of the row wanted (a long jump): walk on from here.
        follow = window.request_for(message.wanted)
        if follow != message.request:
            self._fetch(follow, message.wanted)
        self.table.rows_arrived()

    # -- the case beside the list --------------------------------------------------

    @on(CaseTable.CaseSelected)
    def open_case(self, message: CaseTable.CaseSelected) -> None:
        self.load_case(message.row.number)

    @work(thread=True, exclusive=True, group="case", exit_on_error=False)
    def load_case(self, number: int) -> None:
        self.post_message(CaseLoaded(self.service.get_case(number)))
        if self.read_only:
            return
        if self.service.mark_read(number):  # nothing new in it for this agent now: its ● goes
            self.call_from_thread(lambda: self.reload(keep=self.keep_point()))

    @on(CaseLoaded)
    def show_case(self, message: CaseLoaded) -> None:
        composer = self.query_one(Composer)
        if self.shown is not None and self.shown.number != message.view.number:
            # Leaving a case keeps what was written in it for when the agent comes back.
            self.drafts[self.shown.number] = composer.draft
            composer.load(self.drafts.pop(message.view.number, None))
        if self.shown is None or self.shown.number != message.view.number:
            self.show_presence(message.view.number, [])
        self.shown = message.view
        self.query_one("#case-side").add_class("-open")
        self.query_one(CaseDetail).show(message.view)
        if not self.read_only:
            composer.add_class("-open")
        self.tell_presence()

    # -- answering ---------------------------------------------------------------------

    def action_compose(self, note: bool) -> None:
        if self.shown is None:
            self.notify(tr("Öppna ett ärende först (Enter)."), markup=False)
            return
        self.query_one(Composer).start(note=note)
        self.call_after_refresh(self.tell_presence)  # once the composer has the focus

    @on(Composer.Left)
    def back_to_list(self) -> None:
        self.table.focus()
        self.call_after_refresh(self.tell_presence)  # once the list has the focus

    # -- presence: who else is in the case on show -----------------------------------

    def doing_now(self) -> tuple[int | None, str | None]:
        """What this agent is doing: writing to the customer while the reply is being
        written (in the composer: a draft left for later is not "just now"), else
        viewing the case on show."""
        if self.shown is None:
            return (None, None)
        composer = self.query_one(Composer)
        writing = not composer.note and composer.has_focus_within
        return (self.shown.number, "replying" if writing else "viewing")

    def tell_presence(self, *, renew: bool = False) -> None:
        if self.read_only:
            return
        now = self.doing_now()
        if now != self.doing or renew and now != (None, None):
            self.doing = now
            self.publish_presence(*now)

    def renew_presence(self) -> None:
        self.tell_presence(renew=True)

    @on(TextArea.Changed, "#composer-text")
    @on(Composer.Toggled)
    def composer_changed(self) -> None:
        self.tell_presence()

    @work(thread=True, exclusive=True, group="presence", exit_on_error=False)
    def publish_presence(self, number: int | None, doing: str | None) -> None:
        # Never an error of its own: a case that went meanwhile (purged, or out of the
        # agent's channels) is said so by the next load of it.
        with contextlib.suppress(NotFound, Forbidden, Busy):  # (Busy: renewed soon)
            self.service.set_presence(number, doing)

    @work(thread=True, exclusive=True, group="presence-read", exit_on_error=False)
    def poll_presence(self, number: int) -> None:
        with contextlib.suppress(NotFound, Forbidden):  # (as in publish_presence)
            self.post_message(PresenceSeen(number, self.service.present(number)))

    @on(PresenceSeen)
    def presence_seen(self, message: PresenceSeen) -> None:
        if self.shown is not None and self.shown.number == message.number:
            self.show_presence(message.number, message.people)

    def show_presence(self, number: int, people: list[PresenceView]) -> None:
        bar = self.query_one("#presence", Static)
        lines = [(tr("✎ {name} svarar kunden just nu") if p.doing == "replying"
                  else tr("{name} har ärendet öppet")).format(name=p.name or p.login)
                 for p in people]
        bar.update(Text(clean_line("  ·  ".join(lines))))
        bar.set_class(bool(people), "-shown")

    @on(Composer.TextWanted)
    def offer_texts(self, message: Composer.TextWanted) -> None:
        if self.shown is not None:
            self.gather_texts(message.kind, self.shown.number)

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def gather_texts(self, kind: str, number: int) -> None:
        if kind == "quick":
            texts = self.service.quick_replies(number)
        elif kind == "mention":  # the colleagues who may read the case
            texts = [(f"{a.login} — {a.name}", a.login + " ")
                     for a in self.service.colleagues_for(number)]
        else:  # earlier replies, the newest first
            view = self.service.get_case(number)
            texts = [(f"{m.created_at.astimezone():%Y-%m-%d %H:%M} {m.author}: "
                      f"{m.text[:60]}", m.text)
                     for m in reversed(view.messages) if m.kind == "reply"]
        self.post_message(Choices(kind, number, texts))

    @on(Composer.Sent)
    def send(self, message: Composer.Sent) -> None:
        if self.shown is None:
            return
        if self.shown.number in self.sending:
            # A send waiting for a busy database is still on its way: a second ctrl+s
            # would send the customer the same reply twice.
            self.notify(tr("Skickar redan — vänta ett ögonblick."), severity="warning",
                        markup=False)
            return
        self.sending.add(self.shown.number)
        self.send_message(self.shown.number, self.shown.version, message.draft)

    @work(thread=True, group="send", exit_on_error=False)
    def send_message(self, number: int, version: int, draft: Draft) -> None:
        try:
            write = self.service.note if draft.note else self.service.reply
            # The status is an edit of the case: refused if someone changed it meanwhile.
            write(number, draft.text, status=draft.status,
                  expected_version=version if draft.status else None)
        finally:
            self.call_from_thread(lambda: self.sending.discard(number))
        self.post_message(MessageSent(number, draft.note, draft.status))

    @on(MessageSent)
    def sent(self, message: MessageSent) -> None:
        composer = self.query_one(Composer)
        if self.shown is not None and self.shown.number == message.number:
            composer.load(None)
        self.drafts.pop(message.number, None)
        done = (tr("Anteckningen sparad på #{number}.") if message.note
                else tr("Svaret skickat på #{number}."))
        self.notify(done.format(number=message.number), markup=False)
        self.load_case(message.number)
        self.reload(keep=self.keep_point())
        self.table.focus()

    # -- other processes' changes --------------------------------------------------

    def check_changes(self) -> None:
        self.poll_changes()
        if self.shown is not None:
            self.poll_presence(self.shown.number)

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def poll_changes(self) -> None:
        self.post_message(StoreChanged(self.service.latest_change()))

    @on(Seen)
    def seen(self, message: Seen) -> None:
        if self.last_change is None:  # the first list: later changes reload it
            self.last_change = message.change

    @on(StoreChanged)
    def follow_changes(self, message: StoreChanged) -> None:
        if self.last_change is not None and message.change != self.last_change:
            self.reload(keep=self.keep_point())
            if self.shown is not None:
                self.load_case(self.shown.number)
            if isinstance(self.screen, AgentsModal | ChannelsModal):
                self.refresh_supervisor_view(self.screen)
        self.last_change = message.change

    # -- search ----------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("-shown")
        box.focus()

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
        self.filters = replace(self.filters, search=message.value.strip() or None)
        self.reload()
        self.table.focus()

    # -- grouping and sorting ------------------------------------------------------------

    def action_arrange(self, how: str) -> None:
        if how == "group":
            choices: list[tuple[str, object]] = [(tr("Ingen gruppering"), None)] + [
                (name, key) for key, name in groupings().items()]
            self.push_screen(ChoiceModal(tr("Gruppera efter"), choices), self.group_by)
        else:
            sort, ascending = self.filters.sort, self.filters.ascending
            choices = [(name + ((" ▲" if ascending else " ▼") if key == sort else ""), key)
                       for key, name in sorts().items()]
            self.push_screen(ChoiceModal(tr("Sortera efter (samma igen: omvänd ordning)"),
                                         choices), self.sort_by)

    def group_by(self, by: object) -> None:
        if by is not CANCELLED and by != self.grouping:
            self.grouping = by  # type: ignore[assignment]
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

    # -- columns ---------------------------------------------------------------------------

    @work(thread=True, group="columns", exit_on_error=False)
    def load_columns(self) -> None:
        saved = self.service.preference("columns")
        if saved:
            columns = tuple(saved.split(","))
            self.call_from_thread(lambda: self.table.show_columns(columns))

    def action_columns(self) -> None:
        self.push_screen(ColumnModal(self.table.columns), self.save_columns)

    def save_columns(self, columns: tuple[str, ...] | None) -> None:
        if columns is not None:
            self.table.show_columns(columns)
            self.store_columns(columns)

    @work(thread=True, group="columns", exit_on_error=False)
    def store_columns(self, columns: tuple[str, ...]) -> None:
        if not self.read_only:  # (read-all: for this session only)
            self.service.set_preference("columns", ",".join(columns))

    # -- help ----------------------------------------------------------------------------

    def action_keys(self) -> None:
        """`?`: every key of the screen, beside it (Textual's keys panel)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen):  # type: ignore[no-untyped-def]
        """The command palette (ctrl+p) lists what an agent can do, by name."""
        yield from super().get_system_commands(screen)
        from textual.actions import parse
        from textual.app import SystemCommand

        for binding in self.BINDINGS:
            help_text = PALETTE.get(binding.id or "")  # type: ignore[union-attr]
            _, name, parameters = parse(binding.action)  # type: ignore[union-attr]
            # What the keys do not offer here (a supervisor's view, a change in
            # read-all), the palette does not offer either.
            if help_text and self.offers(name, parameters):
                yield SystemCommand(tr(binding.description), tr(help_text),  # type: ignore[union-attr]
                                    lambda action=binding.action: self.run_action(action))  # type: ignore[union-attr]

    # -- changing the case on show --------------------------------------------------------

    def _case_on_show(self) -> CaseView | None:
        if self.shown is None:
            self.notify(tr("Öppna ett ärende först (Enter)."), markup=False)
        return self.shown

    @work(thread=True, group="edit", exit_on_error=False)
    def edit(self, number: int, what: str, change: Callable[[CaseService], object]) -> None:
        change(self.service)
        self.post_message(Edited(number, what))

    @on(Edited)
    def edited(self, message: Edited) -> None:
        self.notify(f"#{message.number}: {clean_line(message.what)}", markup=False)
        if self.shown is not None and self.shown.number == message.number:
            self.load_case(message.number)  # (a row changed from the list stays closed)
        self.reload(keep=self.keep_point())

    def action_toggle_quoted(self) -> None:
        self.query_one(CaseDetail).toggle_quoted()

    def action_assign_me(self) -> None:
        view = self._case_on_show()
        if view is not None:
            self.edit(view.number, tr("tilldelat dig"),
                      lambda s: s.assign(view.number, "me", expected_version=view.version))

    def action_toggle(self, what: str) -> None:
        if what == "workspace":
            # From the list, the case under the cursor: a queue is made while looking
            # down it, without opening each case. From the detail, the case on show.
            row = self.table.current if self.table.has_focus else None
            if row is not None:
                self.workspace_toggle(row.number)
                return
        view = self._case_on_show()
        if view is None:
            return
        if what == "watch":
            on = self.service.login not in view.watchers
            self.edit(view.number, tr("bevakas") if on else tr("bevakas inte längre"),
                      lambda s: s.set_watch(view.number, watching=on))
        else:
            self.workspace_toggle(view.number)

    @work(thread=True, group="edit", exit_on_error=False)
    def workspace_toggle(self, number: int) -> None:
        present = not self.service.in_workspace(number)
        self.service.set_in_workspace(number, present=present)
        self.post_message(Edited(number, tr("lagt i din arbetsyta") if present
                                 else tr("borttaget ur din arbetsyta")))

    def action_choose(self, kind: str) -> None:
        view = self._case_on_show()
        if view is not None:
            self.gather_choices(kind, view.number)

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def gather_choices(self, kind: str, number: int) -> None:
        service = self.service
        choices: list[tuple[str, object]]
        if kind == "status":
            names = statuses()
            choices = [(names[s], s) for s in service.allowed_statuses(number)]
        elif kind == "assignee":
            joins = tr("  (blir medlem i kanalen)")
            choices = [(tr("Ingen (ta bort tilldelningen)"), None)] + [
                (f"{a.login} — {a.name}{joins if joining else ''}", a.login)
                for a, joining in service.assignable_for(number)]
        elif kind == "priority":
            choices = [(name, key) for key, name in priorities().items()]
        elif kind == "channel":
            choices = [(f"{c.name} ({c.kind})", c.name) for c in service.list_channels()]
        else:
            names = statuses()
            choices = [(f"#{r.number} {names.get(r.status, r.status)} — {r.title}", r.number)
                       for r in service.related(number)]
        self.post_message(Choices(kind, number, choices))

    TITLES = {"quick": N_("Snabbsvar"), "earlier": N_("Tidigare svar i ärendet"),
              "mention": N_("Nämn en kollega"),
              "status": N_("Ny status"), "assignee": N_("Tilldela till"),
              "priority": N_("Prioritet"), "channel": N_("Flytta till kanal"),
              "related": N_("Relaterade ärenden (samma kund) — välj ett att slå ihop med")}

    @on(Choices)
    def offer(self, message: Choices) -> None:
        view = self.shown
        if view is None or view.number != message.number:
            return
        if not message.choices:
            self.notify(tr("Inget att välja här."), markup=False)
            return
        # The case's number in the title: keys typed while the choices were gathered
        # may have opened another case by the time this shows.
        title = f"#{view.number} · {tr(self.TITLES[message.kind])}"
        self.push_screen(ChoiceModal(title, message.choices),
                         lambda value: self.chosen(message.kind, view, value))

    def chosen(self, kind: str, view: CaseView, value: object) -> None:
        if value is CANCELLED:
            return
        shown = self.shown
        if shown is None or shown.number != view.number:
            # Another case was opened meanwhile: never change one the agent left.
            self.notify(tr("Inget ändrat: du har öppnat ett annat ärende sedan dess."),
                        severity="warning", markup=False)
            return
        if kind in ("quick", "earlier", "mention"):
            self.query_one(Composer).insert(str(value))
            return
        # The version on show now: the agent's own edit made while the choices were
        # open (a quick `a` then `p`) is not someone else's change.
        n, v = shown.number, shown.version
        if kind == "status" and value:
            self.edit(n, tr("status {status}").format(status=statuses()[str(value)]),
                      lambda s: s.set_status(n, str(value), expected_version=v))
        elif kind == "assignee":
            login = str(value) if value else None
            self.edit(n, tr("tilldelat {login}").format(login=login) if login
                      else tr("ingen tilldelad"),
                      lambda s: s.assign(n, login, expected_version=v))
        elif kind == "priority" and value:
            self.edit(n, tr("prioritet {priority}").format(
                priority=priorities()[str(value)]),
                      lambda s: s.set_priority(n, str(value), expected_version=v))
        elif kind == "channel" and value:
            self.edit(n, tr("flyttat till {channel}").format(channel=value),
                      lambda s: s.move_channel(n, str(value), expected_version=v))
        elif kind == "related" and value:
            other = int(str(value))
            self.push_screen(
                ConfirmModal(tr("Slå ihop #{other} in i #{number}? Konversationen flyttas hit "
                                "och #{other} pekar hit. Det går inte att ångra.").format(
                                    other=other, number=n)),
                lambda yes: self.edit(n, tr("#{other} ihopslaget hit").format(other=other),
                                      lambda s: s.merge(other, n)) if yes else None)

    # -- filters -------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.open_filter()

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def open_filter(self) -> None:
        channels = [c.name for c in self.service.list_channels()]
        logins = [a.login for a in self.service.list_agents() if a.is_active]
        self.call_from_thread(lambda: self.push_screen(
            FilterModal(self.filters, channels, logins), self.apply_filter))

    def apply_filter(self, chosen: CaseFilter | None) -> None:
        if chosen is not None and chosen != self.filters:
            self.filters = chosen
            self.reload()

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        self.query_one("#search", Input).remove_class("-shown")
        # Filters only: how the list is grouped and sorted stays, and whose workspace.
        self.filters = replace(self.base_filter(self.filters.workspace),
                               sort=self.filters.sort, ascending=self.filters.ascending)
        self.reload()

    # -- a new case --------------------------------------------------------------------

    def action_create_case(self) -> None:
        self.open_create_case()

    @work(thread=True, exclusive=True, group="create", exit_on_error=False)
    def open_create_case(self) -> None:
        channels = self.creatable_channels()
        if not channels:
            self.call_from_thread(lambda: self.notify(
                tr("Du är inte med i någon kanal att skapa ärenden i."), markup=False))
            return
        self.call_from_thread(lambda: self.push_screen(
            CreateCaseModal(channels, self.find_contacts), self.create_case))

    def creatable_channels(self) -> list[str]:
        """The channels this agent may create a case in (called off the event loop)."""
        me = self.service.whoami()
        return [c.name for c in self.service.list_channels()
                if me.is_supervisor or c.name in me.channels]

    @work(thread=True, exclusive=True, group="contacts", exit_on_error=False)
    def find_contacts(self, text: str) -> None:
        found = self.service.find_contacts(text)
        modal = self.screen
        if isinstance(modal, CreateCaseModal):
            self.call_from_thread(modal.show_matches, text, found)

    def create_case(self, new: NewCase | None) -> None:
        if new is not None:
            self.store_new_case(new)

    @work(thread=True, group="create", exit_on_error=False)
    def store_new_case(self, new: NewCase) -> None:
        theirs = [MessageInput(new.text)] if new.text and not new.ours else []
        try:
            number = self.service.create_case(
                channel=new.channel, contact=new.contact, title=new.title, messages=theirs,
                first_reply=new.text if new.text and new.ours else None)
        except (InvalidInput, Forbidden, NotFound) as refused:
            # Said why, and the form back as it was: nothing written is lost.
            why, channels = clean_line(str(refused)), self.creatable_channels()
            self.call_from_thread(lambda: self.notify(why, severity="error", timeout=10,
                                                      markup=False))
            self.call_from_thread(lambda: self.push_screen(
                CreateCaseModal(channels, self.find_contacts, new), self.create_case))
            return
        self.call_from_thread(lambda: self.notify(
            tr("Ärende #{number} skapat.").format(number=number), markup=False))
        self.call_from_thread(self.reload)
        self.load_case(number)

    # -- my workspace ------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        """The overview, or the agent's workspace: the same list, detail and keys, each
        with its own filters, grouping and sort kept while the other is on screen."""
        if name == self.view:
            return
        self.current = self.views.setdefault(
            name, View(name, self.base_filter("me" if name == "workspace" else None)))
        self.sub_title = self.title_line()
        self.refresh_bindings()
        self.reload()

    @on(WorkspaceCounted)
    def workspace_counted(self, message: WorkspaceCounted) -> None:
        if self.view == "workspace":
            self.sub_title = tr("{login} — Min arbetsyta: {cases} ärenden, {unread} olästa").format(
                login=self.service.login, cases=message.cases, unread=message.unread)
        elif self.view == "follow":
            self.sub_title = tr("{login} följer arbetsytan för {agent}: {cases} ärenden, "
                                "{unread} olästa (1 tillbaka)").format(
                login=self.service.login, agent=self.filters.workspace, cases=message.cases,
                unread=message.unread)

    # -- the supervisor's views ------------------------------------------------------------

    def action_agents(self) -> None:
        self.open_agents()

    @work(thread=True, exclusive=True, group="supervisor", exit_on_error=False)
    def open_agents(self) -> None:
        tallies = self.service.agent_tallies()
        self.call_from_thread(lambda: self.push_screen(AgentsModal(tallies), self.follow))

    def follow(self, login: str | None) -> None:
        """See `login`'s workspace as they see it (their cases, their unread marks)."""
        if login is None:
            return
        self.current = View("follow", self.base_filter(login))  # for the look only: not kept
        self.sub_title = self.title_line()
        self.refresh_bindings()
        self.reload()

    def action_channels(self) -> None:
        self.open_channels()

    @work(thread=True, exclusive=True, group="supervisor", exit_on_error=False)
    def open_channels(self) -> None:
        channels, agents = self.service.list_channels(), self.service.list_agents()
        change = None if self.read_only else self.change_membership
        self.call_from_thread(lambda: self.push_screen(ChannelsModal(channels, agents, change)))

    @work(thread=True, group="supervisor", exit_on_error=False)
    def change_membership(self, channel: str, login: str, member: bool) -> None:
        try:
            view = self.service.set_membership(channel, login, member=member)
        finally:  # what the store has now, also when it refused
            latest = next(c for c in self.service.list_channels() if c.name == channel)
            self.call_from_thread(self._channels_changed, [latest])
        self.call_from_thread(lambda: self.notify(
            (tr("{login} är nu med i {channel}.") if member
             else tr("{login} är inte längre med i {channel}.")).format(
                login=login, channel=view.name), markup=False))

    @work(thread=True, exclusive=True, group="supervisor-refresh", exit_on_error=False)
    def refresh_supervisor_view(self, modal: AgentsModal | ChannelsModal) -> None:
        if isinstance(modal, AgentsModal):
            tallies = self.service.agent_tallies()
            self.call_from_thread(lambda: modal.update(tallies) if modal.is_attached else None)
            return
        channels = self.service.list_channels()
        self.call_from_thread(self._channels_changed, channels)

    def _channels_changed(self, views: list[ChannelView]) -> None:
        if isinstance(self.screen, ChannelsModal):
            for view in views:
                self.screen.changed(view)

    def action_workspace_settings(self) -> None:
        self.open_workspace_settings()

    @work(thread=True, exclusive=True, group="workspace", exit_on_error=False)
    def open_workspace_settings(self) -> None:
        current = self.service.workspace_prefs()
        self.call_from_thread(lambda: self.push_screen(WorkspaceSettingsModal(current),
                                                       self.save_workspace_settings))

    def save_workspace_settings(self, chosen: WorkspacePrefs | None) -> None:
        if chosen is not None:
            self.store_workspace_settings(chosen)

    @work(thread=True, exclusive=True, group="workspace", exit_on_error=False)
    def store_workspace_settings(self, chosen: WorkspacePrefs) -> None:
        self.service.set_workspace_prefs(chosen)
        self.call_from_thread(lambda: self.notify(tr("Arbetsytans inställningar sparade."),
                                                  markup=False))

    # -- errors ------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def report_failure(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here, shown — never swallowed."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if isinstance(error, Conflict):
                self.offer_reload(error)
                return
            text = (transition_refused(error) if isinstance(error, TransitionError)
                    else clean_line(str(error)))
            self.notify(text, severity="error", timeout=10, markup=False)

    def offer_reload(self, conflict: Conflict) -> None:
        """Someone else changed the case meanwhile: nothing was overwritten; the agent
        decides when to see their change (the draft stays either way)."""
        number = conflict.case_number
        question = tr("#{number} har ändrats av någon annan sedan du öppnade det, så "
                      "ingenting sparades. Ladda om ärendet? Ditt utkast finns kvar.").format(
                          number=number)

        def answer(reload: bool | None) -> None:
            if reload and self.shown is not None and self.shown.number == number:
                self.load_case(number)

        self.push_screen(ConfirmModal(question), answer)


# The app's actions on a letter (or / and ?): a text being written takes those keys.
_LETTER_ACTIONS = {b.action.partition("(")[0] for b in CasedeskApp.BINDINGS
                   if isinstance(b, Binding) and (len(b.key) == 1
                                                  or b.key in ("slash", "question_mark"))}
