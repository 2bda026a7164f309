"""The case overview, driven by keys as an agent drives it (Pilot), on a real demo
database."""

from __future__ import annotations

from pathlib import Path

import pytest
from tuikit import app_for, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService, ContactInput, MessageInput
from tui.app import CasedeskApp
from tui.caselist import WINDOW
from tui.widgets.case_detail import CaseDetail, render_case
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only

async def test_the_list_opens_with_the_cursor_on_the_first_case(demo_path: Path) -> None:
    app = app_for(demo_path)
    expected = CaseService(Database(demo_path), "supervisor").list_cases(CaseFilter())
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert app.focused is table
        assert table.cursor == 0
        assert table.current is not None
        assert table.current.number == expected[0].number
        assert table.window.total == CaseService(Database(demo_path),
                                                 "supervisor").count_cases(CaseFilter())


async def test_end_and_page_down_reach_the_right_cases_without_offset(demo_path: Path) -> None:
    app = app_for(demo_path)
    service = CaseService(Database(demo_path), "supervisor")
    everything = service.list_cases(CaseFilter(limit=10_000))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.window.total > WINDOW  # the end is not in the first window
        assert table.window.get(table.window.total - 1) is None
        await pilot.press("end")
        await settle(app, pilot)
        assert table.cursor == len(everything) - 1
        assert table.current is not None
        assert table.current.number == everything[-1].number
        await pilot.press("home", "pagedown", "pagedown")
        await settle(app, pilot)
        assert table.current is not None
        assert table.current.number == everything[table.cursor].number
        assert table.cursor > 0


async def test_enter_shows_the_case_beside_the_list(demo_path: Path) -> None:
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert table.current is not None
        detail = app.query_one(CaseDetail)
        assert detail.shown is not None
        assert detail.shown.number == table.current.number
        text = "\n".join(t.plain for t in render_case(detail.shown).renderables)
        assert f"#{table.current.number}" in text
        assert detail.shown.title in text


async def test_search_narrows_the_list(demo_path: Path) -> None:
    app = app_for(demo_path)
    service = CaseService(Database(demo_path), "supervisor")
    hits = service.list_cases(CaseFilter(search="faktura", limit=10_000))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"faktura", "enter")
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.window.total == len(hits)
        assert table.current is not None
        assert table.current.number == hits[0].number
        await pilot.press("escape")
        await settle(app, pilot)
        assert table.window.total > len(hits)


async def test_another_process_change_shows_and_the_cursor_stays_on_its_case(
    demo: Path,
) -> None:
    path = demo
    app = app_for(path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        await pilot.press("down", "down", "down")
        await settle(app, pilot)
        watched = table.current
        assert watched is not None
        # Another agent's process, before the app's first look at the change feed (the
        # list knows which changes it shows): a customer writes on a case further down.
        other = CaseService(Database(path), "supervisor")
        below = other.list_cases(CaseFilter(limit=50))[20]
        other.add_message(below.number, MessageInput("Hej igen!"))
        app.check_changes()
        await settle(app, pilot)
        assert table.window.get(0) is not None
        assert table.window.get(0).number == below.number  # it moved to the top
        assert table.current is not None
        assert table.current.number == watched.number  # the cursor followed its case
        assert table.cursor == 4
        assert int(table.scroll_offset.y) == 0  # at the top: the new one is in view
        assert f"#{below.number} " in table.render_line(1).text


async def test_new_cases_above_leave_the_cursors_case_on_its_line(demo: Path) -> None:
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        await pilot.press("pagedown", "pagedown", "down", "down")
        await settle(app, pilot)
        watched, line = table.current, table.cursor - int(table.scroll_offset.y)
        assert watched is not None
        assert int(table.scroll_offset.y) > 0
        other = CaseService(Database(demo), "supervisor")
        for i in range(3):  # three new cases, newest: above the cursor
            other.create_case(channel="Support", title=f"Ny {i}",
                              contact=ContactInput(name="Ny Kund", email=f"ny{i}@example.se"))
        app.check_changes()
        await settle(app, pilot)
        assert table.current is not None
        assert table.current.number == watched.number
        assert table.cursor - int(table.scroll_offset.y) == line  # the screen stood still


async def test_a_reload_that_lands_after_the_agent_moved_does_not_pull_them_back(
        demo_path: Path) -> None:
    from tui.messages import ListLoaded

    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        # A reload asked for here (another process changed something)…
        asked = app.lists.keep_point()
        stale = table.window
        # …while the agent pages on before it lands.
        await pilot.press("pagedown", "pagedown")
        await settle(app, pilot)
        moved_to = table.current
        assert moved_to is not None
        assert moved_to.number != asked.row.number  # type: ignore[union-attr]
        generation = app.lists.generation
        app.lists.show_list(ListLoaded(app.lists.generation, stale, 0, asked))
        assert app.lists.generation == generation + 1  # found anew, around where they are now
        await settle(app, pilot)
        assert table.current is not None
        assert table.current.number == moved_to.number


async def test_the_eye_filters_the_list_and_shows_it_at_a_glance(demo_path: Path) -> None:
    from textual.widgets import Button, Checkbox, Static

    from tui.screens import FilterModal

    app = app_for(demo_path)
    service = CaseService(Database(demo_path), "supervisor")
    expected = service.list_cases(CaseFilter(statuses=("waiting",), channel="Support",
                                             limit=10_000))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, FilterModal)
        modal.query_one("#status-waiting", Checkbox).value = True
        modal.query_one(f"#channel-{modal.channels.index('Support')}", Checkbox).value = True
        assert modal.query_one("#watched", Checkbox).value is False
        modal.query_one("#apply", Button).press()
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.window.total == len(expected)
        assert table.current is not None
        assert table.current.number == expected[0].number
        bar = app.query_one("#filters", Static)
        assert bar.has_class("-shown")
        assert "Status Väntar · Kanal Support" in str(bar.render())
        await pilot.press("x")
        await settle(app, pilot)
        assert table.window.total == service.count_cases(CaseFilter())
        assert not bar.has_class("-shown")


