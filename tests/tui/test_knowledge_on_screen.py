"""The knowledge base in the TUI: the open case's best articles under its facts (their
titles as written, never markup or escapes), and ctrl+g in the composer puts one — its
link or its text — into the reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static, TextArea
from tuikit import SCREENS, open_beside, press, screen_text, settle

from store.db import Database
from store.knowledge import KnowledgeBase
from store.service import CaseService, ContactInput, MessageInput
from tui.app import CasedeskApp
from tui.screens import ChoiceModal
from tui.widgets.composer import Composer

pytestmark = pytest.mark.sqlite_only

ARTICLES = {
    "losenord.md": "---\ntitle: Återställ ditt lösenord [b]nu[/b]\x1b[31m\n"
                   "url: https://help.example.se/losenord\n---\n"
                   "Gå till Mina sidor och välj Glömt lösenord. Länken i mejlet gäller "
                   "i 30 minuter.\n",
    "oppettider.md": "---\ntitle: Öppettider\n---\nKundtjänst har öppet vardagar 8–17.\n",
    "leverans.md": "---\ntitle: Leveranstider\n---\nPaketet kommer inom 2–5 arbetsdagar.\n",
}


def with_articles(demo: Path, folder: Path) -> tuple[Database, int]:
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = Database(demo, knowledge=KnowledgeBase(folder))
    number = CaseService(db, "supervisor").create_case(
        channel="Support", contact=ContactInput(name="Kim Kund", email="kim@kund.se"),
        title="Glömt lösenord", messages=[MessageInput(
            "Hej! Jag har glömt mitt lösenord och länken i mejlet fungerar inte.")])
    return db, number


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_best_articles_show_and_one_goes_into_the_reply(
        demo: Path, tmp_path: Path, size: tuple[int, int], language: str) -> None:
    db, number = with_articles(demo, tmp_path / "artiklar")
    app = CasedeskApp(lambda: CaseService(db, "supervisor"), poll_seconds=0,
                      language=language)
    async with app.run_test(size=size) as pilot:
        await open_beside(app, pilot, number)
        bar = app.query_one("#articles", Static)
        assert bar.has_class("-shown")
        shown = str(bar.render())
        # The best first; the title as written: the markup as text, the escape a marker.
        assert "Återställ ditt lösenord [b]nu[/b]" in shown.split("·")[0]
        assert "\x1b" not in shown
        assert ("Artiklar (ctrl+g i svaret)" if language == "sv"
                else "Articles (ctrl+g in the reply)") in screen_text(app)
        await press(app, pilot, "r", "ctrl+g")
        modal = app.screen
        assert isinstance(modal, ChoiceModal)
        labels = [label for label, _ in modal.choices]
        assert labels[0].endswith("https://help.example.se/losenord")  # its link first
        await press(app, pilot, "enter")
        area = app.query_one(Composer).query_one(TextArea)
        assert area.text == "https://help.example.se/losenord"
        await press(app, pilot, "ctrl+g", "down", "enter")  # then its text
        assert area.text.endswith("Gå till Mina sidor och välj Glömt lösenord. Länken i "
                                  "mejlet gäller i 30 minuter.")


async def test_without_a_knowledge_base_no_articles_show(demo: Path) -> None:
    app = CasedeskApp(lambda: CaseService(Database(demo), "supervisor"), poll_seconds=0,
                      language="sv")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert app.lists.shown is not None  # type: ignore[attr-defined]
        assert not app.query_one("#articles", Static).has_class("-shown")
