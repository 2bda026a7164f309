"""A web form's fields among the facts of its case, as the form named them: never
markup, a long name cut so the facts stay a column."""

from __future__ import annotations

from pathlib import Path

from tuikit import app_for, open_beside, screen_text, settle

from store.db import Database
from store.inputs import ContactInput, MessageInput
from store.service import CaseService


async def test_the_fields_are_facts_of_the_case(demo: Path) -> None:
    number = CaseService(Database(demo), "supervisor").create_case(
        channel="Support", contact=ContactInput(name="Kim Kund", email="kim@kund.se"),
        title="Retur", messages=[MessageInput("Lampan ska tillbaka.")],
        fields={"ordernummer": "4457000", "[b]kategori[/b]": "[red]Retur",
                "ett mycket långt fältnamn": "x"})
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await open_beside(app, pilot, number)
        text = " ".join(screen_text(app).split())  # the facts' column padding aside
        assert "ordernummer 4457000" in text
        assert "[b]kategori[/b] [red]Retur" in text
        assert "ett mycket långt x" in text
