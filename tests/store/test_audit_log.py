"""The audit log read back (store/audit_log.py): newest first, by case, by who did it and
from a time; a supervisor reads all of it, an agent only the events of the cases they may
read — a case of another channel is answered as one that does not exist."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from store.errors import InvalidInput, NotFound


@pytest.fixture
def history(team, clock):  # type: ignore[no-untyped-def]
    """A Chat case (anna's channel, not bo's) and a Telefon case (bo's, not anna's),
    each changed; and a change to the team."""
    chat = team.new_case(channel="Chat", login="anna")
    clock.advance(minutes=5)
    team.as_("anna").set_priority(chat, "high")
    phone = team.new_case(channel="Telefon", login="bo")
    clock.advance(minutes=5)
    team.as_("bo").set_labels(phone, ["retur"])
    clock.advance(minutes=5)
    team.as_("boss").add_channel("Fakturor", kind="email", address="faktura@example.se")
    return chat, phone


def test_a_supervisor_reads_everything_newest_first(team, history) -> None:
    chat, phone = history
    events = team.as_("boss").audit_events()
    assert [e.id for e in events] == sorted((e.id for e in events), reverse=True)
    assert events[0].action == "channel.add"
    assert events[0].case is None
    assert events[0].after == {"kind": "email", "name": "Fakturor"}
    (labels,) = [e for e in events if e.action == "case.labels"]
    assert (labels.actor, labels.case, labels.before, labels.after) == (
        "bo", phone, {"labels": ""}, {"labels": "retur"})
    assert labels.at.tzinfo is not None


def test_by_case_by_agent_and_from_a_time(team, history, clock) -> None:
    chat, phone = history
    boss = team.as_("boss")
    assert {e.case for e in boss.audit_events(case=chat)} == {chat}
    assert {e.actor for e in boss.audit_events(agent="bo")} == {"bo"}
    assert [e.action for e in boss.audit_events(agent="anna", case=chat)][0] == "case.priority"
    recent = boss.audit_events(since=clock.now - timedelta(minutes=7))
    assert [e.action for e in recent] == ["channel.add", "case.labels"]
    assert boss.audit_events(since=clock.now + timedelta(days=1)) == []
    # A date: from its midnight where the team is.
    assert len(boss.audit_events(since=date(2000, 1, 1))) == len(boss.audit_events())
    # Page by page: the ones older than the last one seen.
    first = boss.audit_events(limit=2)
    rest = boss.audit_events(before=first[-1].id, limit=1000)
    assert [e.id for e in first + rest] == [e.id for e in boss.audit_events(limit=1000)]
    with pytest.raises(InvalidInput, match="needs its time zone"):
        boss.audit_events(since=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(InvalidInput, match="the limit is from 1"):
        boss.audit_events(limit=0)


def test_an_agent_reads_the_events_of_the_cases_they_may_read(team, history) -> None:
    chat, phone = history
    anna = team.as_("anna")
    seen = anna.audit_events()
    assert seen
    assert {e.case for e in seen} == {chat}  # not bo's Telefon case, not the team's
    assert anna.audit_events(agent="bo") == []
    with pytest.raises(NotFound) as refused:
        anna.audit_events(case=phone)
    with pytest.raises(NotFound) as missing:
        anna.audit_events(case=phone + 1000)
    assert str(refused.value) == str(missing.value).replace(str(phone + 1000), str(phone))
    assert {e.case for e in team.as_("bo").audit_events()} == {phone}

