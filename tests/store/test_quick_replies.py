"""Quick replies with variables (store/quick_replies.py): each variable in Swedish and
English filled in for the case, one cursor mark, an unknown variable refused when the
quick reply is saved; edited and removed by supervisors, each change audited."""

from __future__ import annotations

import pytest

from store.errors import Forbidden, InvalidInput, NotFound
from store.quick_replies import fill

SWEDISH = ("Hej {kontakt.förnamn}!\n\nÄrende #{ärende.nummer} i {kanal.namn} gäller "
           "{kontakt.namn}. {markör}\n\nMvh {agent.namn}")
ENGLISH = ("Hi {contact.first_name}!\n\nCase #{case.number} in {channel.name} is about "
           "{contact.name}. {cursor}\n\nRegards, {agent.name}")


def test_every_variable_in_both_languages(team) -> None:
    boss = team.as_("boss")
    boss.add_quick_reply("Svenska", SWEDISH)
    boss.add_quick_reply("English", ENGLISH)
    number = team.new_case(name="Karin Kund")
    english, swedish = team.as_("anna").quick_replies(number)
    assert swedish.text == (f"Hej Karin!\n\nÄrende #{number} i Support gäller Karin Kund. "
                            "\n\nMvh Anna Berg")
    assert english.text == (f"Hi Karin!\n\nCase #{number} in Support is about Karin Kund. "
                            "\n\nRegards, Anna Berg")
    # The cursor where the mark was: after "… Karin Kund. ".
    assert swedish.text[:swedish.cursor].endswith("gäller Karin Kund. ")
    assert english.text[:english.cursor].endswith("about Karin Kund. ")
    # Without a case: as written, for the list and the editor.
    assert [r.text for r in boss.quick_replies()] == [ENGLISH, SWEDISH]


@pytest.mark.parametrize(("text", "said"), [
    ("Hej {kund.namn}!", "unknown variable {kund.namn} in the quick reply: use "
                         "{kontakt.förnamn}, {contact.first_name}"),
    ("{markör} och {cursor}", r"one cursor mark \(\{markör\}\) at most"),
])
def test_an_unknown_variable_is_refused_when_saved(team, text: str, said: str) -> None:
    boss = team.as_("boss")
    with pytest.raises(InvalidInput, match=said):
        boss.add_quick_reply("Fel", text)
    boss.add_quick_reply("Rätt", "Hej {namn}!")
    with pytest.raises(InvalidInput, match=said):
        boss.edit_quick_reply("Rätt", text=text)
    assert [r.text for r in boss.quick_replies()] == ["Hej {namn}!"]


def test_a_supervisor_edits_and_removes_them(team) -> None:
    boss, anna = team.as_("boss"), team.as_("anna")
    boss.add_quick_reply("Tack", "Tack {namn}!")
    boss.add_quick_reply("Adjö", "Hej då.")
    with pytest.raises(Forbidden):
        anna.edit_quick_reply("Tack", text="x")
    with pytest.raises(Forbidden):
        anna.remove_quick_reply("Tack")
    boss.edit_quick_reply("Tack", text="Stort tack {kontakt.förnamn}!", new_title="Tack!")
    with pytest.raises(InvalidInput, match="there is already a quick reply 'Adjö'"):
        boss.edit_quick_reply("Tack!", new_title="Adjö")
    boss.remove_quick_reply("Adjö")
    with pytest.raises(NotFound, match="there is no quick reply 'Adjö'"):
        boss.remove_quick_reply("Adjö")
    assert [(r.title, r.text) for r in boss.quick_replies()] == [
        ("Tack!", "Stort tack {kontakt.förnamn}!")]


def test_literal_braces_and_an_empty_name_read_well() -> None:
    values = {"first_name": "", "contact_name": ""}
    assert fill("T", "Hej {namn}! Koden är {1234}, {ABC-1}.", values).text == (
        "Hej! Koden är {1234}, {ABC-1}.")
    assert fill("T", "{markör}Hej", values).cursor == 0


def test_braces_around_no_name_are_text(team) -> None:
    team.as_("boss").add_quick_reply("Kod", "Din kod är {1234} eller {ABC-1}.")
    assert team.as_("boss").quick_replies()[0].text == "Din kod är {1234} eller {ABC-1}."
