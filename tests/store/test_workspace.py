"""The workspace rules ("Min arbetsyta", README.md) in the store: each setting, applied
when the event happens whoever makes it — an agent or the poller (`system`), with no
screen open (ingest: tests/cli/test_ingest_workspace.py) — and what is new in a case
marked until its agent looks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from store.errors import Forbidden, InvalidInput
from store.queries import CaseFilter
from store.service import ContactInput, MessageInput
from store.workspace import STANDARD, WorkspacePrefs


def held(team, login: str) -> dict[int, bool]:  # type: ignore[no-untyped-def]
    """The cases in `login`'s workspace: unread or not."""
    rows = team.as_(login).list_cases(CaseFilter(workspace="me", limit=500))
    return {r.number: r.unread for r in rows}


def wants(team, login: str, **changes) -> None:  # type: ignore[no-untyped-def]
    team.as_(login).set_workspace_prefs(replace(STANDARD, **changes))


def test_the_standard_settings(team) -> None:
    assert team.as_("anna").workspace_prefs() == STANDARD
    expected = WorkspacePrefs(new_case_kinds=(), leave_on_solved=True, leave_on_waiting=False,
                              leave_on_parked=False, add_assigned=True,
                              add_watched_on_activity=True)
    assert expected == STANDARD


def test_new_cases_of_the_chosen_kinds_come_in_whoever_makes_them(team) -> None:
    wants(team, "anna", new_case_kinds=("chat",))
    wants(team, "bo", new_case_kinds=("email", "chat"))
    chat = team.system.create_case(channel="Chat", title="Hej", contact=ContactInput(
        name="Kim", email="kim@example.se"))  # the poller's identity
    mail = team.new_case(channel="Support", login="bo")
    assert held(team, "anna") == {chat: True}  # new: unread
    # bo is not in Chat: a chat case does not come to him, whatever he wants.
    assert held(team, "bo") == {mail: True}
    assert team.as_("boss").workspace_counts("anna") == (1, 1)


def test_a_follow_up_case_from_the_customer_comes_in_too(team) -> None:
    wants(team, "anna", new_case_kinds=("email",))
    first = team.new_case()
    anna = team.as_("anna")
    anna.set_status(first, "solved")
    team.system.set_status(first, "closed")
    anna.set_in_workspace(first, present=False)
    follow_up = team.system.add_message(first, MessageInput("Det är trasigt igen")).case
    assert follow_up != first
    assert follow_up in held(team, "anna")


@pytest.mark.parametrize(("status", "setting"), [("solved", "leave_on_solved"),
                                                  ("waiting", "leave_on_waiting"),
                                                  ("parked", "leave_on_parked")])
def test_a_status_takes_the_case_out_for_those_who_want_that(team, status: str,
                                                            setting: str) -> None:
    wants(team, "anna", **{setting: True})
    wants(team, "bo", **{setting: False})
    number = team.new_case()
    for login in ("anna", "bo"):
        team.as_(login).set_in_workspace(number, present=True)
    team.as_("bo").set_status(number, status)
    assert number not in held(team, "anna")
    assert number in held(team, "bo")


def test_an_assigned_case_comes_in_unless_unwanted(team) -> None:
    wants(team, "bo", add_assigned=False)
    a, b = team.new_case(), team.new_case()
    anna = team.as_("anna")
    anna.assign(a, "me")
    anna.assign(b, "bo")
    assert held(team, "anna") == {a: False}  # she took it herself: nothing new to her
    assert held(team, "bo") == {}
    team.as_("boss").assign(b, "anna")
    assert held(team, "anna") == {a: False, b: True}


def test_a_watched_case_comes_in_when_something_happens_in_it(team) -> None:
    wants(team, "bo", add_watched_on_activity=False)
    number = team.new_case()
    for login in ("anna", "bo"):
        team.as_(login).set_watch(number, watching=True)
    assert held(team, "anna") == {}
    team.system.add_message(number, MessageInput("Någon nyhet?"))  # the poller, say
    assert held(team, "anna") == {number: True}
    assert held(team, "bo") == {}


def test_something_new_is_unread_for_the_others_until_they_look(team) -> None:
    number = team.new_case()
    anna, bo = team.as_("anna"), team.as_("bo")
    anna.set_in_workspace(number, present=True)
    bo.set_in_workspace(number, present=True)
    bo.reply(number, "Vi kollar.")
    assert held(team, "anna") == {number: True}
    assert held(team, "bo") == {number: False}  # his own reply is nothing new to him
    anna.mark_read(number)
    assert held(team, "anna") == {number: False}
    assert anna.workspace_counts() == (1, 0)
    team.system.add_message(number, MessageInput("Tack!"))
    assert held(team, "anna") == {number: True}
    assert held(team, "bo") == {number: True}


def test_a_mention_puts_the_case_in_that_workspace_unread(team) -> None:
    wants(team, "bo", add_watched_on_activity=False, add_assigned=False)
    number = team.new_case()
    team.as_("anna").note(number, "@bo kan du titta?")
    assert held(team, "bo") == {number: True}
    assert held(team, "anna") == {}
    chat = team.new_case(channel="Chat")  # not bo's channel: he is not told
    team.as_("anna").note(chat, "@bo?")
    assert chat not in held(team, "bo")


def test_standard_resets_and_a_bad_kind_is_refused(team) -> None:
    anna = team.as_("anna")
    wants(team, "anna", new_case_kinds=("phone",), leave_on_parked=True)
    assert anna.workspace_prefs().new_case_kinds == ("phone",)
    anna.set_workspace_prefs(STANDARD)
    assert anna.workspace_prefs() == STANDARD
    with pytest.raises(InvalidInput, match="unknown channel kind 'fax'"):
        wants(team, "anna", new_case_kinds=("fax",))


def test_only_a_supervisor_follows_someone_elses_workspace(team) -> None:
    number = team.new_case()
    team.as_("anna").set_in_workspace(number, present=True)
    boss = team.as_("boss")
    assert [r.number for r in boss.list_cases(CaseFilter(workspace="anna"))] == [number]
    assert boss.workspace_prefs("anna") == STANDARD
    with pytest.raises(Forbidden):
        team.as_("bo").list_cases(CaseFilter(workspace="anna"))
    with pytest.raises(Forbidden):
        team.as_("bo").workspace_counts("anna")



def test_the_workspace_counts_what_its_list_shows(team) -> None:
    wants(team, "anna", leave_on_solved=False)
    number = team.new_case()
    anna = team.as_("anna")
    anna.set_in_workspace(number, present=True)
    anna.set_status(number, "solved")
    assert anna.workspace_counts() == (1, 0)
    team.system.set_status(number, "closed")  # ended: not in the list, not in the count
    assert held(team, "anna") == {}
    assert anna.workspace_counts() == (0, 0)
