"""A team at once in the TUI: read-all mode changes nothing, presence between two
apps on one database, and the supervisor's agents and channels views."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, SelectionList, Static
from tuikit import app_for, open_beside, press, screen_text, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService, MessageInput
from tui.app import CasedeskApp
from tui.screens import AgentsModal, ChannelsModal, ChoiceModal
from tui.widgets.case_table import CaseTable
from tui.widgets.composer import Composer

pytestmark = pytest.mark.sqlite_only


def read_all_app(path: Path, login: str = "supervisor") -> CasedeskApp:
    return CasedeskApp(lambda: CaseService.read_all(Database(path, read_only=True), login),
                       poll_seconds=0, language="sv")


async def said(app: CasedeskApp, pilot, doing: tuple[int, str]) -> None:  # type: ignore[no-untyped-def]
    """Until the app has told the store `doing` (it does so after a refresh, which a
    busy machine may make late: up to ten seconds)."""
    for _ in range(200):
        if app.doing == doing:
            await settle(app, pilot)  # and its write is done
            return
        await settle(app, pilot)
        await pilot.pause(0.05)
    raise AssertionError(f"the app never said {doing}; it says {app.doing}")


def changes(path: Path) -> tuple[int, int, int]:
    """What a write leaves: the change feed, the audit trail, the workspace entries."""
    with Database(path).read() as session:
        return tuple(session.scalar(sa.text(f"SELECT count(*) FROM {t}"))  # noqa: S608
                     for t in ("change", "audit_event", "workspace_entry"))  # type: ignore[return-value]


async def test_read_all_lists_every_case_and_offers_no_change(demo: Path) -> None:
    boss = CaseService(Database(demo), "supervisor")
    every = boss.count_cases(CaseFilter(include_ended=True))
    archived = boss.list_cases(CaseFilter(statuses=("archived",), limit=1))[0]
    unread = boss.list_cases(CaseFilter(limit=1))[0]
    boss.set_in_workspace(unread.number, present=True)
    boss.add_message(unread.number, MessageInput("Något nytt"))
    before = changes(demo)
    app = read_all_app(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.lists.query_one(CaseTable)
        assert table.window.total == every > boss.count_cases(CaseFilter())
        assert "Läsläge: alla ärenden, inget kan ändras" in app.lists.sub_title
        footer = screen_text(app).splitlines()[-1]
        for word in ("Svara", "Intern anteckning", "Ändra status", "Ta ärendet",
                     "Nytt ärende", "Min arbetsyta"):
            assert word not in footer
        assert "Agenter" in footer  # reading the agents view is reading
        # An archived case opens, and nothing offers a change of it.
        app.lists.filters = CaseFilter(statuses=("archived",), include_ended=True)
        app.lists.reload()
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert app.lists.shown is not None
        assert app.lists.shown.number == archived.number
        assert not app.lists.query_one(Composer).has_class("-open")
        for key in ("r", "n", "s", "a", "A", "p", "k", "w", "m", "N", "2"):
            await press(app, pilot, key)
            assert not isinstance(app.screen, ChoiceModal)
        assert len(app.screen_stack) == 1
        # Opening an unread case does not mark it read: nothing was written at all.
        app.lists.filters = app.base_filter()
        app.lists.reload()
        await settle(app, pilot)
        app.lists.side.load_case(unread.number)
        await settle(app, pilot)
    assert changes(demo) == before
    assert boss.list_cases(CaseFilter(workspace="me"))[0].unread


async def test_presence_shows_who_is_replying_in_another_app(demo: Path) -> None:
    service = CaseService(Database(demo), "bo")
    number = service.list_cases(CaseFilter(limit=1))[0].number
    anna, bo = app_for(demo, "anna"), app_for(demo, "bo")
    async with anna.run_test(size=(160, 40)) as a, bo.run_test(size=(160, 40)) as b:
        await settle(anna, a)
        await settle(bo, b)
        await open_beside(anna, a, number)
        await press(anna, a, "r")
        await press(anna, a, *"Hej Karin")
        await said(anna, a, (number, "replying"))
        bo.lists.side.load_case(number)
        await settle(bo, b)
        bo.check_changes()  # the poll, triggered
        await settle(bo, b)
        bar = bo.query_one("#presence", Static)
        assert bar.has_class("-shown")
        assert "✎ Anna Lindqvist svarar kunden just nu" in str(bar.render())
        assert [(p.login, p.doing) for p in service.present(number)] == [("anna", "replying")]
        # A draft left for later (escape: back to the list) is no reply "just now".
        await press(anna, a, "escape")
        await said(anna, a, (number, "viewing"))
        bo.check_changes()
        await settle(bo, b)
        assert "Anna Lindqvist har ärendet öppet" in str(bar.render())
        # Anna quits (her draft kept for next time, nothing asked): gone from the case
        # at once.
        await anna.action_quit()
        await settle(anna, a)
        bo.check_changes()
        await settle(bo, b)
        assert not bar.has_class("-shown")
    assert service.present(number) == []


async def test_the_agents_view_follows_an_agents_workspace(demo: Path) -> None:
    boss = CaseService(Database(demo), "supervisor")
    bo = CaseService(Database(demo), "bo")
    numbers = [r.number for r in bo.list_cases(CaseFilter(limit=3))]
    for number in numbers:
        bo.set_in_workspace(number, present=True)
    boss.reply(numbers[0], "Vi tittar på det.")  # new for bo
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "3")
        modal = app.screen
        assert isinstance(modal, AgentsModal)
        table = modal.query_one(DataTable)
        tallies = {t.login: t for t in boss.agent_tallies()}
        row = [str(c) for c in table.get_row("bo")]
        t = tallies["bo"]
        assert row[:8] == ["bo", "Bo Ekström", str(t.open), str(t.escalated), str(t.waiting),
                           str(t.parked), str(t.workspace), str(t.unread)]
        # Another process's change shows in the open view (the poll, triggered).
        case = next(r for r in bo.list_cases(CaseFilter(limit=50))
                    if r.assignee != "bo" and r.status == "open")
        bo.assign(case.number, "me")
        app.check_changes()
        await settle(app, pilot)
        assert str(table.get_row("bo")[2]) == str(t.open + 1)
        table.move_cursor(row=table.get_row_index("bo"))
        await press(app, pilot, "enter")
        assert app.lists.view == "follow"
        listed = app.lists.query_one(CaseTable).window
        expected = bo.list_cases(CaseFilter(workspace="me"))
        assert [listed.get(i).number for i in range(listed.total)] == [
            r.number for r in expected]
        assert app.lists.sub_title == (
            f"supervisor följer arbetsytan för bo: {len(expected)} ärenden, "
            f"{sum(r.unread for r in expected)} olästa (1 tillbaka)")
        first = next(i for i, r in enumerate(expected) if r.number == numbers[0])
        assert "● " in app.lists.query_one(CaseTable).render_line(first + 1).text  # bo's marker
        await press(app, pilot, "1")
        assert app.lists.view == "overview"
        assert app.lists.sub_title == "supervisor"


async def test_the_channels_view_adds_and_removes_members(demo: Path) -> None:
    boss = CaseService(Database(demo), "supervisor")
    assert "bo" not in next(c for c in boss.list_channels() if c.name == "Fakturor").members
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "4")
        modal = app.screen
        assert isinstance(modal, ChannelsModal)
        channels = modal.query_one(OptionList)
        channels.highlighted = [c.name for c in modal.channels].index("Fakturor")
        await settle(app, pilot)
        members = modal.query_one(SelectionList)
        assert {login for _, login in members.selected} == set(
            next(c for c in boss.list_channels() if c.name == "Fakturor").members)
        members.focus()
        members.highlighted = [members.get_option_at_index(i).value
                               for i in range(members.option_count)].index(("Fakturor", "bo"))
        await press(app, pilot, "space")
        assert "bo" in next(c for c in boss.list_channels() if c.name == "Fakturor").members
        assert ("Fakturor", "bo") in members.selected
        await press(app, pilot, "space")  # the cursor stayed on bo through the change
        members_now = next(c for c in boss.list_channels() if c.name == "Fakturor").members
        assert "bo" not in members_now
        assert "anna" in members_now


def members_of(service: CaseService) -> dict[str, set[str]]:
    return {c.name: set(c.members) for c in service.list_channels()}


def row_backgrounds(app: CasedeskApp, members: SelectionList) -> dict[str, set[object]]:  # type: ignore[type-arg]
    """Each agent's row as the screen shows it: the backgrounds behind its text."""
    strips = app.screen._compositor.render_strips()
    region = members.content_region
    rows = {}
    for y in range(region.y, region.bottom):
        strip = strips[y].crop(region.x, region.right)
        login = strip.text.partition("▌")[2].split(" — ")[0].strip()
        if login:
            rows[login] = {seg.style.bgcolor for seg in strip
                           if seg.style and login in seg.text}
    return rows


