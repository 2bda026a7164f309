"""Modal screens: the filter ("the eye", README.md), choices, questions, the columns and
the workspace's settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, TextArea

from store.queries import CaseFilter
from store.service import ContactInput
from store.views import AgentTally, AgentView, ChannelView, ContactView
from store.workspace import STANDARD, WorkspacePrefs
from tui.sanitize import clean_block, clean_line
from tui.words import N_, priorities, statuses, tr, translate_bindings

ACTIVE, EVERY = "__active__", "__every__"
CANCELLED = object()
"""What a ChoiceModal gives when closed with escape (None is a choice: "nobody")."""


class FilterModal(ModalScreen[CaseFilter | None]):
    """Which cases the list shows: status, channel, assignee, watched, priority."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="filter.cancel")]
    DEFAULT_CSS = """
    FilterModal { align: center middle; }
    FilterModal > Grid { grid-size: 2; grid-columns: 14 40; grid-rows: 3; width: 60;
                         height: auto; padding: 1 2; border: round $accent;
                         background: $panel; }
    FilterModal Label { padding: 1 0 0 0; }
    FilterModal Horizontal { column-span: 2; height: 3; align-horizontal: right; }
    """

    def __init__(self, current: CaseFilter, channels: list[str], logins: list[str]) -> None:
        super().__init__()
        translate_bindings(self)
        self.current = current
        self.channels = channels
        self.logins = logins

    def compose(self) -> ComposeResult:
        f = self.current
        status = (f.statuses[0] if len(f.statuses) == 1 else
                  EVERY if f.include_ended else ACTIVE)
        with Grid():
            yield Label(tr("Status"))
            yield Select([(tr("Alla pågående"), ACTIVE), (tr("Alla, även stängda"), EVERY)]
                         + [(name, key) for key, name in statuses().items()],
                         value=status, allow_blank=False, id="status")
            yield Label(tr("Kanal"))
            yield Select([(c, c) for c in self.channels], prompt=tr("Alla kanaler"),
                         value=f.channel or Select.NULL, id="channel")
            yield Label(tr("Tilldelad"))
            yield Select([(tr("Mig"), "me"), (tr("Ingen"), "none")]
                         + [(x, x) for x in self.logins],
                         prompt=tr("Alla"), value=f.assignee or Select.NULL, id="assignee")
            yield Label(tr("Prioritet"))
            yield Select([(name, key) for key, name in priorities().items()], prompt=tr("Alla"),
                         value=f.priority or Select.NULL, id="priority")
            yield Label(tr("Bevakade"))
            yield Checkbox(tr("Bara ärenden jag bevakar"), f.watched, id="watched")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Visa"), variant="primary", id="apply")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return

        def chosen(name: str) -> str | None:
            value = self.query_one(f"#{name}", Select).value
            return value if isinstance(value, str) else None

        status = chosen("status") or ACTIVE
        self.dismiss(replace(
            self.current,
            statuses=() if status in (ACTIVE, EVERY) else (status,),
            include_ended=status == EVERY,
            channel=chosen("channel"), assignee=chosen("assignee"),
            priority=chosen("priority"), watched=self.query_one("#watched", Checkbox).value,
        ))


def describe(f: CaseFilter) -> str:
    """The active filters at a glance ("" when the list shows the default view)."""
    parts = []
    if f.statuses:
        names = statuses()
        parts.append(tr("Status {statuses}").format(
            statuses=", ".join(names.get(s, s) for s in f.statuses)))
    elif f.include_ended:
        parts.append(tr("Alla statusar"))
    if f.channel:
        parts.append(tr("Kanal {channel}").format(channel=f.channel))
    if f.assignee == "me":
        parts.append(tr("Tilldelad mig"))
    elif f.assignee == "none":
        parts.append(tr("Tilldelad ingen"))
    elif f.assignee:
        parts.append(tr("Tilldelad {login}").format(login=f.assignee))
    if f.priority:
        parts.append(tr("Prioritet {priority}").format(
            priority=priorities().get(f.priority, f.priority)))
    if f.watched:
        parts.append(tr("Bevakade"))
    if f.search:
        parts.append(tr("Sök “{search}”").format(search=f.search))
    return " · ".join(parts)


