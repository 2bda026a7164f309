"""Helpers the TUI tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from store.db import Database
from store.service import CaseService
from tui.app import CasedeskApp

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

# The two terminals each point of the TUI is tried on: a laptop's 80×24 in Swedish and a
# large 160×45 in English (every size, and every language, once).
SCREENS = [pytest.param((80, 24), "sv", id="80x24-sv"),
           pytest.param((160, 45), "en", id="160x45-en")]


def app_for(path: Path, login: str = "supervisor", language: str = "sv") -> CasedeskApp:
    """The app as `casedesk` starts it, without the change poll (tests trigger it); in
    Swedish unless told, whatever the locale of the machine running the tests."""
    return CasedeskApp(lambda: CaseService(Database(path), login), poll_seconds=0,
                       language=language)


def label_list(path: Path, names: tuple[str, ...] = ()) -> Path:
    """The team's list of labels made exactly `names` (none: any label goes, typed into
    a field); the demo's list is the labels its cases carry."""
    service = CaseService(Database(path), "supervisor")
    had = {name for name, _ in service.labels()}
    for name in had - set(names):
        service.remove_label(name)
    for name in names:
        if name not in had:
            service.add_label(name)
    return path


async def settle(app: CasedeskApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the workers are done and their messages handled: two rounds in a row with
    no worker running (a message handled may start another), six at most."""
    quiet = 0
    for _ in range(6):
        # A worker cancelled meanwhile (an exclusive one that a newer one replaced) is
        # no failure: the newer one is waited for in the next round.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        quiet = 0 if any(w.is_running for w in app.workers) else quiet + 1
        if quiet == 2:
            break


async def press(app: CasedeskApp, pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Press the keys, then settle."""
    await pilot.press(*keys)
    await settle(app, pilot)


async def open_beside(app: CasedeskApp, pilot, number: int) -> None:  # type: ignore[no-untyped-def]
    """Open case `number` beside the list and move the focus to it: the keys then act
    on it, wherever the list's cursor is."""
    from tui.widgets.case_detail import CaseDetail

    await settle(app, pilot)
    app.lists.side.load_case(number)
    await settle(app, pilot)
    app.query_one(CaseDetail).focus()
    await settle(app, pilot)


async def pick(app: CasedeskApp, pilot, label_start: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the option whose label starts so in the choice on screen."""
    from textual.widgets import OptionList

    from tui.screens import ChoiceModal

    modal = app.screen
    assert isinstance(modal, ChoiceModal)
    labels = [label for label, _ in modal.choices]
    index = next(i for i, label in enumerate(labels) if label.startswith(label_start))
    modal.query_one(OptionList).highlighted = index
    await press(app, pilot, "enter")


async def choose(app: CasedeskApp, pilot, key: str, label_start: str) -> None:  # type: ignore[no-untyped-def]
    """Press `key` (g: group, o: sort, s: status, …) and pick the option `label_start`."""
    await press(app, pilot, key)
    await pick(app, pilot, label_start)


def said(text: str, **values: object) -> str:
    """A Swedish text of the TUI as the app on screen says it (its language is the
    process's while it runs)."""
    from tui.words import tr

    return tr(text).format(**values)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows, line by line (from Textual's SVG screenshot)."""
    svg = app.export_screenshot()
    lines: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>',
                         svg, re.S):
        lines.setdefault(float(m.group(2)), []).append(
            (float(m.group(1)), html.unescape(m.group(3))))
    text = "\n".join("".join(t for _, t in sorted(parts)) for _, parts in sorted(lines.items()))
    return text.replace("\xa0", " ")
