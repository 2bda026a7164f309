"""Shared fixtures: a fresh SQLite file per test, a factory for the usual team, and
an injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.db import Database
from store.service import CaseService, ContactInput, MessageInput, bootstrap


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@dataclass
class Team:
    """A small team: `boss` (supervisor), `anna` and `bo` (agents).

    Channels: Support (email; anna, bo), Chat (chat; anna), Telefon (phone; bo).
    """

    db: Database
    clock: Clock

    def as_(self, login: str) -> CaseService:
        return CaseService(self.db, login, clock=self.clock)

    @property
    def system(self) -> CaseService:
        return CaseService.system(self.db, clock=self.clock)

    def new_case(self, *, channel: str = "Support", login: str = "anna",
                 email: str = "kund@example.se", name: str = "Karin Kund",
                 title: str = "Fakturan stämmer inte", text: str = "Hej, fakturan är fel.",
                 escalated: bool = False) -> int:
        return self.as_(login).create_case(
            channel=channel, contact=ContactInput(name=name, email=email), title=title,
            messages=[MessageInput(text)] if text else [], escalated=escalated,
        )


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "casedesk.db")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def team(db: Database, clock: Clock) -> Team:
    bootstrap(db, "boss", name="Britt Boss", clock=clock)
    boss = CaseService(db, "boss", clock=clock)
    boss.add_agent("anna", name="Anna Berg", email="anna@example.se")
    boss.add_agent("bo", name="Bo Ek")
    boss.add_channel("Support", kind="email", address="support@example.se")
    boss.add_channel("Chat", kind="chat")
    boss.add_channel("Telefon", kind="phone")
    for channel, login in [("Support", "anna"), ("Support", "bo"), ("Chat", "anna"),
                           ("Telefon", "bo")]:
        boss.set_membership(channel, login, member=True)
    return Team(db, clock)
