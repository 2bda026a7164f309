"""Grouping and sorting the overview: headings with counts that fold, every column
a sort key, and a grouped list that follows other processes' changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tuikit import app_for, choose, press, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService, ContactInput, MessageInput
from tui.caselist import GroupedWindow, Header
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only


def lines(table: CaseTable, count: int) -> list[object]:
    return [table.window.get(i) for i in range(count)]


async def sort_by(app, pilot, service: CaseService, label: str,  # type: ignore[no-untyped-def]
                  sort: str, ascending: bool = False) -> list[object]:
    """Sort by the column `label` (o), check that the list's first 30 lines are the
    store's first 30 in that order, and return them."""
    await choose(app, pilot, "o", label)
    shown = lines(app.query_one(CaseTable), 30)
    expected = service.list_cases(CaseFilter(limit=30, sort=sort, ascending=ascending))
    assert [r.number for r in shown] == [r.number for r in expected]  # type: ignore[attr-defined]
    return shown


async def test_grouping_by_status_shows_headings_with_counts_that_fold(demo_path: Path) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    groups = service.group_counts(CaseFilter(), "status")
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await choose(app, pilot, "g", "Status")
        table = app.query_one(CaseTable)
        window = table.window
        assert isinstance(window, GroupedWindow)
        assert window.total == len(groups) + sum(g.count for g in groups)  # all open
        first = window.get(0)
        assert isinstance(first, Header)
        assert (first.group.key, first.group.count) == (groups[0].key, groups[0].count)
        assert "Nytt (" in table.render_line(1).text
        assert {r.status for r in lines(table, groups[0].count + 1)[1:]} == {groups[0].key}
        second = window.get(groups[0].count + 1)
        assert isinstance(second, Header)
        assert second.group.key == groups[1].key
        assert "Grupperat efter status" in str(app.query_one("#filters").render())
        await press(app, pilot, "enter")  # the cursor is on the first heading: fold it
        assert isinstance(window.get(1), Header)
        assert window.get(1).group.key == groups[1].key
        assert "▸ Nytt" in table.render_line(1).text
        await press(app, pilot, "right")
        assert window.get(1).status == groups[0].key  # type: ignore[union-attr]
        await press(app, pilot, "down", "down", "left")  # fold from inside the group
        assert table.cursor == 0
        assert window.total == len(groups) + sum(g.count for g in groups[1:])
        await choose(app, pilot, "g", "Ingen")
        assert not isinstance(table.window, GroupedWindow)


async def test_grouping_by_contact_windows_the_groups_all_folded(demo_path: Path) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    f = CaseFilter(include_ended=True)
    groups = service.group_counts(f, "contact")
    assert len(groups) > 200, "more groups than one window holds"
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.lists.filters = CaseFilter(limit=200, include_ended=True)
        await choose(app, pilot, "g", "Kontakt")
        table = app.query_one(CaseTable)
        window = table.window
        assert isinstance(window, GroupedWindow)
        assert window.total == len(groups)  # every group folded
        assert len(window.groups.rows) == 200  # one window of groups loaded
        await press(app, pilot, "end")
        last = window.get(table.cursor)
        assert isinstance(last, Header)
        assert last.group == groups[-1]
        assert len(window.groups.rows) <= 400  # the end's window, not everything between
        await press(app, pilot, "enter")
        cases = service.list_cases(CaseFilter(include_ended=True, limit=1000,
                                              contact_id=int(groups[-1].key)))  # type: ignore[arg-type]
        shown = [window.get(table.cursor + 1 + i) for i in range(len(cases))]
        assert [r.number for r in shown] == [r.number for r in cases]  # type: ignore[union-attr]


def test_a_list_grouped_by_contact_reloads_around_a_group_far_down(demo_path: Path) -> None:
    from tui.list_loading import Keep, grouped

    service = CaseService(Database(demo_path), "supervisor")
    f = CaseFilter(include_ended=True)
    groups = service.group_counts(f, "contact")
    target = groups[700]  # beyond the first window of groups, by name
    window, cursor = grouped(service, 1, f, "contact", Keep(None, target, frozenset()))
    assert window.group_at(cursor) == target
    assert window.groups.get(700) == target  # in its place among the groups
    assert service.group_counts(f, "contact", limit=3, at=target.key) == groups[700:703]


