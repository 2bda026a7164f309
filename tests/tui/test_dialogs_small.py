"""Every dialog works in an 80×24 terminal: what it asks fits or scrolls, and its
buttons are reached with Tab from its first field and are then on screen. A snapshot
of each at that size (layout only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Button
from tuikit import app_for, label_list, press, settle

from tui.screens import ChoiceModal, ConfirmModal, GoToModal, LabelPickerModal
from tui.screens.columns import ColumnModal
from tui.screens.create_case import CreateCaseModal
from tui.screens.edit_line import EditLineModal
from tui.screens.filter import FilterModal
from tui.screens.quick_replies import QuickRepliesModal
from tui.screens.workspace_settings import WorkspaceSettingsModal

pytestmark = [pytest.mark.sqlite_only, pytest.mark.usefixtures("stockholm_time")]

SMALL = (80, 24)
# The key (after any keys that lead there), the dialog, and the buttons that end it.
DIALOGS = {
    "new case": ((), "N", CreateCaseModal, {"create", "cancel"}),
    "filter": ((), "f", FilterModal, {"apply", "cancel"}),
    "columns": ((), "c", ColumnModal, {"save", "cancel"}),
    "workspace settings": (("2",), "W", WorkspaceSettingsModal,
                           {"save", "cancel", "standard"}),
    "take (asks)": ((), "a", ConfirmModal, {"yes", "no"}),
    "status": ((), "s", ChoiceModal, set()),
    "go to": ((), "#", GoToModal, set()),
    "labels": ((), "L", EditLineModal, {"save", "cancel"}),
    "title": ((), "T", EditLineModal, {"save", "cancel"}),
    "labels (a list)": ((), "L", LabelPickerModal, {"save", "cancel"}),
    "quick replies": ((), "5", QuickRepliesModal, {"new", "remove", "close", "save"}),
}
# The dialog a team with a list of labels gets (on a copy of the demo given the list).
LISTED = "labels (a list)"


def with_labels(path: Path, name: str) -> Path:
    """The database a dialog is shown on: for `L`, a team with no list of labels (a
    field to type them) or a list of its own (the picker)."""
    if name == "labels":
        return label_list(path)
    if name == LISTED:
        return label_list(path, ("faktura", "retur", "leverans", "reklamation", "vip",
                                 "[b]ej markup[/b]"))
    return path


async def open_dialog(app, pilot, name: str):  # type: ignore[no-untyped-def]
    before, key, kind, _ = DIALOGS[name]
    await settle(app, pilot)
    for k in before:
        await press(app, pilot, k)
    await press(app, pilot, key)
    assert isinstance(app.screen, kind), name


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", list(DIALOGS))
async def test_every_dialog_is_usable_at_80x24(demo: Path, name: str, language: str) -> None:
    app = app_for(with_labels(demo, name), language=language)
    async with app.run_test(size=SMALL) as pilot:
        await open_dialog(app, pilot, name)
        modal = app.screen
        wanted = DIALOGS[name][3]
        reached: set[str] = set()
        for _ in range(40):  # Tab through the dialog, from its first field
            if reached == wanted:
                break
            focused = app.focused
            if isinstance(focused, Button) and focused.id in wanted:
                # In sight: inside the dialog's own frame (which clips what is beyond
                # it), on the screen. Textual scrolls a focused widget into view.
                frame = focused.parent
                while frame is not None and frame.parent is not modal:
                    frame = frame.parent
                assert frame is not None
                visible = frame.scrollable_content_region.intersection(Region(0, 0, *SMALL))
                assert visible.contains_region(focused.region), (name, focused.id)
                reached.add(focused.id)
            await pilot.press("tab")
            assert app.screen is modal
        assert reached == wanted, name


@pytest.mark.parametrize("name", list(DIALOGS))
def test_the_dialog_at_80x24(snap_compare, demo_path: Path, name: str,
                             request: pytest.FixtureRequest) -> None:
    async def shown(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_dialog(pilot.app, pilot, name)

    path = (with_labels(request.getfixturevalue("demo"), name) if name.startswith("labels")
            else demo_path)
    assert snap_compare(app_for(path), terminal_size=SMALL, run_before=shown)
