"""Merge and split lose nothing: every message, attachment, mention, watcher,
workspace entry and outbox row is accounted for, the search index follows, and a
merged case stays findable by its number."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from searchindex import fts_hits, index_is_consistent

from store.errors import Forbidden, InvalidInput, NotFound
from store.models import (
    Agent,
    Attachment,
    CaseLink,
    Change,
    Mention,
    Message,
    Outbox,
    Watch,
    WorkspaceEntry,
)
from store.service import AttachmentInput, CaseFilter, ContactInput, MessageInput
from store.views import Landing


def table_rows(db, model, *where):  # type: ignore[no-untyped-def]
    with db.read() as session:
        found = list(session.scalars(sa.select(model).where(*where)))
        session.expunge_all()  # keep the loaded values after the read's rollback
        return found


def agent_ids(db) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {a.id: a.login for a in table_rows(db, Agent)}


def per_agent(db, model, case_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    logins = agent_ids(db)
    return {logins[r.agent_id] for r in table_rows(db, model, model.case_id == case_id)}


def found(service, words: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.number for r in service.list_cases(CaseFilter(search=words, include_ended=True))]


def non_events(view) -> list:  # type: ignore[no-untyped-def]
    return [m for m in view.messages if m.kind != "event"]


@pytest.fixture
def pair(team, db, clock):  # type: ignore[no-untyped-def]
    """Two cases of the same customer, the source full of everything that must move."""
    anna, bo, boss = team.as_("anna"), team.as_("bo"), team.as_("boss")
    target = team.new_case(title="Fakturan stämmer inte", text="Hej, fakturan är fel.")
    clock.advance(minutes=5)
    source = anna.create_case(
        channel="Support", contact=ContactInput(name="Karin Kund", email="kund@example.se"),
        title="Dubblett om fakturan",
        messages=[MessageInput("Bifogar kvittot kvittoord", attachments=(
            AttachmentInput("kvitto.pdf", b"%PDF kvitto", "application/pdf"),
            AttachmentInput("bild.png", b"\x89PNG bild", "image/png"),
        ))],
    )
    clock.advance(minutes=5)
    anna.reply(source, "Vi har tagit emot kvittot svarsord")  # an outbox row
    clock.advance(minutes=5)
    anna.note(source, "@bo anteckningsord kolla detta")  # a mention
    third = team.new_case(email="annan@example.se", title="Annat ärende")
    anna.link(source, third)
    # Watchers and workspaces: anna on both cases, bo on the source only, boss on the target.
    anna.set_watch(source, watching=True)
    anna.set_watch(target, watching=True)
    bo.set_watch(source, watching=True)
    boss.set_watch(target, watching=True)
    anna.set_in_workspace(source, present=True)
    anna.set_in_workspace(target, present=True)
    bo.set_in_workspace(source, present=True)
    clock.advance(minutes=5)
    return source, target, third


def test_merge_loses_nothing(team, db, clock, pair) -> None:
    source, target, third = pair
    boss = team.as_("boss")
    src_before, tgt_before = boss.get_case(source), boss.get_case(target)
    messages_before = table_rows(db, Message)
    attachments_before = {(a.id, a.message_id, a.sha256) for a in table_rows(db, Attachment)}
    mentions_before = {(m.message_id, m.agent_id) for m in table_rows(db, Mention)}
    outbox_before = {(o.id, o.message_id) for o in table_rows(db, Outbox)}
    watchers = per_agent(db, Watch, source) | per_agent(db, Watch, target)
    workspace = per_agent(db, WorkspaceEntry, source) | per_agent(db, WorkspaceEntry, target)
    assert watchers == {"anna", "bo", "boss"}
    assert workspace == {"anna", "bo"}

    assert team.as_("anna").merge(source, target) == target

    src, tgt = boss.get_case(source), boss.get_case(target)
    # Every message of both cases is on the survivor, unchanged, in time order.
    moved = {m.id: m for m in src_before.messages}
    kept = {m.id: m for m in tgt_before.messages}
    on_target = {m.id: m for m in tgt.messages}
    assert set(moved) | set(kept) <= set(on_target)
    for mid, before in moved.items():
        after = on_target[mid]
        assert (after.kind, after.author, after.text, after.created_at, after.attachments,
                after.mentions, after.flags) == (before.kind, before.author, before.text,
                                                 before.created_at, before.attachments,
                                                 before.mentions, before.flags)
        assert after.origin_case == source
    for mid, before in kept.items():
        assert on_target[mid] == before
    times = [m.created_at for m in tgt.messages]
    assert times == sorted(times)
    # The source keeps only the pointer; two new events, no message lost or duplicated.
    assert [m.text for m in src.messages] == [f"Merged into #{target}"]
    messages_after = table_rows(db, Message)
    assert len(messages_after) == len(messages_before) + 2
    assert {m.id for m in messages_before} <= {m.id for m in messages_after}
    assert {m.text for m in messages_before} <= {m.text for m in messages_after}
    # Attachments and mentions ride along with their messages.
    assert {(a.id, a.message_id, a.sha256) for a in table_rows(db, Attachment)} == \
        attachments_before
    assert {(m.message_id, m.agent_id) for m in table_rows(db, Mention)} == mentions_before
    # Outbox rows now belong to the survivor.
    outbox = table_rows(db, Outbox)
    assert {(o.id, o.message_id) for o in outbox} == outbox_before
    assert {o.case_id for o in outbox} == {target}
    # Watchers and workspace entries: the union, all on the survivor, none left behind.
    assert set(tgt.watchers) == watchers
    assert per_agent(db, Watch, target) == watchers
    assert per_agent(db, WorkspaceEntry, target) == workspace
    assert per_agent(db, Watch, source) == set()
    assert per_agent(db, WorkspaceEntry, source) == set()
    # Links: the source's related case is now related to the survivor too.
    assert third in tgt.related
    assert source in tgt.related
    # Both versions bumped; the earliest first response survives.
    assert src.version == src_before.version + 1
    assert tgt.version == tgt_before.version + 1
    assert tgt.first_response_at == src_before.first_response_at
    assert tgt.updated_at == clock.now


def test_a_merged_case_stays_findable_and_points_to_the_survivor(team, pair) -> None:
    source, target, _ = pair
    anna = team.as_("anna")
    anna.merge(source, target)
    view = anna.get_case(source)
    assert view.number == source
    assert view.merged_into == target
    assert view.title == "Dubblett om fakturan"
    assert anna.get_case(target).merged_into is None
    # It leaves the lists (it lives on in the survivor) and the related lists.
    listed = {r.number for r in anna.list_cases(CaseFilter(include_ended=True))}
    assert source not in listed
    assert target in listed
    assert source not in {r.number for r in anna.related(target)}


def test_a_customer_message_to_a_merged_case_lands_on_the_survivor(team, pair, clock) -> None:
    source, target, _ = pair
    anna = team.as_("anna")
    anna.set_status(target, "waiting")
    anna.merge(source, target)
    before = anna.get_case(source)
    clock.advance(hours=2)
    landed = team.system.add_message(source, MessageInput("Har ni hunnit titta?"))
    assert landed == Landing(target, asked=source, merged_into=target)
    survivor = anna.get_case(target)
    last = non_events(survivor)[-1]
    assert (last.kind, last.text, last.created_at) == ("customer", "Har ni hunnit titta?",
                                                      clock.now)
    assert survivor.status == "open"  # the customer's reply reopened the survivor
    assert anna.get_case(source) == before


def test_a_message_follows_a_chain_of_merges(team) -> None:
    a, b, c = team.new_case(), team.new_case(), team.new_case()
    anna = team.as_("anna")
    anna.merge(a, b)
    anna.merge(b, c)
    assert team.system.add_message(a, MessageInput("Till slut")) == \
        Landing(c, asked=a, merged_into=c)
    assert "Till slut" in [m.text for m in anna.get_case(c).messages]


@pytest.mark.parametrize("op", ["reply", "note", "status", "priority", "rename", "assign"])
def test_a_merged_case_refuses_edits_and_names_the_survivor(team, pair, op) -> None:
    source, target, _ = pair
    anna = team.as_("anna")
    anna.merge(source, target)
    before = anna.get_case(source)
    call = {
        "reply": lambda: anna.reply(source, "Hej"),
        "note": lambda: anna.note(source, "Hej"),
        "status": lambda: anna.set_status(source, "open"),
        "priority": lambda: anna.set_priority(source, "high"),
        "rename": lambda: anna.rename(source, "Nytt"),
        "assign": lambda: anna.assign(source, "bo"),
    }[op]
    with pytest.raises(InvalidInput, match=f"#{target}"):
        call()
    assert anna.get_case(source) == before


def test_merge_refuses_itself_and_merged_cases(team, db) -> None:
    a, b, c = team.new_case(), team.new_case(), team.new_case()
    anna = team.as_("anna")
    with pytest.raises(InvalidInput, match="itself"):
        anna.merge(a, a)
    anna.merge(a, b)
    with pytest.raises(InvalidInput, match=f"#{b}"):
        anna.merge(a, c)  # already merged
    with pytest.raises(InvalidInput, match=f"#{b}"):
        anna.merge(c, a)  # into a merged case
    with pytest.raises(NotFound):
        anna.merge(c, 99)
    assert anna.get_case(c).merged_into is None
    assert len([m for m in anna.get_case(c).messages if m.kind == "event"]) == 0


def test_the_system_cannot_merge(team) -> None:
    a, b = team.new_case(), team.new_case()
    with pytest.raises(Forbidden):
        team.system.merge(a, b)
    assert team.as_("anna").get_case(a).merged_into is None


def test_merge_events_say_what_happened(team, pair) -> None:
    source, target, _ = pair
    team.as_("anna").merge(source, target)
    events = [m for m in team.as_("anna").get_case(target).messages if m.kind == "event"]
    assert events[-1].text.startswith(f"Case #{source} (Dubblett om fakturan) was merged into")
    assert events[-1].author == "Anna Berg"


def test_search_follows_a_merge(team, db, pair) -> None:
    source, target, _ = pair
    anna = team.as_("anna")
    for word in ("kvittoord", "svarsord", "anteckningsord"):
        assert found(anna, word) == [source]
    anna.merge(source, target)
    for word in ("kvittoord", "svarsord", "anteckningsord"):
        assert found(anna, word) == [target]
        assert fts_hits(db, word) == {target}
    # The survivor is found by words from both conversations at once.
    assert found(anna, "kvittoord fakturan") == [target]
    # The merge event quotes the source's title, but events are not searched.
    assert fts_hits(db, "Dubblett") == {source}
    assert index_is_consistent(db)


# -- split ---------------------------------------------------------------------------


@pytest.fixture
def thread(team, clock):  # type: ignore[no-untyped-def]
    """A case whose third message is a different question."""
    anna = team.as_("anna")
    number = team.new_case(title="Fakturan stämmer inte", text="Hej, fakturan är fel.")
    clock.advance(minutes=10)
    anna.reply(number, "Vi rättar fakturan.")
    clock.advance(minutes=10)
    team.system.add_message(number, MessageInput(
        "En sak till: routern blinkar rött lampfel", attachments=(
            AttachmentInput("router.jpg", b"\xff\xd8 router", "image/jpeg"),)))
    clock.advance(minutes=10)
    anna.note(number, "@bo kan du ta routern?")
    clock.advance(minutes=10)
    return number


def test_split_moves_exactly_one_message_into_a_linked_case(team, db, clock, thread) -> None:
    anna = team.as_("anna")
    anna.set_priority(thread, "high")
    anna.set_labels(thread, ["faktura"])
    before = anna.get_case(thread)
    (question,) = [m for m in before.messages if "routern blinkar" in m.text]
    total = len(table_rows(db, Message))

    new = anna.split(question.id, title="Routern blinkar")

    old_view, new_view = anna.get_case(thread), anna.get_case(new)
    assert new not in (thread, None)
    assert [m.id for m in non_events(new_view)] == [question.id]
    moved = non_events(new_view)[0]
    assert (moved.kind, moved.author, moved.text, moved.created_at, moved.attachments) == (
        question.kind, question.author, question.text, question.created_at,
        question.attachments)
    assert moved.origin_case == thread
    assert [m.id for m in non_events(old_view)] == [
        m.id for m in non_events(before) if m.id != question.id]
    assert len(table_rows(db, Message)) == total + 2  # one event on each case
    # A new case of the same customer, in the same channel, linked as a split.
    assert new_view.contact == before.contact
    assert new_view.channel == before.channel
    assert new_view.title == "Routern blinkar"
    assert new_view.status == "new"
    assert (new_view.priority, new_view.labels) == ("high", ("faktura",))
    assert new_view.created_at == clock.now
    assert new in old_view.related
    assert thread in new_view.related
    (link,) = table_rows(db, CaseLink, CaseLink.kind == "split")
    assert (link.case_id, link.other_id) == (thread, new)
    assert [m.text for m in new_view.messages if m.kind == "event"] == [
        f"Split off from #{thread}"]
    assert [m.text for m in old_view.messages if m.kind == "event"][-1] == (
        f"A message was split off into #{new}")
    assert old_view.version == before.version + 1


def test_split_keeps_the_old_title_by_default(team, thread) -> None:
    anna = team.as_("anna")
    (first,) = [m for m in anna.get_case(thread).messages if m.kind == "customer"][:1]
    new = anna.split(first.id)
    assert anna.get_case(new).title == "Fakturan stämmer inte"


def test_split_of_a_reply_takes_its_outbox_row_along(team, db, thread) -> None:
    anna = team.as_("anna")
    (reply,) = [m for m in anna.get_case(thread).messages if m.kind == "reply"]
    (row,) = table_rows(db, Outbox)
    assert row.case_id == thread
    new = anna.split(reply.id)
    (row_after,) = table_rows(db, Outbox)
    assert (row_after.id, row_after.message_id, row_after.case_id) == (row.id, reply.id, new)


def test_split_of_a_note_keeps_its_mentions(team, thread) -> None:
    anna = team.as_("anna")
    (note,) = [m for m in anna.get_case(thread).messages if m.kind == "note"]
    new = anna.split(note.id)
    (moved,) = non_events(anna.get_case(new))
    assert moved.mentions == ("bo",)


def test_split_refuses_events_and_unknown_messages(team, db, thread) -> None:
    anna = team.as_("anna")
    anna.set_status(thread, "open")
    (event,) = [m for m in anna.get_case(thread).messages if m.kind == "event"]
    before = anna.get_case(thread)
    with pytest.raises(InvalidInput, match="event"):
        anna.split(event.id)
    with pytest.raises(NotFound):
        anna.split(9999)
    assert anna.get_case(thread) == before
    assert [r.number for r in anna.list_cases()] == [thread]


def test_search_follows_a_split(team, db, thread) -> None:
    anna = team.as_("anna")
    (question,) = [m for m in anna.get_case(thread).messages if "routern blinkar" in m.text]
    assert found(anna, "lampfel") == [thread]
    new = anna.split(question.id, title="Routerfråga")
    assert found(anna, "lampfel") == [new]
    assert fts_hits(db, "lampfel") == {new}
    assert found(anna, "fakturan") == [thread]
    assert found(anna, "Routerfråga") == [new]
    assert index_is_consistent(db)


def test_a_split_case_can_be_merged_back_without_loss(team, db, thread) -> None:
    anna = team.as_("anna")
    before = {m.id for m in non_events(anna.get_case(thread))}
    (question,) = [m for m in anna.get_case(thread).messages if "routern blinkar" in m.text]
    new = anna.split(question.id)
    anna.merge(new, thread)
    assert {m.id for m in non_events(anna.get_case(thread))} == before
    assert fts_hits(db, "lampfel") == {thread}
    assert index_is_consistent(db)


def test_merge_keeps_an_unread_mark_and_tells_the_survivors_watchers(team, db) -> None:
    a = team.new_case(title="Först")
    b = team.new_case(title="Sedan")
    anna = team.as_("anna")
    anna.set_in_workspace(a, present=True)
    anna.set_in_workspace(b, present=True)
    with db.write_engine.begin() as conn:
        conn.execute(sa.update(WorkspaceEntry).where(WorkspaceEntry.case_id == a)
                     .values(unread=True))
    feed_before = anna.latest_change()
    anna.merge(a, b)
    entries = table_rows(db, WorkspaceEntry)
    assert [(e.case_id, e.unread) for e in entries] == [(b, True)]
    with db.read() as session:
        changed = set(session.scalars(sa.select(Change.case_id).where(Change.id > feed_before)))
    assert {a, b} <= changed


def test_a_message_to_a_case_merged_into_an_ended_one_starts_its_follow_up(team) -> None:
    source, target = team.new_case(), team.new_case()
    anna = team.as_("anna")
    anna.merge(source, target)
    anna.set_status(target, "solved")
    team.system.set_status(target, "closed")
    landed = team.system.add_message(source, MessageInput("Hallå igen"))
    assert landed == Landing(target + 1, asked=source, merged_into=target,
                             follow_up_of=target, new_case=True)
    assert landed.said == (f"created #{target + 1} (a follow-up of #{target}, which has ended; "
                           f"#{source} is merged into #{target})")
    assert "Hallå igen" in [m.text for m in anna.get_case(target + 1).messages]