async def test_every_column_sorts_and_the_same_column_again_turns_the_order(
        demo_path: Path) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        await sort_by(app, pilot, service, "Titel", sort="title", ascending=True)
        assert "Titel ▲" in table.render_line(0).text
        await sort_by(app, pilot, service, "Titel", sort="title")
        assert "Titel ▼" in table.render_line(0).text
        await press(app, pilot, "end")
        last = service.list_cases(CaseFilter(limit=1, sort="title"), from_end=True)
        assert table.current == last[0]
        await choose(app, pilot, "o", "Prioritet")
        priorities = [r.priority for r in lines(table, 200)]  # type: ignore[union-attr]
        assert priorities[0] == "high"
        assert priorities == sorted(priorities, key=["high", "medium", "low"].index)


async def test_sorting_by_sla_puts_the_most_urgent_first(demo_path: Path) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        shown = await sort_by(app, pilot, service, "SLA", sort="sla", ascending=True)
        dues = [r.sla_due for r in shown]  # type: ignore[union-attr]
        assert None not in dues
        assert dues == sorted(dues)
        assert "Sorterat efter SLA ▲" in app.query_one("#filters").render().plain  # type: ignore[attr-defined]


async def test_a_grouped_list_follows_another_process_and_keeps_the_cursor(demo: Path) -> None:
    other = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await choose(app, pilot, "g", "Kanal")
        table = app.query_one(CaseTable)
        await press(app, pilot, "down", "down", "down")
        before = table.current
        assert before is not None
        heading = table.window.get(0)
        assert isinstance(heading, Header)
        app.check_changes()  # the first look at the change feed
        await settle(app, pilot)
        top = other.list_cases(CaseFilter(channel=heading.group.label, limit=1))[0]
        other.add_message(top.number, MessageInput("En fråga till"))  # moves up
        new = other.create_case(channel=heading.group.label, title="Nytt ärende",
                                contact=ContactInput(name="Ny Kund", email="ny@example.se"))
        app.check_changes()
        await settle(app, pilot)
        assert table.current is not None
        assert table.current.number == before.number
        first = table.window.get(0)
        assert isinstance(first, Header)
        assert first.group.count == heading.group.count + 1
        assert table.window.index_of(new) is not None


async def test_x_clears_the_filters_and_the_bar_says_the_grouping_stays(demo_path: Path) -> None:
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        bar = app.query_one("#filters")
        await choose(app, pilot, "g", "Status")
        assert bar.render().plain == "Grupperat efter status"  # type: ignore[attr-defined]
        await choose(app, pilot, "o", "Titel")
        await press(app, pilot, "slash", *"faktura", "enter")
        # Searching: the hits come newest first, and the heading says so, not "Titel".
        text = bar.render().plain  # type: ignore[attr-defined]
        assert text == "Sök “faktura”   (x rensar) · Grupperat efter status"
        assert "Sorterat" not in text
        assert "Nr ▼" in app.query_one(CaseTable).render_line(0).text
        await press(app, pilot, "escape", "x")
        assert bar.render().plain == "Grupperat efter status · Sorterat efter titel ▲"  # type: ignore[attr-defined]


async def test_grouping_by_labels_and_the_labels_column(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    service.set_labels(service.list_cases(CaseFilter(limit=1))[0].number, [])
    groups = service.group_counts(CaseFilter(), "labels")
    assert len(groups) > 3  # the demo's cases carry labels, some two
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert "labels" not in table.columns  # only when chosen
        await choose(app, pilot, "g", "Etiketter")
        window = table.window
        assert isinstance(window, GroupedWindow)
        assert window.total == len(groups) + sum(g.count for g in groups)
        assert "▾ Inga etiketter (1)" in table.render_line(1).text
        second = window.get(groups[0].count + 1)
        assert isinstance(second, Header)
        assert second.group.key == groups[1].key
        # Its cases are those of exactly that set of labels.
        first_case = window.get(groups[0].count + 2)
        assert ", ".join(first_case.labels) == groups[1].label  # type: ignore[union-attr]
        from textual.widgets import Button, Checkbox

        await pilot.press("c")
        await settle(app, pilot)
        app.screen.query_one("#col-labels", Checkbox).value = True
        app.screen.query_one("#save", Button).press()
        await settle(app, pilot)
        assert "labels" in table.columns
        assert "Etiketter" in table.render_line(0).text
