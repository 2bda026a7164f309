"""The SLA column: the next due time of each case, marked when due soon (!) or
overdue (‼)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tuikit import NOW, app_for, settle

from scheduler.jobs import Scheduler
from scheduler.settings import LifecycleSettings
from store.db import Database
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only


async def test_overdue_cases_are_marked_in_the_list(demo: Path) -> None:
    report = Scheduler(Database(demo), LifecycleSettings(timezone="Europe/Stockholm")).tick(NOW)
    overdue = set(report.sla["first-breached"]) | set(report.sla["resolution-breached"])
    assert overdue, "the demo has overdue cases once the scheduler has looked"
    app = app_for(demo)
    async with app.run_test(size=(220, 40)) as pilot:  # wide: the SLA column shows
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert "SLA" in table.render_line(0).text
        shown = [(i, table.window.get(i)) for i in range(35)]
        overdue_shown = [(i, row) for i, row in shown if row is not None
                         and row.number in overdue]
        assert overdue_shown, "an overdue case on the first screen"
        index, row = overdue_shown[0]
        assert row.sla_state == "breached"
        assert "‼" in table.render_line(index + 1).text
        due_shown = [i for i, r in shown if r is not None and r.sla_due is not None
                     and not r.sla_state]
        if due_shown:  # due, neither soon nor overdue: a time without a mark
            assert "‼" not in table.render_line(due_shown[0] + 1).text


@pytest.mark.usefixtures("stockholm_time")
async def test_a_case_due_soon_is_marked_with_one_sign(demo: Path) -> None:
    from datetime import timedelta

    from store.service import CaseService, ContactInput, MessageInput

    db = Database(demo)
    # In at 12:30 on a Wednesday (Stockholm time): a first answer due at 16:30, due
    # soon from 15:42 — so at 16:00 (NOW) due soon, not yet overdue.
    came_in = CaseService(db, "supervisor", clock=lambda: NOW - timedelta(hours=3, minutes=30))
    number = came_in.create_case(channel=came_in.list_channels()[0].name, title="Kvittozebra",
                                 contact=ContactInput(name="Sara Snart", email="s@snart.se"),
                                 messages=[MessageInput("Var är mitt kvitto?")])
    report = Scheduler(db, LifecycleSettings(timezone="Europe/Stockholm")).tick(NOW)
    assert number in report.sla["first-soon"]
    assert number not in report.sla["first-breached"]
    app = app_for(demo)
    async with app.run_test(size=(220, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"Kvittozebra", "enter")
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.window.total == 1
        assert table.current.number == number
        line = table.render_line(1).text
        assert "! 4 mar 16:30" in line  # the day and the month by name: never 03-04
        assert "‼" not in line
