"""The footer at any width: whole keys only, the most used first, `x` while there is a
filter to clear; Textual's own notices in the UI's language; keys typed fast after `/`
never act on the list."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input
from textual.widgets._footer import FooterKey
from tuikit import SCREENS, app_for, press, said, screen_text, settle

from tui.list_screen import CaseListScreen
from tui.widgets.key_footer import KeyFooter

pytestmark = pytest.mark.sqlite_only


def footer_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [key.key for key in app.screen.query_one(KeyFooter).query(FooterKey)
            if not key.has_class("-command-palette")]


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_the_footer_shows_whole_keys_and_x_only_with_a_filter(
        demo_path: Path, size: tuple[int, int], language: str) -> None:
    app = app_for(demo_path, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        keys = footer_keys(app)
        assert keys[:4] == ["enter", "q", "question_mark", "slash"]  # `?` lists the rest
        assert "x" not in keys  # nothing to clear
        footer = app.screen.query_one(KeyFooter)
        shown = list(footer.query(FooterKey))
        last_line = screen_text(app).splitlines()[-1]
        for key in shown:  # each whole, none cut at the edge
            assert key.description in last_line, (key.description, last_line)
            assert key.region.right <= size[0]
        if size[0] >= 160:
            assert {"r", "n", "s", "a"} <= set(keys)  # the case keys, on a wide terminal

        await press(app, pilot, "slash", *"faktura", "enter")
        # The bar over the list says `x` clears; a wide footer says it too.
        assert said("{filters}   (x rensar)", filters="") in screen_text(app)
        assert ("x" in footer_keys(app)) is (size[0] >= 160)
        await press(app, pilot, "x")
        assert "x" not in footer_keys(app)

        await pilot.resize_terminal(60, 24)  # narrower: fewer keys, still whole
        await settle(app, pilot)
        narrow = footer_keys(app)
        assert narrow
        assert len(narrow) < len(keys)
        assert all(k.region.right <= 60 for k in footer.query(FooterKey))


async def test_keys_typed_fast_after_the_slash_go_to_the_search(demo: Path) -> None:
    app = app_for(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        # As a terminal delivers a burst: every key queued before the first is handled
        # (`f` is the filter's key, `a` take's, on the list). They are not acted on.
        for character in "/fa":
            app.post_message(events.Key("slash" if character == "/" else character,
                                        character))
        await settle(app, pilot)
        assert isinstance(app.screen, CaseListScreen)  # no filter, no question to take
        assert isinstance(app.focused, Input)
        assert app.focused.id == "search"


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_a_screenshot_is_said_in_the_uis_language(
        demo_path: Path, tmp_path: Path, language: str) -> None:
    app = app_for(demo_path, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.action_screenshot("shot.svg", str(tmp_path))
        for _ in range(200):  # written by a thread: up to ten seconds on a busy machine
            await settle(app, pilot)
            if (tmp_path / "shot.svg").exists() and app._notifications:
                break
            await pilot.pause(0.05)
        assert (tmp_path / "shot.svg").exists()
        texts = [(n.title, str(n.message)) for n in app._notifications]
        assert (said("Skärmbild"), said("Sparad i {path}", path=tmp_path / "shot.svg")) \
            in texts, texts
        assert not any("Saved screenshot" in message for _, message in texts)
