"""The TUI's language: Swedish or English, from the config or the locale; every word
the TUI shows has its English, and the app shows them in the language it was given."""

from __future__ import annotations

import ast
import importlib
import io
import re
import string
from pathlib import Path

import pytest
from rich.console import Console
from tuikit import app_for, open_beside, screen_text, settle

from store.events import Event
from tui import words
from tui.words import ENGLISH, TEXTUAL, locale_language, statuses, tr, use

ROOT = Path(__file__).resolve().parents[2]
TUI = ROOT / "tui"

# -- the language of the locale ----------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "sv_SE.UTF-8"}, "sv"),
        ({"LANG": "sv_FI"}, "sv"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "sv_SE.UTF-8"}, "en"),  # LC_ALL beats LANG
        ({"LC_ALL": "sv_SE.UTF-8", "LANG": "en_US.UTF-8"}, "sv"),
        ({"LC_MESSAGES": "sv_SE.UTF-8", "LANG": "C"}, "sv"),  # LC_MESSAGES beats LANG
        ({"LC_ALL": "C", "LC_MESSAGES": "sv_SE.UTF-8"}, "en"),  # LC_ALL beats LC_MESSAGES
        ({"LC_ALL": "", "LANG": "sv_SE.UTF-8"}, "sv"),  # empty is unset
    ],
)
def test_the_locale_decides_the_default(environ: dict[str, str], expected: str) -> None:
    assert locale_language(environ) == expected


def test_no_language_means_the_locale_of_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert use(None) == "en"
    assert tr("Öppet") == "Open"
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert use(None) == "sv"
    assert tr("Öppet") == "Öppet"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        use("de")
    assert words.current() == "sv"


def test_the_statuses_as_the_team_knows_them() -> None:
    use("sv")
    assert list(statuses().values()) == ["Nytt", "Eskalerat", "Öppet", "Parkerat", "Väntar",
                                         "Löst", "Stängt", "Arkiverat"]
    use("en")
    assert list(statuses().values()) == ["New", "Escalated", "Open", "Parked", "Waiting",
                                         "Solved", "Closed", "Archived"]


# -- the catalogue: every Swedish text the TUI shows has its English -------------------------


def _sources() -> list[Path]:
    return sorted(p for p in TUI.rglob("*.py") if p.name != "cli.py")  # the CLI is English


def _marked(tree: ast.AST) -> list[tuple[int, ast.expr]]:
    """(line, argument) of every text given to `tr` or `N_`, and of every key
    description (`Binding`'s third argument): the Swedish keys of the catalogue."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        arg: ast.expr | None = None
        if node.func.id in ("tr", "N_") and node.args:
            arg = node.args[0]
        elif node.func.id == "Binding":
            arg = node.args[2] if len(node.args) > 2 else next(
                (k.value for k in node.keywords if k.arg == "description"), None)
        if arg is not None:
            found.append((node.lineno, arg))
    return found


def _texts() -> list[tuple[str, int, ast.expr]]:
    """(file, line, argument) of every Swedish key in the TUI's sources."""
    return [(path.name, line, arg) for path in _sources()
            for line, arg in _marked(ast.parse(path.read_text(encoding="utf-8")))]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_scan_finds_the_texts() -> None:
    texts = {arg.value for _, _, arg in _texts() if isinstance(arg, ast.Constant)}
    assert {"Öppet", "INTERN ANTECKNING", "Avsluta", "Svaret sparat på #{number}."} <= texts


def test_every_swedish_text_has_its_english() -> None:
    missing = [f"{name}:{line}: {arg.value!r}" for name, line, arg in _texts()
               if isinstance(arg, ast.Constant) and arg.value not in ENGLISH]
    assert missing == []


def test_a_translated_text_is_a_constant_never_built_from_values() -> None:
    # tr(f"… {title}") would look a customer's text up in the catalogue, and never find
    # it: values go in with .format() after the translation.
    built = [f"{name}:{line}" for name, line, arg in _texts()
             if isinstance(arg, ast.JoinedStr | ast.BinOp)]
    assert built == []


def test_english_has_the_same_placeholders() -> None:
    assert [key for key, english in ENGLISH.items() if _fields(key) != _fields(english)] == []


def test_the_catalogue_has_no_text_the_tui_no_longer_shows() -> None:
    used = {arg.value for _, _, arg in _texts() if isinstance(arg, ast.Constant)}
    assert sorted(set(ENGLISH) - used) == []


