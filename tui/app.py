"""The casedesk TUI: a thin App that puts the list screens (tui/list_screen.py) on the
store and switches between them.

One concurrency model: store calls run in thread workers and come back as messages
(tui/messages.py); the event loop never waits on the database. Another process's change
is seen by polling the store's change feed (a one-row read) twice a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import cast

from textual import events, on, work
from textual.actions import parse
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from store.errors import Conflict, Deactivated, TransitionError
from store.presence import RENEW_SECONDS
from store.queries import CaseFilter
from store.service import CaseService
from store.views import AgentView
from store.watch import ChangeWatch
from tui.caselist import WINDOW
from tui.draft_keeper import DraftKeeper, end_after_hang_up
from tui.list_screen import CaseListScreen
from tui.messages import (
    AgentsTallied,
    ChannelsRead,
    DraftsFound,
    Identified,
    MessageSent,
    Notice,
    Seen,
    SendEnded,
    StoreChanged,
    StoreMoved,
)
from tui.palette import Palette
from tui.sanitize import clean_line
from tui.screens import AgentsModal, ChannelsModal, ConfirmModal
from tui.screens.go_to import GoToCase
from tui.widgets.case_detail import CaseDetail
from tui.widgets.composer import Draft
from tui.words import N_, textual, tr, transition_refused, translate_bindings, use

# How often the store's change watch is looked at (store/watch.py).
WATCH_SECONDS = 0.05
READS_SECONDS = 1.0

# What the command palette (ctrl+p) says of each action, by binding id: the palette
# lists the same actions, under the same names, as the keys (in Swedish: `tr` where shown).
PALETTE = {
    "list.search": N_("Sök i ärenden, kunder och nummer"),
    "list.go_to": N_("Öppna ett ärende med dess nummer (eller skriv numret här)"),
    "list.filter": N_("Välj status, kanal, tilldelad, prioritet, bevakade"),
    "list.clear_filters": N_("Visa alla pågående ärenden"),
    "list.columns": N_("Välj vilka kolumner listan visar"),
    "list.group": N_("Gruppera efter tilldelning, status, kanal eller kontakt"),
    "list.sort": N_("Sortera efter en kolumn (samma kolumn igen vänder ordningen)"),
    "list.reply": N_("Svara kunden i ärendet"),
    "list.note": N_("Skriv en anteckning som bara teamet ser"),
    "list.status": N_("Sätt status på ärendet"),
    "list.assign_me": N_("Tilldela ärendet till dig"),
    "list.assign": N_("Tilldela ärendet till någon"),
    "list.priority": N_("Ändra prioritet"),
    "list.move": N_("Flytta ärendet till en annan kanal"),
    "list.labels": N_("Ändra ärendets etiketter"),
    "list.title": N_("Ändra ärendets titel"),
    "list.watch": N_("Bevaka eller sluta bevaka ärendet"),
    "list.undo": N_("Ta tillbaka det du just gjorde med en tangent (bevaka, arbetsytan)"),
    "list.workspace": N_("Lägg till eller ta bort ur din arbetsyta"),
    "list.overview": N_("Alla ärenden du får se"),
    "list.create_case": N_("Ett nytt ärende: kanal, kontakt, titel och första meddelandet"),
    "list.workspace_view": N_("Din egen kö: ärendena i din arbetsyta, olästa markerade ●"),
    "list.workspace_settings": N_("Vilka ärenden som läggs till i och tas bort ur arbetsytan"),
    "list.related": N_("Samma kunds ärenden; slå ihop"),
    "list.quoted": N_("Visa eller dölj citerad historik i kundens mejl"),
    "list.agents": N_("Varje agents ärenden och arbetsyta; följ en agent"),
    "list.channels": N_("Kanalernas medlemmar: lägg till och ta bort agenter"),
    "list.metrics": N_("Svarstider, lösta, backlog, SLA och nöjdhet för en period, med diagram"),
}


class CasedeskApp(App[None]):
    """The case overview with the case beside it; the agent's workspace and a followed
    agent's workspace are lists of their own (`1`, `2`, and `3` then Enter)."""

    TITLE = "casedesk"
    # A list a mode each (Textual's screen modes: each list keeps its own stack of
    # modals); the overview is the one the app starts in.
    DEFAULT_MODE = "overview"
    # The widgets' stylesheets first: the list's layout (casedesk.tcss) overrides them.
    # (Textual reads a stylesheet from a file for an app or a screen, not a widget.)
    CSS_PATH = ["widgets/case_table.tcss", "widgets/case_detail.tcss",
                "widgets/composer.tcss", "casedesk.tcss"]
    # The palette also opens a case by its number: "2940" or "#2940".
    COMMANDS = App.COMMANDS | {GoToCase}
    BINDINGS = [
        Binding("q", "quit", "Avsluta", id="app.quit"),
        Binding("question_mark", "keys", "Alla tangenter", id="app.keys"),
    ]

    def __init__(self, service: Callable[[], CaseService], *, poll_seconds: float = 0.5,
                 language: str | None = None,
                 background: Callable[[threading.Event], None] | None = None,
                 over_ssh: bool = False) -> None:
        use(language)  # "sv" or "en"; None: the locale's. Before any screen is built.
        super().__init__()
        translate_bindings(self)
        self.service = service()
        # Read-all (a supervisor, `--read-all`): every case, archived ones too; nothing
        # that changes data is offered.
        self.read_only = self.service.reads_only
        self.me: AgentView | None = None
        # The overview and the workspace, each kept as it was left while the other is on
        # screen (a followed agent's list is for the look only: not kept).
        self.add_mode("overview", lambda: CaseListScreen("overview", self.base_filter()))
        self.add_mode("workspace", lambda: CaseListScreen("workspace", self.base_filter("me")))
        self.follows = 0  # the lists followed so far (a mode each, named by the count)
        self.poll_seconds = poll_seconds
        self.last_change: int | None = None
        self.drafts: dict[int, Draft] = {}  # what was written in the cases left
        # What this agent was last said to be doing, and where (presence).
        self.doing: tuple[int | None, str | None] = (None, None)
        self.sending: set[int] = set()  # the cases a reply or note is on its way to
        self.quit_anyway = False  # asked, and the agent said yes: unsent drafts go
        self.rules_said: str | None = None  # what supervisors were told of the rules file
        # The scheduler (and mail) for a personal database: run in a thread until the
        # app ends, never on the event loop; each part only while no daemon holds it.
        self.background = background
        self.stopping = threading.Event()
        # Run for an agent's SSH key (`casedesk ssh-session`): nothing is written to the
        # server's files on their behalf (Textual's screenshot would be).
        self.over_ssh = over_ssh
        # What is written in a case, kept in the store as it is typed (started on mount).
        self.keeper: DraftKeeper | None = None

    @property
    def lists(self) -> CaseListScreen:
        """The list on screen (under any modal)."""
        return cast(CaseListScreen, self.screen_stack[0])

    @property
    def closing(self) -> bool:
        """The screens went: a worker's answer arriving now has nothing to show on."""
        return not self.screen_stack

    def base_filter(self, workspace: str | None = None) -> CaseFilter:
        """A view's filters before the agent chooses any (read-all: ended cases too)."""
        return CaseFilter(limit=WINDOW, workspace=workspace, include_ended=self.read_only)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While text is being written, `q` and `?` type themselves.
        return not (isinstance(self.focused, TextArea | Input) and action in ("quit", "keys"))

    def on_mount(self) -> None:
        if not self.read_only:
            self.keeper = DraftKeeper(self.service)
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                # A terminal that hangs up (a dropped SSH connection): drafts kept, gone.
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hung_up)
        self.identify()
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self.check_changes)
            self.watch_store()
            self.write_reads()
        if not self.read_only:
            self.set_interval(RENEW_SECONDS, self.renew_presence)
        if self.background is not None:
            self.run_background()

    @work(thread=True, group="background", exit_on_error=False)
    def run_background(self) -> None:
        assert self.background is not None
        self.background(self.stopping)

    @work(thread=True, group="reads", exit_on_error=False)
    def write_reads(self) -> None:
        """The access log's reads written every `READS_SECONDS`, in a thread of their
        own: opening a case never waits on it (the last ones at exit, store/reads.py)."""
        reads = self.service.db.reads
        while not self.stopping.wait(READS_SECONDS):
            reads.flush()

    def on_unmount(self) -> None:
        self.stopping.set()
        if self.keeper is not None:
            self.keeper.stop()

    def title_line(self) -> str:
        if self.read_only:
            return tr("{login} — Läsläge: alla ärenden, inget kan ändras").format(
                login=self.service.login)
        return self.service.login

    @work(thread=True, group="identity", exit_on_error=False)
    def identify(self) -> None:
        self.post_message(Identified(self.service.whoami()))
        if not self.read_only:
            self.post_message(DraftsFound(self.service.drafts()))

    @on(DraftsFound)
    def drafts_found(self, message: DraftsFound) -> None:
        """The drafts left in the store by an earlier session, back where they were."""
        if self.closing or not message.drafts:
            return
        side = self.lists.side
        for found in message.drafts:
            if self.keeper is not None:
                self.keeper.found(found.number, found.saved_at, found.text)
            draft = Draft(found.text, found.note, found.status)
            if side.shown is not None and side.shown.number == found.number:
                if not side.composer.draft.text.strip():
                    side.composer.load(draft)
                    side.composer.add_class("-open")
            else:
                self.drafts.setdefault(found.number, draft)
        self.notify(tr("Du har osända utkast i {cases}.").format(
            cases=", ".join(f"#{d.number}" for d in message.drafts[:8])), markup=False)

    @on(SendEnded)
    def send_ended(self, message: SendEnded) -> None:
        self.sending.discard(message.number)

    @on(MessageSent)
    def sent(self, message: MessageSent) -> None:
        if self.closing:
            return
        side = self.lists.side_if_ready
        if side is None:  # another view on its way: told once it is there (its draft
            self.call_after_refresh(self.sent, message)  # goes, never sent twice)
            return
        side.sent(message)
        self.lists.message_sent()

    @on(Identified)
    def identified(self, message: Identified) -> None:
        self.me = message.me
        self.refresh_bindings()
        self.check_rules()

    @property
    def hears_of_rules(self) -> bool:
        """A supervisor (not reading all) is told of the team's rules file."""
        return self.me is not None and self.me.is_supervisor and not self.read_only

    def check_rules(self) -> None:
        if self.hears_of_rules:  # no thread at each poll for anyone else
            self.read_rules_problem()

    @work(thread=True, exclusive=True, group="rules", exit_on_error=False)
    def read_rules_problem(self) -> None:
        """A supervisor hears when the team's rules file has a problem (the last good
        rules stay in force), once per problem."""
        problem = self.service.rules_problem()
        if problem is not None and problem != self.rules_said:
            self.post_message(Notice(tr("Triagereglerna: {problem}").format(problem=problem),
                                     severity="warning", timeout=30))
        self.rules_said = problem

    @on(Notice)
    def say(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity, timeout=message.timeout,
                    markup=False)

    # Textual's own notices of a screenshot (palette: "Screenshot"), in the UI's language.
    @on(events.DeliveryComplete)
    def screenshot_saved(self, event: events.DeliveryComplete) -> None:
        if event.name == "screenshot":
            event.prevent_default()  # not Textual's English one as well
            self.notify(tr("Sparad i {path}").format(path=event.path) if event.path
                        else tr("Sparad"), title=tr("Skärmbild"), markup=False)

    @on(events.DeliveryFailed)
    def screenshot_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(tr("Kunde inte sparas"), title=tr("Skärmbild"), severity="error",
                        markup=False)

    # -- the lists: the overview, my workspace, a followed agent's ------------------------

    def go_to_case(self, number: int | None) -> None:
        """Open case `number` beside the list, the focus on it: the keys act on it."""
        if number is not None and (side := self.lists.side_if_ready) is not None:
            side.when_shown(number, lambda: side.query_one(CaseDetail).focus())

    def show_view(self, name: str) -> None:
        """The overview, or the agent's workspace: the same list, detail and keys, each
        with its own filters, grouping and sort kept while the other is on screen."""
        if name != self.lists.view:
            self._switch_to(name)

    def follow(self, login: str | None) -> None:
        """See `login`'s workspace as they see it (their cases, their unread marks)."""
        if login is not None:
            self.follows += 1
            mode = f"follow-{self.follows}"
            self.add_mode(mode, lambda: CaseListScreen("follow", self.base_filter(login)))
            self._switch_to(mode)

    def _switch_to(self, mode: str) -> None:
        # The case open beside the list stays open beside the next one, its draft kept.
        side = self.lists.side_if_ready  # (two switches in a row: the first not yet there)
        carried = side.hand_over() if side is not None else self.lists.arriving
        left = self.current_mode
        self.switch_mode(mode)
        self.lists.arriving = carried
        if left.startswith("follow-"):
            self.remove_mode(left)  # for the look only: not kept

    # -- leaving ---------------------------------------------------------------------------

    def unsent(self) -> list[int]:
        """The cases with a reply or note written and not sent."""
        return sorted(n for n, d in self.written().items() if d.text.strip())

    def written(self) -> dict[int, Draft]:
        drafts = dict(self.drafts)
        side = self.lists.side
        if side.shown is not None:
            drafts[side.shown.number] = side.composer.draft
        return drafts

    def keep_drafts(self) -> Callable[[], bool]:
        """What is written everywhere, handed to the keeper; returns its flush, to run in
        a thread (whether everything was kept)."""
        keeper = self.keeper
        if keeper is None:
            return lambda: True
        for number, draft in self.written().items():
            if keeper.differs(number, draft):  # (a case only looked at: nothing to write)
                keeper.changed(number, draft)
        return keeper.flush

    async def action_quit(self) -> None:
        unsent = self.unsent()
        # Drafts are kept in the store (a cleared one removed) and come back next time;
        # only when that fails is the agent asked.
        kept = self.quit_anyway or await asyncio.to_thread(self.keep_drafts())
        if unsent and not kept:
            question = tr("Det du har skrivit i {cases} kunde inte sparas och försvinner om "
                          "du avslutar. Avsluta ändå?").format(
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

    def hung_up(self) -> None:
        """The terminal went (SIGHUP: a dropped SSH connection, a closed window): what
        is written is kept, the agent leaves the case, and the process ends
        (tui/draft_keeper.py) — nobody is there to be asked anything."""
        self.stopping.set()  # the background work (a personal database's) stops too
        end_after_hang_up(self.keep_drafts(), self.service)

    # -- other processes' changes --------------------------------------------------

    def check_changes(self) -> None:
        if self.closing:  # a timer's last tick while the app tears down
            return
        self.poll_changes()
        self.check_rules()
        side = self.lists.side_if_ready
        if side is not None and side.shown is not None:
            side.poll_presence(side.shown.number)

    def renew_presence(self) -> None:
        if self.closing:
            return
        if (side := self.lists.side_if_ready) is not None:
            side.tell_presence(renew=True)

    @work(thread=True, exclusive=True, group="changes", exit_on_error=False)
    def poll_changes(self) -> None:
        self.post_message(StoreChanged(self.service.latest_change()))

    @work(thread=True, group="watch", exit_on_error=False)
    def watch_store(self) -> None:
        """Another process's change on screen within a glance: the store's change watch
        looked at every `WATCH_SECONDS` (on SQLite it costs microseconds), the change
        feed (and presence) read only when it moved. The poll above stays, should the
        watch fail."""
        watch = ChangeWatch(self.service.db)
        try:
            while not self.stopping.wait(WATCH_SECONDS):
                self.watch_once(watch)
        finally:
            watch.close()

    def watch_once(self, watch: ChangeWatch) -> bool:
        """One look (in a worker's thread): whether the store changed; if so, the
        change feed, presence and the rules file are looked at now."""
        if not watch.changed():
            return False
        self.post_message(StoreMoved())
        return True

    @on(StoreMoved)
    def store_moved(self) -> None:
        if not self.closing:
            self.check_changes()

    @on(Seen)
    def seen(self, message: Seen) -> None:
        if self.last_change is None:  # the first list: later changes reload it
            self.last_change = message.change

    @on(StoreChanged)
    def follow_changes(self, message: StoreChanged) -> None:
        if self.closing:
            return
        if self.lists.side_if_ready is None:
            return  # a view on its way: it reads the list anew, and the next poll tells
        if self.last_change is not None and message.change != self.last_change:
            self.lists.store_changed()
            if isinstance(self.screen, AgentsModal | ChannelsModal):
                self.refresh_supervisor_view(isinstance(self.screen, AgentsModal))
            elif (metrics := sys.modules.get("tui.screens.metrics")) is not None \
                    and isinstance(self.screen, metrics.MetricsScreen):  # (once opened)
                self.screen.load()
        self.last_change = message.change

    # -- the supervisor's views ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="supervisor", exit_on_error=False)
    def open_agents(self) -> None:
        self.post_message(AgentsTallied(self.service.agent_tallies(), opening=True))

    @work(thread=True, exclusive=True, group="supervisor", exit_on_error=False)
    def open_channels(self) -> None:
        channels, agents = self.service.list_channels(), self.service.list_agents()
        self.post_message(ChannelsRead(channels, agents))

    @work(thread=True, exclusive=True, group="supervisor-refresh", exit_on_error=False)
    def refresh_supervisor_view(self, agents: bool) -> None:
        if agents:
            self.post_message(AgentsTallied(self.service.agent_tallies(), opening=False))
        else:
            self.post_message(ChannelsRead(self.service.list_channels()))

    @on(AgentsTallied)
    def tallied(self, message: AgentsTallied) -> None:
        if message.opening:
            self.push_screen(AgentsModal(message.tallies), self.follow)
        elif isinstance(self.screen, AgentsModal):
            self.screen.update(message.tallies)

    @on(ChannelsRead)
    def channels_read(self, message: ChannelsRead) -> None:
        if message.agents is not None:
            change = None if self.read_only else self.change_membership
            self.push_screen(ChannelsModal(message.channels, message.agents, change))
        elif isinstance(self.screen, ChannelsModal):
            for view in message.channels:
                self.screen.changed(view)

    @work(thread=True, group="supervisor", exit_on_error=False)
    def change_membership(self, channel: str, login: str, member: bool) -> None:
        try:
            view = self.service.set_membership(channel, login, member=member)
        finally:  # what the store has now, also when it refused
            latest = next(c for c in self.service.list_channels() if c.name == channel)
            self.post_message(ChannelsRead([latest]))
        self.post_message(Notice(
            (tr("{login} är nu med i {channel}.") if member
             else tr("{login} är inte längre med i {channel}.")).format(
                login=login, channel=view.name)))

    # -- help ----------------------------------------------------------------------------

    def action_keys(self) -> None:
        """`?`: every key of the screen, beside it (Textual's keys panel)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_help_quit(self) -> None:
        """ctrl+c outside a text field (where it copies): how to quit, said as
        Textual says it, in the UI's language."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(tr("Tryck {key} för att avsluta.").format(key=key),
                            title=tr("Vill du avsluta?"), markup=False)
                return

    # -- the command palette -------------------------------------------------------------

    def action_command_palette(self) -> None:
        """ctrl+p: Textual's command palette, its search box in the UI's language."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(Palette(placeholder=textual("Search for commands…"),
                                     id="--command-palette"))

    def search_themes(self) -> None:
        """The palette's "Theme" command: the themes, searched in the UI's language."""
        self.push_screen(Palette(providers=[ThemeProvider],
                                 placeholder=textual("Search for themes…")))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) lists what an agent can do, by name (Textual's
        own commands too, in the UI's language)."""
        for command in super().get_system_commands(screen):
            if self.over_ssh and command.title == "Screenshot":
                continue
            yield command._replace(title=textual(command.title), help=textual(command.help))
        lists = self.lists
        for binding in lists.BINDINGS:
            assert isinstance(binding, Binding)
            help_text = PALETTE.get(binding.id or "")
            _, name, parameters = parse(binding.action)
            # What the keys do not offer here (a supervisor's view, a change in
            # read-all), the palette does not offer either.
            if help_text and lists.offers(name, parameters):
                yield SystemCommand(tr(binding.description), tr(help_text),
                                    lambda action=binding.action: self.run_action(
                                        action, lists))

    # -- errors ------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        self.report_failure(event)

    def report_failure(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here, shown — never swallowed (the screens and
        widgets that run workers hand theirs on: the event does not bubble)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if isinstance(error, Deactivated):  # (a session left open when it happened)
                self.exit(return_code=1, message=clean_line(str(error)))
                return
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
            side = self.lists.side
            if reload and side.shown is not None and side.shown.number == number:
                side.load_case(number)

        self.push_screen(ConfirmModal(question), answer)
