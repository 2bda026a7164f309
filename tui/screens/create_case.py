"""A new case from anywhere: channel, contact (a known one found as you type, or a new
one), title and first message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, TextArea

from store.service import ContactInput
from store.views import ContactView
from tui.sanitize import clean_block, clean_line
from tui.widgets.composer import ComposerText
from tui.widgets.tick import Tick
from tui.words import tr, translate_bindings


@dataclass(frozen=True)
class NewCase:
    """What the create-case form gives: the case, and its first message — the
    customer's, or ours to them (`ours`: on an email channel it goes out by mail)."""

    channel: str
    contact: ContactInput
    title: str
    text: str
    ours: bool


class CreateCaseModal(ModalScreen[NewCase | None]):
    """A new case from anywhere: channel, contact (a known one found as you type, or a
    new one), title and first message."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="create.cancel")]
    CSS_PATH = "create_case.tcss"

    def __init__(self, channels: list[str], find: Callable[[str], object],
                 refused: NewCase | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.channels = channels
        # Asks for the contacts matching a text (a worker: the answer comes to
        # `show_matches`).
        self.find = find
        self.matches: list[ContactView] = []
        # The known contact picked: (its id, email, phone) as picked.
        self.picked: tuple[int, str, str] | None = None
        self.refused = refused  # a form the store refused: shown again as it was

    def compose(self) -> ComposeResult:
        # Taller than a small terminal: it scrolls, and Tab brings each field in sight.
        with VerticalScroll():
            yield Label(tr("Nytt ärende"))
            yield Select([(c, c) for c in self.channels], value=self.channels[0],
                         allow_blank=False, id="channel")
            yield Input(placeholder=tr("Sök en kontakt: namn, e-post eller telefon"),
                        id="contact-search")  # not #search: the list's CSS hides that
            yield OptionList(id="matches")
            with Horizontal(classes="contact"):
                yield Input(placeholder=tr("Namn"), id="name")
                yield Input(placeholder=tr("E-post"), id="email")
                yield Input(placeholder=tr("Telefon"), id="phone")
            yield Input(placeholder=tr("Titel"), id="title")
            yield ComposerText(id="text", placeholder=tr("Första meddelandet"))
            yield Tick(tr("Första meddelandet är vårt till kunden (e-post: skickas)"),
                           id="ours")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Skapa"), variant="primary", id="create")

    def on_mount(self) -> None:
        new = self.refused
        if new is None:
            return
        if new.channel in self.channels:
            self.query_one("#channel", Select).value = new.channel
        for field, value in (("name", new.contact.name), ("email", new.contact.email),
                             ("phone", new.contact.phone), ("title", new.title)):
            self.query_one(f"#{field}", Input).value = clean_line(value)
        self.query_one("#text", TextArea).text = clean_block(new.text)
        self.query_one("#ours", Tick).value = new.ours
        if new.contact.id is not None:  # still the known contact it was
            self.picked = (new.contact.id, new.contact.email, new.contact.phone)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "contact-search":
            self.find(event.value)

    def show_matches(self, text: str, contacts: list[ContactView]) -> None:
        if text != self.query_one("#contact-search", Input).value:
            return  # an earlier search, slower than the one after it
        self.matches = contacts
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        options.add_options([Text(clean_line(f"{c.signed} {c.phone}"))
                             for c in contacts])
        options.set_class(bool(contacts), "-shown")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = self.matches[event.option_index]
        self.picked = (chosen.id, clean_line(chosen.email), clean_line(chosen.phone))
        for field, value in (("name", chosen.name), ("email", chosen.email),
                             ("phone", chosen.phone)):
            self.query_one(f"#{field}", Input).value = clean_line(value)
        self.query_one("#title", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "create":
            self.dismiss(None)
            return
        value = {k: self.query_one(f"#{k}", Input).value.strip()
                 for k in ("name", "email", "phone", "title")}
        text = self.query_one("#text", TextArea).text.strip()
        if not value["title"] or not (value["name"] or value["email"] or value["phone"]):
            self.notify(tr("Ett ärende behöver en titel och en kontakt."), severity="warning",
                        markup=False)
            return
        picked = self.picked
        known = picked is not None and picked[1:] == (
            value["email"], value["phone"])  # picked, and not changed since
        self.dismiss(NewCase(str(self.query_one("#channel", Select).value),
                             ContactInput(name=value["name"], email=value["email"],
                                          phone=value["phone"],
                                          id=picked[0] if known and picked else None),
                             value["title"], text, self.query_one("#ours", Tick).value))
