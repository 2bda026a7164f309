"""A case's labels (`L`) and title (`T`) in the TUI: a field filled with what the case
has, on the case the key names; saved against the version the agent saw, so that
someone else's change meanwhile is the conflict the app explains, never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, Static, TextArea
from tuikit import SCREENS, app_for, label_list, press, screen_text, settle

from store.db import Database
from store.service import CaseService
from tui.app import CasedeskApp
from tui.messages import Target
from tui.screens import ConfirmModal, EditLineModal
from tui.widgets.case_detail import CaseDetail
from tui.widgets.case_table import CaseTable

pytestmark = pytest.mark.sqlite_only

SAID = {
    "sv": {"labels": "Etiketter", "title": "Titel", "saved": "etiketter: faktura, vip",
           "renamed": "titel: Ny rubrik", "empty": "Ett ärende behöver en titel.",
           "hint": "Skilj etiketterna med komma"},
    "en": {"labels": "Labels", "title": "Title", "saved": "labels: faktura, vip",
           "renamed": "title: Ny rubrik", "empty": "A case needs a title.",
           "hint": "Separate the labels with commas"},
}


def notices(app: CasedeskApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def write(app: CasedeskApp, pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Empty the modal's field and type `text` into it."""
    field = app.screen.query_one("#line", Input)
    assert app.focused is field
    field.value = ""
    await press(app, pilot, *text)


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_labels_and_title_are_edited_on_the_case_the_key_names(
        demo: Path, language: str) -> None:
    said = SAID[language]
    label_list(demo)  # no list: any label, typed
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        opened = app.query_one(CaseDetail).shown.number  # type: ignore[union-attr]
        await press(app, pilot, "down")
        under = app.query_one(CaseTable).current
        assert under is not None
        assert under.number != opened
        before = service.get_case(opened)

        # In the list: `L` on the case under the cursor, its labels in the field.
        await press(app, pilot, "L")
        modal = app.screen
        assert isinstance(modal, EditLineModal)
        assert modal.title_text == f"#{under.number} · {said['labels']}"
        assert modal.query_one("#line", Input).value == ", ".join(under.labels)
        assert said["hint"] in " ".join(screen_text(app).split())
        await write(app, pilot, " vip,faktura , ,")
        await press(app, pilot, "enter")
        assert not isinstance(app.screen, EditLineModal)
        assert service.get_case(under.number).labels == ("faktura", "vip")
        assert f"#{under.number}: {said['saved']}" in notices(app)
        assert service.get_case(opened).labels == before.labels

        # On the case beside the list: `T`, its title in the field.
        app.query_one(CaseDetail).focus()
        await settle(app, pilot)
        await press(app, pilot, "T")
        modal = app.screen
        assert isinstance(modal, EditLineModal)
        assert modal.title_text == f"#{opened} · {said['title']}"
        assert modal.query_one("#line", Input).value == before.title
        # An empty title is refused in the dialog, which stays.
        await write(app, pilot, "   ")
        await press(app, pilot, "enter")
        assert app.screen is modal
        assert said["empty"] in str(modal.query_one("#line-said", Static).render())
        await write(app, pilot, "Ny rubrik")
        await press(app, pilot, "enter")
        assert service.get_case(opened).title == "Ny rubrik"
        assert app.query_one(CaseDetail).shown.title == "Ny rubrik"  # type: ignore[union-attr]
        assert f"#{opened}: {said['renamed']}" in notices(app)
        assert service.get_case(under.number).title == under.title

        # Escape leaves the case as it was.
        version = service.get_case(opened).version
        await press(app, pilot, "L")
        await write(app, pilot, "annat")
        await press(app, pilot, "escape")
        assert service.get_case(opened).version == version

        # The palette lists both, described.
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert said["labels"] in commands
        assert said["title"] in commands


