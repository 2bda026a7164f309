"""A case's audit trail, for a supervisor (`H`): who changed what in it and when,
newest first, as the audit log has it (store/audit_log.py)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from store.audit_log import AuditView, changed
from tui.sanitize import clean_line
from tui.words import tr, translate_bindings


def trail(events: list[AuditView]) -> Text:
    """One line an event, its time where the agent is; the values as written, shown
    as the terminal may show them (tui/sanitize.py), never as markup."""
    text = Text()
    for i, e in enumerate(events):
        text.append(f"{e.at.astimezone():%Y-%m-%d %H:%M}  ", style="dim")
        text.append(f"{clean_line(e.actor)}  ", style="bold")
        text.append(f"{e.action}  ")
        text.append(clean_line(changed(e.before, e.after)) + ("\n" if i < len(events) - 1
                                                              else ""))
    return text


class AuditTrailModal(ModalScreen[None]):
    """The audit trail of case `number`, newest first; escape closes it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Stäng", id="audit.close")]
    CSS_PATH = "audit_trail.tcss"

    def __init__(self, number: int, events: list[AuditView]) -> None:
        super().__init__()
        translate_bindings(self)
        self.number = number
        self.events = events

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(tr("#{number} · Händelselogg (nyast först)").format(
                number=self.number), style="bold"))
            with VerticalScroll():
                yield Static(trail(self.events) if self.events
                             else Text(tr("Inga händelser."), style="dim"), id="audit-lines")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
