"""Answering from the TUI: a reply or an internal note, the status in the same step,
drafts that wait, and a conflict explained rather than overwritten."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import OptionList, Select, TextArea
from tuikit import SCREENS, app_for, settle

from store.db import Database
from store.queries import CaseFilter
from store.service import CaseService
from tui.screens import ChoiceModal, ConfirmModal
from tui.widgets.case_detail import CaseDetail
from tui.widgets.composer import Composer, Draft

pytestmark = pytest.mark.sqlite_only


async def open_first_open_case(app, pilot, service):  # type: ignore[no-untyped-def]
    """Move the cursor to the first case that is open and press Enter."""
    rows = service.list_cases(CaseFilter(limit=1000))
    index = next(i for i, r in enumerate(rows) if r.status == "open")
    await settle(app, pilot)
    await pilot.press(*["down"] * index, "enter")
    await settle(app, pilot)
    assert app.query_one(CaseDetail).shown.number == rows[index].number
    return rows[index].number


async def test_a_reply_and_the_status_in_one_step(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        await pilot.press("r")
        composer = app.query_one(Composer)
        assert not composer.note
        assert composer.border_title == "Svar till kunden"
        await pilot.press(*"Hej! Nu är det fixat.")
        composer.query_one(Select).value = "waiting"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        view = service.get_case(number)
        assert view.status == "waiting"
        assert [m for m in view.messages if m.kind == "reply"][-1].text == "Hej! Nu är det fixat."
        assert composer.query_one(TextArea).text == ""  # sent: the draft is gone
        # The case answered keeps the focus: the next key acts on it.
        assert app.focused is app.query_one(CaseDetail)
        await pilot.press("n")
        await settle(app, pilot)
        assert composer.display
        assert composer.note
        assert app.query_one(CaseDetail).shown.number == number


async def test_a_note_is_unmistakable_and_stays_internal(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        replies_before = [m for m in service.get_case(number).messages if m.kind == "reply"]
        await pilot.press("n")
        composer = app.query_one(Composer)
        assert composer.note
        assert composer.has_class("-note")
        assert "INTERN" in composer.border_title
        await pilot.press("ctrl+t")  # one key switches…
        assert not composer.note
        await pilot.press("ctrl+t")  # …and back
        await pilot.press("@")
        await settle(app, pilot)
        options = app.screen.query_one(OptionList)
        options.highlighted = [v.strip() for _, v in app.screen.choices].index("anna")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"kan du titta?", "ctrl+s")
        await settle(app, pilot)
        view = service.get_case(number)
        note = [m for m in view.messages if m.kind == "note"][-1]
        assert note.text == "@anna kan du titta?"
        assert note.mentions == ("anna",)
        assert [m for m in view.messages if m.kind == "reply"] == replies_before


async def test_a_draft_waits_for_its_case(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        await pilot.press("n", *"halvfärdig tanke", "escape", "down", "enter")
        await settle(app, pilot)
        composer = app.query_one(Composer)
        assert app.query_one(CaseDetail).shown.number != number
        assert composer.query_one(TextArea).text == ""
        await pilot.press("up", "enter")
        await settle(app, pilot)
        assert app.query_one(CaseDetail).shown.number == number
        assert composer.query_one(TextArea).text == "halvfärdig tanke"
        assert composer.note


async def test_a_conflict_is_explained_and_the_draft_kept(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        # Someone else parks the case while this agent writes.
        CaseService(Database(demo), "anna").set_status(number, "parked")
        await pilot.press("r", *"Svar med gammal bild")
        app.query_one(Composer).query_one(Select).value = "solved"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert service.get_case(number).status == "parked"  # nothing overwritten
        assert [m for m in service.get_case(number).messages
                if m.text == "Svar med gammal bild"] == []
        assert app.query_one(Composer).query_one(TextArea).text == "Svar med gammal bild"
        # Offered, not done behind the agent's back: the detail shows what they saw.
        assert isinstance(app.screen, ConfirmModal)
        assert "har ändrats av någon annan" in app.screen.question
        assert app.query_one(CaseDetail).shown.status == "open"
        await pilot.press("j")
        await settle(app, pilot)
        assert app.query_one(CaseDetail).shown.status == "parked"  # reloaded
        assert app.query_one(Composer).query_one(TextArea).text == "Svar med gammal bild"
        # Sent again on what is there now, it goes through.
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert service.get_case(number).status == "solved"
        assert any(m.text == "Svar med gammal bild" for m in service.get_case(number).messages)


async def test_a_status_the_lifecycle_refuses_says_why_in_the_ui_language(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    rows = service.list_cases(CaseFilter(limit=1000))
    index = next(i for i, r in enumerate(rows) if r.status == "solved")
    number = rows[index].number
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press(*["down"] * index, "enter")
        await settle(app, pilot)
        await pilot.press("r", *"Vi väntar på dig")
        composer = app.query_one(Composer)
        # The composer offers what the store allows a solved case (not Väntar)…
        assert composer.offered == ("solved", "open")
        # …so the refusal comes to a send made on an older word: a draft with Väntar.
        composer.post_message(Composer.Sent(Draft("Vi väntar på dig", False, "waiting")))
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        # A supervisor may also close it; an agent could only reopen it.
        assert "Ett ärende som är Löst kan inte bli Väntar. Det kan bli: Öppet, Stängt." in said
        assert service.get_case(number).status == "solved"
        assert all(m.text != "Vi väntar på dig" for m in service.get_case(number).messages)
        assert app.query_one(Composer).query_one(TextArea).text == "Vi väntar på dig"


async def quick_replies_offered(app, pilot, service) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The first open case opened, `r` and `ctrl+r` pressed: its number and its contact's
    first name, the quick replies on screen."""
    from tui.screens import ChoiceModal

    number = await open_first_open_case(app, pilot, service)
    await pilot.press("r", "ctrl+r")
    await settle(app, pilot)
    assert isinstance(app.screen, ChoiceModal)
    return number, service.get_case(number).contact.name.split()[0]


