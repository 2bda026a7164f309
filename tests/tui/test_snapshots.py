"""How the key screens look (layout only): the overview, a case with the composer,
the filter. Fixed data, zone and size, so the pictures do not flicker."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled
from tuikit import app_for

pytestmark = [pytest.mark.sqlite_only, pytest.mark.usefixtures("stockholm_time")]

SIZE = (120, 40)


async def loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        with contextlib.suppress(WorkerCancelled):  # replaced by a newer one (tuikit.settle)
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_the_overview(snap_compare, demo_path: Path) -> None:
    assert snap_compare(app_for(demo_path), terminal_size=SIZE, run_before=loaded)


def test_a_case_with_a_note_being_written(snap_compare, demo: Path) -> None:
    """(On a copy: what is written is kept in the store as a draft.)"""
    async def open_and_write(pilot) -> None:  # type: ignore[no-untyped-def]
        await loaded(pilot)
        await pilot.press("down", "down", "enter")
        await loaded(pilot)
        await pilot.press("n", *"Kan Anna titta på detta?")
        await loaded(pilot)

    assert snap_compare(app_for(demo), terminal_size=SIZE, run_before=open_and_write)


def test_the_case_detail(snap_compare, demo_path: Path) -> None:
    async def open_case(pilot) -> None:  # type: ignore[no-untyped-def]
        await loaded(pilot)
        await pilot.press("down", "down", "down", "down", "enter")
        await loaded(pilot)

    assert snap_compare(app_for(demo_path), terminal_size=SIZE, run_before=open_case)


def test_the_case_detail_at_80x24(snap_compare, demo_path: Path) -> None:
    """The facts folded to a line, the conversation at its newest message."""
    async def open_case(pilot) -> None:  # type: ignore[no-untyped-def]
        await loaded(pilot)
        await pilot.press("down", "down", "down", "down", "enter")
        await loaded(pilot)

    assert snap_compare(app_for(demo_path), terminal_size=(80, 24), run_before=open_case)


def test_the_overview_grouped_by_status(snap_compare, demo_path: Path) -> None:
    async def group(pilot) -> None:  # type: ignore[no-untyped-def]
        await loaded(pilot)
        pilot.app.lists.group_by("status")
        await loaded(pilot)

    assert snap_compare(app_for(demo_path), terminal_size=SIZE, run_before=group)


def test_the_filter(snap_compare, demo_path: Path) -> None:
    async def open_filter(pilot) -> None:  # type: ignore[no-untyped-def]
        await loaded(pilot)
        await pilot.press("f")
        await loaded(pilot)

    assert snap_compare(app_for(demo_path), terminal_size=SIZE, run_before=open_filter)




def test_the_metrics_screen(snap_compare, demo_path: Path) -> None:
    """The figures and the four plots, over the demo's last 30 days."""
    from tuikit import NOW

    from store.db import Database
    from store.service import CaseService
    from tui.app import CasedeskApp

    async def open_metrics(pilot) -> None:  # type: ignore[no-untyped-def]
        await loaded(pilot)
        await pilot.press("6")
        await loaded(pilot)

    app = CasedeskApp(lambda: CaseService(Database(demo_path), "supervisor", clock=lambda: NOW),
                      poll_seconds=0, language="sv")
    assert snap_compare(app, terminal_size=SIZE, run_before=open_metrics)