def boxes(app: CasedeskApp, members: SelectionList) -> dict[str, str]:  # type: ignore[type-arg]
    """Each agent's box as the screen shows it: what is between its brackets."""
    strips = app.screen._compositor.render_strips()
    region = members.content_region
    found = {}
    for y in range(region.y, region.bottom):
        text = strips[y].crop(region.x, region.right).text
        login = text.partition("▌")[2].split(" — ")[0].strip()
        if login:
            found[login] = text.partition("▐")[2][:1]
    return found


async def test_the_channels_view_shows_its_cursor_and_space_acts_on_that_agent_alone(
        demo: Path) -> None:
    boss = CaseService(Database(demo), "supervisor")
    before = members_of(boss)
    app = app_for(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "4")
        modal = app.screen
        assert isinstance(modal, ChannelsModal)
        names = [c.name for c in modal.channels]
        await press(app, pilot, *["down"] * names.index("Support"), "enter")
        members = modal.query_one(SelectionList)
        assert app.focused is members
        # The cursor shows, on the first agent: its row's background is none of the others'.
        assert members.highlighted == 0
        rows = row_backgrounds(app, members)
        logins = [a.login for a in modal.agents]
        assert list(rows) == logins
        cursor = rows[logins[0]]
        assert all(cursor.isdisjoint(rows[login]) for login in logins[1:]), rows
        # Each box says without colour whether the agent is in: X or empty.
        assert boxes(app, members) == {login: "X" if login in before["Support"] else " "
                                       for login in logins}
        # Space on an agent who is not a member, and the next key at once (down): the
        # agent the cursor was on joins, not the one it went to.
        outside = [a for a in logins if a not in before["Support"]]
        target = outside[0]
        await press(app, pilot, *["down"] * logins.index(target))
        assert row_backgrounds(app, members)[target] == cursor  # the cursor moved there
        driver = app._driver
        assert driver is not None
        for key, char in (("space", " "), ("down", None)):
            event = events.Key(key, char)
            event.set_sender(app)
            driver.send_message(event)
        await settle(app, pilot)
        after = members_of(boss)
        assert after == {**before, "Support": before["Support"] | {target}}
        # Another process changes the channel meanwhile: the list shows it, the cursor
        # stays where it is, and space there acts on that agent alone.
        below = logins[logins.index(target) + 1]
        boss.set_membership("Support", below, member=below not in after["Support"])
        elsewhere = members_of(boss)
        app.check_changes()
        await settle(app, pilot)
        assert {v[1] for v in members.selected} == elsewhere["Support"]
        assert members.highlighted == logins.index(below)
        await press(app, pilot, "up", "space")
        assert members_of(boss) == {**elsewhere, "Support": elsewhere["Support"] - {target}}
        assert members.get_option_at_index(members.highlighted).value == ("Support", target)


