"""What the store answers for an agent's menus: the channels a new case may go in, the
statuses an answer may set, and the earlier replies a new one may start from. A client
shows these lists; it never decides them itself."""

from __future__ import annotations

import pytest

from store.errors import Forbidden, NotFound
from store.service import ContactInput


def test_a_new_case_goes_in_the_agents_own_channels(team) -> None:
    assert team.as_("anna").creatable_channels() == ["Chat", "Support"]
    assert team.as_("bo").creatable_channels() == ["Support", "Telefon"]
    assert team.as_("boss").creatable_channels() == ["Chat", "Support", "Telefon"]
    # What is offered is what the store accepts, and no more.
    anna = team.as_("anna")
    for channel in anna.creatable_channels():
        anna.create_case(channel=channel, contact=ContactInput(name="Karin Kund"),
                         title="Ny")
    with pytest.raises(Forbidden):
        anna.create_case(channel="Telefon", contact=ContactInput(name="Karin Kund"),
                         title="Ny")


def test_an_answer_offers_the_statuses_the_lifecycle_allows(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    assert anna.answer_statuses(number) == ["waiting", "parked", "solved", "open"]
    anna.set_status(number, "solved")
    # Solved: reopened, or left solved (the case's own status changes nothing).
    assert anna.answer_statuses(number) == ["solved", "open"]
    team.as_("boss").set_status(number, "closed")
    assert anna.answer_statuses(number) == []


def test_every_offered_status_is_accepted_with_the_answer(team) -> None:
    anna = team.as_("anna")
    for status in anna.answer_statuses(team.new_case()):
        number = team.new_case()
        anna.reply(number, "Hej!", status=status)
        assert anna.get_case(number).status == status


def test_the_statuses_need_the_case_to_be_visible(team) -> None:
    chat = team.new_case(channel="Chat")  # bo is not in Chat
    with pytest.raises(Forbidden):
        team.as_("bo").answer_statuses(chat)
    with pytest.raises(NotFound):
        team.as_("bo").answer_statuses(999_999)


def test_earlier_replies_are_the_replies_sent_newest_first(team) -> None:
    number = team.new_case(text="Hej, fakturan är fel.")
    anna = team.as_("anna")
    anna.reply(number, "Första svaret")
    anna.note(number, "Intern: kolla med ekonomi")
    team.clock.advance(minutes=5)
    team.as_("bo").reply(number, "Andra svaret")
    replies = anna.earlier_replies(number)
    assert [(m.kind, m.author, m.text) for m in replies] == [
        ("reply", "Bo Ek", "Andra svaret"), ("reply", "Anna Berg", "Första svaret")]
    assert team.as_("anna").earlier_replies(team.new_case()) == []


def test_earlier_replies_need_the_case_to_be_visible(team) -> None:
    chat = team.new_case(channel="Chat")
    team.as_("anna").reply(chat, "Svar")
    with pytest.raises(Forbidden):
        team.as_("bo").earlier_replies(chat)
