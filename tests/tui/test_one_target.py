"""Every key that acts on a case acts on one case: the one under the cursor while the
list has the focus, the one open beside it while the detail has it; each dialog names
it. The detail says so when its case is no longer in the list."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tuikit import SCREENS, app_for, press, said, screen_text, settle

from store.db import Database
from store.service import CaseService
from tui.screens import ChoiceModal, ConfirmModal
from tui.widgets.case_detail import CaseDetail
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only

DIALOG_KEYS = ["s", "A", "p", "k"]  # status, assignee, priority, channel
LEFT = ("#{number} finns inte i listan: filtren eller sökningen visar det inte, eller det "
        "har ändrats sedan du öppnade det.")
NO_MATCH = "Inga ärenden matchar sökningen (esc rensar den)."


async def open_then_move(app, pilot):  # type: ignore[no-untyped-def]
    """Case A opened with Enter, then the cursor moved on to case B: (A, B)."""
    await settle(app, pilot)
    await press(app, pilot, "enter")
    opened = app.query_one(CaseDetail).shown.number
    await press(app, pilot, "down")
    under = app.query_one(CaseTable).current.number
    assert opened != under
    return opened, under


@pytest.mark.parametrize(("size", "language"), SCREENS)
@pytest.mark.parametrize("focus", ["list", "detail"])
async def test_each_key_acts_on_the_one_case_the_focus_names(
        demo: Path, focus: str, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        opened, under = await open_then_move(app, pilot)
        if focus == "detail":
            app.query_one(CaseDetail).focus()
            await settle(app, pilot)
        target, other = (under, opened) if focus == "list" else (opened, under)

        for key in DIALOG_KEYS:
            await press(app, pilot, key)
            assert isinstance(app.screen, ChoiceModal), key
            assert app.screen.title_text.startswith(f"#{target} "), key
            await press(app, pilot, "escape")

        before = service.get_case(other)
        was_in_workspace = service.in_workspace(target)
        await press(app, pilot, "w")
        assert "supervisor" in service.get_case(target).watchers
        await press(app, pilot, "m")
        assert service.in_workspace(target) is not was_in_workspace
        await press(app, pilot, "a")
        if focus == "list":  # taking from the list asks first, naming the case
            assert isinstance(app.screen, ConfirmModal)
            assert f"#{target}," in app.screen.question
            await press(app, pilot, "y")
        assert service.get_case(target).assignee == "supervisor"
        assert service.get_case(other) == before  # the other case: untouched

        await press(app, pilot, "r")
        assert app.query_one(CaseDetail).shown.number == target
        assert app.focused is not None
        assert app.focused.id == "composer-text"


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_key_pressed_once_is_taken_back_with_u(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        number = app.query_one(CaseTable).current.number
        watching = "supervisor" in service.get_case(number).watchers
        in_workspace = service.in_workspace(number)
        await press(app, pilot, "w")
        assert ("supervisor" in service.get_case(number).watchers) is not watching
        assert any(said(" — u ångrar") in str(n.message) for n in app._notifications)
        await press(app, pilot, "u")
        assert ("supervisor" in service.get_case(number).watchers) is watching
        await press(app, pilot, "m")
        assert service.in_workspace(number) is not in_workspace
        await press(app, pilot, "u")
        assert service.in_workspace(number) is in_workspace
        await press(app, pilot, "u")  # once only
        assert said("Inget att ångra.") in [str(n.message) for n in app._notifications]
        app._notifications.clear()
        await press(app, pilot, "w", "down", "u")  # moved on: u is not for that case
        assert ("supervisor" in service.get_case(number).watchers) is not watching
        assert said("Inget att ångra.") in [str(n.message) for n in app._notifications]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_detail_says_when_its_case_left_the_list(
        demo: Path, size: tuple[int, int], language: str) -> None:
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        shown = app.query_one(CaseDetail).shown
        gone = said(LEFT, number=shown.number).split(":")[0]
        assert gone not in screen_text(app)
        other = "waiting" if shown.status != "waiting" else "open"
        app.lists.filters = replace(app.lists.filters, statuses=(other,))
        app.lists.reload()
        await settle(app, pilot)
        assert gone in screen_text(app)
        app.lists.filters = replace(app.lists.filters, statuses=())
        app.lists.reload()
        await settle(app, pilot)
        assert gone not in screen_text(app)


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_after_an_empty_search_typed_letters_stay_in_the_search_box(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        before = service.latest_change()
        await press(app, pilot, "slash", *"xyzzyq", "enter")
        assert said(NO_MATCH) in screen_text(app)
        box = app.screen.query_one("#search")
        assert app.focused is box
        # An agent typing on, as if the list had the focus: take, related, merge …
        await press(app, pilot, *" återbetalning", "enter")
        assert service.latest_change() == before  # nothing changed in the store
        assert box.value == "xyzzyq återbetalning"
        await press(app, pilot, "escape")
        assert app.focused is app.query_one(CaseTable)
        assert said(NO_MATCH) not in screen_text(app)
        # Enter in an empty box: nothing searched, the box keeps the focus.
        await press(app, pilot, "slash", "enter", *"ta")
        assert app.focused is box
        assert box.value == "ta"
        assert service.latest_change() == before


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_reload_leaves_the_composer_and_the_scrolled_place_as_they_are(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        number = app.query_one(CaseTable).current.number
        for i in range(40):  # a conversation longer than the detail
            service.note(number, f"Anteckning {i}")
        await press(app, pilot, "enter")
        detail = app.query_one(CaseDetail)
        # Opened down the thread, at the newest customer message (the notes under it).
        assert 0 < detail.scroll_y < detail.max_scroll_y
        detail.scroll_home(animate=False)
        await settle(app, pilot)
        await press(app, pilot, "r")  # writing, nothing typed yet
        service.note(number, "En kollega skrev något.")  # another process
        app.check_changes()
        await settle(app, pilot)
        assert detail.shown.messages[-1].text == "En kollega skrev något."
        assert app.query_one("Composer").display  # still open, still writing
        assert detail.scroll_y == 0  # where the agent had scrolled to
        await pilot.resize_terminal(120, 30)  # the facts fold, the text reflows
        await settle(app, pilot)
        assert detail.scroll_y == 0
