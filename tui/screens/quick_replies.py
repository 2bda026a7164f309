"""The team's quick replies, kept by a supervisor (`5` in the list): each with a title,
its text as written and an English version for customers who write English. Saved
and removed through the store in workers; the store checks the variables, and what
it refuses is said in its words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.worker import Worker

from store.quick_replies import CURSOR, VARIABLES, QuickReplyView
from tui.sanitize import clean_block, clean_line
from tui.screens.confirm import ConfirmModal
from tui.widgets.composer import ComposerText
from tui.words import current, tr, translate_bindings

if TYPE_CHECKING:
    from store.service import CaseService



def variables_hint() -> str:
    """The variables a quick reply may hold, named in the TUI's language (the store
    takes either language's names: store/quick_replies.py)."""
    # The store lists each variable's names Swedish first; the dotted ones are current.
    dotted = [name for name in VARIABLES if "." in name]
    swedish = current() == "sv"
    names = dotted[0::2] if swedish else dotted[1::2]
    return " ".join("{" + n + "}" for n in [*names, CURSOR[0] if swedish else CURSOR[1]])


@dataclass
class RepliesRead(Message):
    """The quick replies as the store has them now; `selected`: the title to show."""

    replies: list[QuickReplyView]
    selected: str | None = None
    said: str | None = None


class QuickRepliesModal(ModalScreen[None]):
    """A list of the quick replies beside the one shown, to edit. `New` empties the
    form for another; Save stores the form (a new one, or the one shown, renamed if
    its title changed); Remove asks first."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Stäng", id="quick.close"),
                Binding("ctrl+s", "save", "Spara", id="quick.save"),
                Binding("ctrl+n", "new", "Nytt snabbsvar", id="quick.new")]
    CSS_PATH = "quick_replies.tcss"

    def __init__(self, service: CaseService) -> None:
        super().__init__()
        translate_bindings(self)
        self.service = service
        self.replies: list[QuickReplyView] = []
        self.editing: str | None = None  # the title of the one in the form; None: new

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(tr("Snabbsvar"), style="bold"))
            with Horizontal(id="quick-body"):
                yield OptionList(id="quick-list")
                with VerticalScroll(id="quick-form"):
                    yield Input(placeholder=tr("Titel"), id="quick-title")
                    yield Label(tr("Text (svenska, eller det ni skriver på)"))
                    yield ComposerText(id="quick-text")
                    yield Label(tr("Engelska (valfritt: till kunder som skriver engelska)"))
                    yield ComposerText(id="quick-english")
                    yield Static(Text(tr("Variabler: ") + variables_hint()), id="quick-hint")
                    yield Static(id="quick-said")
            with Horizontal(id="quick-buttons"):
                yield Button(tr("Nytt"), id="new")
                yield Button(tr("Ta bort"), variant="warning", id="remove")
                yield Button(tr("Stäng"), id="close")
                yield Button(tr("Spara"), variant="primary", id="save")

    def on_mount(self) -> None:
        self.load()

    # -- the store, in workers ----------------------------------------------------------

    @work(thread=True, exclusive=True, group="quick", exit_on_error=False)
    def load(self, selected: str | None = None, said: str | None = None) -> None:
        self.post_message(RepliesRead(self.service.quick_reply_list(), selected, said))

    @work(thread=True, exclusive=True, group="quick", exit_on_error=False)
    def store(self, editing: str | None, reply: QuickReplyView) -> None:
        if editing is None:
            self.service.add_quick_reply(reply.title, reply.text, english=reply.english or None)
        else:
            self.service.edit_quick_reply(editing, text=reply.text, new_title=reply.title,
                                          english=reply.english or "")
        self.post_message(RepliesRead(self.service.quick_reply_list(), reply.title,
                                      tr("Sparat: {title}").format(title=reply.title)))

    @work(thread=True, exclusive=True, group="quick", exit_on_error=False)
    def forget(self, title: str) -> None:
        self.service.remove_quick_reply(title)
        self.post_message(RepliesRead(self.service.quick_reply_list(), None,
                                      tr("Borttaget: {title}").format(title=title)))

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        report = getattr(self.app, "report_failure", None)  # the store's refusal, in words
        if report is not None:
            report(event)

    # -- what the screen shows -----------------------------------------------------------

    @on(RepliesRead)
    def replies_read(self, message: RepliesRead) -> None:
        self.replies = message.replies
        options = self.query_one("#quick-list", OptionList)
        options.clear_options()
        # Text, never a plain string: OptionList reads markup in strings.
        options.add_options([Text(clean_line(r.title)) for r in self.replies])
        titles = [r.title for r in self.replies]
        if message.selected in titles:
            options.highlighted = titles.index(message.selected)
        elif self.replies:
            options.highlighted = 0
        else:
            self.action_new()
        self.query_one("#quick-said", Static).update(Text(message.said or ""))

    @on(OptionList.OptionHighlighted, "#quick-list")
    def show(self, event: OptionList.OptionHighlighted) -> None:
        reply = self.replies[event.option_index]
        self.editing = reply.title
        self.query_one("#quick-title", Input).value = clean_line(reply.title)
        self.query_one("#quick-text", ComposerText).text = clean_block(reply.text)
        self.query_one("#quick-english", ComposerText).text = clean_block(reply.english or "")

    # -- the agent's keys -----------------------------------------------------------------

    def action_new(self) -> None:
        self.editing = None
        self.query_one("#quick-title", Input).value = ""
        self.query_one("#quick-text", ComposerText).text = ""
        self.query_one("#quick-english", ComposerText).text = ""
        self.query_one("#quick-said", Static).update(Text(tr("Ett nytt snabbsvar.")))
        self.query_one("#quick-title", Input).focus()

    def action_save(self) -> None:
        title = self.query_one("#quick-title", Input).value.strip()
        text = self.query_one("#quick-text", ComposerText).text
        if not title or not text.strip():
            self.query_one("#quick-said", Static).update(
                Text(tr("Ett snabbsvar behöver en titel och en text.")))
            return
        self.store(self.editing, QuickReplyView(
            title, text, self.query_one("#quick-english", ComposerText).text))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "new":
            self.action_new()
        elif event.button.id == "close":
            self.dismiss(None)
        elif event.button.id == "remove" and self.editing is not None:
            title = self.editing

            def answer(yes: bool | None) -> None:
                if yes:
                    self.forget(title)

            self.app.push_screen(ConfirmModal(tr("Ta bort snabbsvaret {title}?").format(
                title=clean_line(title))), answer)