async def test_question_mark_shows_every_key_and_the_palette_lists_the_actions(
    demo_path: Path,
) -> None:
    app = app_for(demo_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert not app.screen.query("HelpPanel")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Sök", "Filter", "Svara", "Intern anteckning", "Ändra status",
                      "Relaterade ärenden"):
            assert title in titles


async def test_the_column_choice_is_remembered_per_agent(demo: Path) -> None:
    from textual.widgets import Button, Checkbox

    from tui.screens import ColumnModal

    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ColumnModal)
        app.screen.query_one("#col-contact", Checkbox).value = False
        app.screen.query_one("#col-priority", Checkbox).value = False
        app.screen.query_one("#save", Button).press()
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert "contact" not in table.columns
        assert "Kontakt" not in str(table.render_line(0).text)
    again = app_for(demo)  # the same agent, another day
    async with again.run_test(size=(160, 40)) as pilot:
        await settle(again, pilot)
        columns = again.query_one(CaseTable).columns
        assert "contact" not in columns
        assert "priority" not in columns
        assert "status" in columns
    other = CasedeskApp(lambda: CaseService(Database(demo), "anna"), poll_seconds=0)
    async with other.run_test(size=(160, 40)) as pilot:  # another agent: the defaults
        await settle(other, pilot)
        assert "contact" in other.query_one(CaseTable).columns


HOSTILE = ("Faktura \x1b]52;c;ZXZpbA==\x07 \x1b[31m\u202egnp.exe "
           "[link=https://evil.example]x[/link] [/]")


async def test_hostile_text_is_shown_not_obeyed(demo: Path) -> None:
    from textual.widgets import OptionList

    from store.service import AttachmentInput, ContactInput
    from tui.screens import ChoiceModal

    service = CaseService(Database(demo), "supervisor")
    service.add_agent("eve", name="[link=https://evil.example]Eve[/link] [/]")
    service.set_membership("Support", "eve", member=True)  # offered for the case below
    number = service.create_case(
        channel="Support", contact=ContactInput(name=HOSTILE, email="m@example.se"),
        title=HOSTILE, messages=[MessageInput(HOSTILE, attachments=(
            AttachmentInput(HOSTILE, b"x"),))])
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.query_one(CaseTable)
        assert table.current is not None
        assert table.current.number == number
        line = table.render_line(1).text
        assert "\x1b" not in line
        assert "␛]52;c;" in line
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.query_one(CaseDetail)
        text = "\n".join(t.plain for t in render_case(detail.shown).renderables)
        for bad in ("\x1b", "\x07", "\u202e"):
            assert bad not in text
        assert "⟨RLO⟩" in text
        assert "[link=https://evil.example]x[/link]" in text  # shown, not a link
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any("[link=https://evil.example]Eve[/link] [/]" in p for p in prompts)


async def test_the_list_has_the_whole_width_until_a_case_is_opened(demo_path: Path) -> None:
    app = app_for(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        heading = app.query_one(CaseTable).render_line(0).text
        for column in ("Status", "Prio", "Kanal", "Tilldelad", "Uppdaterad", "SLA", "Titel",
                       "Kontakt"):
            assert column in heading
        assert not app.query_one("#case-side").display
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one("#case-side").display  # now beside it; the list narrower
        assert "Kontakt" not in app.query_one(CaseTable).render_line(0).text
