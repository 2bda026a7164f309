"""Pick one of a few choices: a status, an agent, a channel, a related case, a text."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList

from tui.sanitize import clean_line
from tui.words import translate_bindings

CANCELLED = object()
"""What a ChoiceModal gives when closed with escape (None is a choice: "nobody")."""


class ChoiceModal(ModalScreen[object]):
    """Pick one of a few choices (a status, an agent, a channel, a related case)."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt", id="choice.cancel")]
    CSS_PATH = "choice.tcss"

    def __init__(self, title: str, choices: list[tuple[str, object]]) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            # Text, never a plain string: OptionList would read markup in it.
            yield OptionList(*[Text(clean_line(label)) for label, _ in self.choices])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(CANCELLED)
