"""A team at once: presence in a case, the supervisor's agents view, following an
agent's workspace, and a supervisor's assignment of anyone."""

from __future__ import annotations

import pytest

from store.errors import Forbidden
from store.presence import GONE_AFTER
from store.queries import CaseFilter
from store.service import MessageInput
from store.views import PresenceView


def test_presence_says_who_else_is_in_the_case_and_who_is_writing(team) -> None:
    number = team.new_case()
    anna, bo, boss = team.as_("anna"), team.as_("bo"), team.as_("boss")
    anna.set_presence(number, "replying")
    bo.set_presence(number, "viewing")
    assert boss.present(number) == [PresenceView("anna", "Anna Berg", "replying"),
                                    PresenceView("bo", "Bo Ek", "viewing")]
    assert anna.present(number) == [PresenceView("bo", "Bo Ek", "viewing")]  # not herself
    anna.set_presence(number, "viewing")  # the reply was sent or put away
    assert bo.present(number) == [PresenceView("anna", "Anna Berg", "viewing")]


def test_opening_another_case_or_none_leaves_the_first(team) -> None:
    first, second = team.new_case(), team.new_case(title="Andra")
    anna, bo = team.as_("anna"), team.as_("bo")
    anna.set_presence(first, "viewing")
    anna.set_presence(second, "replying")
    assert bo.present(first) == []
    assert [p.login for p in bo.present(second)] == ["anna"]
    anna.set_presence(None, None)
    assert bo.present(second) == []


def test_presence_not_renewed_is_gone(team) -> None:
    number = team.new_case()
    team.as_("anna").set_presence(number, "replying")
    team.clock.advance(seconds=GONE_AFTER.total_seconds() - 1)
    assert [p.login for p in team.as_("bo").present(number)] == ["anna"]
    team.clock.advance(seconds=2)
    assert team.as_("bo").present(number) == []


def test_presence_is_no_change_to_the_case(team) -> None:
    number = team.new_case()
    bo = team.as_("bo")
    version, feed = bo.get_case(number).version, bo.latest_change()
    team.as_("anna").set_presence(number, "replying")
    assert (bo.get_case(number).version, bo.latest_change()) == (version, feed)


def test_presence_needs_the_case_to_be_visible(team) -> None:
    chat = team.new_case(channel="Chat")  # bo is not in Chat
    with pytest.raises(Forbidden):
        team.as_("bo").set_presence(chat, "viewing")
    with pytest.raises(Forbidden):
        team.as_("bo").present(chat)
    with pytest.raises(ValueError, match="unknown presence"):
        team.as_("anna").set_presence(chat, "dancing")


def test_the_agents_view_counts_each_agents_cases_and_workspace(team) -> None:
    anna, bo = team.as_("anna"), team.as_("bo")
    cases = [team.new_case(title=f"Fall {i}") for i in range(5)]
    for number in cases[:3]:
        anna.assign(number, "me")
    anna.set_status(cases[0], "open")
    anna.set_status(cases[1], "waiting")
    anna.set_status(cases[2], "parked")
    bo.assign(cases[3], "me")
    bo.set_status(cases[3], "open")
    anna.note(cases[4], "@bo titta")  # in bo's workspace, unread
    tallies = {t.login: t for t in team.as_("boss").agent_tallies()}
    assert set(tallies) == {"anna", "bo", "boss"}
    a, b = tallies["anna"], tallies["bo"]
    assert (a.open, a.waiting, a.parked) == (1, 1, 1)
    assert (b.open, b.waiting, b.parked) == (1, 0, 0)
    # Workspaces as their own counts give them (the standard: assigned ones come in;
    # Solved takes out, Waiting and Parked do not).
    assert (a.workspace, a.unread) == anna.workspace_counts()
    assert (b.workspace, b.unread) == bo.workspace_counts() == (2, 1)
    assert a.channels == ("Chat", "Support")
    with pytest.raises(Forbidden, match="only a supervisor"):
        anna.agent_tallies()


def test_following_shows_the_agents_unread_markers_not_the_supervisors(team) -> None:
    number = team.new_case()
    team.as_("anna").set_in_workspace(number, present=True)
    team.as_("bo").reply(number, "Vi kollar.")  # new for anna
    boss = team.as_("boss")
    followed = boss.list_cases(CaseFilter(workspace="anna"))
    assert [(r.number, r.unread) for r in followed] == [(number, True)]
    # The overview marks the supervisor's own (the case is not in boss's workspace).
    assert [r.unread for r in boss.list_cases(CaseFilter()) if r.number == number] == [False]


