"""Drafts kept in the store (store/drafts.py): an agent's own, ended by sending, gone
with their case."""

from __future__ import annotations

import pytest

from store.errors import InvalidInput, NotFound


def test_a_draft_is_kept_changed_and_ended_by_blank_text(team) -> None:
    anna = team.as_("anna")
    number = team.new_case()
    anna.save_draft(number, "Hej Karin,")
    team.clock.advance(seconds=5)
    anna.save_draft(number, "Hej Karin, vi tittar på det.", note=False, status="waiting")
    (draft,) = anna.drafts()
    assert (draft.number, draft.text, draft.note, draft.status) == (
        number, "Hej Karin, vi tittar på det.", False, "waiting")
    anna.save_draft(number, "  \n")
    assert anna.drafts() == []


def test_a_draft_is_its_writers_alone(team) -> None:
    number = team.new_case()
    team.as_("anna").save_draft(number, "Anna skriver")
    team.as_("bo").save_draft(number, "Bo skriver", note=True)
    assert [d.text for d in team.as_("anna").drafts()] == ["Anna skriver"]
    assert [(d.text, d.note) for d in team.as_("bo").drafts()] == [("Bo skriver", True)]
    telefon = team.new_case(channel="Telefon", login="bo")
    with pytest.raises(NotFound):  # a case anna may not see is one that does not exist
        team.as_("anna").save_draft(telefon, "x")


def test_sending_ends_the_draft_and_a_late_write_of_the_sent_text_is_no_draft(team) -> None:
    anna = team.as_("anna")
    number = team.new_case()
    anna.save_draft(number, "Svar på väg")
    anna.reply(number, "Svar på väg")
    assert anna.drafts() == []
    # A keystroke's write that lost the race with the send must not bring it back.
    anna.save_draft(number, "Svar på väg")
    assert anna.drafts() == []
    anna.save_draft(number, "En anteckning", note=True)
    anna.note(number, "En anteckning")
    assert anna.drafts() == []


def test_drafts_go_with_their_case(team) -> None:
    number = team.new_case(email="karin@example.se")
    team.as_("anna").save_draft(number, "Hej Karin, ditt personnummer …")
    team.as_("boss").erase_contact("karin@example.se")
    assert team.as_("anna").drafts() == []


def test_a_draft_of_a_case_no_longer_seen_is_not_shown(team) -> None:
    number = team.new_case(channel="Chat")
    team.as_("anna").save_draft(number, "Hej")
    team.as_("boss").set_membership("Chat", "anna", member=False)
    assert team.as_("anna").drafts() == []
    team.as_("boss").set_membership("Chat", "anna", member=True)
    assert [d.number for d in team.as_("anna").drafts()] == [number]


def test_what_is_no_draft_is_refused(team) -> None:
    number = team.new_case()
    with pytest.raises(InvalidInput, match="at most"):
        team.as_("anna").save_draft(number, "x" * 200_001)
    with pytest.raises(ValueError, match="nonsense"):
        team.as_("anna").save_draft(number, "x", status="nonsense")
    team.system.save_draft(number, "the system writes none")
    assert team.as_("anna").drafts() == []
