"""New means "waiting to be assigned", Open means "an agent has begun work": taking a
new or escalated case, its being assigned by anyone, or an agent's reply or note
opens it — unless the status picked beside the reply says otherwise."""

from __future__ import annotations

import pytest

from store.errors import TransitionError


def last_status_event(team, number: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    event = [m.event for m in team.as_("boss").get_case(number).messages
             if m.event is not None and m.event.kind == "status"][-1]
    return event.params["start"], event.params["end"], event.params.get("why", "")


@pytest.mark.parametrize("escalated", [False, True])
def test_taking_a_case_waiting_for_an_agent_opens_it(team, escalated: bool) -> None:  # type: ignore[no-untyped-def]
    number = team.new_case(escalated=escalated)
    row = team.as_("anna").assign(number, "me")
    assert row.status == "open"
    start = "escalated" if escalated else "new"
    assert last_status_event(team, number) == (start, "open", "assigned")


@pytest.mark.parametrize("who", ["boss", "system"])
def test_being_assigned_by_a_supervisor_or_the_system_opens_it(team, who: str) -> None:  # type: ignore[no-untyped-def]
    number = team.new_case()
    service = team.system if who == "system" else team.as_(who)
    assert service.assign(number, "bo").status == "open"


def test_assignment_leaves_a_case_already_at_work_as_it_is(team) -> None:  # type: ignore[no-untyped-def]
    number = team.new_case()
    anna = team.as_("anna")
    anna.set_status(number, "waiting")
    assert anna.assign(number, "bo").status == "waiting"
    assert anna.assign(number, None).status == "waiting"
    fresh = team.new_case()
    assert anna.assign(fresh, None).status == "new"  # unassigned: nobody has begun


@pytest.mark.parametrize("answer", ["reply", "note"])
def test_an_agents_answer_opens_a_new_case(team, answer: str) -> None:  # type: ignore[no-untyped-def]
    number = team.new_case()
    anna = team.as_("anna")
    getattr(anna, answer)(number, "Vi tittar på det.")
    assert anna.get_case(number).status == "open"
    assert last_status_event(team, number) == ("new", "open", "answered")


@pytest.mark.parametrize("answer", ["reply", "note"])
def test_the_status_picked_beside_an_answer_wins(team, answer: str) -> None:  # type: ignore[no-untyped-def]
    number = team.new_case(escalated=True)
    anna = team.as_("anna")
    getattr(anna, answer)(number, "Vi väntar på ditt svar.", status="waiting")
    assert anna.get_case(number).status == "waiting"
    assert last_status_event(team, number) == ("escalated", "waiting", "")


def test_a_customer_message_leaves_a_new_case_new(team) -> None:  # type: ignore[no-untyped-def]
    from store.service import MessageInput

    number = team.new_case()
    team.system.add_message(number, MessageInput("En sak till."))
    assert team.as_("anna").get_case(number).status == "new"


def test_the_system_still_cannot_solve_or_park(team) -> None:  # type: ignore[no-untyped-def]
    number = team.new_case()
    with pytest.raises(TransitionError):
        team.system.set_status(number, "solved")


def test_an_agents_line_in_an_ingested_transcript_opens_the_case(team) -> None:  # type: ignore[no-untyped-def]
    from store.service import MessageInput

    number = team.new_case(channel="Chat")
    team.system.add_message(number, MessageInput("Hej Karin, jag kollar.", sender="agent",
                                                 author="Anna"))
    assert team.as_("anna").get_case(number).status == "open"
    assert last_status_event(team, number) == ("new", "open", "answered")


def test_taking_a_case_one_already_holds_while_it_is_new_opens_it(team) -> None:  # type: ignore[no-untyped-def]
    # A case assigned while New, as a database from before this rule may hold.
    import sqlalchemy as sa

    number = team.new_case()
    team.as_("anna").assign(number, "me")
    with team.db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE cases SET status = 'new' WHERE id = :n"),
                           {"n": number})
    assert team.as_("anna").assign(number, "me").status == "open"
