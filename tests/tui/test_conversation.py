"""The conversation beside the list: its messages in order with a note unmistakable
and an event apart, a long thread scrolled to its end, sending with a status from the
composer, and no database call on the event loop."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.style import Style
from sqlalchemy import event
from textual.widgets import Button, Select, TextArea
from tuikit import NOW, SCREENS, app_for, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService, ContactInput, MessageInput
from tui.app import CasedeskApp
from tui.caselist import WINDOW
from tui.screens import FilterModal
from tui.widgets.case_detail import CaseDetail, CaseFacts
from tui.widgets.case_table import CaseTable
from tui.widgets.composer import Composer

pytestmark = pytest.mark.sqlite_only

SIZE = (160, 45)


class Ticking:
    """A clock a second later at every look, after every demo case: what it writes
    comes first in the list, and its messages in the order written."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def author(path: Path) -> CaseService:
    return CaseService(Database(path), "supervisor", clock=Ticking(NOW + timedelta(days=1)))


def new_case(service: CaseService, title: str, first: str) -> int:
    return service.create_case(
        channel="Support", title=title, messages=[MessageInput(first)],
        contact=ContactInput(name="Karin Kund", email="karin@example.se"))


def screen_lines(app: CasedeskApp, widget: Any) -> list[tuple[str, list[Style]]]:
    """What the screen shows in `widget`'s content region, line by line: the text and
    the styles of its pieces (from the compositor: what the agent sees)."""
    strips = app.screen._compositor.render_strips()
    region = widget.content_region
    lines = []
    for y in range(region.y, region.bottom):
        strip = strips[y].crop(region.x, region.right)
        lines.append((strip.text, [s.style for s in strip if s.style and s.text.strip()]))
    return lines


def line_of(lines: list[tuple[str, list[Style]]], text: str) -> int:
    found = [i for i, (line, _) in enumerate(lines) if text in line]
    assert len(found) == 1, (text, [line for line, _ in lines])
    return found[0]


async def open_top_case(app: CasedeskApp, pilot, number: int) -> CaseDetail:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    table = app.query_one(CaseTable)
    assert table.current is not None
    assert table.current.number == number  # the newest case, at the top
    await pilot.press("enter")
    await settle(app, pilot)
    detail = app.query_one(CaseDetail)
    assert detail.shown is not None
    assert detail.shown.number == number
    return detail


