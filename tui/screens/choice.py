"""Pick one of a few choices: a status, an agent, a channel, a related case, a text.
A long list (colleagues, related cases, texts) is filtered as the agent types."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList

from tui.sanitize import clean_block
from tui.words import tr, translate_bindings

CANCELLED = object()
"""What a ChoiceModal gives when closed with escape (None is a choice: "nobody")."""
NO_CURRENT = object()
"""No choice is the present one (None is a choice: "nobody")."""


class ChoiceModal(ModalScreen[object]):
    """Pick one of a few choices (a status, an agent, a channel, a related case).
    `filtering`: a field above the list keeps the choices that hold what is typed in
    it (case aside); ↑ ↓ move in the list, Enter takes the one marked."""

    BINDINGS = [Binding("escape", "cancel", "Avbryt", id="choice.cancel"),
                Binding("down", "move(1)", "Nästa", show=False, id="choice.down"),
                Binding("up", "move(-1)", "Föregående", show=False, id="choice.up")]
    CSS_PATH = "choice.tcss"

    def __init__(self, title: str, choices: list[tuple[str, object]], *,
                 filtering: bool = False, current: object = NO_CURRENT) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.choices = choices
        self.filtering = filtering
        self.shown = list(range(len(choices)))  # the choices in the list, by index
        # The present choice (the case's priority, the list's grouping), marked so
        # without colour, like a radio button: (•) and ( ).
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            if self.filtering:
                yield Input(placeholder=tr("Skriv för att begränsa …"), id="choice-filter")
            # Text, never a plain string: OptionList would read markup in it. A label
            # of several lines (an earlier reply) keeps its line breaks.
            yield OptionList(*self._options())

    def _options(self) -> list[Text]:
        if self.current is NO_CURRENT:
            return [Text(clean_block(self.choices[i][0])) for i in self.shown]
        return [Text(("(•) " if self.choices[i][1] == self.current else "( ) ")
                     + clean_block(self.choices[i][0])) for i in self.shown]

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for _, value in self.choices]
        options.highlighted = (values.index(self.current) if self.current in values
                               else 0 if self.choices else None)
        (self.query_one("#choice-filter", Input) if self.filtering else options).focus()

    @on(Input.Changed, "#choice-filter")
    def narrow(self, event: Input.Changed) -> None:
        words = event.value.casefold().split()
        self.shown = [i for i, (label, _) in enumerate(self.choices)
                      if all(w in label.casefold() for w in words)]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = 0 if self.shown else None

    @on(Input.Submitted, "#choice-filter")
    def take_marked(self) -> None:
        marked = self.query_one(OptionList).highlighted
        if marked is not None:
            self.dismiss(self.choices[self.shown[marked]][1])

    def action_move(self, step: int) -> None:
        # (typing in the field: the list has its own ↑ ↓ when it has the focus)
        options = self.query_one(OptionList)
        if not self.shown:
            return
        options.highlighted = max(0, min((options.highlighted or 0) + step,
                                         len(self.shown) - 1))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[self.shown[event.option_index]][1])

    def action_cancel(self) -> None:
        self.dismiss(CANCELLED)
