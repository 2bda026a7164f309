"""My workspace in the TUI: one key away, the same list and detail over the agent's own
queue, what is new marked until opened, and its settings (README.md, "My workspace")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox
from tuikit import app_for, screen_text, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService, MessageInput
from store.workspace import STANDARD
from tui.screens import WorkspaceSettingsModal
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only


async def test_two_shows_my_workspace_with_the_new_marked_until_opened(demo: Path) -> None:
    me = CaseService(Database(demo), "supervisor")
    numbers = [r.number for r in me.list_cases(CaseFilter(limit=5))]
    for number in numbers[:3]:
        me.set_in_workspace(number, present=True)
    me.mark_read(numbers[0])
    me.add_message(numbers[1], MessageInput("Hej, något nytt"))  # new for me
    expected = me.list_cases(CaseFilter(workspace="me", limit=50))
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)  # the workspace's list
        assert [table.window.get(i).number for i in range(table.window.total)] == [
            r.number for r in expected]
        unread = sum(r.unread for r in expected)
        assert app.lists.sub_title.endswith(f"{len(expected)} ärenden, {unread} olästa")
        line = next(i for i, r in enumerate(expected) if r.unread)
        assert "● " in table.render_line(line + 1).text
        assert "● " not in table.render_line(
            next(i for i, r in enumerate(expected) if not r.unread) + 1).text
        await pilot.press(*["down"] * line, "enter")
        await settle(app, pilot)
        assert not me.list_cases(CaseFilter(workspace="me", limit=50))[line].unread
        assert "● " not in table.render_line(line + 1).text  # the list says so too
        # Back to the overview, which kept its place; and the workspace its own.
        await pilot.press("1")
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)  # the overview's list
        assert table.window.total == me.count_cases(CaseFilter())
        assert app.lists.sub_title == "supervisor"


async def test_the_workspace_settings_are_saved_and_standard_resets_them(demo: Path) -> None:
    me = CaseService(Database(demo), "supervisor")
    me.set_workspace_prefs(replace(STANDARD, leave_on_parked=True))
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        assert app.lists.view == "overview"
        await pilot.press("W")  # from the overview as from the workspace
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, WorkspaceSettingsModal)
        assert modal.query_one("#leave_on_parked", Checkbox).value is True
        modal.query_one("#kind-chat", Checkbox).value = True
        modal.query_one("#add_assigned", Checkbox).value = False
        modal.query_one("#save", Button).press()
        await settle(app, pilot)
        assert me.workspace_prefs() == replace(STANDARD, new_case_kinds=("chat",),
                                               leave_on_parked=True, add_assigned=False)
        await pilot.press("2", "W")
        await settle(app, pilot)
        assert app.lists.view == "workspace"
        assert isinstance(app.screen, WorkspaceSettingsModal)
        app.screen.query_one("#standard", Button).press()
        await settle(app, pilot)
        assert me.workspace_prefs() == STANDARD


@pytest.mark.parametrize(("language", "said"), [
    ("sv", "Gäller det som händer från och med nu"),
    ("en", "Applies to what happens from now on"),
])
async def test_the_settings_say_a_change_holds_from_now_on_and_leave_the_queue_as_it_is(
        demo: Path, language: str, said: str) -> None:
    """The rules act when something happens to a case: saving them takes nothing out of
    the workspace and puts nothing in, and the dialog says so."""
    me = CaseService(Database(demo), "supervisor")
    waiting = me.list_cases(CaseFilter(statuses=("waiting",), limit=1))[0].number
    me.set_in_workspace(waiting, present=True)
    before = me.list_cases(CaseFilter(workspace="me", limit=500))
    app = app_for(demo, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, WorkspaceSettingsModal)
        assert said in " ".join(screen_text(app).split())  # on screen, however wrapped
        modal.query_one("#leave_on_waiting", Checkbox).value = True
        modal.query_one("#save", Button).press()
        await settle(app, pilot)
        assert me.workspace_prefs().leave_on_waiting
        assert me.list_cases(CaseFilter(workspace="me", limit=500)) == before
        me.set_status(waiting, "open")
        me.set_status(waiting, "waiting")  # from now on: out when it becomes Waiting
        assert waiting not in {r.number for r in me.list_cases(
            CaseFilter(workspace="me", limit=500))}


async def test_following_an_agent_offers_no_workspace_settings(demo: Path) -> None:
    """`W` is the agent's own settings: not on a list of someone else's workspace."""
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.follow("bo")
        await settle(app, pilot)
        assert app.lists.view == "follow"
        await pilot.press("W")
        await settle(app, pilot)
        assert not isinstance(app.screen, WorkspaceSettingsModal)
        assert "Arbetsytans inställningar" not in {
            c.title for c in app.get_system_commands(app.screen)}


async def test_m_on_the_overview_puts_the_case_in_the_workspace(demo: Path) -> None:
    me = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        number = app.lists.shown.number  # type: ignore[union-attr]
        was = me.in_workspace(number)
        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)
        listed = {table.window.get(i).number for i in range(table.window.total)}
        assert (number in listed) is not was


async def test_N_creates_a_case_for_a_known_contact_starting_with_our_mail(demo: Path) -> None:
    from textual.widgets import Input, OptionList, Select, TextArea


    me = CaseService(Database(demo), "supervisor")
    known = me.get_case(me.list_cases(CaseFilter(limit=1))[0].number).contact
    channel = next(c.name for c in me.list_channels() if c.kind == "email")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        modal = await new_case_form(app, pilot)
        modal.query_one("#channel", Select).value = channel
        assert modal.query_one("#contact-search", Input).display  # shown, for typing
        modal.query_one("#contact-search", Input).focus()
        await pilot.press(*known.name)  # (its first letters may match more than are shown)
        await settle(app, pilot)
        assert known.id in [c.id for c in modal.matches]  # found as one types
        options = modal.query_one("#matches", OptionList)
        options.highlighted = [c.id for c in modal.matches].index(known.id)
        options.action_select()
        await settle(app, pilot)
        assert modal.query_one("#email", Input).value == known.email
        modal.query_one("#title", Input).value = "Er beställning"
        modal.query_one("#text", TextArea).text = "Hej! Din order har skickats."
        modal.query_one("#ours", Checkbox).value = True
        modal.query_one("#create", Button).press()
        await settle(app, pilot)
        number = app.lists.shown.number  # type: ignore[union-attr]  # opened beside the list
        case = me.get_case(number)
        assert (case.title, case.channel, case.contact.id) == ("Er beställning", channel,
                                                                known.id)
        assert [(m.kind, m.text) for m in case.messages] == [
            ("reply", "Hej! Din order har skickats.")]
        assert [o.state for o in me.outbox() if o.case == number] == ["queued"]


async def test_a_refused_new_case_comes_back_as_it_was_written(demo: Path) -> None:
    from textual.widgets import Input, Select, TextArea

    from tui.screens import CreateCaseModal

    me = CaseService(Database(demo), "supervisor")
    before = me.count_cases(CaseFilter(include_ended=True))
    channel = next(c.name for c in me.list_channels() if c.kind == "email")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        modal = await new_case_form(app, pilot)
        modal.query_one("#channel", Select).value = channel
        modal.query_one("#name", Input).value = "Utan Adress"  # ours by mail: no address
        modal.query_one("#title", Input).value = "Ring tillbaka"
        modal.query_one("#text", TextArea).text = "Hej! Vi ringer i morgon."
        modal.query_one("#ours", Checkbox).value = True
        modal.query_one("#create", Button).press()
        await settle(app, pilot)
        again = app.screen
        assert isinstance(again, CreateCaseModal)
        assert again is not modal
        assert again.query_one("#channel", Select).value == channel
        assert again.query_one("#name", Input).value == "Utan Adress"
        assert again.query_one("#title", Input).value == "Ring tillbaka"
        assert again.query_one("#text", TextArea).text == "Hej! Vi ringer i morgon."
        assert again.query_one("#ours", Checkbox).value
    assert me.count_cases(CaseFilter(include_ended=True)) == before


async def test_an_earlier_slower_contact_search_does_not_replace_a_newer_one(
        demo: Path) -> None:
    from textual.widgets import Input

    from store.views import ContactView

    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        modal = await new_case_form(app, pilot)
        modal.query_one("#contact-search", Input).value = "Ann"
        await settle(app, pilot)
        newer = list(modal.matches)
        stale = [ContactView(1, "Annika Gammal", "", "", "private", "standard")]
        modal.show_matches("An", stale)  # the answer to what was typed before
        assert modal.matches == newer


async def new_case_form(app, pilot):  # type: ignore[no-untyped-def]
    """The app settled, `N` pressed: the create-case form on screen."""
    from tui.screens import CreateCaseModal

    await settle(app, pilot)
    await pilot.press("N")
    await settle(app, pilot)
    assert isinstance(app.screen, CreateCaseModal)
    return app.screen


# Each setting, set in the modal, and the rule it governs fired by a colleague's
# process while the workspace is on screen: (setting, value, event, then in the list).
RULES = [
    ("kind-chat", True, "new chat case", True),
    ("kind-chat", False, "new chat case", False),
    ("leave_on_solved", True, "solved", False),
    ("leave_on_solved", False, "solved", True),
    ("leave_on_waiting", True, "waiting", False),
    ("leave_on_waiting", False, "waiting", True),
    ("leave_on_parked", True, "parked", False),
    ("leave_on_parked", False, "parked", True),
    ("add_assigned", True, "assigned to me", True),
    ("add_assigned", False, "assigned to me", False),
    ("add_watched_on_activity", True, "watched case written to", True),
    ("add_watched_on_activity", False, "watched case written to", False),
]


@pytest.mark.parametrize(("setting", "value", "event", "listed"), RULES,
                         ids=[f"{s}={v}" for s, v, _, _ in RULES])
async def test_each_setting_governs_its_rule_when_a_colleague_acts(
        demo: Path, setting: str, value: bool, event: str, listed: bool) -> None:
    from store.service import ContactInput

    db = Database(demo)
    me, bo, david = (CaseService(db, login) for login in ("supervisor", "bo", "david"))
    me.set_workspace_prefs(STANDARD)
    number = bo.create_case(channel="Support", contact=ContactInput(name="Kim Kund"),
                            title="Regeltest")
    bo.set_status(number, "open")
    if event in ("solved", "waiting", "parked"):
        me.set_in_workspace(number, present=True)
    if event == "watched case written to":
        me.set_watch(number, watching=True)
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "W")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, WorkspaceSettingsModal)
        modal.query_one(f"#{setting}", Checkbox).value = value
        modal.query_one("#save", Button).press()
        await settle(app, pilot)
        if event == "new chat case":
            number = david.create_case(channel="Webbchatt", contact=ContactInput(name="Chatt"),
                                       title="Från chatten")
        elif event == "assigned to me":
            bo.assign(number, "supervisor")
        elif event == "watched case written to":
            CaseService.system(db).add_message(number, MessageInput("Hallå igen"))
        else:
            bo.set_status(number, event)
        app.check_changes()  # the poll, triggered
        await settle(app, pilot)
        window = app.lists.query_one(CaseTable).window
        shown = {window.get(i).number for i in range(window.total)}
        assert (number in shown) is listed


async def test_a_mention_shows_the_case_unread_in_the_workspace(demo: Path) -> None:
    from store.service import ContactInput

    db = Database(demo)
    bo = CaseService(db, "bo")
    number = bo.create_case(channel="Support", contact=ContactInput(name="Kim Kund"),
                            title="Nämnd")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        bo.note(number, "@supervisor kan du titta?")
        app.check_changes()
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)
        line = table.window.index_of(number)
        assert line is not None
        assert "● " in table.render_line(line + 1).text
        assert app.lists.sub_title.endswith(
            f"{table.window.total} ärenden, "
            f"{CaseService(db, 'supervisor').workspace_counts()[1]} olästa")


async def test_m_on_a_row_of_the_list_adds_or_removes_it_without_opening(demo: Path) -> None:
    me = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)
        row = table.window.get(3)
        was = me.in_workspace(row.number)
        await pilot.press("down", "down", "down", "m")
        await settle(app, pilot)
        assert app.lists.shown is None  # nothing was opened
        assert me.in_workspace(row.number) is not was
        # And out again from the workspace's own list.
        me.set_in_workspace(row.number, present=True)
        await pilot.press("2")
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)  # the workspace's list
        at = table.window.index_of(row.number)
        assert at is not None
        table.cursor = at
        await pilot.press("m")
        await settle(app, pilot)
        assert not me.in_workspace(row.number)
        assert table.window.index_of(row.number) is None


async def test_the_timers_wait_for_a_view_switched_to_a_moment_ago(demo: Path) -> None:
    from tui.messages import StoreChanged

    app = app_for(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.show_view("workspace")  # its list: on the screen stack, not yet composed
        app.check_changes()  # the change poll's and presence's timers, firing now
        app.renew_presence()
        await settle(app, pilot)
        assert app.lists.view == "workspace"
        assert app.lists.side_if_ready is not None
        app.show_view("overview")  # two switches in a row: the first not there yet
        app.show_view("workspace")
        app.follow_changes(StoreChanged(-1))  # another process's change, told meanwhile
        for _ in range(200):  # (not settle: the first list's load was rightly cancelled)
            await pilot.pause(0.05)
            if app.lists.side_if_ready is not None:
                break
        assert app.lists.view == "workspace"
        assert app.lists.side_if_ready is not None
