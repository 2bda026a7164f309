"""A yes/no question before something that cannot be undone."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.words import tr, translate_bindings


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question before something that cannot be undone."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Nej", id="confirm.no"),
                Binding("y,j", "dismiss(True)", "Ja", id="confirm.yes")]
    CSS_PATH = "confirm.tcss"

    def __init__(self, question: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question

    def compose(self) -> ComposeResult:
        with Grid():
            yield Label(Text(self.question))
            yield Button(tr("Nej"), id="no")
            yield Button(tr("Ja"), variant="warning", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