class ChoiceModal(ModalScreen[object]):
    """Pick one of a few choices (a status, an agent, a channel, a related case)."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt", id="choice.cancel")]
    DEFAULT_CSS = """
    ChoiceModal { align: center middle; }
    ChoiceModal > Vertical { width: 64; height: auto; max-height: 80%; padding: 1 2;
                             border: round $accent; background: $panel; }
    ChoiceModal OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, choices: list[tuple[str, object]]) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        from rich.text import Text
        from textual.containers import Vertical
        from textual.widgets import OptionList

        from tui.sanitize import clean_line

        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            # Text, never a plain string: OptionList would read markup in it.
            yield OptionList(*[Text(clean_line(label)) for label, _ in self.choices])

    def on_mount(self) -> None:
        from textual.widgets import OptionList

        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event) -> None:  # type: ignore[no-untyped-def]
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(CANCELLED)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question before something that cannot be undone."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Nej", id="confirm.no"),
                Binding("y,j", "dismiss(True)", "Ja", id="confirm.yes")]
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Grid { grid-size: 2; width: 64; height: auto; padding: 1 2;
                          border: round $warning; background: $panel; }
    ConfirmModal Label { column-span: 2; padding-bottom: 1; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question

    def compose(self) -> ComposeResult:
        from rich.text import Text

        with Grid():
            yield Label(Text(self.question))
            yield Button(tr("Nej"), id="no")
            yield Button(tr("Ja"), variant="warning", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ColumnModal(ModalScreen[tuple[str, ...] | None]):
    """Which columns the list shows (number and title always do)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="columns.cancel")]
    DEFAULT_CSS = """
    ColumnModal { align: center middle; }
    ColumnModal > Grid { grid-size: 1; width: 44; height: auto; padding: 1 2;
                         border: round $accent; background: $panel; }
    ColumnModal Horizontal { height: 3; align-horizontal: right; }
    """

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        translate_bindings(self)
        self.shown = shown

    def compose(self) -> ComposeResult:
        from tui.widgets.case_table import CHOOSABLE

        with Grid():
            yield Label(tr("Kolumner i listan"))
            for key, heading in CHOOSABLE:
                yield Checkbox(tr(heading), key in self.shown, id=f"col-{key}")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Spara"), variant="primary", id="save")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        from tui.widgets.case_table import ALWAYS, CHOOSABLE

        if event.button.id == "cancel":
            self.dismiss(None)
            return
        chosen = [key for key, _ in CHOOSABLE
                  if self.query_one(f"#col-{key}", Checkbox).value]
        self.dismiss(tuple(ALWAYS) + tuple(chosen))


class WorkspaceSettingsModal(ModalScreen["WorkspacePrefs | None"]):
    """Which cases enter and leave the agent's workspace (README.md, "My workspace");
    "Standard" puts back the defaults."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="workspace.cancel")]
    DEFAULT_CSS = """
    WorkspaceSettingsModal { align: center middle; }
    WorkspaceSettingsModal > Vertical { width: 64; height: auto; padding: 1 2;
                                        border: round $accent; background: $panel; }
    WorkspaceSettingsModal Label { padding: 1 0 0 0; text-style: bold; }
    WorkspaceSettingsModal Checkbox, WorkspaceSettingsModal Checkbox:focus {
        border: none; height: 1; padding: 0 1; }
    WorkspaceSettingsModal Horizontal { height: 3; align-horizontal: right; }
    """
    KIND_NAMES = {"chat": N_("Chatt"), "email": N_("E-post"), "phone": N_("Telefon"),
                  "form": N_("Formulär")}

    def __init__(self, current: WorkspacePrefs) -> None:
        super().__init__()
        translate_bindings(self)
        self.current = current

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        p = self.current
        names = statuses()
        with Vertical():
            yield Label(tr("Nya ärenden som läggs till"))
            for kind, name in self.KIND_NAMES.items():
                yield Checkbox(tr(name), kind in p.new_case_kinds, id=f"kind-{kind}")
            yield Label(tr("Tas bort när statusen blir"))
            yield Checkbox(names["solved"], p.leave_on_solved, id="leave_on_solved")
            yield Checkbox(names["waiting"], p.leave_on_waiting, id="leave_on_waiting")
            yield Checkbox(names["parked"], p.leave_on_parked, id="leave_on_parked")
            yield Label(tr("Ändringar av tilldelning och bevakning"))
            yield Checkbox(tr("Ärenden som tilldelas mig läggs till"), p.add_assigned,
                           id="add_assigned")
            yield Checkbox(tr("Bevakade ärenden läggs till när något nytt händer"),
                           p.add_watched_on_activity, id="add_watched_on_activity")
            with Horizontal():
                yield Button(tr("Standard"), id="standard")
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Spara"), variant="primary", id="save")

    def chosen(self) -> WorkspacePrefs:
        def on(name: str) -> bool:
            return self.query_one(f"#{name}", Checkbox).value

        return WorkspacePrefs(
            new_case_kinds=tuple(k for k in self.KIND_NAMES if on(f"kind-{k}")),
            leave_on_solved=on("leave_on_solved"), leave_on_waiting=on("leave_on_waiting"),
            leave_on_parked=on("leave_on_parked"), add_assigned=on("add_assigned"),
            add_watched_on_activity=on("add_watched_on_activity"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.dismiss(self.chosen())
        elif event.button.id == "standard":
            self.dismiss(STANDARD)
        else:
            self.dismiss(None)


@dataclass(frozen=True)
class NewCase:
    """What the create-case form gives: the case, and its first message — the
    customer's, or ours to them (`ours`: on an email channel it goes out by mail)."""

    channel: str
    contact: ContactInput
    title: str
    text: str
    ours: bool


class CreateCaseModal(ModalScreen["NewCase | None"]):
    """A new case from anywhere: channel, contact (a known one found as you type, or a
    new one), title and first message."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="create.cancel")]
    DEFAULT_CSS = """
    CreateCaseModal { align: center middle; }
    CreateCaseModal > Vertical { width: 76; height: auto; max-height: 95%; padding: 0 2;
                                 border: round $accent; background: $panel; }
    CreateCaseModal OptionList { height: auto; max-height: 6; display: none; }
    CreateCaseModal OptionList.-shown { display: block; }
    CreateCaseModal TextArea { height: 5; }
    CreateCaseModal Horizontal { height: 3; align-horizontal: right; }
    CreateCaseModal Horizontal.contact Input { width: 1fr; }
    CreateCaseModal Checkbox, CreateCaseModal Checkbox:focus { border: none; height: 1; }
    """

    def __init__(self, channels: list[str], find: Callable[[str], None],
                 refused: NewCase | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.channels = channels
        self.find = find  # asks for the contacts matching a text (off the event loop)
        self.matches: list[ContactView] = []
        # The known contact picked: (its id, email, phone) as picked.
        self.picked: tuple[int, str, str] | None = None
        self.refused = refused  # a form the store refused: shown again as it was

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        from tui.widgets.composer import ComposerText

        with Vertical():
            yield Label(tr("Nytt ärende"))
            yield Select([(c, c) for c in self.channels], value=self.channels[0],
                         allow_blank=False, id="channel")
            yield Input(placeholder=tr("Sök en kontakt: namn, e-post eller telefon"),
                        id="contact-search")  # not #search: the app's CSS hides that
            yield OptionList(id="matches")
            with Horizontal(classes="contact"):
                yield Input(placeholder=tr("Namn"), id="name")
                yield Input(placeholder=tr("E-post"), id="email")
                yield Input(placeholder=tr("Telefon"), id="phone")
            yield Input(placeholder=tr("Titel"), id="title")
            yield ComposerText(id="text", placeholder=tr("Första meddelandet"))
            yield Checkbox(tr("Första meddelandet är vårt till kunden (e-post: skickas)"),
                           id="ours")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Skapa"), variant="primary", id="create")

    def on_mount(self) -> None:
        new = self.refused
        if new is None:
            return
        if new.channel in self.channels:
            self.query_one("#channel", Select).value = new.channel
        for field, value in (("name", new.contact.name), ("email", new.contact.email),
                             ("phone", new.contact.phone), ("title", new.title)):
            self.query_one(f"#{field}", Input).value = clean_line(value)
        self.query_one("#text", TextArea).text = clean_block(new.text)
        self.query_one("#ours", Checkbox).value = new.ours
        if new.contact.id is not None:  # still the known contact it was
            self.picked = (new.contact.id, new.contact.email, new.contact.phone)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "contact-search":
            self.find(event.value)

    def show_matches(self, text: str, contacts: list[ContactView]) -> None:
        from rich.text import Text

        if text != self.query_one("#contact-search", Input).value:
            return  # an earlier search, slower than the one after it
        self.matches = contacts
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        options.add_options([Text(clean_line(f"{c.signed} {c.phone}"))
                             for c in contacts])
        options.set_class(bool(contacts), "-shown")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = self.matches[event.option_index]
        self.picked = (chosen.id, clean_line(chosen.email), clean_line(chosen.phone))
        for field, value in (("name", chosen.name), ("email", chosen.email),
                             ("phone", chosen.phone)):
            self.query_one(f"#{field}", Input).value = clean_line(value)
        self.query_one("#title", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "create":
            self.dismiss(None)
            return
        value = {k: self.query_one(f"#{k}", Input).value.strip()
                 for k in ("name", "email", "phone", "title")}
        text = self.query_one("#text", TextArea).text.strip()
        if not value["title"] or not (value["name"] or value["email"] or value["phone"]):
            self.notify(tr("Ett ärende behöver en titel och en kontakt."), severity="warning",
                        markup=False)
            return
        picked = self.picked
        known = picked is not None and picked[1:] == (
            value["email"], value["phone"])  # picked, and not changed since
        self.dismiss(NewCase(str(self.query_one("#channel", Select).value),
                             ContactInput(name=value["name"], email=value["email"],
                                          phone=value["phone"],
                                          id=picked[0] if known and picked else None),
                             value["title"], text, self.query_one("#ours", Checkbox).value))


class AgentsModal(ModalScreen["str | None"]):
    """The supervisor's agents view: each agent's assigned cases by status and their
    workspace; Enter follows one (their workspace as they see it)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Stäng", id="agents.close")]
    DEFAULT_CSS = """
    AgentsModal { align: center middle; }
    AgentsModal > Vertical { width: 100; height: auto; max-height: 90%; padding: 1 2;
                             border: round $accent; background: $panel; }
    AgentsModal DataTable { height: auto; max-height: 30; }
    """

    def __init__(self, tallies: list[AgentTally]) -> None:
        super().__init__()
        translate_bindings(self)
        self.tallies = tallies

    def compose(self) -> ComposeResult:
        from rich.text import Text
        from textual.containers import Vertical
        from textual.widgets import DataTable

        with Vertical():
            yield Label(Text(tr("Agenter — Enter följer agentens arbetsyta"), style="bold"))
            table: DataTable[object] = DataTable(cursor_type="row", id="agents")
            table.add_columns(*(tr(c) for c in (
                N_("Login"), N_("Namn"), N_("Öppna"), N_("Eskalerade"), N_("Väntar"),
                N_("Parkerade"),
                N_("Arbetsyta"), N_("Olästa"), N_("Kanaler"))))
            yield table

    def on_mount(self) -> None:
        from textual.widgets import DataTable

        self.update(self.tallies)
        self.query_one(DataTable).focus()

    def update(self, tallies: list[AgentTally]) -> None:
        """The counts anew (another process changed something), the cursor kept."""
        from rich.text import Text
        from textual.widgets import DataTable

        self.tallies = tallies
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for t in tallies:
            # Text, never a plain string: names are the agents' own.
            table.add_row(Text(clean_line(t.login)), Text(clean_line(t.name)), t.open,
                          t.escalated, t.waiting, t.parked, t.workspace, t.unread,
                          Text(clean_line(", ".join(t.channels) or "–")), key=t.login)
        table.move_cursor(row=min(row, max(len(tallies) - 1, 0)))

    def on_data_table_row_selected(self, event) -> None:  # type: ignore[no-untyped-def]
        self.dismiss(event.row_key.value)


class ChannelsModal(ModalScreen[None]):
    """The supervisor's channels view: each channel's members; space adds or removes
    the agent under the cursor (nothing can be changed in read-all mode)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Stäng", id="channels.close")]
    DEFAULT_CSS = """
    ChannelsModal { align: center middle; }
    ChannelsModal > Vertical { width: 90; height: auto; max-height: 90%; padding: 1 2;
                               border: round $accent; background: $panel; }
    ChannelsModal Horizontal { height: auto; max-height: 24; }
    ChannelsModal OptionList { width: 1fr; height: auto; max-height: 22; }
    ChannelsModal SelectionList { width: 1fr; height: auto; max-height: 22; }
    """

    def __init__(self, channels: list[ChannelView], agents: list[AgentView],
                 change: Callable[[str, str, bool], None] | None) -> None:
        super().__init__()
        translate_bindings(self)
        self.channels = channels
        self.agents = agents  # the deactivated too: their memberships can be ended
        self.change = change  # None: read only
        self.current = 0

    def compose(self) -> ComposeResult:
        from rich.text import Text
        from textual.containers import Vertical
        from textual.widgets import SelectionList

        hint = (N_("Kanaler — mellanslag lägger till eller tar bort agenten") if self.change
                else N_("Kanaler (läsläge: inget kan ändras)"))
        with Vertical():
            yield Label(Text(tr(hint), style="bold"))
            with Horizontal():
                yield OptionList(*[self._label(c) for c in self.channels], id="channel-list")
                if self.change is None:  # read only: the members, to look through
                    yield OptionList(id="members")
                else:
                    yield SelectionList[str](id="members")

    @staticmethod
    def _label(channel: ChannelView):  # type: ignore[no-untyped-def]
        from rich.text import Text

        return Text(clean_line(tr("{name} ({kind}) · {count} medlemmar").format(
            name=channel.name, kind=channel.kind, count=len(channel.members))))

    def on_mount(self) -> None:
        self.query_one("#channel-list", OptionList).focus()
        if self.channels:
            self.show_members(0)

    def show_members(self, index: int) -> None:
        from rich.text import Text
        from textual.widgets import SelectionList
        from textual.widgets.selection_list import Selection

        channel = self.channels[index]
        if self.change is None:
            self.current = index
            names = self.query_one("#members", OptionList)
            names.clear_options()
            names.add_options([Text(clean_line(f"{a.login} — {a.name}")) for a in self.agents
                               if a.login in channel.members])
            return
        members = self.query_one(SelectionList)
        # The same channel again (after a change): the cursor stays on its agent.
        keep = members.highlighted if index == self.current else None
        self.current = index
        with self.prevent(SelectionList.SelectionToggled):
            members.clear_options()
            # The word as well as the box's colour says who is a member.
            members.add_options([Selection(
                Text(clean_line(f"{a.login} — {a.name}"
                                + ("" if a.is_active else tr("  (inaktiv)"))
                                + (tr("  · medlem") if a.login in channel.members else ""))),
                a.login, a.login in channel.members) for a in self.agents])
        if keep is not None:
            members.highlighted = keep

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "channel-list" and event.option_index is not None:
            self.show_members(event.option_index)

    def on_selection_list_selection_toggled(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.change is None:
            return
        login = event.selection.value
        self.change(self.channels[self.current].name, login,
                    login in event.selection_list.selected)

    def changed(self, view: ChannelView) -> None:
        """The store's word on a channel after a change."""
        for i, channel in enumerate(self.channels):
            if channel.name == view.name and channel != view:
                self.channels[i] = view
                self.query_one("#channel-list", OptionList).replace_option_prompt_at_index(
                    i, self._label(view))
                if i == self.current:
                    self.show_members(i)
