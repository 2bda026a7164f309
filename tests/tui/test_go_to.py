"""Go to a case by its number: `#` in the list, or the command palette ("2940",
"#2940"); the case opens beside the list with the focus on it, so the keys act on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input
from tuikit import SCREENS, app_for, press, said, screen_text, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService
from tui.screens import GoToModal
from tui.widgets.case_detail import CaseDetail

pytestmark = pytest.mark.sqlite_only


def far_case(demo: Path) -> int:
    """A case far down the list: not on screen, not loaded."""
    return CaseService(Database(demo), "supervisor").list_cases(
        CaseFilter(limit=1), from_end=True)[-1].number


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_number_key_opens_the_case_with_the_focus_on_it(
        demo: Path, size: tuple[int, int], language: str) -> None:
    number = far_case(demo)
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "#")
        assert isinstance(app.screen, GoToModal)
        await press(app, pilot, *"abc", "enter")  # not a number: said, kept open
        assert isinstance(app.screen, GoToModal)
        assert said("Ett ärendenummer är ett heltal, t.ex. 2940.") in screen_text(app)
        app.screen.query_one(Input).value = ""
        await press(app, pilot, *f"#{number}", "enter")
        detail = app.query_one(CaseDetail)
        assert detail.shown.number == number
        assert detail.has_focus  # `s`, `r` … now act on it
        await press(app, pilot, "p")
        assert app.screen.title_text.startswith(f"#{number} ")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_palette_opens_a_case_by_its_number(
        demo: Path, size: tuple[int, int], language: str) -> None:
    number = far_case(demo)
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await press(app, pilot, *str(number))
        assert said("Öppna ärende #{number}", number=number) in screen_text(app)
        await press(app, pilot, "enter")
        assert app.query_one(CaseDetail).shown.number == number


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_number_with_no_case_says_so(
        demo: Path, size: tuple[int, int], language: str) -> None:
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.go_to_case(99_999_999)
        await settle(app, pilot)
        assert app.query_one(CaseDetail).shown is None
        assert said("Det finns inget ärende #{number}.", number=99_999_999) in [
            str(n.message) for n in app._notifications]
