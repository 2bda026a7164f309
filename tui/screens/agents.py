"""The supervisor's agents view: each agent's cases by status and their workspace."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from store.views import AgentTally
from tui.sanitize import clean_line
from tui.words import N_, tr, translate_bindings


class AgentsModal(ModalScreen[str | None]):
    """The supervisor's agents view: each agent's assigned cases by status and their
    workspace; Enter follows one (their workspace as they see it)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Stäng", id="agents.close")]
    CSS_PATH = "agents.tcss"

    def __init__(self, tallies: list[AgentTally]) -> None:
        super().__init__()
        translate_bindings(self)
        self.tallies = tallies

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(tr("Agenter — Enter följer agentens arbetsyta"), style="bold"))
            table: DataTable[object] = DataTable(cursor_type="row", id="agents")
            table.add_columns(*(tr(c) for c in (
                N_("Login"), N_("Namn"), N_("Öppna"), N_("Eskalerade"), N_("Väntar"),
                N_("Parkerade"),
                N_("Arbetsyta"), N_("Olästa"), N_("Kanaler"))))
            yield table

    def on_mount(self) -> None:
        self.update(self.tallies)
        self.query_one(DataTable).focus()

    def update(self, tallies: list[AgentTally]) -> None:
        """The counts anew (another process changed something), the cursor kept."""
        self.tallies = tallies
        table: DataTable[object] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for t in tallies:
            # Text, never a plain string: names are the agents' own.
            table.add_row(Text(clean_line(t.login)), Text(clean_line(t.name)), t.open,
                          t.escalated, t.waiting, t.parked, t.workspace, t.unread,
                          Text(clean_line(", ".join(t.channels) or "–")), key=t.login)
        table.move_cursor(row=min(row, max(len(tallies) - 1, 0)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)
