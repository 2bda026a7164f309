"""Triage's flags in the TUI (store/triage): a sign in the list's Flagg column, the
flags and the words that set them in the case's facts, a sort and a filter on them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tuikit import SCREENS, app_for, choose, press, said, screen_text, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService
from tui.widgets.case_detail import CaseDetail, render_facts
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_flags_show_sort_and_filter(demo_path: Path, size: tuple[int, int],
                                          language: str) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    urgent = service.list_cases(CaseFilter(flag="urgent", limit=10_000))
    assert urgent, "the demo has urgent cases"
    app = app_for(demo_path, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        # Sorted on the flags: urgent (and frustrated) cases first, their sign shown.
        await choose(app, pilot, "o", said("Flaggor"))
        table = app.query_one(CaseTable)
        first = table.window.get(0)
        assert first is not None
        assert "urgent" in first.flags
        if size[0] >= 160:  # the column fits beside the others on a large terminal
            heading = next(line for line in screen_text(app).splitlines() if "No." in line)
            assert "Flag" in heading  # (sorted on it: "Flag…", its arrow cut)
            assert "⚑" in screen_text(app)
        # The case's facts name each flag and the words that set it.
        await press(app, pilot, "enter")
        view = app.query_one(CaseDetail).shown
        assert view is not None
        assert view.number == first.number
        words = view.flagged_by["urgent"]
        facts = render_facts(view).plain
        assert f"{said('brådskande')} ({words})" in facts
        # The filter on one flag lists what the store lists.
        app.lists.filters = replace(app.lists.filters, flag="frustrated", sort="updated")
        app.lists.reload()
        await settle(app, pilot)
        frustrated = service.list_cases(CaseFilter(flag="frustrated", limit=10_000))
        assert table.window.total == len(frustrated)
        assert said("frustrerad").capitalize() in screen_text(app)  # the filter bar says it
