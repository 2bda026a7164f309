"""One line of a case to change: its labels or its title (`L`, `T` in the list), the
field filled with what the case has; Enter saves, escape leaves it as it was."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.words import tr, translate_bindings


class EditLineModal(ModalScreen[str | None]):
    """A line to edit, filled with its value (shown as the terminal may show it, see
    tui/sanitize.py); gives the line written, stripped, or None (cancelled). An empty
    line is refused when `required` says why (a title), said under the field."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="edit_line.cancel")]
    CSS_PATH = "edit_line.tcss"

    def __init__(self, title: str, value: str, hint: str, *,
                 required: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.initial = value
        self.hint = hint
        self.required = required

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(self.title_text, style="bold"))
            yield Input(value=self.initial, id="line")
            yield Static(Text(self.hint), id="line-hint")
            yield Static(id="line-said")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Spara"), variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#line", Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        else:
            self.dismiss(None)

    def save(self) -> None:
        value = self.query_one("#line", Input).value.strip()
        if self.required is not None and not value:
            self.query_one("#line-said", Static).update(Text(self.required))
            return
        self.dismiss(value)
