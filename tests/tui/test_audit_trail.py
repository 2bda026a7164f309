"""A case's audit trail in the TUI (`H`, a supervisor's): who changed what and when,
newest first, the values as written (never markup); an agent is not offered the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from tuikit import app_for, open_beside, press, settle

from store.db import Database
from store.service import CaseService
from tui.screens import AuditTrailModal, QuickRepliesModal

pytestmark = pytest.mark.sqlite_only


async def test_h_shows_the_cases_audit_trail_to_a_supervisor(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    number = service.list_cases()[0].number
    service.rename(number, "[red]Ny rubrik[/red]")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_beside(app, pilot, number)
        await press(app, pilot, "H")
        modal = app.screen
        assert isinstance(modal, AuditTrailModal)
        assert modal.number == number
        assert modal.events[0].action == "case.title"
        text = str(modal.query_one("#audit-lines", Static).render())
        first = text.splitlines()[0]
        assert "supervisor" in first
        assert first.endswith("title: " + service.audit_events(case=number)[0].before["title"]
                              + " → [red]Ny rubrik[/red]")  # as written
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, AuditTrailModal)


async def test_an_agent_is_offered_neither_the_audit_trail_nor_the_quick_replies(
        demo: Path) -> None:
    bo = next(a for a in CaseService(Database(demo), "supervisor").list_agents()
              if a.login == "bo")
    assert not bo.is_supervisor
    app = app_for(demo, "bo")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        for key in ("H", "5"):
            await press(app, pilot, key)
            assert not isinstance(app.screen, AuditTrailModal | QuickRepliesModal), key
