"""Which columns the list shows (remembered for the agent by the store)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.widgets.case_table import ALWAYS, CHOOSABLE
from tui.widgets.tick import Tick
from tui.words import tr, translate_bindings


class ColumnModal(ModalScreen[tuple[str, ...] | None]):
    """Which columns the list shows (number and title always do)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="columns.cancel")]
    CSS_PATH = "columns.tcss"

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        translate_bindings(self)
        self.shown = shown

    def compose(self) -> ComposeResult:
        with Grid():
            yield Label(tr("Kolumner i listan"))
            for key, heading in CHOOSABLE:
                yield Tick(tr(heading), key in self.shown, id=f"col-{key}")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Spara"), variant="primary", id="save")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        chosen = [key for key, _ in CHOOSABLE
                  if self.query_one(f"#col-{key}", Tick).value]
        self.dismiss(tuple(ALWAYS) + tuple(chosen))
