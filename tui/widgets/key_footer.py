"""The footer, keeping to one line at any width."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """Shows the keys that fit beside the palette key, in the order the screen lists
    them (the most used first): Textual's own footer scrolls the rest out of sight,
    half a word cut at the edge. Every key stays in `?` (all keys) and the palette."""

    _fitted_to = 0
    _composed: tuple[object, ...] | None = None  # what the keys on show were made from

    def _keys_now(self) -> tuple[object, ...]:
        """What the footer would show now: the width and the screen's keys."""
        if not self._bindings_ready or not self.is_attached:
            return ()
        # (A Binding is a frozen dataclass: equal when every field is.)
        return (self.size.width or self.app.size.width, self.compact,
                self.show_command_palette,
                tuple((binding, enabled, tooltip)
                      for _, binding, enabled, tooltip in self.screen.active_bindings.values()))

    async def recompose(self) -> None:
        # Focus moves and binding checks ask for a new footer many times a second, most
        # often for the same keys: making its widgets anew each time was a third of the
        # app's start-up.
        if self._keys_now() != self._composed:
            await super().recompose()

    def compose(self) -> ComposeResult:
        self._composed = self._keys_now()
        width = self._fitted_to = self.size.width or self.app.size.width
        parts = list(super().compose())
        palette = [part for part in parts if part.has_class("-command-palette")]
        # The palette key docks right behind a one-column border and a padding column.
        room = width - sum(_width(part) + 2 for part in palette)
        for part in parts:
            if part in palette:
                continue
            room -= _width(part)
            if room < 0:
                break
            yield part
        yield from palette

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and event.size.width != self._fitted_to:
            self.call_after_refresh(self.recompose)


def _width(part: object) -> int:
    """Columns a footer key takes: its key and description, each with a space."""
    if isinstance(part, FooterKey):
        return len(part.key_display) + len(part.description) + 3
    return 0
