"""Another process's change is on screen after one look of the store's change watch
(store/watch.py), which the TUI takes every 50 ms: triggered here, then asserted."""

from __future__ import annotations

from pathlib import Path

from tuikit import app_for, settle

from store.db import Database
from store.service import CaseService, ContactInput
from store.watch import ChangeWatch
from tui.widgets.case_table import CaseTable


async def test_a_change_elsewhere_is_on_screen_after_one_look(demo: Path) -> None:
    other = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.check_changes()  # the first look at the change feed
        await settle(app, pilot)
        watch = ChangeWatch(app.service.db)
        try:
            assert not app.watch_once(watch)  # nothing happened: nothing read
            new = other.create_case(channel="Support", title="Nytt ärende",
                                    contact=ContactInput(name="Ny Kund", email="ny@example.se"))
            assert app.watch_once(watch)
            await settle(app, pilot)
            assert app.query_one(CaseTable).window.index_of(new) is not None
            assert not app.watch_once(watch)
        finally:
            watch.close()