async def test_quick_replies_and_earlier_replies_fill_in_the_text(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number, first_name = await quick_replies_offered(app, pilot, service)
        titles = [title for title, _ in app.screen.choices]
        assert "Behöver ordernummer" in titles
        await pilot.press(*["down"] * titles.index("Behöver ordernummer"), "enter")
        await settle(app, pilot)
        text = app.query_one(Composer).query_one(TextArea).text
        assert text.startswith(f"Hej {first_name}!")
        assert "ordernummer" in text
        await pilot.press("ctrl+n")
        assert app.query_one(Composer).query_one(TextArea).text == ""
        service.reply(number, "Ett tidigare svar.")  # the newest reply comes first
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one(Composer).query_one(TextArea).text == "Ett tidigare svar."


async def test_a_quick_reply_puts_the_cursor_at_its_mark(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    service.add_quick_reply("Aaa markör", "Hej {kontakt.förnamn}!\n\n{markör}\n\nMvh {agent.namn}")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        _number, first_name = await quick_replies_offered(app, pilot, service)
        assert app.screen.choices[0][0]  # type: ignore[attr-defined] == "Aaa markör"
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"Tack")
        text = app.query_one(Composer).query_one(TextArea).text
        me = next(a for a in service.list_agents() if a.login == "supervisor")
        assert text == f"Hej {first_name}!\n\nTack\n\nMvh {me.name or me.login}"


async def test_at_in_a_note_offers_the_colleagues_who_may_read_the_case(demo: Path) -> None:
    from tui.screens import ChoiceModal

    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        channel = service.get_case(number).channel
        readers = sorted(a.login for a in service.list_agents() if a.is_active
                         and (a.is_supervisor or channel in a.channels))
        await pilot.press("n", *"Fråga ", "@")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        offered = sorted(str(value).strip() for _, value in app.screen.choices)
        assert offered == readers
        await pilot.press("enter")
        await settle(app, pilot)
        text = app.query_one(Composer).query_one(TextArea).text
        assert text == f"Fråga @{offered[0]} "  # the first offered, highlighted at once
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        note = [m for m in service.get_case(number).messages if m.kind == "note"][-1]
        assert note.mentions == (offered[0],)


async def test_at_in_a_reply_is_just_a_character(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_first_open_case(app, pilot, service)
        await pilot.press("r", *"mejla support@example.se")
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]  # no list of colleagues popped up
        assert app.query_one(Composer).query_one(TextArea).text == "mejla support@example.se"


async def test_a_customers_name_or_a_paste_enters_the_composer_only_as_visible_text(
        demo: Path) -> None:
    from textual import events

    from store.service import ContactInput

    service = CaseService(Database(demo), "supervisor")
    hostile = "\x1b[2J\x1b]0;pwned\x07\u202eEVIL Person"
    number = service.create_case(channel="Support", title="Kvitto",
                                 contact=ContactInput(name=hostile, email="e@example.se"))
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one(CaseDetail).shown.number == number
        await pilot.press("r", "ctrl+r")
        await settle(app, pilot)
        await pilot.press("enter")  # the first quick reply: "Hej {namn}!" filled in
        await settle(app, pilot)
        area = app.query_one(Composer).query_one(TextArea)
        area.post_message(events.Paste("klistrat \x1b]52;c;ZXZpbA==\x07 slut"))
        await settle(app, pilot)
        text = area.text
        assert "Hej ␛[2J␛]0;pwned␇⟨RLO⟩EVIL!" in text
        assert "klistrat ␛]52;c;ZXZpbA==␇ slut" in text
        assert not [ch for ch in text if ch in "\x1b\x07\u202e"]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_composer_takes_room_only_while_the_agent_writes(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await open_first_open_case(app, pilot, service)
        composer = app.query_one(Composer)
        assert not composer.display  # reading: the conversation has the rows
        await pilot.press("r")
        await settle(app, pilot)
        assert composer.display
        await pilot.press("escape")  # nothing written: it goes
        await settle(app, pilot)
        assert not composer.display
        await pilot.press("r", *"Hej")
        await pilot.press("escape")
        await settle(app, pilot)
        # A draft stays in sight where there is room; on a small terminal it is put
        # away, kept, and back with `r`.
        assert composer.display is (size[1] >= 32)
        await pilot.press("r")
        await settle(app, pilot)
        assert composer.display
        assert composer.draft.text == "Hej"


async def test_read_all_shows_no_composer(demo: Path) -> None:
    from tui.app import CasedeskApp

    app = CasedeskApp(lambda: CaseService.read_all(Database(demo, read_only=True),
                                                   "supervisor"), poll_seconds=0, language="sv")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "r")
        await settle(app, pilot)
        assert app.query_one(CaseDetail).shown is not None
        assert not app.query_one(Composer).display


async def test_a_mailed_reply_says_queued_until_the_outbox_has_sent_it(demo: Path) -> None:
    from smtpserver import SmtpServer  # (tests/: a real aiosmtpd server)
    from tuikit import screen_text

    from mail.sender import Sender
    from mail.settings import SmtpSettings

    service = CaseService(Database(demo), "supervisor")
    rows = service.list_cases(CaseFilter(limit=1000))
    index = next(i for i, r in enumerate(rows)
                 if r.status == "open" and service.get_case(r.number).channel_kind == "email")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press(*["down"] * index, "enter")
        await settle(app, pilot)
        await pilot.press("r", *"Tack, det är ordnat.", "ctrl+s")
        await settle(app, pilot)
        assert any("ligger i kö och skickas strax" in str(n.message) for n in app._notifications)
        detail = app.query_one(CaseDetail)
        assert detail.shown.messages[-1].delivery == "queued"
        assert "i kö" in screen_text(app)
        with SmtpServer() as smtp:
            sender = Sender(Database(demo), SmtpSettings(host=smtp.host, port=smtp.port,
                                                         security="none"))
            sent = await asyncio.to_thread(sender.send_once)  # (its own event loop)
            assert sent.outcomes == {"sent": 1}
        app.check_changes()  # the change poll, triggered
        await settle(app, pilot)
        assert detail.shown.messages[-1].delivery == "sent"
        assert "skickat" in screen_text(app)


async def test_the_at_picker_narrows_as_the_agent_types_on(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        await pilot.press("n", *"Fråga ", "@")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        offered = [str(v).strip() for _, v in app.screen.choices]
        target = next(login for login in offered if login != offered[0])
        await pilot.press(*target[:3])  # typed on, as after an @ in any editor
        await settle(app, pilot)
        shown = [str(app.screen.choices[i][1]).strip() for i in app.screen.shown]
        assert target in shown
        assert len(shown) < len(offered)
        assert all(target[:3] in app.screen.choices[i][0].casefold() for i in app.screen.shown)
        await pilot.press(*["down"] * shown.index(target), "enter")
        await settle(app, pilot)
        assert app.query_one(Composer).query_one(TextArea).text == f"Fråga @{target} "
        assert number == app.query_one(CaseDetail).shown.number


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_earlier_replies_are_previewed_with_their_line_breaks(
        demo: Path, size: tuple[int, int], language: str) -> None:
    from tuikit import screen_text

    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        number = await open_first_open_case(app, pilot, service)
        long_line = "En lång rad som inte får plats i rutan utan kortas av med en ellips."
        service.reply(number, f"Första raden.\n{long_line}\nAndra raden.")
        await pilot.press("r", "ctrl+o")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        shown = screen_text(app)
        assert "␊" not in shown
        assert "  Första raden." in shown
        assert "  Andra raden." in shown
        assert f"  {long_line[:49]}…" in shown  # cut where the choice ends, and said so


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_closed_case_takes_a_note_but_no_reply(
        demo: Path, size: tuple[int, int], language: str) -> None:
    from tuikit import said

    from tui.words import statuses

    service = CaseService(Database(demo), "supervisor")
    (closed,) = service.list_cases(CaseFilter(statuses=("closed",), limit=1))
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.go_to_case(closed.number)
        await settle(app, pilot)
        composer = app.query_one(Composer)
        await pilot.press("r")
        await settle(app, pilot)
        assert not composer.display  # no reply: said why, and what to do instead
        assert said("#{number} är {status}: ett svar till kunden blir ett nytt ärende (N). "
                    "En intern anteckning (n) går bra.", number=closed.number,
                    status=statuses()["closed"].lower()) in [
            str(n.message) for n in app._notifications]
        await pilot.press("n")
        await settle(app, pilot)
        assert composer.display
        assert composer.note
        await pilot.press("ctrl+t")  # not to a reply
        await settle(app, pilot)
        assert composer.note


async def test_a_card_number_in_a_reply_is_masked_and_the_agent_told(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        number = await open_first_open_case(app, pilot, service)
        await pilot.press("r", *"Kortet 4111 1111 1111 1111 är spärrat.", "ctrl+s")
        await settle(app, pilot)
        (reply,) = [m for m in service.get_case(number).messages if m.kind == "reply"][-1:]
        assert reply.text == "Kortet •••• •••• •••• 1111 är spärrat."
        assert any("maskerades" in str(n.message) for n in app._notifications)


async def test_opening_a_case_is_one_read_in_the_access_log(demo: Path) -> None:
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        service = CaseService(Database(demo), "supervisor")
        number = await open_first_open_case(app, pilot, service)
        app.lists.side.reload()  # read anew (another process changed it): no read
        await settle(app, pilot)
        app.service.db.reads.flush()
        reads = service.case_reads(case=number)
        assert [(r.login, r.via) for r in reads] == [("supervisor", "tui")]
