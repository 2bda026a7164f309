"""A web form's fields travel with its case (store.models.CaseField): kept as sent,
shown with the case, found by search, matched by a rule's `field.<name>`; a form that
sends too much is refused in words, and nothing of it is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.errors import InvalidInput
from store.inputs import ContactInput, MessageInput
from store.queries import CaseFilter
from store.triage.routing import RuleSource

FORM = {"ordernummer": "4457000", "kategori": "Retur", "tom": ""}


def form_case(team, fields, title: str = "Retur av order") -> int:  # type: ignore[no-untyped-def]
    return team.as_("anna").create_case(
        channel="Support", contact=ContactInput(name="Kim Kund", email="kim@kund.se"),
        title=title, messages=[MessageInput("Jag vill skicka tillbaka min lampa.")],
        fields=fields)


def test_the_fields_are_kept_shown_and_found(team) -> None:
    number = form_case(team, FORM)
    anna = team.as_("anna")
    # By name; an empty value is no field.
    assert anna.get_case(number).fields == (("kategori", "Retur"), ("ordernummer", "4457000"))
    assert [r.number for r in anna.list_cases(CaseFilter(search="4457000"))] == [number]
    assert [r.number for r in anna.list_cases(CaseFilter(search="retur ordernummer"))] == [
        number]
    other = team.new_case(title="Annat", text="Inget formulär.")
    assert anna.get_case(other).fields == ()
    assert anna.list_cases(CaseFilter(search="4457000 annat")) == []


@pytest.mark.parametrize(("fields", "said"), [
    ({f"f{i}": "x" for i in range(31)}, "31 fields: a case takes 30 at most"),
    ({"": "x"}, "a field needs a name"),
    ({"n" * 101: "x"}, "the field 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn' is too long (a "
                       "name takes 100 characters, a value 1,000)"),
    ({"ordernummer": "9" * 1001}, "the field 'ordernummer' is too long"),
])
def test_a_form_that_sends_too_much_is_refused_and_nothing_kept(team, fields, said) -> None:
    anna = team.as_("anna")
    before = anna.count_cases(CaseFilter(include_ended=True))
    with pytest.raises(InvalidInput, match=said.replace("(", r"\(").replace(")", r"\)")):
        form_case(team, fields)
    assert anna.count_cases(CaseFilter(include_ended=True)) == before


def test_a_rule_matches_a_field(team, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nname = "Returer"\nwhen = { field.kategori = "retur" }\n'
                    'then = { labels = ["retur"] }\n', encoding="utf-8")
    team.db.rules = RuleSource(path)
    anna = team.as_("anna")
    assert anna.get_case(form_case(team, FORM)).labels == ("retur",)  # any case
    assert anna.get_case(form_case(team, {"kategori": "Faktura"})).labels == ()
    assert anna.get_case(form_case(team, {})).labels == ()


def test_fields_are_shown_as_written(team) -> None:
    number = form_case(team, {"[b]namn[/b]": "\x1b[31mröd[/red]\nrad två"})
    # One line each, kept as text (the TUI and the CLI show control characters safely).
    assert team.as_("anna").get_case(number).fields == (("[b]namn[/b]",
                                                         "[31mröd[/red] rad två"),)
