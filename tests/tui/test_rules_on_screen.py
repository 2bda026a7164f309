"""The team's triage rules in the TUI: a case made with `N` goes through them (what a
rule is called shown as written, never as markup), and a supervisor hears when the
rules file is broken while the last good rules stay in force."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, Select, TextArea
from tuikit import label_list, said, screen_text, settle

from store.db import Database
from store.service import CaseService
from store.triage.routing import RuleSource
from tui.app import CasedeskApp
from tui.screens import CreateCaseModal

RULE = '''
[[rule]]
name = "[b]Faktura[/b] till Support"
when = { words = ["faktura"] }
then = { labels = ["[red]faktura"], priority = "low" }
'''


def app_with_rules(path: Path, rules: Path, login: str = "supervisor") -> CasedeskApp:
    """`app_for`, its database with the rules file as the config would name it."""
    db = Database(path, rules=RuleSource(rules))
    return CasedeskApp(lambda: CaseService(db, login), poll_seconds=0, language="sv")


async def test_a_new_case_goes_through_the_rules(demo: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULE, encoding="utf-8")
    app = app_with_rules(label_list(demo, ("[red]faktura",)), rules)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("N")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, CreateCaseModal)
        modal.query_one("#channel", Select).value = "Support"
        modal.query_one("#name", Input).value = "Kim Kund"
        modal.query_one("#email", Input).value = "kim@kund.se"
        modal.query_one("#title", Input).value = "Fel belopp"
        modal.query_one("#text", TextArea).text = "Hej, min faktura är fel."
        modal.query_one("#create", Button).press()
        await settle(app, pilot)
        number = app.lists.shown.number  # type: ignore[union-attr]
        case = CaseService(Database(demo), "supervisor").get_case(number)
        assert (case.labels, case.priority) == (("[red]faktura",), "low")
        text = screen_text(app)  # the event, wrapped in the conversation: as written
        assert "Triage: regeln ”[b]Faktura[/b]" in text
        assert "till Support” satte prioritet Låg, etiketter [red]faktura" in text


async def test_a_supervisor_hears_of_a_broken_rules_file(demo: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "Fel"\nthen = { channel = "Ekonomi" }\n',
                     encoding="utf-8")
    for login, told in (("supervisor", True), ("bo", False)):
        app = app_with_rules(demo, rules, login)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            notes = [str(n.message) for n in app._notifications]
            lead = said("Triagereglerna: {problem}", problem="")
            assert any(n.startswith(lead) and "unknown channel 'Ekonomi'" in n
                       and "the last good rules stay in force" in n for n in notes) is told
            if told:  # said once, not at every poll
                app.check_rules()
                await settle(app, pilot)
                assert len([n for n in app._notifications if str(n.message).startswith(
                    lead)]) == 1
