"""Quick replies with variables (store/quick_replies.py): each variable in Swedish and
English filled in for the case, one cursor mark, an unknown variable refused when the
quick reply is saved; edited and removed by supervisors, each change audited."""

from __future__ import annotations

import pytest

from store.errors import Forbidden, InvalidInput, NotFound
from store.inputs import MessageInput
from store.quick_replies import QuickReplyView, fill

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


def test_the_english_version_goes_to_a_customer_who_writes_english(team) -> None:
    boss = team.as_("boss")
    boss.add_quick_reply("Tack", "Hej {kontakt.förnamn}! Tack för ditt mejl.",
                         english="Hi {contact.first_name}! Thank you for your mail.")
    boss.add_quick_reply("Bara svenska", "Hej {namn}!")
    swedish = team.new_case(name="Karin Kund", text="Hej, jag har inte fått min faktura och "
                            "det är inte första gången.")
    english = team.new_case(name="John Smith", email="john@example.com",
                            text="Hello, I have not received my invoice and it is the "
                            "second time this happens.")
    anna = team.as_("anna")
    assert [r.text for r in anna.quick_replies(swedish)] == ["Hej Karin!",
                                                             "Hej Karin! Tack för ditt mejl."]
    # Without an English version, the text as written.
    assert [r.text for r in anna.quick_replies(english)] == [
        "Hej John!", "Hi John! Thank you for your mail."]
    # The customer's latest message decides: they may switch.
    team.system.add_message(english, MessageInput("Hej igen, jag skriver på svenska nu "
                                                    "och det är fortfarande fel."))
    assert anna.quick_replies(english)[1].text == "Hej John! Tack för ditt mejl."
    # As written, both versions, for the editor and the command line.
    assert boss.quick_reply_list()[1] == QuickReplyView(
        "Tack", "Hej {kontakt.förnamn}! Tack för ditt mejl.",
        "Hi {contact.first_name}! Thank you for your mail.")


def test_the_english_version_is_checked_edited_and_removed(team) -> None:
    boss = team.as_("boss")
    with pytest.raises(InvalidInput, match=r"unknown variable \{contact.firstname\}"):
        boss.add_quick_reply("Tack", "Hej!", english="Hi {contact.firstname}!")
    boss.add_quick_reply("Tack", "Hej!")
    with pytest.raises(InvalidInput, match=r"unknown variable \{kund\}"):
        boss.edit_quick_reply("Tack", english="Hi {kund}!")
    boss.edit_quick_reply("Tack", english="Hi!")
    assert boss.quick_reply_list()[0].english == "Hi!"
    boss.edit_quick_reply("Tack", text="Hej hej!")  # the English stays
    assert boss.quick_reply_list()[0] == QuickReplyView("Tack", "Hej hej!", "Hi!")
    boss.edit_quick_reply("Tack", english="  ")  # blank: none
    assert boss.quick_reply_list()[0].english is None
    with pytest.raises(Forbidden):
        team.as_("anna").edit_quick_reply("Tack", english="Hi!")


def test_the_language_is_the_customers_own_never_an_auto_reply_or_a_quote(team) -> None:
    boss = team.as_("boss")
    boss.add_quick_reply("Tack", "Hej {namn}! Tack.", english="Hi {name}! Thanks.")
    number = team.new_case(text="Hej, jag har inte fått min faktura och det är inte "
                           "första gången det händer.")
    # An English out-of-office after it: the customer still writes Swedish.
    team.system.add_message(number, MessageInput(
        "I am out of the office until Monday and will have limited access to my email.",
        flags=("auto-reply",)))
    # A short answer above a quoted English reply of ours tells nothing: the one before.
    team.system.add_message(number, MessageInput(
        "Ok!\n\nOn Mon, 7 Dec 2026 Support wrote:\n> Hi, we have looked at it and you will "
        "get the invoice by mail this week, as it was sent to the wrong address."))
    assert [r.text for r in team.as_("anna").quick_replies(number)] == ["Hej Karin! Tack."]
