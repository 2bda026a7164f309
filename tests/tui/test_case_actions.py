"""Changing a case from its detail: status, assignment, priority, channel, watch,
workspace, and merging a related case after a question."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button
from tuikit import SCREENS, app_for, choose, pick, press, said, screen_text, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService, MessageInput
from tui.app import CasedeskApp
from tui.messages import Target
from tui.screens import ConfirmModal
from tui.widgets.case_detail import CaseDetail
from tui.widgets.case_table import CaseTable
from tui.words import priorities

pytestmark = pytest.mark.sqlite_only


async def open_case(app, pilot, index: int) -> int:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    await press(app, pilot, *["down"] * index, "enter")
    return app.query_one(CaseDetail).shown.number


@asynccontextmanager
async def an_open_case(path: Path) -> AsyncIterator[tuple[CasedeskApp, Pilot, CaseService, int]]:
    """The app, its pilot, the store and the number of the first case that is open,
    shown in the detail."""
    service = CaseService(Database(path), "supervisor")
    app = app_for(path)
    async with app.run_test(size=(160, 45)) as pilot:
        rows = service.list_cases(CaseFilter(limit=1000))
        index = next(i for i, r in enumerate(rows) if r.status == "open")
        yield app, pilot, service, await open_case(app, pilot, index)


async def test_status_assignment_priority_channel_watch_and_workspace(demo: Path) -> None:
    async with an_open_case(demo) as (app, pilot, service, number):
        await press(app, pilot, "s")
        offered = [value for _, value in app.screen.choices]
        assert offered == service.allowed_statuses(number)
        assert "closed" not in offered
        assert "archived" not in offered
        await pick(app, pilot, "Parkerat")
        assert service.get_case(number).status == "parked"
        await press(app, pilot, "a")  # in the list: asked first (taking opens a case)
        assert isinstance(app.screen, ConfirmModal)
        assert f"#{number}" in screen_text(app)
        app.screen.query_one("#yes", Button).press()
        await settle(app, pilot)
        assert service.get_case(number).assignee == "supervisor"
        await choose(app, pilot, "A", "Ingen")
        assert service.get_case(number).assignee is None
        await choose(app, pilot, "p", "Hög")
        assert service.get_case(number).priority == "high"
        await choose(app, pilot, "k", "Telefon")
        assert service.get_case(number).channel == "Telefon"
        await press(app, pilot, "w")
        assert "supervisor" in service.get_case(number).watchers
        await press(app, pilot, "w")
        assert "supervisor" not in service.get_case(number).watchers
        was = service.in_workspace(number)
        await press(app, pilot, "m")
        assert service.in_workspace(number) is not was
        detail = app.query_one(CaseDetail)
        assert detail.shown.channel == "Telefon"  # the detail follows
        workspace_line = next(line for line in screen_text(app).splitlines()
                              if "Arbetsyta" in line)
        assert ("supervisor" in workspace_line.partition("Arbetsyta")[2]) is not was


async def test_escape_in_a_choice_changes_nothing(demo: Path) -> None:
    async with an_open_case(demo) as (app, pilot, service, number):
        service.assign(number, "anna")
        before = service.get_case(number)
        await press(app, pilot, "A")
        await press(app, pilot, "escape")
        assert service.get_case(number) == before


async def test_merging_a_related_case_asks_first(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    rows = service.list_cases(CaseFilter(limit=1000))
    index = next(i for i, r in enumerate(rows) if service.related(r.number))
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_case(app, pilot, index)
        other = service.related(number)[0].number
        await choose(app, pilot, "l", f"#{other} ")
        assert isinstance(app.screen, ConfirmModal)
        app.screen.query_one("#no", Button).press()
        await settle(app, pilot)
        assert service.get_case(other).merged_into is None
        await choose(app, pilot, "l", f"#{other} ")
        app.screen.query_one("#yes", Button).press()
        await settle(app, pilot)
        assert service.get_case(other).merged_into == number


async def test_quoted_history_is_folded_until_asked_for(demo: Path) -> None:
    from tui.widgets.case_detail import render_case

    service = CaseService(Database(demo), "supervisor")
    number = service.list_cases(CaseFilter())[0].number
    service.add_message(number, MessageInput(
        "Det fungerar nu!\n\nDen 3 mars 2026 kl. 10:12 skrev Nordljus <s@x.example>:\n"
        "> Hej, prova att starta om.\n"))
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        assert await open_case(app, pilot, 0) == number
        detail = app.query_one(CaseDetail)

        def shown() -> str:
            return "\n".join(t.plain for t in render_case(
                detail.shown, show_quoted=detail.show_quoted).renderables)

        assert "Det fungerar nu!" in shown()
        assert "prova att starta om" not in shown()
        assert "citerad historik, 3 rader (h visar)" in shown()
        await pilot.press("h")
        assert "> Hej, prova att starta om." in shown()


async def test_a_choice_changes_the_case_its_title_names(demo: Path) -> None:
    async with an_open_case(demo) as (app, pilot, service, first):
        await press(app, pilot, "p")
        assert app.screen.title_text.startswith(f"#{first} ")  # type: ignore[attr-defined]
        # Keys typed while the choices were gathered opened another case meanwhile:
        # the choice is still for the case the key was pressed on, as its title says.
        other = next(r.number for r in service.list_cases(CaseFilter(limit=50))
                     if r.number != first)
        app.lists.side.load_case(other)
        await settle(app, pilot)
        before = service.get_case(other).priority
        await pick(app, pilot, "Hög")
        assert service.get_case(first).priority == "high"
        assert service.get_case(other).priority == before
        assert app.query_one(CaseDetail).shown.number == other


async def test_the_agents_own_edit_meanwhile_is_not_a_conflict(demo: Path) -> None:
    async with an_open_case(demo) as (app, pilot, service, number):
        await press(app, pilot, "p")
        # `a` (take it) landed while the priority choice was open: the version moved.
        app.lists.side.assign_me(Target(number, service.get_case(number).version), ask=False)
        await settle(app, pilot)
        assert service.get_case(number).assignee == "supervisor"
        await pick(app, pilot, "Hög")
        assert service.get_case(number).priority == "high"
        assert not any("någon annan" in str(n.message) for n in app._notifications)


async def test_another_agents_change_while_a_dialog_is_open_is_a_conflict(demo: Path) -> None:
    async with an_open_case(demo) as (app, pilot, service, number):
        before = service.get_case(number).priority
        await press(app, pilot, "p")
        # Meanwhile a colleague changes the case, and the list and the case show it.
        service.assign(number, "anna")
        app.check_changes()
        await settle(app, pilot)
        await pick(app, pilot, "Hög" if before != "high" else "Låg")
        assert service.get_case(number).priority == before  # nothing overwritten
        assert isinstance(app.screen, ConfirmModal)  # said, and a reload offered
        assert "ändrats av någon annan" in app.screen.question


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_choice_marks_the_present_one_without_colour(
        demo: Path, size: tuple[int, int], language: str) -> None:
    from textual.widgets import OptionList

    from tui.screens import ChoiceModal

    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        row = app.query_one(CaseTable).current
        assert row is not None
        for key, present in (("p", priorities()[row.priority]), ("g", said("Ingen gruppering"))):
            await press(app, pilot, key)
            modal = app.screen
            assert isinstance(modal, ChoiceModal)
            options = modal.query_one(OptionList)
            prompts = [str(options.get_option_at_index(i).prompt)
                       for i in range(options.option_count)]
            assert [p for p in prompts if p.startswith("(•) ")] == [f"(•) {present}"]
            assert all(p.startswith(("(•) ", "( ) ")) for p in prompts)
            assert prompts[options.highlighted or 0] == f"(•) {present}"  # the cursor on it
            await press(app, pilot, "escape")
