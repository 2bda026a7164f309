"""Textual's command palette (ctrl+p), speaking the UI's language to its last word."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from tui.words import textual


class Palette(CommandPalette):
    """Says "no matches found" as the rest of the UI would: Textual writes its own
    English line (in a private method, Textual pinned in pyproject.toml)."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            # Nothing typed: the palette is being browsed, no "no matches" to say.
            if search_value:
                self.query_one(CommandList).add_option(Option(
                    Align.center(Text(textual("No matches found"), style="not bold")),
                    disabled=True, id=self._NO_MATCHES))
            self._list_visible = bool(search_value)

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
