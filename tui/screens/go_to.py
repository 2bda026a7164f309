"""Go to a case by its number (`#` in the list): `2940` or `#2940`, Enter."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from store import numbers
from tui.words import tr, translate_bindings


class GoToModal(ModalScreen[int | None]):
    """A case number, read as people write it (store/numbers.py); a wrong one is said
    here and the field kept, so the agent corrects it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="go_to.cancel")]
    CSS_PATH = "go_to.tcss"

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(tr("Gå till ärende (nummer, Enter)"))
            yield Input(placeholder="#2940", id="go-to-number")
            yield Label(id="go-to-said")

    @on(Input.Submitted)
    def go(self, event: Input.Submitted) -> None:
        number = numbers.case_number(event.value)
        if number is None:
            self.query_one("#go-to-said", Label).update(Text(tr(
                "Ett ärendenummer är ett heltal, t.ex. 2940.")))
            return
        self.dismiss(number)


class GoToCase(Provider):
    """The command palette (ctrl+p): "2940" or "#2940" offers to open that case."""

    async def search(self, query: str) -> Hits:
        number = numbers.case_number(query)
        if number is None:
            return
        go_to = getattr(self.app, "go_to_case", None)
        if go_to is not None:
            yield Hit(1.0, Text(tr("Öppna ärende #{number}").format(number=number)),
                      partial(go_to, number), help=tr("Gå till ärendet med det numret"))