def test_no_swedish_text_is_shown_without_tr() -> None:
    """A string with å, ä or ö outside tr/N_/Binding (docstrings aside) was forgotten."""
    forgotten = []
    for path in _sources():
        if path.name in ("words.py", "catalogue.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        marked = {id(arg) for _, arg in _marked(tree)}
        docstrings = {id(node.value) for node in ast.walk(tree)
                      if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and re.search("[åäöÅÄÖ]", node.value)
                    and id(node) not in marked and id(node) not in docstrings):
                forgotten.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert forgotten == []


# -- Textual's own words: their Swedish ----------------------------------------------------------


def _textual_words() -> set[str]:
    """Every key description, tooltip and key group's title of Textual's own widgets,
    screens and app (every widget Textual has, imported), as Textual says them."""
    import textual.command
    import textual.widgets
    from textual.dom import DOMNode

    for name in textual.widgets.__all__:
        getattr(textual.widgets, name)
    assert textual.command.CommandPalette
    use("en")  # Textual's English, as it made it
    classes: list[type[DOMNode]] = []
    found = [DOMNode]
    while found:
        classes.extend(found := [s for c in found for s in c.__subclasses__()])
    texts = set()
    for cls in classes:
        if not cls.__module__.startswith("textual."):
            continue
        merged = cls.__dict__.get("_merged_bindings")
        for bindings in merged.key_to_bindings.values() if merged else ():
            texts |= {text for b in bindings for text in (b.description, b.tooltip) if text}
        if cls.__dict__.get("BINDING_GROUP_TITLE"):
            texts.add(cls.__dict__["BINDING_GROUP_TITLE"])
    return texts


def test_textuals_own_words_have_their_swedish() -> None:
    words_found = _textual_words()
    assert {"Focus Next", "Page Left", "Dismiss menu", "Input", "Quit"} <= words_found
    assert sorted(words_found - set(TEXTUAL)) == []


def test_the_swedish_of_textual_is_for_words_textual_still_has() -> None:
    """Like the catalogue, no Swedish for a text Textual no longer shows (a newer
    Textual, say): each one is a string in Textual's sources."""
    import textual

    source = "\n".join(path.read_text(encoding="utf-8")
                       for path in Path(textual.__file__).parent.rglob("*.py"))
    assert sorted(text for text in TEXTUAL
                  if f'"{text}"' not in source and f"'{text}'" not in source) == []


def test_textuals_keys_follow_the_language_and_come_back() -> None:
    """The apps of one process may speak either language, one after the other: a widget
    made after `use` has Textual's keys in that language, never the last app's."""
    from textual.widgets import Input, Select

    def descriptions(node) -> set[str]:  # type: ignore[no-untyped-def]
        return {b.description for _, b in node._bindings}

    use("sv")
    assert {"Markören vänster", "Klistra in från urklipp"} <= descriptions(Input())
    assert Input.BINDING_GROUP_TITLE == "Textfält"
    assert "Visa menyn" in descriptions(Select([]))
    use("en")
    assert {"Move cursor left", "Paste text from the clipboard"} <= descriptions(Input())
    assert not descriptions(Input()) & set(TEXTUAL.values())
    assert Input.BINDING_GROUP_TITLE == "Input"
    use("sv")
    assert "Markören vänster" in descriptions(Input())


# -- the app, in English and in Swedish ---------------------------------------------------------


def keys_panel_text(app) -> str:  # type: ignore[no-untyped-def]
    from textual.widgets._key_panel import BindingsTable

    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(app.screen.query_one(BindingsTable).render_bindings_table())
    return console.export_text()


LANGUAGES = {
    "en": {
        "footer": ["Quit", "All keys", "Search", "Reply", "Internal note", "Change status",
                   "Take the case", "Open"],
        "headings": ["No.", "Status", "Channel", "Assignee", "Updated", "Title", "Contact"],
        "open": "Open",
        "keys": ["My workspace", "Related cases", "Fold the group", "Clear search"],
        "group": ("Group by", "No grouping", "Assignee"),
        "filter": ["Channel", "Assignee", "Priority", "Only cases I watch", "Cancel",
                   "Show", "Channel — none ticked: every channel"],
        "first": "Nothing to undo.",
        "palette": ("Search", "Search cases, customers and numbers"),
        # Textual's own words: its keys, its command palette, a select's menu
        "textual keys": ["Page Left", "Focus Previous", "Copy selected text",
                         "Quit the app", "Open the command palette"],
        "palette key": "^p palette",
        "search commands": "Search for commands…",
        "search themes": "Search for themes…",
        "no matches": "No matches found",
        "quit": "Press q to quit.",
        "system command": ("Keys", "Show help for the focused widget and a summary of "
                                   "available keys"),
        "menu": ("Show menu", "Dismiss menu"),
    },
    "sv": {
        "footer": ["Avsluta", "Alla tangenter", "Sök", "Svara", "Intern anteckning",
                   "Ändra status", "Ta ärendet", "Öppna"],
        "headings": ["Nr", "Status", "Kanal", "Tilldelad", "Uppdaterad", "Titel", "Kontakt"],
        "open": "Öppet",
        "keys": ["Min arbetsyta", "Relaterade ärenden", "Fäll ihop gruppen", "Rensa sökning"],
        "group": ("Gruppera efter", "Ingen gruppering", "Tilldelning"),
        "filter": ["Kanal", "Tilldelad", "Prioritet", "Bara ärenden jag bevakar", "Avbryt",
                   "Visa", "Kanal — ingen vald: alla kanaler"],
        "first": "Inget att ångra.",
        "palette": ("Sök", "Sök i ärenden, kunder och nummer"),
        "textual keys": ["Sida vänster", "Föregående fält", "Kopiera markerad text",
                         "Avsluta programmet", "Öppna kommandopaletten"],
        "palette key": "^p kommandon",
        "search commands": "Sök kommandon …",
        "search themes": "Sök färgteman …",
        "no matches": "Inget hittades",
        "quit": "Tryck q för att avsluta.",
        "system command": ("Tangenter", "Visa alla tangenter och hjälpen för fältet i fokus"),
        "menu": ("Visa menyn", "Stäng menyn"),
    },
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("language", ["en", "sv"])
async def test_the_app_speaks_its_language(demo_path: Path, language: str) -> None:
    from textual.app import App
    from textual.command import CommandInput, CommandPalette
    from textual.widgets import Select

    from tui.screens import ChoiceModal, FilterModal
    from tui.widgets.case_table import CaseTable

    want = LANGUAGES[language]
    other = LANGUAGES["sv" if language == "en" else "en"]
    app = app_for(demo_path, language=language)
    async with app.run_test(size=(200, 40)) as pilot:  # wide: every column shows
        await settle(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        for description in want["footer"]:
            assert description in footer
        assert other["footer"][0] not in footer
        assert want["palette key"] in footer  # Textual's own key, at the right
        assert other["palette key"] not in footer

        # The list: its headings, and a status name as the team knows it.
        table = app.query_one(CaseTable)
        headings = table.render_line(0).text
        assert headings.split()[:2] == want["headings"][:2]
        for heading in want["headings"]:
            assert heading in headings
        index = next(i for i, row in sorted(table.window.rows.items()) if row.status == "open")
        table.cursor = index
        await settle(app, pilot)
        line = table.render_line(index - int(table.scroll_offset.y) + 1).text
        assert f" {want['open']} " in line
        assert other["open"] not in line

        # `?`: every key of the screen, the hidden ones too.
        await pilot.press("question_mark")
        await settle(app, pilot)
        panel = keys_panel_text(app)
        for description in want["keys"] + want["textual keys"]:
            assert description in panel
        for description in [other["keys"][0], *other["textual keys"]]:
            assert description not in panel
        await pilot.press("question_mark")
        await settle(app, pilot)

        # A modal's title and choices.
        await pilot.press("g")
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        title, none, first = want["group"]
        assert app.screen.title_text == title
        assert [label for label, _ in app.screen.choices][:2] == [none, first]
        assert title in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)

        # The filter's labels and buttons.
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FilterModal)
        shown = screen_text(app)
        for text in want["filter"]:
            assert text in shown
        # A select and its menu: their keys (Textual's) as the footer and `?` show them.
        app.screen.query_one("#assignee", Select).focus()
        await settle(app, pilot)
        show, dismiss = want["menu"]
        assert app.screen.active_bindings["enter"].binding.description == show
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.active_bindings["escape"].binding.description == dismiss
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, FilterModal)

        # A notification: undo with nothing to take back.
        await pilot.press("u")
        await settle(app, pilot)
        assert [str(n.message) for n in app._notifications] == [want["first"]]
        await pilot.press("ctrl+c")  # outside a text field: Textual's word on quitting
        await settle(app, pilot)
        assert [str(n.message) for n in app._notifications][-1] == want["quit"]

        # The command palette's commands: the keys' names and what they do; Textual's
        # own too.
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        name, help_text = want["palette"]
        assert commands[name] == help_text
        name, help_text = want["system command"]
        assert commands[name] == help_text
        assert other["system command"][0] not in commands
        theirs = {c.title for c in App.get_system_commands(app, app.screen)}  # in English
        assert theirs <= set(commands) if language == "en" else not theirs & set(commands)

        # The command palette: its search box.
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandInput).placeholder == want["search commands"]
        assert want["search commands"] in screen_text(app)
        await pilot.press(*"qxzqy")  # no command: said so once the palette has looked
        await pilot.pause(0.6)  # (it waits half a second, lest it flicker while typing)
        await settle(app, pilot)
        assert want["no matches"] in screen_text(app)
        assert other["no matches"] not in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, CommandPalette)
        app.search_themes()  # the palette's "Theme"
        await settle(app, pilot)
        assert app.screen.query_one(CommandInput).placeholder == want["search themes"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("language", ["en", "sv"])
async def test_a_case_and_the_composer_speak_its_language(demo_path: Path,
                                                          language: str) -> None:
    from tui.widgets.composer import Composer

    app = app_for(demo_path, language=language)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "n")
        await settle(app, pilot)
        composer = app.query_one(Composer)
        shown = screen_text(app)
        if language == "en":
            assert composer.border_title == "INTERNAL NOTE — not shown to the customer"
            assert "Priority" in shown
            assert "Prioritet" not in shown
            assert "Status: unchanged" in shown
        else:
            assert composer.border_title == "INTERN ANTECKNING — syns inte för kunden"
            assert "Prioritet" in shown
            assert "Status: oförändrad" in shown
        await pilot.press("ctrl+s")  # nothing written yet
        await settle(app, pilot)
        assert [str(n.message) for n in app._notifications][-1] == (
            "Write something first." if language == "en" else "Skriv något först.")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("language", ["en", "sv"])
