"""A checkbox that says whether it is ticked without colour."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class Tick(Checkbox):
    """A checkbox whose box holds an X when ticked and nothing when not: Textual's own
    shows the same X either way, told apart only by its colour (unreadable on a
    terminal without colours, or to an agent who does not see them)."""

    def render(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super().render()
