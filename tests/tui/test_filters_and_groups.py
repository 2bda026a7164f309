"""The filter modal's other fields (assigned to me or nobody, watched, a priority),
grouping by assignment with headings that fold, assigning a case to a colleague, and
End on a long list by keyset — each compared with what the store says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from textual.widgets import Button, Checkbox, Select, Static
from tuikit import app_for, pick, settle

from store.db import Database
from store.queries import ACTIVE, CaseFilter
from store.service import CaseService
from tui.app import CasedeskApp
from tui.caselist import WINDOW, GroupedWindow, Header
from tui.screens import FilterModal
from tui.widgets.case_detail import CaseDetail, CaseFacts
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only

SIZE = (160, 45)


def shown_in(app: CasedeskApp, widget: Any) -> list[str]:
    """The lines the screen shows in `widget`'s content region (what the agent sees,
    from the compositor, not what the widget would render if asked)."""
    strips = app.screen._compositor.render_strips()
    region = widget.content_region
    return [strips[y].crop(region.x, region.right).text
            for y in range(region.y, region.bottom)]


def loaded(table: CaseTable, count: int) -> list[Any]:
    return [table.window.get(i) for i in range(count)]


@contextmanager
def statements(app: CasedeskApp) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the app's engine runs meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    engine = app.service.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def offsets(sql: list[tuple[str, Any]]) -> list[Any]:
    """The OFFSET of each statement that skips rows. SQLAlchemy's SQLite dialect writes
    `LIMIT ? OFFSET ?` with an OFFSET of 0 after every LIMIT (its `limit_clause`), so the
    word alone says nothing: what counts is an OFFSET other than 0."""
    found = []
    for statement, parameters in sql:
        if " OFFSET " in statement.upper():
            assert statement.rstrip().upper().endswith("OFFSET ?"), statement
            if parameters[-1] != 0:
                found.append(parameters[-1])
    return found


# (the modal's field, the value set there, the same filter for the store, the filter bar)
FILTERS = [
    ("assignee", "me", CaseFilter(assignee="me"), "Tilldelad mig"),
    ("assignee", "none", CaseFilter(assignee="none"), "Tilldelad ingen"),
    ("watched", True, CaseFilter(watched=True), "Bevakade"),
    # More medium cases than one window: the list is counted after its first rows.
    ("priority", "medium", CaseFilter(priority="medium"), "Prioritet Medel"),
]


async def test_each_filter_narrows_to_what_the_store_selects_and_x_clears_it(
    demo_path: Path,
) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    everything = service.count_cases(CaseFilter())
    app = app_for(demo_path)  # one app for the four: each filter is cleared with x
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        bar = app.query_one("#filters", Static)
        assert table.window.total == everything
        assert not bar.has_class("-shown")
        for field, value, same, bar_text in FILTERS:
            same = replace(same, limit=WINDOW)  # as the app asks
            total = service.count_cases(same)
            expected = service.list_cases(same)
            assert 0 < total < everything, same  # the filter narrows the demo's list
            await pilot.press("f")
            await settle(app, pilot)
            modal = app.screen
            assert isinstance(modal, FilterModal)
            if field == "watched":
                modal.query_one("#watched", Checkbox).value = True
            else:
                modal.query_one(f"#{field}", Select).value = value
            modal.query_one("#apply", Button).press()
            await settle(app, pilot)
            assert app.lists.filters == same
            assert table.window.total == total, same
            assert table.current is not None
            assert table.current.number == expected[0].number, same
            assert table.render_line(1).text.startswith(f"#{expected[0].number} ")
            # Every loaded row is the store's, in the store's order.
            assert [r.number for r in loaded(table, len(expected))] == [
                r.number for r in expected], same
            assert bar.has_class("-shown")
            assert bar_text in str(bar.render())
            assert any(bar_text in line for line in shown_in(app, bar))  # on screen
            await pilot.press("x")
            await settle(app, pilot)
            assert app.lists.filters == CaseFilter(limit=WINDOW)
            assert table.window.total == everything
            assert not bar.has_class("-shown")


def ticked_text(tick: Checkbox) -> str:
    """The box and its label as characters, without their colours."""
    return tick.render().plain


@pytest.mark.parametrize(("language", "bar_text"), [
    ("sv", "Status Parkerat, Väntar · Kanal Support, Telefon"),
    ("en", "Status Parked, Waiting · Channel Support, Telefon"),
])
async def test_the_eye_takes_several_statuses_and_channels_at_once(
        demo_path: Path, language: str, bar_text: str) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    same = CaseFilter(statuses=("parked", "waiting"), channels=("Support", "Telefon"),
                      limit=WINDOW)
    expected = service.list_cases(same)
    total = service.count_cases(same)
    # More than either status or channel alone: the filter is "any of", twice.
    assert total > max(service.count_cases(replace(same, statuses=(s,))) for s in same.statuses)
    assert total > max(service.count_cases(replace(same, channels=(c,))) for c in same.channels)
    app = app_for(demo_path, language=language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, FilterModal)
        boxes = {b.id: b for b in modal.query(Checkbox)}
        # Readable without colour: a ticked box holds an X, an unticked one does not.
        waiting = boxes["status-waiting"]
        assert "X" not in ticked_text(waiting)
        await pilot.click(waiting)
        await settle(app, pilot)
        assert waiting.value is True
        assert ticked_text(waiting).startswith("▐X▌")
        boxes["status-parked"].value = True
        for channel in same.channels:
            boxes[f"channel-{modal.channels.index(channel)}"].value = True
        modal.query_one("#apply", Button).press()
        await settle(app, pilot)
        assert app.lists.filters == same
        table = app.query_one(CaseTable)
        assert table.window.total == total
        assert [r.number for r in loaded(table, len(expected))] == [r.number for r in expected]
        assert {r.status for r in expected} == {"parked", "waiting"}
        assert {r.channel for r in expected} == {"Support", "Telefon"}
        bar = app.query_one("#filters", Static)
        assert any(bar_text in line for line in shown_in(app, bar))
        # Opened again, the eye shows what it filters by.
        await pilot.press("f")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, FilterModal)
        on = {b.id for b in modal.query(Checkbox) if b.value}
        assert on == {"status-parked", "status-waiting"} | {
            f"channel-{modal.channels.index(c)}" for c in same.channels}
        assert all(ticked_text(b).startswith("▐X▌") for b in modal.query(Checkbox) if b.value)
        assert all(ticked_text(b).startswith("▐ ▌") for b in modal.query(Checkbox)
                   if not b.value)
        # Every status ticked is every status, closed ones too; every channel, no filter.
        for box in modal.query(Checkbox):
            box.value = box.id != "watched"
        modal.query_one("#apply", Button).press()
        await settle(app, pilot)
        assert app.lists.filters == CaseFilter(include_ended=True, limit=WINDOW)
        assert table.window.total == service.count_cases(CaseFilter(include_ended=True))
        # The ongoing ones ticked (or none): the default list, no filter to speak of.
        await pilot.press("f")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, FilterModal)
        for box in modal.query(Checkbox):
            box.value = box.id in {f"status-{s}" for s in ACTIVE}
        modal.query_one("#apply", Button).press()
        await settle(app, pilot)
        assert app.lists.filters == CaseFilter(limit=WINDOW)
        assert not bar.has_class("-shown")


async def test_grouping_by_assignment_counts_like_the_store_and_a_heading_folds(
    demo_path: Path,
) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    groups = service.group_counts(CaseFilter(), "assignee")
    assert groups[0].key is None  # the unassigned first
    assert len(groups) > 3
    app = app_for(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        await pick(app, pilot, "Tilldelning")
        table = app.query_one(CaseTable)
        window = table.window
        assert isinstance(window, GroupedWindow)
        assert window.by == "assignee"
        assert window.total == len(groups) + sum(g.count for g in groups)  # all open
        line, headings = 0, []
        for group in groups:
            heading = window.get(line)
            assert isinstance(heading, Header)
            assert heading.open
            headings.append((heading.group.key, heading.group.label, heading.group.count))
            line += 1 + group.count
        assert headings == [(g.key, g.label, g.count) for g in groups]
        shown = shown_in(app, table)
        assert shown[1].startswith(f"▾ Ingen tilldelad ({groups[0].count})")
        assert "Grupperat efter tilldelning" in str(app.query_one("#filters").render())
        # The unassigned group's rows (the first screenful is loaded with it).
        first = [r for r in loaded(table, groups[0].count + 1)[1:] if r is not None]
        assert first
        assert {r.assignee for r in first} == {None}
        # Fold the unassigned (the cursor starts on its heading), then the colleague's
        # right below: Enter on each heading.
        colleague = groups[1]
        hidden = (service.list_cases(CaseFilter(assignee="none", limit=WINDOW))
                  + service.list_cases(CaseFilter(assignee=str(colleague.label),
                                                  limit=WINDOW)))
        assert len(hidden) == groups[0].count + colleague.count
        assert table.cursor == 0
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("down")
        await settle(app, pilot)
        heading = window.get(table.cursor)
        assert isinstance(heading, Header)
        assert heading.group == colleague
        assert heading.open
        await pilot.press("enter")
        await settle(app, pilot)
        assert window.total == len(groups) + sum(g.count for g in groups[2:])
        top = loaded(table, 3)
        assert all(isinstance(h, Header) for h in top)  # three headings, no rows between
        assert [(h.group, h.open) for h in top] == [
            (groups[0], False), (colleague, False), (groups[2], True)]
        assert all(window.index_of(r.number) is None for r in hidden)
        shown = shown_in(app, table)
        assert shown[1].startswith(f"▸ Ingen tilldelad ({groups[0].count})")
        assert shown[2].startswith(f"▸ {colleague.label} ({colleague.count})")
        assert shown[3].startswith(f"▾ {groups[2].label} ({groups[2].count})")
        assert shown[4].startswith("#")
        numbers = {f"#{r.number} " for r in hidden}
        assert not any(line[:line.find(" ") + 1] in numbers for line in shown)
        await pilot.press("enter")  # Enter again opens it, its cases back below it
        await settle(app, pilot)
        assert window.total == len(groups) + sum(g.count for g in groups[2:]) + colleague.count
        row = window.get(2)
        assert row is not None
        assert row.number == hidden[groups[0].count].number
        assert row.assignee == colleague.label


async def test_assigning_to_a_named_colleague_reaches_the_store_and_the_detail(
    demo: Path,
) -> None:
    service = CaseService(Database(demo), "supervisor")
    bo = next(a for a in service.list_agents() if a.login == "bo")
    rows = service.list_cases(CaseFilter(limit=WINDOW))
    index = next(i for i, r in enumerate(rows) if r.channel in bo.channels
                 and r.assignee != "bo" and r.status == "open")
    number = rows[index].number
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*["down"] * index, "enter")
        await settle(app, pilot)
        detail = app.query_one(CaseDetail)
        assert detail.shown is not None
        assert detail.shown.number == number
        await pilot.press("A")
        await settle(app, pilot)
        await pick(app, pilot, "bo — ")
        view = service.get_case(number)
        assert view.assignee == "bo"
        assert view.messages[-1].kind == "event"
        assert view.messages[-1].text == "Assigned to bo"
        assert detail.shown.assignee == "bo"  # reloaded
        assert detail.shown.version == view.version
        shown = shown_in(app, app.query_one(CaseFacts))
        assert any(re.match(r"Tilldelad\s+bo$", line.strip()) for line in shown), shown
        table = app.query_one(CaseTable)
        at = table.window.index_of(number)
        assert at is not None
        assert table.window.get(at).assignee == "bo"  # the list follows


async def test_the_assignee_choice_offers_only_colleagues_who_may_see_the_case(
    demo_path: Path,
) -> None:
    from tui.screens import ChoiceModal

    # An agent's choice (a supervisor is offered anyone: test_team_at_once.py).
    service = CaseService(Database(demo_path), "bo")
    everyone = CaseService(Database(demo_path), "supervisor").list_agents()
    agents = [a for a in everyone if a.is_active and a.login != "system"]
    rows = service.list_cases(CaseFilter(limit=WINDOW))
    # A case some active colleague may not see (not a member of its channel).
    index = next(i for i, r in enumerate(rows[:10]) if any(
        not a.is_supervisor and r.channel not in a.channels for a in agents))
    readers = sorted(a.login for a in agents
                     if a.is_supervisor or rows[index].channel in a.channels)
    app = app_for(demo_path, "bo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*["down"] * index, "enter")
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        assert app.lists.shown.number == rows[index].number
        assert app.screen.choices[0][1] is None  # nobody, first
        offered = sorted(str(value) for _, value in app.screen.choices[1:])
        assert offered == readers


async def test_end_reaches_the_last_case_without_offset(demo_path: Path) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    last = service.list_cases(CaseFilter(limit=1), from_end=True)[0]
    total = service.count_cases(CaseFilter())
    app = app_for(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.window.total == total > WINDOW
        assert table.window.get(total - 1) is None  # not loaded yet
        with statements(app) as probe:  # the check sees a seek (a dragged scrollbar)
            app.service.list_cases(CaseFilter(limit=1), skip=300)
        assert offsets(probe) == [300]
        with statements(app) as sql:
            await pilot.press("end")
            await settle(app, pilot)
        assert any("LIMIT" in s for s, _ in sql), "End loaded the end of the list"
        assert offsets(sql) == []
        assert table.cursor == total - 1
        assert table.current == last
        shown = shown_in(app, table)
        rows = [line for line in shown if line.startswith("#")]
        assert rows[-1].startswith(f"#{last.number} ")
        # Every row on screen is loaded (no placeholders left).
        assert not any(line.startswith("…") for line in shown)


async def test_the_filter_opens_with_its_first_box_in_hand(demo_path: Path) -> None:
    from tui.screens.filter import FilterModal
    from tui.widgets.tick import Tick

    app = app_for(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FilterModal)
        focused = app.focused
        assert isinstance(focused, Tick)
        assert focused.id == "status-new"
        await pilot.press("space")  # the first space ticks it
        assert focused.value
