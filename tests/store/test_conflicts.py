"""Two people on one case: an edit made on a stale version is refused and changes
nothing; appending to the conversation never conflicts and bumps no version; many
writers at once lose nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from together import run_together  # tests/ is on sys.path

from store.errors import Conflict
from store.models import Outbox
from store.service import MessageInput

EDITS: dict[str, Callable] = {  # type: ignore[type-arg]
    "status": lambda s, n, v: s.set_status(n, "open", expected_version=v),
    "assign": lambda s, n, v: s.assign(n, "bo", expected_version=v),
    "priority": lambda s, n, v: s.set_priority(n, "low", expected_version=v),
    "labels": lambda s, n, v: s.set_labels(n, ["ny"], expected_version=v),
    "rename": lambda s, n, v: s.rename(n, "Ny rubrik", expected_version=v),
    "move_channel": lambda s, n, v: s.move_channel(n, "Chat", expected_version=v),
    "reply_with_status": lambda s, n, v: s.reply(n, "Svar", status="waiting",
                                                 expected_version=v),
    "note_with_status": lambda s, n, v: s.note(n, "Not", status="parked", expected_version=v),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_stale_edit_conflicts_and_changes_nothing(team, edit) -> None:
    number = team.new_case()
    anna, bo = team.as_("anna"), team.as_("bo")
    seen = anna.get_case(number).version
    bo.set_priority(number, "high", expected_version=seen)  # bo got there first
    before = anna.get_case(number)
    changes = anna.latest_change()
    with pytest.raises(Conflict) as info:
        EDITS[edit](anna, number, seen)
    assert (info.value.case_number, info.value.seen, info.value.current) == (
        number, seen, seen + 1)
    assert f"#{number}" in str(info.value)
    assert "reload" in str(info.value)
    assert anna.get_case(number) == before
    assert anna.latest_change() == changes


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_on_the_current_version_goes_through(team, edit) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    version = anna.get_case(number).version
    EDITS[edit](anna, number, version)
    assert anna.get_case(number).version == version + 1


def test_an_edit_without_a_version_is_not_checked(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    anna.set_priority(number, "high")
    assert anna.set_priority(number, "low").version == 3


def test_appends_never_conflict_and_bump_no_version(team, clock) -> None:
    number = team.new_case()
    anna, bo = team.as_("anna"), team.as_("bo")
    anna.set_status(number, "open")
    version = anna.get_case(number).version
    clock.advance(minutes=1)
    team.system.add_message(number, MessageInput("Kunden skriver"))
    anna.reply(number, "Agenten svarar", expected_version=version - 1)  # stale: not looked at
    bo.note(number, "En anteckning", expected_version=0)
    team.system.add_message(number, MessageInput("AI sammanfattar", sender="ai"))
    view = anna.get_case(number)
    assert view.version == version
    assert [m.text for m in view.messages if m.kind != "event"][-4:] == [
        "Kunden skriver", "Agenten svarar", "En anteckning", "AI sammanfattar"]
    assert view.updated_at == clock.now
    # The edit made with the version seen before the appends still goes through.
    assert anna.set_priority(number, "high", expected_version=version).version == version + 1


def test_a_customer_reply_that_reopens_makes_an_old_version_stale(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    seen = anna.set_status(number, "waiting").version
    team.system.add_message(number, MessageInput("Här är uppgifterna ni bad om."))
    assert anna.get_case(number).status == "open"
    before = anna.get_case(number)
    with pytest.raises(Conflict):
        anna.set_status(number, "solved", expected_version=seen)
    assert anna.get_case(number) == before
    assert anna.set_status(number, "solved", expected_version=before.version).status == "solved"


def test_a_customer_message_that_does_not_reopen_keeps_the_version(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    seen = anna.set_status(number, "parked").version
    team.system.add_message(number, MessageInput("Hallå?"))
    assert anna.set_status(number, "open", expected_version=seen).version == seen + 1


def test_concurrent_notes_from_four_threads_lose_nothing(team) -> None:
    number = team.new_case()
    team.as_("anna").assign(number, "me")  # open: a note changes no field of it
    version = team.as_("anna").get_case(number).version
    logins = ["anna", "bo", "boss", "anna"]

    def writer(i: int) -> Callable[[], None]:
        service = team.as_(logins[i])  # each thread its own service

        def work() -> None:
            for j in range(25):
                service.note(number, f"tråd {i} anteckning {j}")

        return work

    assert run_together([writer(i) for i in range(4)]) == []
    view = team.as_("boss").get_case(number)
    notes = [m.text for m in view.messages if m.kind == "note"]
    assert len(notes) == 100
    assert set(notes) == {f"tråd {i} anteckning {j}" for i in range(4) for j in range(25)}
    assert len({m.id for m in view.messages}) == len(view.messages)
    for i in range(4):  # each thread's notes in the order it wrote them
        mine = [n for n in notes if n.startswith(f"tråd {i} ")]
        assert mine == [f"tråd {i} anteckning {j}" for j in range(25)]
    assert view.version == version


def test_concurrent_appends_of_every_kind_lose_nothing(team, db) -> None:
    number = team.new_case()
    anna, bo, system = team.as_("anna"), team.as_("bo"), team.system

    def customer() -> None:
        for j in range(20):
            system.add_message(number, MessageInput(f"kund {j}"))

    def replies() -> None:
        for j in range(20):
            anna.reply(number, f"svar {j}")

    def notes() -> None:
        for j in range(20):
            bo.note(number, f"not {j}")

    assert run_together([customer, replies, notes]) == []
    view = anna.get_case(number)
    texts = [m.text for m in view.messages]
    for prefix in ("kund", "svar", "not"):
        assert sum(t.startswith(prefix + " ") for t in texts) == 20
    with db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox)) == 20


def test_concurrent_edits_on_one_version_let_exactly_one_through(team) -> None:
    number = team.new_case()
    seen = team.as_("anna").get_case(number).version
    priorities = ["high", "low", "high", "low", "high", "low"]
    services = [team.as_(login) for login in ("anna", "bo", "boss") * 2]
    work = [
        (lambda s=s, p=p: s.set_priority(number, p, expected_version=seen))
        for s, p in zip(services, priorities, strict=True)
    ]
    errors = run_together(work)
    assert len(errors) == len(work) - 1
    assert all(isinstance(e, Conflict) for e in errors)
    view = team.as_("boss").get_case(number)
    assert view.version == seen + 1
    assert view.priority in ("high", "low")
    assert len([m for m in view.messages if m.kind == "event"]) == 1
