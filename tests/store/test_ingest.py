"""store.ingest: a line with the source system's id is taken once, in the same
transaction as what it makes; a line without one is taken each time it is read."""

from __future__ import annotations

import json
import threading

import sqlalchemy as sa

from store.ingest import ingest_lines
from store.models import Case, IngestKey, Message
from store.service import CaseFilter


def lines(*items: dict) -> list[str]:  # type: ignore[type-arg]
    return [json.dumps(item) for item in items]


def counts(team) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with team.db.read() as session:
        return (session.scalar(sa.select(sa.func.count()).select_from(Case)),  # type: ignore[return-value]
                session.scalar(sa.select(sa.func.count()).select_from(Message)))


def test_a_line_with_an_id_is_taken_once(team) -> None:  # type: ignore[no-untyped-def]
    chat = team.new_case(channel="Chat")
    feed = lines(
        {"id": "chat-1", "channel": "Chat", "contact": {"name": "Per"}, "title": "Leverans",
         "messages": [{"from": "customer", "text": "Var är mitt paket?"}]},
        {"id": 17, "case": chat, "message": {"from": "customer", "text": "Hallå?"}},
        {"channel": "Chat", "contact": {"name": "Eva"}, "title": "Utan id"},
    )
    anna = team.as_("anna")
    first = list(ingest_lines(anna, feed))
    assert [(r.case, r.created, r.already, r.error) for r in first] == [
        (chat + 1, True, False, None), (chat, False, False, None),
        (chat + 2, True, False, None)]
    before = counts(team)
    again = list(ingest_lines(anna, feed[:2]))
    assert [(r.line, r.case, r.already, r.error) for r in again] == [
        (1, chat + 1, True, None), (2, chat, True, None)]
    assert counts(team) == before
    # "17" is the id 17 of the message line; a line without an id is taken again.
    assert next(iter(ingest_lines(anna, [feed[1].replace("17", '"17"')]))).already
    assert not next(iter(ingest_lines(anna, feed[2:]))).already
    assert counts(team) == (before[0] + 1, before[1])


def test_an_id_is_scoped_to_where_the_line_points(team) -> None:  # type: ignore[no-untyped-def]
    """Two source systems that number alike but feed different channels (or cases)
    do not collide; one taking the same id twice in one channel does."""
    a, b = team.new_case(channel="Chat"), team.new_case(channel="Support")
    feed = lines(
        {"id": "1", "channel": "Chat", "contact": {"name": "A"}, "title": "Chatt 1"},
        {"id": "1", "channel": "Support", "contact": {"name": "B"}, "title": "Formulär 1"},
        {"id": "1", "case": a, "message": {"from": "customer", "text": "x"}},
        {"id": "1", "case": b, "message": {"from": "customer", "text": "y"}},
        {"id": "1", "channel": "chat", "contact": {"name": "C"}, "title": "Chatt 1 igen"},
    )
    results = list(ingest_lines(team.as_("anna"), feed))
    assert [r.already for r in results] == [False, False, False, False, True]
    with team.db.read() as session:
        keys = set(session.execute(sa.select(IngestKey.scope, IngestKey.source_id)))
    assert len(keys) == 4


def test_a_refused_line_takes_no_id(team) -> None:  # type: ignore[no-untyped-def]
    """The id is written in the case's transaction: a line the store refuses leaves it
    free, and the corrected line is taken."""
    bad = {"id": "form-9", "channel": "Telefon", "contact": {"name": "P"}, "title": "T"}
    (refused,) = ingest_lines(team.as_("anna"), lines(bad))  # anna is not in Telefon
    assert refused.error
    assert not refused.already
    (taken,) = ingest_lines(team.as_("anna"), lines({**bad, "channel": "Chat"}))
    assert taken.created
    assert not taken.already
    (again,) = ingest_lines(team.as_("anna"), lines({**bad, "channel": "Chat"}))
    assert again.already
    assert again.case == taken.case