async def test_an_agent_has_no_supervisor_views(demo: Path) -> None:
    app = app_for(demo, "bo")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        assert "Agenter" not in screen_text(app).splitlines()[-1]
        await press(app, pilot, "3")
        await press(app, pilot, "4")
        assert len(app.screen_stack) == 1


async def test_a_supervisor_may_assign_anyone_and_is_told_who_joins(demo: Path) -> None:
    boss = CaseService(Database(demo), "supervisor")
    case = boss.list_cases(CaseFilter(channel="Fakturor", limit=1))[0]  # bo is not in it
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await open_beside(app, pilot, case.number)
        await press(app, pilot, "A")
        modal = app.screen
        assert isinstance(modal, ChoiceModal)
        labels = [label for label, _ in modal.choices]
        assert "bo — Bo Ekström  (blir medlem i kanalen)" in labels
        assert "carin — Carin Sjöberg" in labels  # already in Fakturor
    assert CaseService(Database(demo), "bo").whoami().channels.count("Fakturor") == 0


def open_case_and_replies(demo: Path) -> tuple[CaseService, int, int]:
    """An open case of the demo and how many replies it has."""
    service = CaseService(Database(demo), "supervisor")
    number = next(r.number for r in service.list_cases(CaseFilter(limit=50))
                  if r.status == "open")
    return service, number, len([m for m in service.get_case(number).messages
                                 if m.kind == "reply"])


@contextlib.contextmanager
def another_writer(demo: Path) -> Iterator[None]:
    """Another process in the middle of a write, until the block ends: the app's own
    writes wait for it."""
    held, release = threading.Event(), threading.Event()

    def hold(session: sa.orm.Session) -> None:
        session.execute(sa.text("UPDATE agent SET name = name"))
        held.set()
        release.wait(30)

    holder = threading.Thread(target=Database(demo).write, args=(hold,))
    holder.start()
    assert held.wait(10), "the other writer never held the database"
    try:
        yield
    finally:
        release.set()
        holder.join(10)


async def write_a_reply(app: CasedeskApp, pilot: Pilot[None], number: int) -> None:
    await open_beside(app, pilot, number)
    await press(app, pilot, "r")
    await pilot.press(*"Hej, det är ordnat.")


