"""The audit log, the change feed and the system events in the conversation.

Every change writes an audit event — who, what, when, the values before and
after — and a change-feed row, in the same transaction; a refused or empty change
writes neither. Status changes, assignments, channel moves, merges and splits also
show in the conversation as system events.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from store.errors import Conflict, Forbidden, TransitionError
from store.models import AuditEvent, Change
from store.service import ContactInput, MessageInput


def rows_after(db, model, since: int) -> list:  # type: ignore[no-untyped-def]
    with db.read() as session:
        found = list(session.scalars(sa.select(model).where(model.id > since)
                                     .order_by(model.id)))
        session.expunge_all()
        return found


def last_id(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(sa.select(sa.func.max(model.id))) or 0


def decoded(text: str):  # type: ignore[no-untyped-def]
    return json.loads(text) if text else None


@pytest.fixture
def case(team) -> int:  # type: ignore[no-untyped-def]
    return team.new_case(title="Gammal rubrik")


@pytest.fixture
def other(team) -> int:  # type: ignore[no-untyped-def]
    return team.new_case(email="annan@example.se", title="Annat")


# (name, login, call(service, case, other), action, before, after); `case_is` says
# which case the event is about ("case", "other" or None for administration).
CHANGES: list[tuple[str, str, Callable, str, str | None, object, object]] = [  # type: ignore[type-arg]
    ("status", "anna", lambda s, c, o: s.set_status(c, "open"), "case.status", "case",
     {"status": "new"}, {"status": "open"}),
    ("assign", "anna", lambda s, c, o: s.assign(c, "bo"), "case.assign", "case",
     {"assignee": None}, {"assignee": "bo"}),
    ("priority", "bo", lambda s, c, o: s.set_priority(c, "high"), "case.priority", "case",
     {"priority": "medium"}, {"priority": "high"}),
    ("labels", "anna", lambda s, c, o: s.set_labels(c, ["moms", "faktura"]), "case.labels",
     "case", {"labels": ""}, {"labels": "faktura,moms"}),
    ("rename", "anna", lambda s, c, o: s.rename(c, "Ny rubrik"), "case.title", "case",
     {"title": "Gammal rubrik"}, {"title": "Ny rubrik"}),
    ("move", "anna", lambda s, c, o: s.move_channel(c, "Chat"), "case.channel", "case",
     {"channel": "Support"}, {"channel": "Chat"}),
    ("merge", "anna", lambda s, c, o: s.merge(c, o), "case.merge", "case",
     {"case": "CASE", "messages": 1}, {"into": "OTHER"}),
    ("watch", "bo", lambda s, c, o: s.set_watch(c, watching=True), "watch.add", "case",
     None, {"agent": "bo"}),
    ("workspace", "boss", lambda s, c, o: s.set_in_workspace(c, present=True, login="anna"),
     "workspace.add", "case", None, {"agent": "anna"}),
    ("link", "anna", lambda s, c, o: s.link(c, o), "case.link", "case", None,
     {"linked": "OTHER"}),
    ("customer", "system", lambda s, c, o: s.add_message(c, MessageInput("Hej")),
     "message.customer", "case", None, {"message": "ANY"}),
    ("ai", "system", lambda s, c, o: s.add_message(c, MessageInput("Hej", sender="ai")),
     "message.ai", "case", None, {"message": "ANY"}),
    ("reply", "anna", lambda s, c, o: s.reply(c, "Svar"), "message.reply", "case", None,
     {"message": "ANY"}),
    ("note", "anna", lambda s, c, o: s.note(c, "@bo titta"), "message.note", "case", None,
     {"message": "ANY", "mentions": ["bo"]}),
    ("add_agent", "boss", lambda s, c, o: s.add_agent("eve"), "agent.add", None, None,
     {"login": "eve", "supervisor": False, "ai": False}),
    ("add_channel", "boss", lambda s, c, o: s.add_channel("Webb", kind="form"),
     "channel.add", None, None, {"name": "Webb", "kind": "form"}),
    ("member", "boss", lambda s, c, o: s.set_membership("Telefon", "anna", member=True),
     "channel.member.add", None, None, {"channel": "Telefon", "login": "anna"}),
    ("unmember", "boss", lambda s, c, o: s.set_membership("Chat", "anna", member=False),
     "channel.member.remove", None, None, {"channel": "Chat", "login": "anna"}),
]


def resolve(value, case: int, other: int, actual):  # type: ignore[no-untyped-def]
    """Put the real case numbers into an expected value; "ANY" takes what is there."""
    if value == "CASE":
        return case
    if value == "OTHER":
        return other
    if value == "ANY":
        return actual
    if isinstance(value, dict):
        actual = actual if isinstance(actual, dict) else {}
        return {k: resolve(v, case, other, actual.get(k)) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("name", "login", "call", "action", "case_is", "before", "after"),
                         CHANGES, ids=[c[0] for c in CHANGES])
def test_every_change_writes_an_audit_event(team, db, clock, case, other, name, login, call,
                                            action, case_is, before, after) -> None:
    service = team.system if login == "system" else team.as_(login)
    since_audit, since_change = last_id(db, AuditEvent), last_id(db, Change)
    feed = service.latest_change()
    when = clock.advance(minutes=7)

    call(service, case, other)

    events = [e for e in rows_after(db, AuditEvent, since_audit) if e.action == action]
    assert len(events) == 1, [e.action for e in rows_after(db, AuditEvent, since_audit)]
    (event,) = events
    assert event.actor == login
    assert event.at == when
    assert event.case_id == {"case": case, "other": other, None: None}[case_is]
    got_before, got_after = decoded(event.before), decoded(event.after)
    assert got_before == resolve(before, case, other, got_before)
    assert got_after == resolve(after, case, other, got_after)
    if "message" in (after or {}):
        assert isinstance(got_after["message"], int)
    # One change-feed row per audit event, and the feed moved on.
    audits = rows_after(db, AuditEvent, since_audit)
    changes = rows_after(db, Change, since_change)
    assert [(c.kind, c.case_id, c.at) for c in changes] == [
        (a.action, a.case_id, a.at) for a in audits]
    assert service.latest_change() > feed


def test_the_change_feed_grows_with_every_change(team, clock) -> None:
    anna, boss = team.as_("anna"), team.as_("boss")
    seen = [anna.latest_change()]

    def step(work: Callable[[], object]) -> None:
        clock.advance(minutes=1)
        work()
        seen.append(anna.latest_change())

    number = team.new_case()
    seen.append(anna.latest_change())
    step(lambda: anna.note(number, "Not"))
    step(lambda: anna.reply(number, "Svar"))
    step(lambda: team.system.add_message(number, MessageInput("Tack")))
    step(lambda: anna.set_status(number, "waiting"))
    step(lambda: team.system.add_message(number, MessageInput("Hallå")))  # reopens
    step(lambda: anna.assign(number, "me"))
    step(lambda: anna.set_priority(number, "low"))
    step(lambda: anna.set_labels(number, ["x"]))
    step(lambda: anna.rename(number, "Ny"))
    step(lambda: anna.set_watch(number, watching=True))
    # Taking the case put it in her workspace (the default rule): out it goes.
    step(lambda: anna.set_in_workspace(number, present=False))
    step(lambda: boss.add_agent("eve"))
    assert seen == sorted(set(seen)), seen  # strictly growing: every step moved it


@pytest.mark.parametrize("call", [
    lambda s, n: s.set_priority(n, "medium"),  # already medium
    lambda s, n: s.set_labels(n, []),
    lambda s, n: s.assign(n, None),
    lambda s, n: s.rename(n, "Fakturan stämmer inte"),
    lambda s, n: s.move_channel(n, "Support"),
    lambda s, n: s.set_status(n, "new"),
    lambda s, n: s.set_watch(n, watching=False),
    lambda s, n: s.set_in_workspace(n, present=False),
])
def test_a_change_that_changes_nothing_writes_nothing(team, db, call) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    audits, feed = last_id(db, AuditEvent), anna.latest_change()
    call(anna, number)
    assert rows_after(db, AuditEvent, audits) == []
    assert anna.latest_change() == feed


@pytest.mark.parametrize(("error", "call"), [
    (Forbidden, lambda t, n: t.as_("anna").add_agent("eve")),
    (Forbidden, lambda t, n: t.as_("anna").move_channel(n, "Telefon")),
    (TransitionError, lambda t, n: t.as_("anna").set_status(n, "closed")),
    (Conflict, lambda t, n: t.as_("anna").set_priority(n, "high", expected_version=7)),
])
def test_a_refused_change_writes_nothing(team, db, error, call) -> None:
    number = team.new_case()
    audits, feed = last_id(db, AuditEvent), team.as_("boss").latest_change()
    with pytest.raises(error):
        call(team, number)
    assert rows_after(db, AuditEvent, audits) == []
    assert team.as_("boss").latest_change() == feed


def test_creating_a_case_is_audited_with_its_messages(team, db) -> None:
    since = last_id(db, AuditEvent)
    number = team.as_("anna").create_case(
        channel="Chat", contact=ContactInput(name="Per"), title="Chatt",
        messages=[MessageInput("Hej"), MessageInput("Sammanfattning", sender="ai")])
    events = rows_after(db, AuditEvent, since)
    assert [(e.action, e.actor, e.case_id) for e in events] == [
        ("case.create", "anna", number), ("message.customer", "anna", number),
        ("message.ai", "anna", number)]
    created = decoded(events[0].after)
    assert (created["channel"], created["status"]) == ("Chat", "new")


def test_a_customer_reopen_is_audited_as_the_system(team, db) -> None:
    number = team.new_case()
    team.as_("anna").set_status(number, "waiting")
    since = last_id(db, AuditEvent)
    team.system.add_message(number, MessageInput("Svar från kunden"))
    status = [e for e in rows_after(db, AuditEvent, since) if e.action == "case.status"]
    assert [(e.actor, decoded(e.before), decoded(e.after)) for e in status] == [
        ("system", {"status": "waiting"}, {"status": "open"})]


def test_split_is_audited(team, db) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    (message,) = anna.get_case(number).messages
    since = last_id(db, AuditEvent)
    new = anna.split(message.id)
    events = {e.action: e for e in rows_after(db, AuditEvent, since)}
    assert decoded(events["case.split"].after) == {"message": message.id, "new_case": new}
    assert events["case.split"].case_id == number
    assert events["case.split"].actor == "anna"
    assert events["case.create"].case_id == new


def test_the_audit_log_is_only_ever_appended_to(team, db) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    anna.set_status(number, "open")
    with db.read() as session:
        early = [tuple(r) for r in session.execute(sa.select(AuditEvent.__table__))]
    anna.set_priority(number, "high")
    anna.rename(number, "Nytt")
    anna.merge(number, team.new_case())
    with db.read() as session:
        late = [tuple(r) for r in session.execute(sa.select(AuditEvent.__table__))]
    assert late[:len(early)] == early
    assert len(late) > len(early)


# -- system events in the conversation ---------------------------------------------------


def events_of(team, number: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    view = team.as_("boss").get_case(number)
    return [(m.author, m.text) for m in view.messages if m.kind == "event"]


def test_a_status_change_shows_in_the_conversation(team, clock) -> None:
    number = team.new_case()
    clock.advance(minutes=3)
    team.as_("anna").set_status(number, "waiting")
    view = team.as_("anna").get_case(number)
    (event,) = [m for m in view.messages if m.kind == "event"]
    assert (event.author, event.text) == ("Anna Berg", "Status: new → waiting")
    assert event.created_at == clock.now
    team.system.add_message(number, MessageInput("Hej"))
    assert events_of(team, number)[-1] == ("system",
                                           "Status: waiting → open (the customer replied)")


def test_an_assignment_shows_in_the_conversation(team) -> None:
    number = team.new_case()
    team.as_("boss").assign(number, "bo")
    team.as_("bo").assign(number, None)
    assert events_of(team, number) == [("Britt Boss", "Assigned to bo"),
                                       ("Britt Boss", "Status: new → open (it was assigned)"),
                                       ("Bo Ek", "Unassigned")]


def test_a_channel_move_shows_in_the_conversation(team) -> None:
    number = team.new_case()
    team.as_("boss").move_channel(number, "Telefon")
    assert events_of(team, number) == [("Britt Boss", "Moved from channel Support to Telefon")]


def test_a_merge_shows_in_both_conversations(team) -> None:
    source = team.new_case(title="Dubblett")
    target = team.new_case(title="Original")
    team.as_("anna").merge(source, target)
    assert events_of(team, source) == [("Anna Berg", f"Merged into #{target}")]
    assert events_of(team, target) == [
        ("Anna Berg", f"Case #{source} (Dubblett) was merged into this case: 1 messages moved")]


def test_a_split_shows_in_both_conversations(team) -> None:
    number = team.new_case()
    (message,) = team.as_("anna").get_case(number).messages
    new = team.as_("bo").split(message.id)
    assert events_of(team, number) == [("Bo Ek", f"A message was split off into #{new}")]
    assert events_of(team, new) == [("Bo Ek", f"Split off from #{number}")]


def test_events_keep_their_place_in_time(team, clock) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    clock.advance(minutes=1)
    anna.reply(number, "Svar")
    clock.advance(minutes=1)
    anna.set_status(number, "waiting")
    clock.advance(minutes=1)
    team.system.add_message(number, MessageInput("Tack"))
    kinds = [(m.kind, m.text) for m in anna.get_case(number).messages]
    assert kinds == [
        ("customer", "Hej, fakturan är fel."),
        ("reply", "Svar"),
        ("event", "Status: new → open (an agent answered)"),
        ("event", "Status: open → waiting"),
        ("customer", "Tack"),
        ("event", "Status: waiting → open (the customer replied)"),
    ]
