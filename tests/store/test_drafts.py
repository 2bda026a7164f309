"""Drafts kept in the store (store/drafts.py): an agent's own, ended by sending, gone
with their case."""

from __future__ import annotations

import pytest

from store.drafts import DraftGuard
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


def test_sending_ends_the_draft_and_a_text_begun_before_the_send_is_no_draft(team) -> None:
    anna = team.as_("anna")
    number = team.new_case()
    began = team.clock()
    team.clock.advance(seconds=1)
    kept = anna.save_draft(number, "Svar på väg", guard=DraftGuard(None, began))
    assert kept is not None
    team.clock.advance(seconds=1)
    anna.reply(number, "Svar på väg")
    assert anna.drafts() == []
    # A keystroke's write that lost the race with the send (its text begun before it)
    # does not bring it back.
    team.clock.advance(seconds=1)
    assert anna.save_draft(number, "Svar på väg, igen", guard=DraftGuard(kept, began)) is None
    assert anna.drafts() == []
    # Begun after the send: a new draft.
    after = team.clock()
    team.clock.advance(seconds=1)
    assert anna.save_draft(number, "Ett tillägg", guard=DraftGuard(None, after)) is not None
    anna.note(number, "Ett tillägg")
    assert anna.drafts() == []


def test_a_session_that_hangs_up_late_does_not_overwrite_a_newer_draft(team) -> None:
    anna = team.as_("anna")
    number = team.new_case()
    old = anna.save_draft(number, "Början", guard=DraftGuard(None, team.clock()))
    team.clock.advance(minutes=1)
    # Another session of hers saw that draft and wrote on.
    assert anna.save_draft(number, "Skrivet i den nya", guard=DraftGuard(old)) is not None
    team.clock.advance(hours=2)  # the old one hears of its hang-up at last
    assert anna.save_draft(number, "Gammal text", guard=DraftGuard(old)) is None
    assert anna.save_draft(number, "", guard=DraftGuard(old)) is None  # nor clears it
    assert [d.text for d in anna.drafts()] == ["Skrivet i den nya"]


def test_a_draft_not_yet_seen_is_not_overwritten(team) -> None:
    """A TUI that is written in before it has read the drafts left in the store."""
    anna = team.as_("anna")
    number = team.new_case()
    anna.save_draft(number, "Från förra gången")
    assert anna.save_draft(number, "Nytt", guard=DraftGuard(None, team.clock())) is None
    (left,) = anna.drafts()
    assert left.text == "Från förra gången"
    team.clock.advance(seconds=1)
    assert anna.save_draft(number, "Från förra gången, och mer",
                           guard=DraftGuard(left.saved_at)) is not None


def test_a_draft_is_kept_masked(team) -> None:
    """As a reply would be (the store masks every kind by default)."""
    anna = team.as_("anna")
    number = team.new_case()
    anna.save_draft(number, "Kortet 4111 1111 1111 1111 är spärrat")
    (draft,) = anna.drafts()
    assert "4111 1111 1111 1111" not in draft.text
    assert "1111 är spärrat" in draft.text  # (the last four shown)


def test_drafts_go_with_their_case(team) -> None:
    number = team.new_case(email="karin@example.se")
    team.as_("anna").save_draft(number, "Hej Karin, ditt personnummer …")
    team.as_("boss").erase_contact("karin@example.se")
    assert team.as_("anna").drafts() == []


def test_an_erasure_takes_the_drafts_of_a_case_that_stays(team) -> None:
    number = team.new_case(email="karin@example.se")
    other = team.new_case(email="olle@example.se")
    team.as_("anna").merge(other, into=number)  # Olle's case joins Karin's: it stays
    team.as_("anna").save_draft(number, "Hej Karin och Olle")
    team.as_("boss").erase_contact("karin@example.se")
    assert team.as_("boss").get_case(number).number == number
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
