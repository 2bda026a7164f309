"""The metrics screen (`6`): the report's figures for the last 30 days beside the
plots, read in a worker and read again when the store changes; the period and channel
chosen by key; a supervisor picks an agent's column, an agent sees their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, Static
from textual_plotext import PlotextPlot
from tuikit import NOW, press, settle

from store.db import Database
from store.inputs import ContactInput, MessageInput
from store.service import CaseService
from tui.app import CasedeskApp
from tui.screens import ChoiceModal
from tui.screens.metrics import MetricsScreen

pytestmark = pytest.mark.sqlite_only


def service_at_now(path: Path, login: str = "supervisor") -> CaseService:
    """The demo's own time: its last 30 days are the default period."""
    return CaseService(Database(path), login, clock=lambda: NOW)


def app_at_now(path: Path, login: str = "supervisor", language: str = "sv") -> CasedeskApp:
    return CasedeskApp(lambda: service_at_now(path, login), poll_seconds=0,
                       language=language)


def shown(screen: MetricsScreen) -> str:
    title = str(screen.query_one("#metrics-title", Label).render())
    table = screen.query_one("#metrics-table", Static).content
    from rich.console import Console

    console = Console(width=60, record=True)
    console.print(table)
    return title + "\n" + console.export_text()


async def test_the_figures_and_plots_and_what_changes_them(demo: Path) -> None:
    service = service_at_now(demo)
    report = service.report()
    app = app_at_now(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        # In the palette too, described.
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Nyckeltal"].startswith("Svarstider, lösta, backlog")
        await press(app, pilot, "6")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        text = shown(screen)
        assert f"Nyckeltal {report.first}" in text
        assert "alla kanaler" in text
        cases_line = next(line for line in text.splitlines() if "Ärenden" in line)
        assert cases_line.split()[-1] == str(report.total.cases)
        for name in ("backlog", "first", "days", "sla"):
            assert screen.query_one(f"#plot-{name}", PlotextPlot).draw is not None  # type: ignore[attr-defined]
        # A new case: the next poll reads the figures again.
        service.create_case(channel="Support", contact=ContactInput(name="Ny", email="ny@kund.se"),
                            title="Ny", messages=[MessageInput("Hej")])
        app.poll_changes()
        await settle(app, pilot)
        cases_line = next(line for line in shown(screen).splitlines() if "Ärenden" in line)
        assert cases_line.split()[-1] == str(report.total.cases + 1)
        # Another channel, a shorter period, an agent's column.
        await press(app, pilot, "k")
        assert isinstance(app.screen, ChoiceModal)
        await press(app, pilot, "down", "enter")
        assert screen.channel is not None
        assert screen.channel in shown(screen)
        await press(app, pilot, "p")  # 30 → 90 days
        assert screen.days == 90
        await press(app, pilot, "g")
        assert isinstance(app.screen, ChoiceModal)
        await press(app, pilot, *"bo", "enter")
        assert screen.agent == "bo"
        header = shown(screen).splitlines()[1]
        assert "Teamet" in header
        assert "bo" in header
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, MetricsScreen)


async def test_an_agent_sees_their_own_column_and_picks_no_other(demo: Path) -> None:
    app = app_at_now(demo, "bo")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "6")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        assert screen.agent == "bo"
        assert "bo" in shown(screen).splitlines()[1]
        await press(app, pilot, "g")
        assert app.screen is screen  # not offered


async def test_in_english(demo: Path) -> None:
    app = app_at_now(demo, language="en")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "6")
        text = shown(app.screen)  # type: ignore[arg-type]
        assert "Key figures" in text
        assert "Solved at first contact" in text