async def test_a_second_send_while_the_first_waits_for_the_database_sends_nothing(
        demo: Path) -> None:
    service, number, replies = open_case_and_replies(demo)
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await write_a_reply(app, pilot, number)
        with another_writer(demo):
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("ctrl+s")  # impatient: the first is still waiting
            await pilot.pause()
            assert "Skickar redan — vänta ett ögonblick." in [n.message for n in
                                                             app._notifications]
        await settle(app, pilot)
    sent = [m for m in service.get_case(number).messages if m.kind == "reply"]
    assert len(sent) == replies + 1


async def test_a_reply_on_its_way_while_the_agent_switches_lists_is_not_left_to_send_again(
        demo: Path) -> None:
    """The draft goes with the agent to the next list; the sent reply clears it there."""
    service, number, replies = open_case_and_replies(demo)
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await write_a_reply(app, pilot, number)
        overview = app.lists
        with another_writer(demo):
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert number in app.sending  # still waiting for the database
            await pilot.press("escape", "2")  # to the workspace, the case and its draft along
            await pilot.pause()
            assert app.lists is not overview
        await settle(app, pilot)
        assert app.lists.side.composer.draft.text == ""
        await pilot.press("ctrl+s")  # nothing left to send
        await settle(app, pilot)
    sent = [m for m in service.get_case(number).messages if m.kind == "reply"]
    assert len(sent) == replies + 1


async def test_a_draft_outlives_the_app_and_goes_with_the_send(demo: Path) -> None:
    """What is written is kept in the store as it is typed: quitting asks nothing, and
    the next start brings it back, where it was; sending it ends it."""
    service = CaseService(Database(demo), "supervisor")
    number = service.list_cases(CaseFilter(limit=1))[0].number
    app = app_for(demo)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_beside(app, pilot, number)
        await press(app, pilot, "r")
        await pilot.press(*"Hej! Vi har")
        await press(app, pilot, "escape", "q")
        assert not app.is_running  # nothing to ask: the draft is kept
    assert [(d.number, d.text) for d in service.drafts()] == [(number, "Hej! Vi har")]

    again = app_for(demo)
    async with again.run_test(size=(160, 40)) as pilot:
        await settle(again, pilot)
        assert number in again.drafts  # said, and waiting in its case
        await open_beside(again, pilot, number)
        composer = again.lists.query_one("#composer-text")
        assert composer.text == "Hej! Vi har"
        await press(again, pilot, "r")
        await pilot.press(*" löst det.")
        await press(again, pilot, "ctrl+s")
        await settle(again, pilot)
    assert service.drafts() == []
    assert service.get_case(number).messages[-1].text == "Hej! Vi har löst det."


async def test_the_palette_and_the_read_all_channels_view_offer_what_may_be_done(
        demo: Path) -> None:
    agent = app_for(demo, "bo")
    async with agent.run_test(size=(160, 40)) as pilot:
        await settle(agent, pilot)
        agent.lists.action_search()  # a text field has the focus, as the palette's own has
        await settle(agent, pilot)
        offered = {c.title for c in agent.get_system_commands(agent.screen)}
        assert "Svara" in offered
        assert "Agenter" not in offered  # bo is no supervisor
        assert "Skärmbild" in offered
    # Over SSH no screenshot: it would be a file written on the server, not theirs.
    remote = CasedeskApp(lambda: CaseService(Database(demo), "bo"), poll_seconds=0,
                         language="sv", over_ssh=True)
    async with remote.run_test(size=(160, 40)) as pilot:
        await settle(remote, pilot)
        offered = {c.title for c in remote.get_system_commands(remote.screen)}
        assert "Svara" in offered
        assert "Skärmbild" not in offered
    boss = read_all_app(demo)
    async with boss.run_test(size=(160, 40)) as pilot:
        await settle(boss, pilot)
        offered = {c.title for c in boss.get_system_commands(boss.screen)}
        assert "Agenter" in offered
        assert "Svara" not in offered  # read-all changes nothing
        await press(boss, pilot, "4")
        modal = boss.screen
        assert isinstance(modal, ChannelsModal)
        members = modal.query_one("#members", OptionList)
        first = modal.channels[0]
        assert members.option_count == len(first.members)  # every member, to look through


async def test_a_deactivated_agents_open_tui_ends_saying_why(demo: Path) -> None:
    """A session left open when a supervisor deactivates its agent (an SSH session, a
    terminal left on) is not left showing cases it can no longer act on."""
    app = app_for(demo, "bo")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        CaseService(Database(demo), "supervisor").set_active("bo", active=False)
        try:
            app.check_changes()  # the poll, triggered
            await settle(app, pilot)
            assert app.return_code == 1
            assert app._exit_renderables  # what is said on the terminal once it is left
            assert "deactivated" in str(app._exit_renderables[0])
        finally:
            CaseService(Database(demo), "supervisor").set_active("bo", active=True)