def test_the_same_line_from_many_at_once_is_taken_once(team) -> None:  # type: ignore[no-untyped-def]
    """Several ingests of one file at the same moment (PostgreSQL lets them all look
    before any commits: the key's unique insert decides)."""
    feed = lines({"id": "same", "channel": "Chat", "contact": {"name": "P"}, "title": "Once"},
                 {"id": "same", "case": 1, "message": {"from": "customer", "text": "once"}})
    team.new_case(channel="Chat")  # case 1
    start = threading.Barrier(6)
    results: list = []  # type: ignore[type-arg]

    def run() -> None:
        service = team.as_("anna")
        start.wait()
        results.extend(ingest_lines(service, feed))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.error for r in results] == [None] * 12, results
    assert sorted(r.already for r in results) == [False] * 2 + [True] * 10, results
    found = team.as_("boss").list_cases(CaseFilter(limit=100))
    assert sorted(r.title for r in found) == ["Fakturan stämmer inte", "Once"]
    case = team.as_("boss").get_case(1)
    assert [m.text for m in case.messages if m.kind == "customer"].count("once") == 1


def test_an_id_must_be_one(team) -> None:  # type: ignore[no-untyped-def]
    feed = lines(
        {"id": "", "channel": "Chat", "contact": {"name": "P"}, "title": "T"},
        {"id": "x" * 201, "channel": "Chat", "contact": {"name": "P"}, "title": "T"},
        {"id": True, "channel": "Chat", "contact": {"name": "P"}, "title": "T"},
        {"id": ["a"], "channel": "Chat", "contact": {"name": "P"}, "title": "T"},
    )
    results = list(ingest_lines(team.as_("anna"), feed))
    assert all(r.error and r.error.startswith("id") for r in results), results


def test_a_message_line_says_where_it_landed(team) -> None:  # type: ignore[no-untyped-def]
    """A line naming a merged case lands on the case it was merged into, and says so;
    one naming an ended case lands on its follow-up; neither is "created" unless a
    case was made for it."""
    a, b, c, ended = (team.new_case(channel="Chat") for _ in range(4))
    anna = team.as_("anna")
    anna.merge(a, b)
    anna.merge(b, c)
    anna.set_status(ended, "solved")
    team.system.set_status(ended, "closed")
    feed = lines(*({"id": f"m{i}", "case": n, "message": {"from": "customer", "text": "Hej"}}
                   for i, n in enumerate((a, b, c, ended, ended))))
    results = list(ingest_lines(anna, feed))
    assert [(r.case, r.created, r.error) for r in results] == [
        (c, False, None), (c, False, None), (c, False, None), (ended + 1, True, None),
        (ended + 1, False, None)]
    assert [r.landing.said for r in results if r.landing] == [
        f"added to #{c} (#{a} is merged into it)", f"added to #{c} (#{b} is merged into it)",
        f"added to #{c}", f"created #{ended + 1} (a follow-up of #{ended}, which has ended)",
        f"added to #{ended + 1} (a follow-up of #{ended}, which has ended)"]
    assert [m.text for m in anna.get_case(c).messages if m.kind == "customer"][-3:] == \
        ["Hej"] * 3
    # Run again: taken once, as the case it landed on.
    assert [(r.case, r.already) for r in ingest_lines(anna, feed[:1])] == [(c, True)]


def test_a_conversation_told_after_the_fact_began_with_its_first_message(
        team, clock) -> None:  # type: ignore[no-untyped-def]
    """Ingest with `at` times: the case was created when its customer first wrote (the
    metrics and its service levels count from then) and first answered at the agent's
    line; without times, now."""
    from datetime import timedelta

    wrote, answered = clock.now - timedelta(hours=3), clock.now - timedelta(hours=2)
    feed = lines(
        {"channel": "Chat", "contact": {"name": "Per"}, "title": "Leverans", "messages": [
            {"from": "customer", "text": "Var är mitt paket?", "at": wrote.isoformat()},
            {"from": "agent", "text": "Det kommer i morgon.", "at": answered.isoformat()}]},
        {"channel": "Chat", "contact": {"name": "Eva"}, "title": "Utan tider",
         "messages": [{"from": "customer", "text": "Hej!"}]})
    told, untimed = (r.case for r in ingest_lines(team.as_("anna"), feed))
    case = team.as_("boss").get_case(told)
    assert (case.created_at, case.first_response_at) == (wrote, answered)
    assert case.updated_at == clock.now  # new to the team: at the top of the lists
    assert team.as_("boss").get_case(untimed).created_at == clock.now
