"""Finding a case: the list's search finds a contact's cases by any word of the name,
the email, the phone and the case number, as the store does; the new-case dialog's
contact finder matches a surname; grouping by contact sorts the customers by name.
Each on a small Swedish terminal and a large English one."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select
from tuikit import SCREENS, app_for, choose, press, said, screen_text, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService
from tui.caselist import GroupedWindow, Header
from tui.screens import CreateCaseModal
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only


def listed(app) -> list[int]:  # type: ignore[no-untyped-def]
    window = app.query_one(CaseTable).window
    return [window.get(i).number for i in range(min(window.total, 200))
            if window.get(i) is not None]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_search_finds_a_contacts_cases_and_a_case_number(
        demo_path: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    number = service.list_cases(CaseFilter(limit=1))[0].number
    contact = service.get_case(number).contact
    surname = contact.name.split()[-1]
    words = [surname.upper(), contact.email, str(number)]  # any case, as the rest of search
    if contact.phone:
        words.append(contact.phone)
    app = app_for(demo_path, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for word in words:
            expected = [r.number for r in service.list_cases(CaseFilter(search=word,
                                                                        limit=200))]
            assert number in expected, word  # the store finds it …
            box = app.screen.query_one("#search", Input)
            await press(app, pilot, "slash")
            box.value = word
            await press(app, pilot, "enter")
            assert listed(app) == expected, word  # … and the list shows what it found
            await press(app, pilot, "escape")
        await press(app, pilot, "slash", *"qqzzyx", "enter")
        assert said("Inga ärenden matchar sökningen (esc rensar den).") in screen_text(app)


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_contact_finder_matches_a_surname(
        demo_path: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo_path), "supervisor")
    contact = service.get_case(service.list_cases(CaseFilter(limit=1))[0].number).contact
    surname = contact.name.split()[-1]
    channel = next(c.name for c in service.list_channels() if c.kind == "email")
    app = app_for(demo_path, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "N")
        modal = app.screen
        assert isinstance(modal, CreateCaseModal)
        modal.query_one("#channel", Select).value = channel
        await settle(app, pilot)
        modal.query_one("#contact-search", Input).focus()
        await press(app, pilot, *surname.lower())
        assert contact.id in [c.id for c in modal.matches]
        assert all(surname.lower() in c.name.lower() for c in modal.matches)


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_grouping_by_contact_sorts_the_customers_by_name(
        demo_path: Path, size: tuple[int, int], language: str) -> None:
    app = app_for(demo_path, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await choose(app, pilot, "g", said("Kontakt"))
        window = app.query_one(CaseTable).window
        assert isinstance(window, GroupedWindow)
        names = [line.group.label.split(" <")[0] for i in range(min(window.total, 150))
                 if isinstance(line := window.get(i), Header)]
        assert len(names) > 20
        assert names == sorted(names, key=str.lower)
