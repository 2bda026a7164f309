"""The workspace's settings: which cases enter and leave the agent's own queue."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from store.workspace import STANDARD, WorkspacePrefs
from tui.widgets.tick import Tick
from tui.words import N_, statuses, tr, translate_bindings


class WorkspaceSettingsModal(ModalScreen[WorkspacePrefs | None]):
    """Which cases enter and leave the agent's workspace (README.md, "My workspace");
    "Standard" puts back the defaults. The store applies the rules when something
    happens to a case (store/workspace.py), so a change holds from then on: the cases
    already in the workspace stay until a rule or the agent takes them out — said on
    screen."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="workspace.cancel")]
    CSS_PATH = "workspace_settings.tcss"
    KIND_NAMES = {"chat": N_("Chatt"), "email": N_("E-post"), "phone": N_("Telefon"),
                  "form": N_("Formulär")}

    def __init__(self, current: WorkspacePrefs) -> None:
        super().__init__()
        translate_bindings(self)
        self.current = current

    def compose(self) -> ComposeResult:
        p = self.current
        names = statuses()
        with VerticalScroll():
            yield Label(Text(tr("Arbetsytans inställningar"), style="bold"))
            yield Static(tr("Gäller det som händer från och med nu: ärenden som redan finns "
                            "i arbetsytan ligger kvar tills en regel eller du (m) tar bort "
                            "dem."), id="from-now-on")
            yield Label(tr("Nya ärenden som läggs till"))
            for kind, name in self.KIND_NAMES.items():
                yield Tick(tr(name), kind in p.new_case_kinds, id=f"kind-{kind}")
            yield Label(tr("Tas bort när statusen blir"))
            yield Tick(names["solved"], p.leave_on_solved, id="leave_on_solved")
            yield Tick(names["waiting"], p.leave_on_waiting, id="leave_on_waiting")
            yield Tick(names["parked"], p.leave_on_parked, id="leave_on_parked")
            yield Label(tr("Ändringar av tilldelning och bevakning"))
            yield Tick(tr("Ärenden som tilldelas mig läggs till"), p.add_assigned,
                           id="add_assigned")
            yield Tick(tr("Bevakade ärenden läggs till när något nytt händer"),
                           p.add_watched_on_activity, id="add_watched_on_activity")
            with Horizontal():
                yield Button(tr("Standard"), id="standard")
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Spara"), variant="primary", id="save")

    def chosen(self) -> WorkspacePrefs:
        def on(name: str) -> bool:
            return self.query_one(f"#{name}", Tick).value

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
