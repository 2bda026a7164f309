"""`L` when the team keeps a list of labels (store/labels.py): a box for each, the
case's own ticked (one it has from before the list, too); space ticks, Spara saves,
escape leaves them as they were."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.sanitize import clean_line
from tui.widgets.tick import Tick
from tui.words import tr, translate_bindings


class LabelPickerModal(ModalScreen[list[str] | None]):
    """The team's labels to tick; gives those ticked, or None (cancelled)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="labels.cancel")]
    CSS_PATH = "label_picker.tcss"

    def __init__(self, title: str, labels: list[str], ticked: tuple[str, ...]) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        # The list's labels, then any the case has that the list no longer holds.
        self.labels = [*labels, *(x for x in ticked if x not in labels)]
        self.ticked = set(ticked)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(self.title_text, style="bold"))
            yield Label(tr("Mellanslag sätter eller tar bort en etikett; Spara sparar, esc "
                           "avbryter."), classes="hint")
            with Grid():
                for i, label in enumerate(self.labels):
                    yield Tick(Text(clean_line(label)), label in self.ticked, id=f"label-{i}")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Spara"), variant="primary", id="save")

    def on_mount(self) -> None:
        if self.labels:
            self.query_one("#label-0", Tick).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "save":
            self.dismiss(None)
            return
        self.dismiss([label for i, label in enumerate(self.labels)
                      if self.query_one(f"#label-{i}", Tick).value])