@pytest.mark.parametrize("reloaded", [False, True])
async def test_someone_elses_change_meanwhile_is_the_conflict_never_overwritten(
        demo: Path, reloaded: bool) -> None:
    """Whether or not the list has shown the colleague's labels by the time the agent
    saves, what the agent read before them does not replace them."""
    label_list(demo)  # no list: any label, typed
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        app.check_changes()  # the change feed's place, as the poll keeps it
        await settle(app, pilot)
        row = app.query_one(CaseTable).current
        assert row is not None
        await press(app, pilot, "L")
        assert isinstance(app.screen, EditLineModal)
        CaseService(Database(demo), "anna").set_labels(row.number, ["kollegans"])
        if reloaded:  # the poll saw it: the list has the new version and labels
            app.check_changes()
            await settle(app, pilot)
            current = app.query_one(CaseTable).window.get(
                app.query_one(CaseTable).window.index_of(row.number))  # type: ignore[arg-type]
            assert current.labels == ("kollegans",)
        await write(app, pilot, "mina")
        await press(app, pilot, "enter")
        assert service.get_case(row.number).labels == ("kollegans",)
        assert isinstance(app.screen, ConfirmModal)
        assert f"#{row.number} har ändrats av någon annan" in app.screen.question


async def test_the_agents_own_edit_meanwhile_is_no_conflict(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        number = app.query_one(CaseDetail).shown.number  # type: ignore[union-attr]
        await press(app, pilot, "T")
        # `a` (take it) landed while the title was being written: the version moved.
        app.lists.side.assign_me(Target(number, service.get_case(number).version), ask=False)
        await settle(app, pilot)
        assert service.get_case(number).assignee == "supervisor"
        await write(app, pilot, "Efter tilldelningen")
        await press(app, pilot, "enter")
        assert service.get_case(number).title == "Efter tilldelningen"
        assert not isinstance(app.screen, ConfirmModal)


async def test_L_and_T_typed_into_a_text_are_letters(demo: Path) -> None:
    service = CaseService(Database(demo), "supervisor")
    app = app_for(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        before = service.latest_change()
        await press(app, pilot, "slash", "L", "T")
        assert app.screen.query_one("#search", Input).value == "LT"
        assert not isinstance(app.screen, EditLineModal)
        await press(app, pilot, "escape", "r", "L", "T")
        assert isinstance(app.focused, TextArea)
        assert app.focused.text == "LT"
        assert not isinstance(app.screen, EditLineModal)
        assert service.latest_change() == before


async def test_read_all_offers_neither(demo: Path) -> None:
    app = CasedeskApp(lambda: CaseService.read_all(Database(demo, read_only=True),
                                                   "supervisor"),
                      poll_seconds=0, language="sv")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "L")
        await press(app, pilot, "T")
        assert len(app.screen_stack) == 1
        offered = {c.title for c in app.get_system_commands(app.screen)}
        assert not offered & {"Etiketter", "Titel"}


@pytest.mark.parametrize(("size", "language"), SCREENS)
async def test_with_a_list_of_labels_l_ticks_them(demo: Path, size: tuple[int, int],
                                                  language: str) -> None:
    from tui.screens import LabelPickerModal
    from tui.widgets.tick import Tick

    service = CaseService(Database(label_list(demo, ("faktura", "retur", "[b]vip[/b]"))),
                          "supervisor")
    app = app_for(demo, language=language)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        under = app.query_one(CaseTable).current
        assert under is not None
        had = service.get_case(under.number).labels
        await press(app, pilot, "L")
        picker = app.screen
        assert isinstance(picker, LabelPickerModal)
        # The list's labels, then the case's own from before the list, ticked.
        assert picker.labels[:3] == ["[b]vip[/b]", "faktura", "retur"]
        assert set(picker.labels[3:]) == set(had) - {"faktura", "retur", "[b]vip[/b]"}
        assert "[b]vip[/b]" in screen_text(app)  # as written, never markup
        assert app.focused is picker.query_one("#label-0", Tick)
        await press(app, pilot, "space")  # [b]vip[/b]
        picker.query_one(f"#label-{picker.labels.index('retur')}", Tick).value = True
        await settle(app, pilot)
        picker.query_one("#save", Button).press()
        await settle(app, pilot)
        assert set(service.get_case(under.number).labels) == {*had, "[b]vip[/b]", "retur"}
        # An unticked label comes off.
        await press(app, pilot, "L")
        await press(app, pilot, "space")
        app.screen.query_one("#save", Button).press()
        await settle(app, pilot)
        assert set(service.get_case(under.number).labels) == {*had, "retur"}
