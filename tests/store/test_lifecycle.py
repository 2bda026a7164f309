"""The case lifecycle: the pure table (`check_transition`) and the same rules applied
through the service (timestamps, refusals that change nothing).

The expected table is written out here by hand from the issue, not imported from
`store.lifecycle.TRANSITIONS`, so a slip in either one shows up as a failure:

    new, escalated → open, parked, waiting, solved
    open    → parked, waiting, solved
    parked  → open, waiting, solved
    waiting → open, parked, solved
    solved  → open    (an agent; or a customer reply, made as `system`)
    solved  → closed  (the scheduler as `system`; a supervisor by hand)
    closed  → archived (`system` only)
    archived → nothing

The working moves in the first four rows are made by people (agents, supervisors)
and AI agents — except that an AI agent never sets solved (a human has the last
word). `system` (scheduler, poller) makes only the moves the table names for it:
the reopen by a customer reply (waiting → open, solved → open), closing and
archiving. Nothing outside the table is allowed to anyone, supervisors included.
Staying in the same status is not a transition: it is accepted and changes nothing.
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from store.errors import InvalidInput, TransitionError
from store.lifecycle import ActorKind, allowed_targets, check_transition, parse_status
from store.models import AuditEvent, Status
from store.service import MessageInput

AGENT, SUPERVISOR, SYSTEM, AI = "agent", "supervisor", "system", "ai"
ACTORS = (AGENT, SUPERVISOR, SYSTEM, AI)
STATUSES = ("new", "escalated", "open", "parked", "waiting", "solved", "closed", "archived")

PEOPLE_AND_AI = frozenset({AGENT, SUPERVISOR, AI})
PEOPLE = frozenset({AGENT, SUPERVISOR})

# (from, to) -> who may make the move. Everything not listed is forbidden to everyone.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("new", "open"): PEOPLE_AND_AI,
    ("new", "parked"): PEOPLE_AND_AI,
    ("new", "waiting"): PEOPLE_AND_AI,
    ("new", "solved"): PEOPLE,
    ("escalated", "open"): PEOPLE_AND_AI,
    ("escalated", "parked"): PEOPLE_AND_AI,
    ("escalated", "waiting"): PEOPLE_AND_AI,
    ("escalated", "solved"): PEOPLE,
    ("open", "parked"): PEOPLE_AND_AI,
    ("open", "waiting"): PEOPLE_AND_AI,
    ("open", "solved"): PEOPLE,
    ("parked", "open"): PEOPLE_AND_AI,
    ("parked", "waiting"): PEOPLE_AND_AI,
    ("parked", "solved"): PEOPLE,
    ("waiting", "open"): PEOPLE_AND_AI | {SYSTEM},  # a customer reply reopens it
    ("waiting", "parked"): PEOPLE_AND_AI,
    ("waiting", "solved"): PEOPLE,
    ("solved", "open"): PEOPLE | {SYSTEM},  # an agent, or a customer reply
    ("solved", "closed"): frozenset({SYSTEM, SUPERVISOR}),
    ("closed", "archived"): frozenset({SYSTEM}),
}


def expected_allowed(start: str, end: str, actor: str) -> bool:
    if start == end:
        return True  # no transition at all: nothing changes
    return actor in EXPECTED.get((start, end), frozenset())


TRIPLES = list(itertools.product(STATUSES, STATUSES, ACTORS))


def test_the_expected_table_covers_the_issue() -> None:
    # Guard the hand-written table itself: 20 moves, archived is final, AI never solves.
    assert len(EXPECTED) == 20
    assert not [k for k in EXPECTED if k[0] == "archived"]
    assert all(AI not in who for (_, end), who in EXPECTED.items() if end == "solved")
    assert len(TRIPLES) == 8 * 8 * 4


@pytest.mark.parametrize(
    ("start", "end", "actor"), TRIPLES, ids=[f"{s}->{e}-by-{a}" for s, e, a in TRIPLES]
)
def test_check_transition_matches_the_table(start: str, end: str, actor: str) -> None:
    if expected_allowed(start, end, actor):
        check_transition(Status(start), Status(end), ActorKind(actor))
    else:
        with pytest.raises(TransitionError) as info:
            check_transition(Status(start), Status(end), ActorKind(actor))
        message = str(info.value)
        # The refusal names both statuses, so the person knows what was refused.
        assert start in message
        assert end in message


@pytest.mark.parametrize(("start", "actor"), list(itertools.product(STATUSES, ACTORS)))
def test_allowed_targets_for_menus_match_the_table(start: str, actor: str) -> None:
    expected = {e for e in STATUSES if e != start and expected_allowed(start, e, actor)}
    got = allowed_targets(Status(start), ActorKind(actor))
    assert {s.value for s in got} == expected
    assert len(got) == len(set(got))


def test_a_move_outside_the_table_says_where_the_case_can_go() -> None:
    with pytest.raises(TransitionError, match="closed cannot become open") as info:
        check_transition(Status.CLOSED, Status.OPEN, ActorKind.SUPERVISOR)
    assert "archived" in str(info.value)


def test_archived_is_final_and_says_so() -> None:
    for end in STATUSES:
        if end == "archived":
            continue
        with pytest.raises(TransitionError, match="final"):
            check_transition(Status.ARCHIVED, Status(end), ActorKind.SYSTEM)


def test_an_ai_agent_is_told_a_human_has_the_last_word() -> None:
    with pytest.raises(TransitionError, match="human"):
        check_transition(Status.OPEN, Status.SOLVED, ActorKind.AI)


def test_an_agent_is_told_who_closes_a_case() -> None:
    with pytest.raises(TransitionError, match="supervisor"):
        check_transition(Status.SOLVED, Status.CLOSED, ActorKind.AGENT)


def test_only_the_scheduler_archives() -> None:
    with pytest.raises(TransitionError, match="scheduler"):
        check_transition(Status.CLOSED, Status.ARCHIVED, ActorKind.SUPERVISOR)


@pytest.mark.parametrize(("text", "status"), [("open", Status.OPEN), (" Solved ", Status.SOLVED),
                                              ("ARCHIVED", Status.ARCHIVED)])
def test_parse_status_is_forgiving_about_case_and_spaces(text: str, status: Status) -> None:
    assert parse_status(text) == status


def test_parse_status_names_the_statuses_for_an_unknown_one() -> None:
    with pytest.raises(InvalidInput, match="unknown status") as info:
        parse_status("done")
    for status in STATUSES:
        assert status in str(info.value)


# -- through the service -----------------------------------------------------------

LOGIN_OF = {AGENT: "anna", SUPERVISOR: "boss"}


def bring_to(team, status: str) -> int:  # type: ignore[no-untyped-def]
    """A Support case (anna's and bo's channel) in `status`, reached the ordinary way."""
    number = team.new_case(escalated=status == "escalated")
    anna = team.as_("anna")
    if status in ("new", "escalated"):
        return number
    if status in ("open", "parked", "waiting"):
        anna.set_status(number, status)
        return number
    anna.set_status(number, "solved")
    if status in ("closed", "archived"):
        team.system.set_status(number, "closed")
    if status == "archived":
        team.system.set_status(number, "archived")
    return number


def service_for(team, actor: str):  # type: ignore[no-untyped-def]
    return team.system if actor == SYSTEM else team.as_(LOGIN_OF[actor])


def audit_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0


@pytest.mark.parametrize(("start", "actor"),
                         list(itertools.product(STATUSES, (AGENT, SUPERVISOR, SYSTEM))))
def test_the_service_applies_the_table(team, db, start: str, actor: str) -> None:
    """Every target from `start`, tried through `set_status` by a real actor."""
    service = service_for(team, actor)
    boss = team.as_("boss")
    wrong = []
    for end in STATUSES:
        if end == start:
            continue
        number = bring_to(team, start)
        before = boss.get_case(number)
        assert before.status == start
        changes = service.latest_change()
        if expected_allowed(start, end, actor):
            try:
                row = service.set_status(number, end)
            except TransitionError as exc:
                wrong.append(f"{start}->{end} by {actor} refused: {exc}")
                continue
            if row.status != end or row.version != before.version + 1:
                wrong.append(f"{start}->{end} by {actor} gave {row.status} v{row.version}")
        else:
            try:
                service.set_status(number, end)
            except TransitionError:
                after = boss.get_case(number)
                if after != before or service.latest_change() != changes:
                    wrong.append(f"{start}->{end} by {actor} refused but changed the case")
            else:
                wrong.append(f"{start}->{end} by {actor} was allowed")
    assert wrong == []


@pytest.mark.parametrize(
    ("start", "login", "end", "words"),
    [
        ("new", "anna", "closed", ["new", "closed"]),
        ("solved", "anna", "closed", ["supervisor"]),
        ("solved", "anna", "waiting", ["solved", "waiting"]),
        ("closed", "boss", "open", ["closed", "open"]),
        ("archived", "boss", "open", ["archived", "final"]),
        ("closed", "boss", "archived", ["scheduler"]),
        ("open", "system", "solved", ["open", "solved"]),
    ],
)
def test_a_forbidden_transition_is_explained_and_changes_nothing(
    team, db, start: str, login: str, end: str, words: list[str]
) -> None:
    number = bring_to(team, start)
    service = team.system if login == "system" else team.as_(login)
    boss = team.as_("boss")
    before = boss.get_case(number)
    changes, audits = boss.latest_change(), audit_count(db)
    with pytest.raises(TransitionError) as info:
        service.set_status(number, end, expected_version=before.version)
    for word in words:
        assert word in str(info.value)
    assert boss.get_case(number) == before
    assert boss.latest_change() == changes
    assert audit_count(db) == audits


def test_a_forbidden_status_on_a_reply_sends_nothing(team) -> None:
    number = bring_to(team, "solved")
    anna = team.as_("anna")
    before = anna.get_case(number)
    with pytest.raises(TransitionError):
        anna.reply(number, "Vi stänger nu.", status="closed", expected_version=before.version)
    assert anna.get_case(number) == before


def test_setting_the_same_status_changes_nothing(team, db) -> None:
    number = bring_to(team, "waiting")
    anna = team.as_("anna")
    before = anna.get_case(number)
    changes = anna.latest_change()
    row = anna.set_status(number, "waiting")
    assert row.version == before.version
    assert anna.get_case(number) == before
    assert anna.latest_change() == changes


def test_solving_closing_and_archiving_set_their_times(team, clock) -> None:
    number = team.new_case()
    anna, system = team.as_("anna"), team.system
    created = clock.now
    view = anna.get_case(number)
    assert (view.solved_at, view.closed_at, view.archived_at) == (None, None, None)

    solved = clock.advance(hours=3)
    anna.set_status(number, "solved")
    view = anna.get_case(number)
    assert view.solved_at == solved
    assert view.closed_at is None
    assert view.created_at == created

    closed = clock.advance(days=7)
    system.set_status(number, "closed")
    view = anna.get_case(number)
    assert (view.status, view.solved_at, view.closed_at) == ("closed", solved, closed)
    assert view.archived_at is None

    archived = clock.advance(hours=15)
    system.set_status(number, "archived")
    view = anna.get_case(number)
    assert view.status == "archived"
    assert (view.solved_at, view.closed_at, view.archived_at) == (solved, closed, archived)
    assert view.updated_at == archived


def test_a_supervisor_may_close_a_solved_case_by_hand(team, clock) -> None:
    number = bring_to(team, "solved")
    closed = clock.advance(days=1)
    row = team.as_("boss").set_status(number, "closed")
    assert row.status == "closed"
    assert team.as_("boss").get_case(number).closed_at == closed


def test_an_agent_reopening_a_solved_case_clears_solved_at(team, clock) -> None:
    number = bring_to(team, "solved")
    anna = team.as_("anna")
    assert anna.get_case(number).solved_at is not None
    clock.advance(days=1)
    anna.set_status(number, "open")
    view = anna.get_case(number)
    assert view.status == "open"
    assert view.solved_at is None


def test_a_customer_reply_reopening_a_solved_case_clears_solved_at(team, clock) -> None:
    number = bring_to(team, "solved")
    clock.advance(days=2)
    landed = team.system.add_message(number, MessageInput("Det fungerar fortfarande inte."))
    assert landed.case == number
    view = team.as_("anna").get_case(number)
    assert view.status == "open"
    assert view.solved_at is None


def test_solving_again_after_a_reopen_takes_the_new_time(team, clock) -> None:
    number = bring_to(team, "solved")
    anna = team.as_("anna")
    anna.set_status(number, "open")
    again = clock.advance(days=3)
    anna.set_status(number, "solved")
    assert anna.get_case(number).solved_at == again


def test_resolved_at_is_set_on_solve_cleared_by_a_customer_reopen_and_set_again(
        team, clock) -> None:
    from store.queries import CaseFilter

    def resolved_at(number: int):  # type: ignore[no-untyped-def]
        (row,) = [r for r in team.as_("boss").list_cases(CaseFilter(include_ended=True))
                  if r.number == number]
        return row.resolved_at

    number = team.new_case()
    assert resolved_at(number) is None
    solved = clock.advance(hours=2)
    team.as_("anna").set_status(number, "solved")
    assert resolved_at(number) == solved
    clock.advance(days=1)
    team.system.add_message(number, MessageInput("Det fungerar fortfarande inte."))
    assert resolved_at(number) is None
    again = clock.advance(hours=3)
    team.as_("anna").set_status(number, "solved")
    assert resolved_at(number) == again


def test_an_escalated_case_starts_escalated_and_moves_like_a_new_one(team) -> None:
    number = team.new_case(escalated=True)
    anna = team.as_("anna")
    assert anna.get_case(number).status == "escalated"
    assert anna.set_status(number, "open").status == "open"
    with pytest.raises(TransitionError):
        anna.set_status(number, "escalated")


def test_an_unknown_status_is_refused_before_anything_changes(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    before = anna.get_case(number)
    with pytest.raises(InvalidInput, match="unknown status"):
        anna.set_status(number, "finished")
    assert anna.get_case(number) == before