async def test_events_and_values_are_shown_in_its_language(demo: Path, language: str) -> None:
    """A channel move and a merge in the conversation, said in the UI's language by who
    made them: the demo's supervisor by login, as everyone sees them ("you" is only ever
    the one looking). The store's values (a channel's kind, a message's flags) by name."""
    import sqlite3

    from textual.widgets import Button

    from store.db import Database
    from store.queries import CaseFilter
    from store.service import CaseService
    from tui.screens import ChannelsModal, ChoiceModal, WorkspaceSettingsModal
    from tui.widgets.case_detail import CaseDetail, render_conversation, render_facts

    english = language == "en"
    service = CaseService(Database(demo), "supervisor")
    first, second = service.list_cases(CaseFilter(channel="Support", limit=2))
    service.move_channel(first.number, "Webbchatt")
    service.merge(second.number, first.number)
    app = app_for(demo, language=language)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_beside(app, pilot, first.number)
        shown = app.query_one(CaseDetail).shown
        assert shown is not None
        events = [t.plain for t in render_conversation(shown) if t.plain.startswith("— ")]
        moved = ("supervisor: Moved from channel Support to Webbchatt" if english else
                 "supervisor: Flyttat från kanalen Support till Webbchatt")
        merged = (f"supervisor: Case #{second.number} ({second.title}) was merged into this "
                  f"case: " if english else f"supervisor: Ärende #{second.number} "
                  f"({second.title}) slogs ihop med det här ärendet: ")
        assert any(line.endswith(moved) for line in events)
        assert any(merged in line for line in events)
        assert not [line for line in events if "Du " in line or "you" in line.lower()]
        assert ("Webbchatt (chat)" if english else "Webbchatt (chatt)") in render_facts(
            shown).plain

        await pilot.press("k")  # move to another channel: the channels with their kinds
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceModal)
        assert ("Support (email)" if english else "Support (e-post)") in [
            label for label, _ in app.screen.choices]
        await pilot.press("escape", "4")  # the channels view
        await settle(app, pilot)
        assert isinstance(app.screen, ChannelsModal)
        assert ("Support (email) · " if english else "Support (e-post) · ") in screen_text(app)
        await pilot.press("escape", "2", "W")  # the workspace's settings
        await settle(app, pilot)
        assert isinstance(app.screen, WorkspaceSettingsModal)
        assert str(app.screen.query_one("#standard", Button).label) == (
            "Defaults" if english else "Standard")

    with sqlite3.connect(demo) as db:  # a customer's auto-reply, flagged
        number, = db.execute("SELECT case_id FROM message WHERE flags = 'auto-reply'"
                             " LIMIT 1").fetchone()
    lines = [t.plain for t in render_conversation(service.get_case(number))]
    assert any(line.endswith("  [auto-reply]" if english else "  [autosvar]")
               for line in lines)


