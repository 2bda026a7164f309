"""The filter ("the eye", README.md): which cases the list shows, and the filters at a
glance for the bar above the list."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select

from store.queries import ACTIVE, CaseFilter, channels_of
from tui.sanitize import clean_line
from tui.widgets.tick import Tick
from tui.words import marks, priorities, statuses, tr, translate_bindings


class FilterModal(ModalScreen[CaseFilter | None]):
    """Which cases the list shows: statuses and channels (any number of each: none
    ticked is the default), assignee, priority, watched."""

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
        names = statuses()
        # Every status ticked is "every status, closed ones too" (read-all's default).
        ticked = set(f.statuses) if f.statuses else set(names) if f.include_ended else set()
        chosen = {c.casefold() for c in channels_of(f)}
        with VerticalScroll():
            yield Label(tr("Status — ingen vald: alla utom stängda och arkiverade"),
                        classes="heading")
            with Grid(classes="statuses"):
                for key, name in names.items():
                    yield Tick(name, key in ticked, id=f"status-{key}")
            yield Label(tr("Kanal — ingen vald: alla kanaler"), classes="heading")
            with Grid(classes="channels"):
                for i, channel in enumerate(self.channels):
                    yield Tick(Text(clean_line(channel)), channel.casefold() in chosen,
                               id=f"channel-{i}")
            with Grid(classes="choices"):
                yield Label(tr("Tilldelad"))
                yield Select([(tr("Mig"), "me"), (tr("Ingen"), "none")]
                             + [(x, x) for x in self.logins],
                             prompt=tr("Alla"), value=f.assignee or Select.NULL, id="assignee")
                yield Label(tr("Prioritet"))
                yield Select([(name, key) for key, name in priorities().items()],
                             prompt=tr("Alla"), value=f.priority or Select.NULL, id="priority")
                yield Label(tr("Flagga"))
                yield Select([(name, key) for key, name in marks().items()],
                             prompt=tr("Alla"), value=f.flag or Select.NULL, id="flag")
            yield Tick(tr("Bara ärenden jag bevakar"), f.watched, id="watched")
            with Horizontal():
                yield Button(tr("Avbryt"), id="cancel")
                yield Button(tr("Visa"), variant="primary", id="apply")

    def on_mount(self) -> None:
        # The first box has the focus: space ticks it at once, Tab goes on.
        self.query_one(f"#status-{next(iter(statuses()))}", Tick).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return

        def chosen(name: str) -> str | None:
            value = self.query_one(f"#{name}", Select).value
            return value if isinstance(value, str) else None

        def ticked(name: str) -> bool:
            return self.query_one(f"#{name}", Tick).value

        picked = tuple(key for key in statuses() if ticked(f"status-{key}"))
        every = len(picked) == len(statuses())
        channels = tuple(c for i, c in enumerate(self.channels) if ticked(f"channel-{i}"))
        self.dismiss(replace(
            self.current,
            # None ticked, or just the ongoing ones: the default, said as such.
            statuses=() if every or set(picked) in (set(), set(ACTIVE)) else picked,
            include_ended=every,
            # Every channel is no filter: the list shows them all anyway.
            channel=None, channels=() if len(channels) == len(self.channels) else channels,
            assignee=chosen("assignee"), priority=chosen("priority"), flag=chosen("flag"),
            watched=ticked("watched"),
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
    if channels_of(f):
        parts.append(tr("Kanal {channel}").format(channel=", ".join(channels_of(f))))
    if f.assignee == "me":
        parts.append(tr("Tilldelad mig"))
    elif f.assignee == "none":
        parts.append(tr("Tilldelad ingen"))
    elif f.assignee:
        parts.append(tr("Tilldelad {login}").format(login=f.assignee))
    if f.priority:
        parts.append(tr("Prioritet {priority}").format(
            priority=priorities().get(f.priority, f.priority)))
    if f.flag:
        parts.append(marks().get(f.flag, f.flag).capitalize())
    if f.watched:
        parts.append(tr("Bevakade"))
    if f.search:
        parts.append(tr("Sök “{search}”").format(search=f.search))
    return " · ".join(parts)
