"""The team's quick replies in the TUI (`5`, a supervisor's): made, changed and removed
through the store, an unknown variable refused in the store's words with nothing
saved, a hostile title shown as written (an agent is not offered the key:
test_audit_trail.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, OptionList
from tuikit import SCREENS, app_for, press, screen_text, settle

from store.db import Database
from store.quick_replies import QuickReplyView
from store.service import CaseService
from tui.app import CasedeskApp
from tui.screens import ConfirmModal, QuickRepliesModal
from tui.widgets.composer import ComposerText

pytestmark = pytest.mark.sqlite_only


def fill(modal: QuickRepliesModal, title: str, text: str, english: str = "") -> None:
    modal.query_one("#quick-title", Input).value = title
    modal.query_one("#quick-text", ComposerText).text = text
    modal.query_one("#quick-english", ComposerText).text = english


def notices(app: CasedeskApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_a_supervisor_makes_changes_and_removes_a_quick_reply(
        demo: Path, size: tuple[int, int], language: str) -> None:
    service = CaseService(Database(demo), "supervisor")
    before = service.quick_reply_list()
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "5")
        modal = app.screen
        assert isinstance(modal, QuickRepliesModal)
        listed = modal.query_one("#quick-list", OptionList)
        assert listed.option_count == len(before)
        # The first one shown in the form, both its texts as written.
        assert modal.query_one("#quick-title", Input).value == before[0].title
        assert modal.query_one("#quick-english", ComposerText).text == (before[0].english or "")
        await press(app, pilot, "ctrl+n")
        assert app.focused is modal.query_one("#quick-title", Input)
        fill(modal, "[b]Leverans[/b] klar", "Hej {kontakt.förnamn}! Paketet är på väg. {markör}",
             "Hi {contact.first_name}! Your parcel is on its way. {cursor}")
        await press(app, pilot, "ctrl+s")
        made = QuickReplyView("[b]Leverans[/b] klar",
                              "Hej {kontakt.förnamn}! Paketet är på väg. {markör}",
                              "Hi {contact.first_name}! Your parcel is on its way. {cursor}")
        assert made in service.quick_reply_list()
        assert "[b]Leverans[/b] klar" in screen_text(app)  # as written, never markup
        # An unknown variable: the store's words, nothing saved.
        fill(modal, "[b]Leverans[/b] klar", "Hej {kund}!")
        await press(app, pilot, "ctrl+s")
        assert any("unknown variable {kund}" in n for n in notices(app))
        assert made in service.quick_reply_list()
        # Renamed and changed: the one in the form, not a new one.
        fill(modal, "Leverans klar", "Hej {namn}! Paketet är på väg.")
        await press(app, pilot, "ctrl+s")
        replies = service.quick_reply_list()
        assert QuickReplyView("Leverans klar", "Hej {namn}! Paketet är på väg.") in replies
        assert len(replies) == len(before) + 1
        # Removed, once confirmed.
        modal.query_one("#remove", Button).press()
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await press(app, pilot, "y")
        assert service.quick_reply_list() == before
        assert listed.option_count == len(before)
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, QuickRepliesModal)