@pytest.mark.sqlite_only
def test_an_app_without_a_language_follows_the_locale(
        demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from store.db import Database
    from store.service import CaseService
    from tui.app import CasedeskApp

    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    app = CasedeskApp(lambda: CaseService(Database(demo_path), "supervisor"), poll_seconds=0)
    assert words.current() == "en"
    descriptions = {b.id: b.description for _, b in app._bindings}
    assert descriptions["app.quit"] == "Quit"
    assert CasedeskApp.BINDINGS[0].description == "Avsluta"  # the class keeps its Swedish


@pytest.mark.sqlite_only
def test_the_config_language_reaches_the_tui(
        demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from cli.main import main
    from tui.app import CasedeskApp

    config = tmp_path / "config.toml"
    config.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    monkeypatch.setenv("CASEDESK_LOGIN", "supervisor")  # honoured: the test owns the file
    monkeypatch.setenv("LC_ALL", "sv_SE.UTF-8")  # the config wins over the locale
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    seen = []
    monkeypatch.setattr(CasedeskApp, "run", lambda self: seen.append(
        (words.current(), self._bindings.key_to_bindings["q"][0].description)))
    with pytest.raises(SystemExit) as exit_:
        main(["--config", str(config), "--db", str(demo_path)])
    assert exit_.value.code == 0
    assert seen == [("en", "Quit")]


@pytest.mark.parametrize(("stored", "swedish", "english"), [
    ("Status: waiting → open (the customer replied)", "Status: Väntar → Öppet (kunden svarade)",
     "Status: Waiting → Open (the customer replied)"),
    ("Status: solved → closed (solved for 7 days)", "Status: Löst → Stängt (löst i 7 dagar)",
     "Status: Solved → Closed (solved for 7 days)"),
    ("Priority: medium → high", "Prioritet: Medel → Hög", "Priority: Medium → High"),
    ("Assigned to anna", "Tilldelat anna", "Assigned to anna"),
    ("SLA: the first answer is overdue", "SLA: första svaret är försenat",
     "SLA: the first answer is overdue"),
    ("Title changed from “x”", "Rubriken ändrades från “x”", "Title changed from “x”"),
])
def test_system_events_are_shown_in_the_ui_language(stored: str, swedish: str,
                                                    english: str) -> None:
    """Events as earlier versions wrote them, read into a kind and values by the
    migration, and shown in each language (the store's English is the old sentence)."""
    from tui.words import event_text

    event = _written(stored)
    assert event.english() == stored
    use("sv")
    assert event_text(event) == swedish
    use("en")
    assert event_text(event) == english


def _written(stored: str) -> Event:
    migration = importlib.import_module("store.migrations.versions.0009_event_kinds")
    return Event(*migration.read(stored))


def test_an_unassignment_by_a_channel_move_is_said_in_swedish() -> None:
    from tui.words import event_text

    use("sv")
    assert event_text(_written("Unassigned: bo is not in Chat")) == (
        "Tilldelningen borttagen: bo är inte med i Chat")


def test_an_event_recorded_while_the_tui_speaks_swedish_is_shown_in_english(team) -> None:
    """What is stored is the kind and values, not the words of the TUI that made it."""
    from tui.words import event_text

    use("sv")
    number = team.new_case()
    team.as_("anna").set_status(number, "open")
    event = team.as_("anna").get_case(number).messages[-1].event
    assert event is not None
    assert event_text(event) == "Status: Nytt → Öppet"
    use("en")
    event = team.as_("bo").get_case(number).messages[-1].event
    assert event is not None
    assert event_text(event) == "Status: New → Open"
    assert event.english() == "Status: new → open"
