"""The composer: a reply to the customer or an internal note, and the status to set
in the same step (README.md, "The terminal UI": ctrl+s).

The mode is one key away (ctrl+t) and cannot be missed: a reply is framed in the
success colour under "Svar till kunden", a note in the warning colour under
"INTERN ANTECKNING — syns inte för kunden".
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, Select, TextArea
from textual.widgets.text_area import EditResult, Location

from tui.sanitize import clean_block
from tui.words import statuses, tr, translate_bindings


@dataclass(frozen=True)
class Draft:
    text: str
    note: bool
    status: str | None


class Composer(Vertical):
    """Write, pick reply or note and the status after, send. (Styles: composer.tcss.)"""

    BINDINGS = [
        Binding("ctrl+s", "send", "Skicka", id="composer.send"),
        Binding("ctrl+t", "toggle_mode", "Svar/anteckning", id="composer.toggle"),
        Binding("escape", "leave", "Till listan", id="composer.leave"),
        Binding("ctrl+r", "pick('quick')", "Snabbsvar", id="composer.quick"),
        Binding("ctrl+o", "pick('earlier')", "Tidigare svar", id="composer.earlier"),
        # Shown by the articles' line when there are any (tui/case_side.py).
        Binding("ctrl+g", "pick('article')", "Artikel", show=False, id="composer.article"),
        Binding("ctrl+n", "new_message", "Nytt meddelande", id="composer.new"),
    ]

    note: reactive[bool] = reactive(False)
    """True: an internal note; False: a reply the customer gets."""

    class Sent(Message):
        """The agent sent a reply or a note."""

        def __init__(self, draft: Draft) -> None:
            super().__init__()
            self.draft = draft

    class Left(Message):
        """The agent went back to the list; the draft stays."""

    class Toggled(Message):
        """The draft became a note, or a reply."""

    class TextWanted(Message):
        """The agent wants a quick reply ("quick"), an earlier reply ("earlier") or an
        article of the knowledge base ("article")."""

        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        translate_bindings(self)
        self.offered: tuple[str, ...] = ()
        self.may_reply = True  # False on a closed or archived case (notes only)

    def compose(self) -> ComposeResult:
        yield ComposerText(id="composer-text", placeholder=tr("Skriv här …"))
        with Horizontal(id="composer-bar"):
            yield Label(id="composer-hint")
            # The statuses come with the case (`offer_statuses`): the store's word.
            yield Select([], prompt=tr("Status: oförändrad"), id="composer-status")

    def on_mount(self) -> None:
        self.watch_note(self.note)

    def on_resize(self) -> None:
        # The hint only where it fits on its line: the footer shows the same keys.
        hint = self.query_one("#composer-hint", Label)
        full = tr("ctrl+s skicka · ctrl+t svar/anteckning · ctrl+r snabbsvar · "
                  "ctrl+o tidigare svar · esc listan")
        hint.update(Text(full))
        hint.display = len(full) <= self.size.width - 32  # less the status and borders

    def watch_note(self, note: bool) -> None:
        self.post_message(self.Toggled())
        self.set_class(note, "-note")
        self.border_title = (tr("INTERN ANTECKNING — syns inte för kunden") if note
                             else tr("Svar till kunden"))

    # -- the draft ----------------------------------------------------------------

    @property
    def draft(self) -> Draft:
        status = self.query_one("#composer-status", Select).value
        return Draft(self.query_one("#composer-text", TextArea).text, self.note,
                     status if isinstance(status, str) else None)

    def load(self, draft: Draft | None) -> None:
        """Show a saved draft (or an empty one)."""
        draft = draft or Draft("", False, None)
        area = self.query_one("#composer-text", TextArea)
        area.text = clean_block(draft.text)
        area.move_cursor(area.document.end)  # writing on where it was left
        self.note = draft.note
        self._pick(draft.status)

    def offer_statuses(self, offered: list[str]) -> None:
        """The statuses the answer may set on the case on show (the store's answer), in
        the order offered; a status picked and still offered stays picked."""
        if tuple(offered) == self.offered:
            return
        select = self.query_one("#composer-status", Select)
        picked = select.value
        self.offered = tuple(offered)
        names = statuses()
        select.set_options([(tr("Status: {status}").format(status=names.get(s, s)), s)
                            for s in offered])
        self._pick(picked if isinstance(picked, str) else None)

    def _pick(self, status: str | None) -> None:
        # A status no longer offered (the case moved on meanwhile) is not kept.
        self.query_one("#composer-status", Select).value = (
            status if status in self.offered else Select.NULL)

    def start(self, *, note: bool) -> None:
        self.note = note
        # Focused now: a letter typed right after `r` belongs to the reply, not the list.
        self.screen.set_focus(self.query_one("#composer-text", TextArea))

    # -- actions --------------------------------------------------------------------

    def action_toggle_mode(self) -> None:
        if self.note and not self.may_reply:  # a closed or archived case: notes only
            self.app.notify(tr("Ärendet är avslutat: bara interna anteckningar."),
                            severity="warning", markup=False)
            return
        self.note = not self.note

    def action_send(self) -> None:
        draft = self.draft
        if not draft.text.strip():
            self.app.notify(tr("Skriv något först."), severity="warning", markup=False)
            return
        self.post_message(self.Sent(draft))

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def action_pick(self, kind: str) -> None:
        self.post_message(self.TextWanted(kind))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """`@` typed at the start of a word in a note: offer the colleagues to mention."""
        if not self.note:
            return
        area = event.text_area
        row, column = area.cursor_location
        line = area.document.get_line(row)
        if column >= 1 and line[column - 1] == "@" and (column == 1 or
                                                        line[column - 2].isspace()):
            self.post_message(self.TextWanted("mention"))

    def action_new_message(self) -> None:
        self.query_one("#composer-text", TextArea).text = ""

    def insert(self, text: str, *, cursor: int | None = None) -> None:
        """Put a chosen text where the cursor is; `cursor`: where in it the cursor goes
        (a quick reply's mark), else after it."""
        area = self.query_one("#composer-text", TextArea)
        row, column = area.cursor_location
        area.insert(clean_block(text))  # a quick reply carries the contact's name
        if cursor is not None:
            before = clean_block(text[:cursor]).split("\n")
            area.cursor_location = (row + len(before) - 1,
                                    (column if len(before) == 1 else 0) + len(before[-1]))
        area.focus()


class ComposerText(TextArea):
    """The composer's text: whatever comes in — typed, pasted, a customer's name in a
    quick reply — reaches the terminal only as visible text (TextArea writes its
    document's characters as they are)."""

    def _replace_via_keyboard(self, insert: str, start: Location,
                              end: Location) -> EditResult | None:
        return super()._replace_via_keyboard(clean_block(insert), start, end)
