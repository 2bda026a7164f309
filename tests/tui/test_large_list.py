"""The overview on 200,000 cases loads windows, never the list: it opens, pages and
jumps to the end while the store hands out a few hundred rows."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from tuikit import NOW, settle

from store.db import Database
from store.demo import build_demo
from store.queries import CaseFilter
from store.service import CaseService
from store.views import CaseRow
from tui.app import CasedeskApp
from tui.caselist import KEEP, WINDOW
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only

CASES = 200_000


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo (agents, channels, contacts) plus 200,000 bare open cases, written
    straight into the table: the demo's conversations would take minutes."""
    path = tmp_path_factory.mktemp("large") / "large.db"
    db = Database(path)
    db.upgrade()
    build_demo(db, cases=20, login="supervisor", now=NOW)
    db.dispose()
    start = NOW - timedelta(days=400)
    with sqlite3.connect(path) as conn:
        channels = [c for (c,) in conn.execute("SELECT id FROM channel")]
        contacts = [c for (c,) in conn.execute("SELECT id FROM contact")]
        # The indexes built once after the rows, not kept row by row (3× quicker).
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                               "AND tbl_name = 'cases' AND sql IS NOT NULL").fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.executemany(
            "INSERT INTO cases (title, channel_id, contact_id, status, priority, labels, "
            "version, created_at, updated_at) VALUES (?, ?, ?, 'open', 'medium', '', 1, ?, ?)",
            ((f"Ärende {i}", channels[i % len(channels)], contacts[i % len(contacts)],
              when, when) for i in range(CASES)
             for when in [(start + timedelta(minutes=2 * i)).strftime("%Y-%m-%d %H:%M:%S.%f")]))
        for _, sql in indexes:
            conn.execute(sql)
    return path


class CountingService(CaseService):
    """The store as the app uses it, counting the case rows it hands out."""

    returned = 0
    seeks = 0  # windows read by OFFSET

    def list_cases(self, *args, **kwargs) -> list[CaseRow]:  # type: ignore[no-untyped-def]
        rows = super().list_cases(*args, **kwargs)
        self.returned += len(rows)
        self.seeks += bool(kwargs.get("skip"))
        return rows


async def test_the_overview_pages_200000_cases_a_window_at_a_time(large: Path) -> None:
    service = CountingService(Database(large), "supervisor")
    total = service.count_cases(CaseFilter())
    assert total > CASES
    oldest = service.list_cases(CaseFilter(limit=1), from_end=True)[0]
    service.returned = 0
    app = CasedeskApp(lambda: service, poll_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.window.total == total
        assert service.returned <= WINDOW  # opened: the first window
        await pilot.press("pagedown", "pagedown", "pagedown")
        await settle(app, pilot)
        assert table.current is not None
        assert table.cursor > 50
        await pilot.press("end")
        await settle(app, pilot)
        assert table.cursor == total - 1
        assert table.current == oldest
        assert table.render_line(table.size.height - 1).text.startswith(f"#{oldest.number}")
        # The top, a page or two, and the end: a few windows, not the list.
        assert service.returned <= 4 * WINDOW
        assert len(table.window.rows) <= 4 * WINDOW


async def test_a_scrollbar_dragged_deep_seeks_instead_of_walking(large: Path) -> None:
    service = CountingService(Database(large), "supervisor")
    everything = service.count_cases(CaseFilter())
    app = CasedeskApp(lambda: service, poll_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        service.returned = 0
        middle = everything // 2
        table.scroll_to(y=middle, animate=False)  # what a drag of the scrollbar does
        await settle(app, pilot)
        top = table.window.get(middle)
        assert top is not None
        expected = service.list_cases(CaseFilter(limit=1), skip=middle)[0]
        assert top == expected
        assert table.render_line(1).text.startswith(f"#{expected.number}")
        assert service.returned <= 2 * WINDOW + 1  # a seek, not 500 windows


async def test_paging_far_down_and_back_holds_rows_near_the_screen_only(large: Path) -> None:
    service = CountingService(Database(large), "supervisor")
    app = CasedeskApp(lambda: service, poll_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        bound = table.size.height + 2 * KEEP + WINDOW
        first_page = [table.window.get(i) for i in range(30)]
        held = []
        for _ in range(7):  # 70 pages: some 2,500 cases, over twice the bound
            await pilot.press(*["pagedown"] * 10)
            await settle(app, pilot)
            held.append(table.window.held)
            assert table.current is not None
        assert table.cursor > 2 * bound
        assert max(held) <= bound, held
        assert table.window.get(0) is None  # the top was dropped on the way down
        service.returned = 0
        await pilot.press("home")
        await settle(app, pilot)
        # Read again from the top, by key: the same cases where they were.
        assert [table.window.get(i) for i in range(30)] == first_page
        assert 0 < service.returned <= WINDOW
        await pilot.press(*["pagedown"] * 10)
        await settle(app, pilot)
        assert table.window.held <= bound
        assert service.seeks == 0  # every window after or before a row held


async def test_a_reload_while_the_cursor_waits_for_its_row_keeps_the_place(
        large: Path) -> None:
    service = CountingService(Database(large), "supervisor")
    app = CasedeskApp(lambda: service, poll_seconds=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press(*["pagedown"] * 8)
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        cursor, expected = table.cursor, table.current
        assert expected is not None
        # Paged faster than the rows load: the cursor's row and those after it are not
        # here yet when another process's change reloads the list.
        for index in [i for i in table.window.rows if i >= cursor - 3]:
            del table.window.rows[index]
        app.lists.reload(keep=app.lists.keep_point())
        await settle(app, pilot)
        assert table.cursor == cursor  # not back at the top
        assert table.current == expected
