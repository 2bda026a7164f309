"""The customer's satisfaction rating among the facts of a solved case, in Swedish and
English; none shown on a case not rated."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tuikit import app_for, open_beside, screen_text, settle

from store.db import Database
from store.inputs import ContactInput, MessageInput
from store.models import Satisfaction
from store.service import CaseService


async def test_the_rating_is_a_fact_of_the_case(demo: Path) -> None:
    db = Database(demo)
    db.csat = True
    boss = CaseService(db, "supervisor")
    rated, other = (boss.create_case(
        channel="Support", contact=ContactInput(name="Kim Kund", email=f"kim{n}@kund.se"),
        title="Fakturan", messages=[MessageInput("Fakturan är fel, kan ni rätta den?")])
        for n in (1, 2))
    for number in (rated, other):
        boss.reply(number, "Nu är den rättad.", status="solved")

    def rate(session) -> None:  # type: ignore[no-untyped-def]
        survey = session.get(Satisfaction, rated)
        survey.rating, survey.rated_at = 5, datetime.now(UTC)

    db.write(rate)
    for language, label in (("sv", "Betyg"), ("en", "Rating")):
        app = app_for(demo, language=language)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            await open_beside(app, pilot, rated)
            assert f"{label} 5/5" in " ".join(screen_text(app).split())
            await open_beside(app, pilot, other)
            assert label not in " ".join(screen_text(app).split())