def test_a_supervisor_assigns_anyone_who_then_joins_the_channel(team) -> None:
    chat = team.new_case(channel="Chat")  # bo is not in Chat
    with pytest.raises(Forbidden, match="not a member"):
        team.as_("anna").assign(chat, "bo")
    offered = {a.login: joins for a, joins in team.as_("anna").assignable_for(chat)}
    assert offered == {"anna": False, "boss": False}
    boss = team.as_("boss")
    assert {a.login: joins for a, joins in boss.assignable_for(chat)} == {
        "anna": False, "bo": True, "boss": False}
    boss.assign(chat, "bo")
    bo = team.as_("bo")
    assert bo.get_case(chat).assignee == "bo"
    assert "Chat" in bo.whoami().channels
    events = [m.text for m in bo.get_case(chat).messages if m.kind == "event"]
    assert "bo added to Chat" in events


def test_leaving_a_channel_leaves_its_watches_workspace_and_presence(team) -> None:
    number = team.new_case()  # Support: anna and bo
    bo = team.as_("bo")
    bo.set_watch(number, watching=True)
    bo.set_in_workspace(number, present=True)
    bo.set_presence(number, "viewing")
    boss = team.as_("boss")
    boss.set_membership("Support", "bo", member=False)
    team.system.add_message(number, MessageInput("Hallå?"))  # activity: no hidden entry
    boss.set_membership("Support", "bo", member=True)
    assert bo.workspace_counts() == (0, 0)
    assert bo.get_case(number).watchers == ()
    assert team.as_("anna").present(number) == []


def test_an_agent_in_two_tuis_is_shown_once_and_neither_undoes_the_other(team) -> None:
    first, second = team.new_case(), team.new_case(title="Andra")
    laptop, server = team.as_("anna"), team.as_("anna")  # two TUIs of one agent
    bo = team.as_("bo")
    laptop.set_presence(first, "replying")
    server.set_presence(second, "viewing")
    assert bo.present(first) == [PresenceView("anna", "Anna Berg", "replying")]
    assert bo.present(second) == [PresenceView("anna", "Anna Berg", "viewing")]
    server.set_presence(first, "viewing")  # both in one case: shown once, writing
    assert bo.present(first) == [PresenceView("anna", "Anna Berg", "replying")]
    server.set_presence(None, None)  # one quits: the other is still writing
    assert bo.present(first) == [PresenceView("anna", "Anna Berg", "replying")]


def test_new_and_escalated_cases_taken_count_as_open_in_the_agents_view(team) -> None:
    bo = team.as_("bo")
    fresh = team.new_case(title="Ny")
    hot = team.new_case(title="Het", escalated=True)
    bo.assign(fresh, "me")
    bo.assign(hot, "me")
    tally = next(t for t in team.as_("boss").agent_tallies() if t.login == "bo")
    assert (tally.open, tally.escalated) == (2, 0)  # taking a case opens it


def test_leaving_a_channel_leaves_its_ongoing_cases_unassigned(team) -> None:
    ongoing, done = team.new_case(channel="Chat"), team.new_case(channel="Chat", title="Klart")
    anna = team.as_("anna")
    anna.assign(ongoing, "me")
    anna.assign(done, "me")
    anna.set_status(done, "solved")
    team.system.set_status(done, "closed")
    team.as_("boss").set_membership("Chat", "anna", member=False)
    boss = team.as_("boss")
    assert boss.get_case(ongoing).assignee is None
    assert "Unassigned: anna is not in Chat" in [m.text for m in boss.get_case(ongoing).messages]
    assert boss.get_case(done).assignee == "anna"  # history stays


def test_an_ai_agent_does_not_join_a_channel_by_an_assignment(team) -> None:
    boss = team.as_("boss")
    boss.add_agent("ai-bot", ai=True)
    chat = team.new_case(channel="Chat")
    assert "ai-bot" not in {a.login for a, _ in boss.assignable_for(chat)}
    with pytest.raises(Forbidden, match="not a member"):
        boss.assign(chat, "ai-bot")
    assert "Chat" not in next(a for a in boss.list_agents() if a.login == "ai-bot").channels


def test_the_contact_finder_matches_any_word_of_the_name(team) -> None:  # type: ignore[no-untyped-def]
    from store.service import ContactInput

    anna = team.as_("anna")
    anna.create_case(channel="Support", title="Fråga",
                     contact=ContactInput(name="Eva Bergström", email="eva@exempel.se"))
    anna.create_case(channel="Support", title="Fråga",
                     contact=ContactInput(name="Anna-Karin Lund", email="ak@exempel.se"))
    assert [c.name for c in anna.find_contacts("berg")] == ["Eva Bergström"]
    assert [c.name for c in anna.find_contacts("BERGSTRÖM")] == ["Eva Bergström"]
    assert [c.name for c in anna.find_contacts("karin")] == ["Anna-Karin Lund"]
    assert [c.name for c in anna.find_contacts("lund")] == ["Anna-Karin Lund"]
    assert anna.find_contacts("rgström") == []  # the start of a word, not its middle
