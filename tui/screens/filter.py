"""The filter ("the eye", README.md): which cases the list shows, and the filters at a
glance for the bar above the list."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select

from store.queries import CaseFilter
from tui.words import priorities, statuses, tr, translate_bindings

ACTIVE, EVERY = "__active__", "__every__"


class FilterModal(ModalScreen[CaseFilter | None]):
    """Which cases the list shows: status, channel, assignee, watched, priority."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Avbryt", id="filter.cancel")]
    CSS_PATH = "filter.tcss"

    def __init__(self, current: CaseFilter, channels: list[str], logins: list[str]) -> None:
        super().__init__()
        translate_bindings(self)
        self.current = current
        self.channels = channels
        self.logins = logins

    def compose(self) -> ComposeResult:
        f = self.current
        status = (f.statuses[0] if len(f.statuses) == 1 else
                  EVERY if f.include_ended else ACTIVE)
        with Grid():
            yield Label(tr("Status"))
            yield Select([(tr("Alla pågående"), ACTIVE), (tr("Alla, även stängda"), EVERY)]
                         + [(name, key) for key, name in statuses().items()],
                         value=status, allow_blank=False, id="status")
            yield Label(tr("Kanal"))
            yield Select([(c, c) for c in self.channels], prompt=tr("Alla kanaler"),
                         value=f.channel or Select.NULL, id="channel")
            yield Label(tr("Tilldelad"))
            yield Select([(tr("Mig"), "me"), (tr("Ingen"), "none")]
                         + [(x, x) for x in self.logins],
                         prompt=tr("Alla"), value=f.assignee or Select.NULL, id="assignee")
            yield Label(tr("Prioritet"))
            yield Select([(name, key) for key, name in priorities().items()], prompt=tr("Alla"),
                         value=f.priority or Select.NULL, id="priority")
            yield Label(tr("Bevakade"))
            yield Checkbox(tr("Bara ärenden jag bevakar"), f.watched, id="watched")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Visa"), variant="primary", id="apply")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return

        def chosen(name: str) -> str | None:
            value = self.query_one(f"#{name}", Select).value
            return value if isinstance(value, str) else None

        status = chosen("status") or ACTIVE
        self.dismiss(replace(
            self.current,
            statuses=() if status in (ACTIVE, EVERY) else (status,),
            include_ended=status == EVERY,
            channel=chosen("channel"), assignee=chosen("assignee"),
            priority=chosen("priority"), watched=self.query_one("#watched", Checkbox).value,
        ))


def describe(f: CaseFilter) -> str:
    """The active filters at a glance ("" when the list shows the default view)."""
    parts = []
    if f.statuses:
        names = statuses()
        parts.append(tr("Status {statuses}").format(
            statuses=", ".join(names.get(s, s) for s in f.statuses)))
    elif f.include_ended:
        parts.append(tr("Alla statusar"))
    if f.channel:
        parts.append(tr("Kanal {channel}").format(channel=f.channel))
    if f.assignee == "me":
        parts.append(tr("Tilldelad mig"))
    elif f.assignee == "none":
        parts.append(tr("Tilldelad ingen"))
    elif f.assignee:
        parts.append(tr("Tilldelad {login}").format(login=f.assignee))
    if f.priority:
        parts.append(tr("Prioritet {priority}").format(
            priority=priorities().get(f.priority, f.priority)))
    if f.watched:
        parts.append(tr("Bevakade"))
    if f.search:
        parts.append(tr("Sök “{search}”").format(search=f.search))
    return " · ".join(parts)