async def test_the_conversation_in_order_a_note_marked_intern_an_event_apart(
    demo: Path,
) -> None:
    service = author(demo)
    number = new_case(service, "Fråga om fakturan", "KUND: beloppet stämmer inte")
    service.reply(number, "SVAR: vi rättar fakturan")
    service.note(number, "NOTIS: kolla med ekonomi först")
    service.set_status(number, "parked")
    view = service.get_case(number)
    # (the reply opened the new case: an event of its own)
    assert [m.kind for m in view.messages] == ["customer", "reply", "event", "note", "event"]
    assert view.messages[-1].text == "Status: open → parked"
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_top_case(app, pilot, number)
        lines = screen_lines(app, detail)
        texts = [line for line, _ in lines]
        customer = line_of(lines, "KUND: beloppet stämmer inte")
        reply = line_of(lines, "SVAR: vi rättar fakturan")
        note = line_of(lines, "NOTIS: kolla med ekonomi först")
        status = line_of(lines, "Status: Öppet → Parkerat")  # in the UI's language
        assert customer < reply < note < status  # the store's order, on screen
        # Each message under its own heading, right above it.
        assert texts[customer - 1].startswith(" Kund ")
        assert texts[reply - 1].startswith(" Svar till kunden ")
        assert texts[note - 1].startswith(" INTERN ANTECKNING ")
        assert "INTERN" not in texts[reply - 1]
        assert sum("INTERN" in line for line in texts) == 1  # the note's only
        # The note's heading stands out on a colour of its own, its text on a background
        # of its own; the reply and the customer's message are plain text on the detail.
        plain = lines[reply][1][0]  # the reply's text
        note_heading, reply_heading = lines[note - 1][1][0], lines[reply - 1][1][0]
        assert note_heading.bold
        assert note_heading.bgcolor != plain.bgcolor
        assert reply_heading.bgcolor == plain.bgcolor
        assert all(s.bgcolor not in (plain.bgcolor, note_heading.bgcolor)
                   for s in lines[note][1])
        assert all(s.bgcolor == plain.bgcolor for s in lines[customer][1])
        # The event: one italic line in a colour of its own, no heading, no background.
        assert texts[status].lstrip().startswith("— ")
        assert all(s.italic and s.color != plain.color and s.bgcolor == plain.bgcolor
                   for s in lines[status][1])
        assert not any(s.italic for s in lines[reply][1] + lines[customer][1])
        assert not texts[status - 1].strip()  # a blank line above, no heading
        facts = screen_lines(app, app.query_one(CaseFacts))  # pinned above
        assert "Parkerat" in facts[line_of(facts, "Status ")][0]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_long_thread_scrolls_to_its_last_message(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = author(demo)
    number = service.create_case(
        channel="Support", title="En lång tråd",
        contact=ContactInput(name="Karin Kund", email="karin@example.se"),
        messages=[MessageInput(f"Meddelande {i} av 60") for i in range(1, 61)])
    assert service.get_case(number).messages[-1].text == "Meddelande 60 av 60"
    app = app_for(demo, language=language)
    app.animation_level = "none"  # a scroll lands at once: this is about where, not how
    async with app.run_test(size=size) as pilot:
        detail = await open_top_case(app, pilot, number)

        def visible() -> list[str]:
            return [line for line, _ in screen_lines(app, detail)]

        def facts() -> list[str]:
            return [line for line, _ in screen_lines(app, app.query_one(CaseFacts))]

        # Opened at its newest message, the facts pinned above the conversation.
        assert detail.max_scroll_y > 0  # the thread is longer than the detail
        assert detail.scroll_offset.y == detail.max_scroll_y
        assert any("Meddelande 60 av 60" in line for line in visible()), visible()
        assert not any("Meddelande 1 av 60" in line for line in visible())
        assert any(f"#{number}  En lång tråd" in line for line in facts())
        detail.focus()
        await pilot.press("home")  # the key, as an agent scrolls
        await settle(app, pilot)
        assert any("Meddelande 1 av 60" in line for line in visible()), visible()
        assert not any("Meddelande 60 av 60" in line for line in visible())
        assert any(f"#{number}  En lång tråd" in line for line in facts())  # still there
        await pilot.press("end")
        await settle(app, pilot)
        assert any("Meddelande 60 av 60" in line for line in visible()), visible()


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_case_opens_with_its_newest_customer_message_on_screen(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = author(demo)
    number = service.create_case(
        channel="Support", title="Leveransen",
        contact=ContactInput(name="Karin Kund", email="karin@example.se"),
        messages=[MessageInput(f"Tidigare fråga {i}") for i in range(1, 20)]
        + [MessageInput("KUNDENS SENASTE: var är paketet?")])
    # A long answer of ours after it: the end alone would hide the customer's words.
    service.reply(number, "\n".join(f"Rad {i} i vårt långa svar." for i in range(1, 40)))
    app = app_for(demo, language=language)
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        detail = await open_top_case(app, pilot, number)
        shown = [line for line, _ in screen_lines(app, detail)]
        assert any("KUNDENS SENASTE: var är paketet?" in line for line in shown), shown
        assert not any("Tidigare fråga 1 " in line + " " for line in shown)


@pytest.mark.parametrize(("start", "status"), [("open", "parked"), ("waiting", "open")])
async def test_sending_with_a_status_from_the_composer(demo: Path, start: str,
                                                         status: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    rows = service.list_cases(CaseFilter(limit=WINDOW))
    index = next(i for i, r in enumerate(rows) if r.status == start)
    number = rows[index].number
    text = "Tack!"  # short: every key is a round trip through the app
    replies = len([m for m in service.get_case(number).messages if m.kind == "reply"])
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*["down"] * index, "enter")
        await settle(app, pilot)
        assert app.query_one(CaseDetail).shown.number == number
        await pilot.press("r", *text)
        composer = app.query_one(Composer)
        assert not composer.note
        composer.query_one(Select).value = status
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        view = service.get_case(number)
        assert view.status == status
        sent = [m for m in view.messages if m.kind == "reply"]
        assert len(sent) == replies + 1
        assert sent[-1].text == text
        assert sent[-1].author == service.whoami().name
        assert [m.text for m in view.messages if m.kind == "event"][-1] == (
            f"Status: {start} → {status}")
        assert app.query_one(CaseDetail).shown.status == status  # the detail follows
        assert composer.query_one(TextArea).text == ""


@contextmanager
def calls_on_the_loop(app: CasedeskApp) -> Iterator[tuple[list[str], list[str]]]:
    """Every statement the app's engine runs meanwhile, and the stack of each one
    run on the thread of Textual's event loop."""
    everything: list[str] = []
    on_loop: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        everything.append(statement)
        if threading.current_thread() is threading.main_thread():
            on_loop.append(statement + "\n" + "".join(traceback.format_stack()))

    engine = app.service.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield everything, on_loop
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_no_database_call_runs_on_the_event_loop(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    seen_on: list[bool] = []
    with calls_on_the_loop(app) as (everything, on_loop):
        app.service.latest_change()  # the check sees a call made on this thread
        assert on_loop
        on_loop.clear()
        everything.clear()
        async with app.run_test(size=SIZE) as pilot:
            # The assumption the check rests on: the event loop is the main thread.
            assert threading.current_thread() is threading.main_thread()
            app.call_later(lambda: seen_on.append(
                threading.current_thread() is threading.main_thread()))
            await settle(app, pilot)
            assert seen_on == [True]
            assert app._thread_id == threading.main_thread().ident
            assert everything, "the list was read"
            table = app.query_one(CaseTable)
            await pilot.press("pagedown", "pagedown")
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            shown = app.query_one(CaseDetail).shown
            assert shown is not None
            assert shown.number == table.current.number
            await pilot.press("f")
            await settle(app, pilot)
            assert isinstance(app.screen, FilterModal)
            app.screen.query_one("#priority", Select).value = "high"
            app.screen.query_one("#apply", Button).press()
            await settle(app, pilot)
            assert table.window.total == service.count_cases(CaseFilter(priority="high"))
            target = table.current.number  # `n` in the list: the case under the cursor
            await pilot.press("n")
            await settle(app, pilot)
            await pilot.press(*"notis", "ctrl+s")
            await settle(app, pilot)
            last = service.get_case(target).messages[-1]
            assert (last.kind, last.text) == ("note", "notis")
    assert any(s.startswith("INSERT INTO message") for s in everything)  # the write too
    assert on_loop == [], "\n\n".join(on_loop)
