"""The operations on a case: create, customer messages (with reopen and follow-up
cases), replies (and the outbox), notes (and @mentions), assignment, priority,
labels, title, channel, watching, workspaces, related cases and links."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.errors import Forbidden, InvalidInput, NotFound
from store.models import Case, CaseLink, Message, Outbox, WorkspaceEntry
from store.service import AttachmentInput, ContactInput, MessageInput
from store.views import Landing


def table_rows(db, model, *where):  # type: ignore[no-untyped-def]
    with db.read() as session:
        found = list(session.scalars(sa.select(model).where(*where)))
        session.expunge_all()  # keep the loaded values after the read's rollback
        return found


def count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def said(view, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in view.messages if m.kind == kind]


# -- create --------------------------------------------------------------------------


def test_case_numbers_are_sequential(team) -> None:
    assert [team.new_case() for _ in range(3)] == [1, 2, 3]


def test_a_new_case_has_what_was_given(team, clock) -> None:
    anna = team.as_("anna")
    number = anna.create_case(
        channel="support",  # channel names are found case-insensitively
        contact=ContactInput(name="Karin Kund", email="Karin@Example.SE", phone="0701234567",
                             customer_type="business", tier="premium"),
        title="Fakturan\r\nstämmer inte",
        messages=[MessageInput("Hej, fakturan är fel."),
                  MessageInput("Jag har sammanfattat ärendet.", sender="ai")],
        priority="HIGH",
        labels=["faktura", "b2b", "faktura", " ", "a,b"],
    )
    view = anna.get_case(number)
    assert view.status == "new"
    assert view.title == "Fakturan\r\nstämmer inte"  # kept as given (the display marks it)
    assert view.channel == "Support"
    assert view.channel_kind == "email"
    assert view.priority == "high"
    assert view.labels == ("a b", "b2b", "faktura")
    assert view.assignee is None
    assert view.version == 1
    assert view.created_at == view.updated_at == clock.now
    assert view.first_response_at is None
    contact = view.contact
    assert (contact.name, contact.email, contact.phone) == ("Karin Kund", "karin@example.se",
                                                            "0701234567")
    assert (contact.customer_type, contact.tier) == ("business", "premium")
    assert [(m.kind, m.author, m.text) for m in view.messages] == [
        ("customer", "Karin Kund", "Hej, fakturan är fel."),
        ("ai", "AI agent", "Jag har sammanfattat ärendet."),
    ]


def test_defaults_of_a_new_case(team) -> None:
    view = team.as_("anna").get_case(team.new_case(text=""))
    assert view.priority == "medium"
    assert view.labels == ()
    assert view.messages == ()
    assert view.contact.customer_type == "private"
    assert view.contact.tier == "standard"


def test_an_ai_hand_over_starts_escalated(team) -> None:
    assert team.as_("anna").get_case(team.new_case(escalated=True)).status == "escalated"


def test_the_same_email_address_is_the_same_contact(team) -> None:
    first = team.new_case(email="kund@example.se")
    second = team.new_case(email="KUND@example.se", name="")
    third = team.new_case(email="annan@example.se", name="Annan Kund")
    anna = team.as_("anna")
    assert anna.get_case(first).contact.id == anna.get_case(second).contact.id
    assert anna.get_case(third).contact.id != anna.get_case(first).contact.id


def test_a_phone_contact_is_found_by_number(team) -> None:
    anna = team.as_("anna")
    a = anna.create_case(channel="Chat", contact=ContactInput(phone="0701"), title="Ett")
    b = anna.create_case(channel="Chat", contact=ContactInput(phone="0701", name="Per"),
                         title="Två")
    assert anna.get_case(a).contact.id == anna.get_case(b).contact.id


def test_a_message_keeps_the_time_it_was_written(team, clock) -> None:
    written = clock.now - timedelta(hours=2)
    anna = team.as_("anna")
    number = anna.create_case(channel="Chat", contact=ContactInput(name="Per"), title="Chatt",
                              messages=[MessageInput("Hej", at=written)])
    assert anna.get_case(number).messages[0].created_at == written


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"title": " \n "}, InvalidInput, "title"),
        ({"channel": "Fax"}, NotFound, "Fax"),
        ({"priority": "urgent"}, InvalidInput, "high, medium or low"),
        ({"contact": ContactInput()}, InvalidInput, "contact"),
        ({"messages": [MessageInput("x", sender="robot")]}, InvalidInput, "robot"),
    ],
)
def test_create_refuses_bad_input_and_leaves_nothing(team, db, kwargs, error, words) -> None:
    args = {"channel": "Support", "contact": ContactInput(name="Karin", email="k@example.se"),
            "title": "Titel", "messages": [MessageInput("Hej")]}
    args.update(kwargs)
    anna = team.as_("anna")
    changes = anna.latest_change()
    with pytest.raises(error, match=words):
        anna.create_case(**args)
    assert count(db, Case) == 0
    assert count(db, Message) == 0
    assert anna.latest_change() == changes


def test_a_message_time_without_a_zone_is_refused(team, db, clock) -> None:
    naive = clock.now.replace(tzinfo=None)
    with pytest.raises(InvalidInput, match="time zone"):
        team.as_("anna").create_case(
            channel="Support", contact=ContactInput(email="k@example.se"), title="T",
            messages=[MessageInput("Hej", at=naive)])
    assert count(db, Case) == 0


def test_attachments_are_kept_with_their_bytes(team, db) -> None:
    content = b"%PDF-1.4 faktura"
    number = team.as_("anna").create_case(
        channel="Support", contact=ContactInput(email="k@example.se"), title="Bilaga",
        messages=[MessageInput("Se bilagan", attachments=(
            AttachmentInput("faktura\n.pdf", content, "application/pdf"),))])
    (message,) = team.as_("anna").get_case(number).messages
    (attachment,) = message.attachments
    assert attachment.filename == "faktura .pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert team.as_("anna").attachment_content(attachment.id) == (attachment.filename,
                                                                 content)


# -- customer messages ------------------------------------------------------------------


def setup_status(team, status: str) -> int:  # type: ignore[no-untyped-def]
    number = team.new_case(escalated=status == "escalated")
    anna = team.as_("anna")
    if status in ("open", "parked", "waiting", "solved", "closed", "archived"):
        anna.set_status(number, "solved" if status in ("closed", "archived") else status)
    if status in ("closed", "archived"):
        team.system.set_status(number, "closed")
    if status == "archived":
        team.system.set_status(number, "archived")
    return number


@pytest.mark.parametrize(("status", "after"), [
    ("new", "new"), ("escalated", "escalated"), ("open", "open"), ("parked", "parked"),
    ("waiting", "open"), ("solved", "open"),
])
def test_a_customer_message_reopens_only_waiting_and_solved(team, clock, status, after) -> None:
    number = setup_status(team, status)
    anna = team.as_("anna")
    before = anna.get_case(number)
    arrived = clock.advance(hours=1)
    landed = team.system.add_message(number, MessageInput("Hej igen, det är inte löst."))
    assert landed == Landing(number, asked=number)
    view = anna.get_case(number)
    assert view.status == after
    assert said(view, "customer")[-1] == "Hej igen, det är inte löst."
    assert view.updated_at == arrived
    reopened = status != after
    assert view.version == before.version + (1 if reopened else 0)
    events = said(view, "event")[len(said(before, "event")):]
    if reopened:
        assert events == [f"Status: {status} → open (the customer replied)"]
    else:
        assert events == []


@pytest.mark.parametrize("flag", ["auto-reply", "bounce", "bulk"])
@pytest.mark.parametrize("status", ["waiting", "solved"])
def test_machine_mail_never_reopens(team, status, flag) -> None:
    number = setup_status(team, status)
    team.system.add_message(number, MessageInput("Out of office", flags=(flag,)))
    view = team.as_("anna").get_case(number)
    assert view.status == status
    assert view.messages[-1].flags == (flag,)


@pytest.mark.parametrize("status", ["closed", "archived"])
def test_a_customer_message_on_an_ended_case_starts_a_linked_follow_up(
    team, db, clock, status
) -> None:
    old = team.new_case()
    anna = team.as_("anna")
    anna.set_priority(old, "high")
    anna.set_labels(old, ["faktura"])
    anna.set_status(old, "solved")
    team.system.set_status(old, "closed")
    if status == "archived":
        team.system.set_status(old, "archived")
    before = anna.get_case(old)
    clock.advance(days=30)
    landing = team.system.add_message(old, MessageInput("Nu är det fel igen."))
    landed = landing.case
    assert landing == Landing(landed, asked=old, follow_up_of=old, new_case=True)
    assert landed != old
    new = anna.get_case(landed)
    old_after = anna.get_case(old)
    # The new case: same customer, channel and title; new; the message is there.
    assert new.status == "new"
    assert new.contact == before.contact
    assert (new.channel, new.title, new.priority, new.labels) == (
        before.channel, before.title, before.priority, before.labels)
    assert said(new, "customer") == ["Nu är det fel igen."]
    assert new.created_at == clock.now
    assert f"Follow-up of #{old}, which is {status}" in said(new, "event")
    # The old case: untouched but for a pointer to the follow-up.
    assert old_after.status == status
    assert said(old_after, "customer") == said(before, "customer")
    assert said(old_after, "event")[-1] == f"The customer wrote again: follow-up is #{landed}"
    # Linked both ways, as a follow-up.
    assert landed in old_after.related
    assert old in new.related
    (link,) = table_rows(db, CaseLink)
    assert (link.case_id, link.other_id, link.kind) == (old, landed, "follow-up")


@pytest.mark.parametrize("flag", ["auto-reply", "bounce", "bulk"])
def test_machine_mail_on_a_closed_case_starts_no_follow_up(team, db, flag) -> None:
    old = setup_status(team, "closed")
    landed = team.system.add_message(old, MessageInput("Autosvar: på semester", flags=(flag,)))
    assert count(db, Case) == 1
    assert landed == Landing(old, asked=old)
    view = team.as_("anna").get_case(old)
    assert view.status == "closed"
    assert (view.messages[-1].text, view.messages[-1].flags) == ("Autosvar: på semester", (flag,))


def test_an_ai_message_on_a_closed_case_starts_nothing(team, db) -> None:
    old = setup_status(team, "closed")
    assert team.system.add_message(old, MessageInput("Sammanfattning", sender="ai")) == \
        Landing(old, asked=old)
    assert count(db, Case) == 1
    assert team.as_("anna").get_case(old).status == "closed"


def test_a_message_on_an_unknown_case_is_not_found(team) -> None:
    with pytest.raises(NotFound, match="#99"):
        team.system.add_message(99, MessageInput("Hej"))


# -- replies -------------------------------------------------------------------------


def test_a_reply_on_an_email_case_is_queued_in_the_outbox(team, db, clock) -> None:
    number = team.new_case(title="Fakturan stämmer inte")
    anna = team.as_("anna")
    clock.advance(minutes=20)
    reply = anna.reply(number, "Hej Karin, vi rättar fakturan.")
    assert (reply.kind, reply.author, reply.text) == ("reply", "Anna Berg",
                                                      "Hej Karin, vi rättar fakturan.")
    (row,) = table_rows(db, Outbox)
    assert row.case_id == number
    assert row.message_id == reply.id
    assert row.state == "queued"
    assert row.to_addr == "kund@example.se"
    assert row.from_addr == "support@example.se"
    assert row.subject == f"Re: Fakturan stämmer inte [#{number}]"
    assert row.body == "Hej Karin, vi rättar fakturan."
    assert row.attempts == 0
    assert row.created_at == clock.now
    (message,) = table_rows(db, Message, Message.id == reply.id)
    assert row.mail_message_id == message.mail_message_id
    assert row.mail_message_id.startswith("<")
    assert row.mail_message_id.endswith("@example.se>")


def test_a_title_with_line_breaks_cannot_add_mail_headers(team, db) -> None:
    number = team.new_case(title="Hej\r\nBcc: alla@example.com\r\n")
    team.as_("anna").reply(number, "Svar")
    (row,) = table_rows(db, Outbox)
    assert "\r" not in row.subject
    assert "\n" not in row.subject
    assert row.subject == f"Re: Hej Bcc: alla@example.com [#{number}]"


def test_two_replies_get_two_outbox_rows_with_their_own_message_ids(team, db) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    anna.reply(number, "Ett")
    anna.reply(number, "Två")
    rows = table_rows(db, Outbox)
    assert [r.body for r in rows] == ["Ett", "Två"]
    assert len({r.mail_message_id for r in rows}) == 2


@pytest.mark.parametrize(("channel", "login"), [("Chat", "anna"), ("Telefon", "bo")])
def test_a_reply_on_a_chat_or_phone_case_queues_no_mail(team, db, channel, login) -> None:
    number = team.new_case(channel=channel, login=login)
    reply = team.as_(login).reply(number, "Hej!")
    assert count(db, Outbox) == 0
    messages = team.as_(login).get_case(number).messages
    assert [m.id for m in messages if m.kind != "event"][-1] == reply.id


def test_a_reply_to_a_contact_without_email_on_an_email_case_is_refused(team, db) -> None:
    anna = team.as_("anna")
    number = anna.create_case(channel="Support", contact=ContactInput(phone="0701"),
                              title="Ringde in")
    before = anna.get_case(number)
    with pytest.raises(InvalidInput, match="no email address"):
        anna.reply(number, "Hej")
    assert anna.get_case(number) == before
    assert count(db, Outbox) == 0


def test_an_empty_reply_is_refused(team, db) -> None:
    number = team.new_case()
    with pytest.raises(InvalidInput, match="empty"):
        team.as_("anna").reply(number, "  \n ")
    assert count(db, Outbox) == 0


def test_the_system_cannot_reply(team, db) -> None:
    number = team.new_case()
    with pytest.raises(Forbidden):
        team.system.reply(number, "Hej")
    assert count(db, Outbox) == 0


def test_the_first_reply_sets_first_response_at_once(team, clock) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    clock.advance(minutes=5)
    anna.note(number, "Kollar med ekonomi")
    team.system.add_message(number, MessageInput("Hallå?"))
    assert anna.get_case(number).first_response_at is None
    first = clock.advance(minutes=30)
    anna.reply(number, "Vi tittar på det.")
    clock.advance(hours=1)
    team.as_("bo").reply(number, "Nu är det rättat.")
    view = anna.get_case(number)
    assert view.first_response_at == first
    assert view.updated_at == clock.now


def test_an_agent_line_from_ingest_counts_as_the_first_response(team, clock) -> None:
    number = team.new_case(channel="Chat")
    answered = clock.now + timedelta(minutes=3)
    team.system.add_message(number, MessageInput("Hej, jag hjälper dig", sender="agent",
                                                 at=answered))
    assert team.as_("anna").get_case(number).first_response_at == answered


def test_a_reply_can_set_the_status_in_the_same_step(team, clock) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    when = clock.advance(minutes=10)
    anna.reply(number, "Klart!", status="solved", expected_version=1)
    view = anna.get_case(number)
    assert view.status == "solved"
    assert view.solved_at == when
    assert said(view, "reply") == ["Klart!"]


# -- notes ---------------------------------------------------------------------------


def test_a_note_is_internal_and_never_mailed(team, db) -> None:
    number = team.new_case()
    note = team.as_("anna").note(number, "Kunden har fått fel moms.")
    assert (note.kind, note.author) == ("note", "Anna Berg")
    assert count(db, Outbox) == 0
    view = team.as_("anna").get_case(number)
    assert said(view, "note") == ["Kunden har fått fel moms."]
    assert view.first_response_at is None


def test_mentions_in_a_note_are_recorded_for_known_agents(team) -> None:
    number = team.new_case()
    note = team.as_("anna").note(
        number, "@Bo kan du titta? Fråga även @boss. Mejla anna@example.se, inte @nobody.")
    assert note.mentions == ("bo", "boss")
    (shown,) = [m for m in team.as_("anna").get_case(number).messages if m.kind == "note"]
    assert shown.mentions == ("bo", "boss")


def test_an_email_address_in_a_note_is_no_mention(team) -> None:
    number = team.new_case()
    assert team.as_("anna").note(number, "Skriv till bo@example.se").mentions == ()


def test_a_one_letter_login_can_be_mentioned(team) -> None:
    boss = team.as_("boss")
    boss.add_agent("x")
    boss.set_membership("Support", "x", member=True)
    number = team.new_case()
    assert team.as_("anna").note(number, "@x titta här").mentions == ("x",)


def test_an_empty_note_is_refused(team) -> None:
    number = team.new_case()
    with pytest.raises(InvalidInput, match="empty"):
        team.as_("anna").note(number, " ")
    assert said(team.as_("anna").get_case(number), "note") == []


def test_a_note_can_set_the_status(team) -> None:
    number = team.new_case()
    team.as_("anna").note(number, "Väntar på ekonomi", status="parked")
    assert team.as_("anna").get_case(number).status == "parked"


# -- assignment ----------------------------------------------------------------------


def test_assign_to_a_member_to_me_and_back_to_nobody(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    row = anna.assign(number, "bo", expected_version=1)
    assert (row.assignee, row.version) == ("bo", 2)
    row = anna.assign(number, "me", expected_version=2)
    assert (row.assignee, row.version) == ("anna", 3)
    row = anna.assign(number, None, expected_version=3)
    assert (row.assignee, row.version) == (None, 4)
    events = said(anna.get_case(number), "event")
    assert events == ["Assigned to bo", "Status: new → open (it was assigned)",
                      "Assigned to anna", "Unassigned"]


def test_assigning_the_same_agent_again_changes_nothing(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    anna.assign(number, "bo")
    before = anna.get_case(number)
    assert anna.assign(number, "bo").version == before.version
    assert anna.get_case(number) == before


def test_assigning_to_someone_outside_the_channel_is_refused(team) -> None:
    number = team.new_case(channel="Chat")  # Chat: anna only
    anna = team.as_("anna")
    before = anna.get_case(number)
    with pytest.raises(Forbidden, match="bo is not a member") as info:
        anna.assign(number, "bo")
    assert "supervisor can add" in str(info.value)
    assert anna.get_case(number) == before


def test_a_supervisor_may_be_assigned_anywhere(team) -> None:
    number = team.new_case(channel="Chat")
    assert team.as_("anna").assign(number, "boss").assignee == "boss"


def test_assigning_an_unknown_agent_is_not_found(team) -> None:
    number = team.new_case()
    with pytest.raises(NotFound, match="nobody"):
        team.as_("anna").assign(number, "nobody")


def test_the_system_may_assign(team) -> None:
    number = team.new_case()
    assert team.system.assign(number, "bo").assignee == "bo"


# -- priority, labels, title -----------------------------------------------------------


def test_priority(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    row = anna.set_priority(number, " High ")
    assert (row.priority, row.version) == ("high", 2)
    assert anna.set_priority(number, "high").version == 2  # unchanged: no new version
    with pytest.raises(InvalidInput, match="urgent"):
        anna.set_priority(number, "urgent")
    assert anna.get_case(number).priority == "high"
    assert said(anna.get_case(number), "event") == ["Priority: medium → high"]


def test_labels_are_cleaned_sorted_and_unique(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    row = anna.set_labels(number, ["Moms", "faktura", "Moms", "", "a,b", "x\ny"])
    assert row.labels == ("Moms", "a b", "faktura", "x y")
    assert row.version == 2
    assert anna.set_labels(number, ["faktura", "x y", "a b", "Moms"]).version == 2
    assert anna.set_labels(number, []).labels == ()


def test_rename(team) -> None:
    number = team.new_case(title="Gammal rubrik")
    anna = team.as_("anna")
    row = anna.rename(number, "  Ny rubrik ")
    assert (row.title, row.version) == ("Ny rubrik", 2)
    assert said(anna.get_case(number), "event") == ["Title changed from “Gammal rubrik”"]
    with pytest.raises(InvalidInput, match="title"):
        anna.rename(number, "   ")
    assert anna.get_case(number).title == "Ny rubrik"


# -- channel -------------------------------------------------------------------------


def test_move_to_another_channel_of_mine(team) -> None:
    number = team.new_case(channel="Support")
    anna = team.as_("anna")
    row = anna.move_channel(number, "Chat", expected_version=1)
    assert (row.channel, row.version) == ("Chat", 2)
    assert said(anna.get_case(number), "event") == ["Moved from channel Support to Chat"]
    # bo is in Support but not in Chat: the case left his sight.
    with pytest.raises(Forbidden):
        team.as_("bo").get_case(number)


def test_an_agent_cannot_move_a_case_to_a_channel_they_are_not_in(team) -> None:
    number = team.new_case(channel="Support")
    anna = team.as_("anna")
    before = anna.get_case(number)
    with pytest.raises(Forbidden, match="Telefon"):
        anna.move_channel(number, "Telefon")
    with pytest.raises(NotFound, match="Fax"):
        anna.move_channel(number, "Fax")
    assert anna.get_case(number) == before


def test_a_supervisor_moves_anywhere(team) -> None:
    number = team.new_case(channel="Support")
    assert team.as_("boss").move_channel(number, "Telefon").channel == "Telefon"
    assert team.as_("bo").get_case(number).channel == "Telefon"


def test_moving_to_the_same_channel_changes_nothing(team) -> None:
    number = team.new_case(channel="Support")
    assert team.as_("anna").move_channel(number, "Support").version == 1


# -- watching and workspaces -----------------------------------------------------------


def test_watch_and_unwatch(team) -> None:
    number = team.new_case()
    anna, bo = team.as_("anna"), team.as_("bo")
    assert anna.set_watch(number, watching=True) is True
    assert anna.set_watch(number, watching=True) is True  # twice: still one watch
    assert bo.set_watch(number, watching=True) is True
    view = anna.get_case(number)
    assert view.watchers == ("anna", "bo")
    assert view.version == 1  # watching is no edit of the case
    assert anna.set_watch(number, watching=False) is False
    assert anna.get_case(number).watchers == ("bo",)


def test_only_a_supervisor_watches_for_someone_else(team) -> None:
    number = team.new_case()
    with pytest.raises(Forbidden, match="supervisor"):
        team.as_("anna").set_watch(number, watching=True, login="bo")
    assert team.as_("boss").set_watch(number, watching=True, login="bo") is True
    assert team.as_("anna").get_case(number).watchers == ("bo",)
    with pytest.raises(Forbidden):
        team.system.set_watch(number, watching=True)


def in_workspace(db, login_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(r.case_id for r in table_rows(db, WorkspaceEntry,
                                                 WorkspaceEntry.agent_id == login_id))


def agent_id(db, login: str) -> int:  # type: ignore[no-untyped-def]
    from store.models import Agent

    (agent,) = table_rows(db, Agent, Agent.login == login)
    return agent.id


def test_workspace_add_and_remove(team, db, clock) -> None:
    a, b = team.new_case(), team.new_case()
    anna = team.as_("anna")
    assert anna.set_in_workspace(a, present=True) is True
    assert anna.set_in_workspace(b, present=True) is True
    assert anna.set_in_workspace(b, present=True) is True
    assert in_workspace(db, agent_id(db, "anna")) == [a, b]
    (entry,) = table_rows(db, WorkspaceEntry, WorkspaceEntry.case_id == a)
    assert entry.added_at == clock.now
    assert anna.set_in_workspace(a, present=False) is False
    assert in_workspace(db, agent_id(db, "anna")) == [b]
    assert in_workspace(db, agent_id(db, "bo")) == []


def test_only_a_supervisor_changes_someone_elses_workspace(team, db) -> None:
    number = team.new_case()
    with pytest.raises(Forbidden, match="supervisor"):
        team.as_("anna").set_in_workspace(number, present=True, login="bo")
    assert in_workspace(db, agent_id(db, "bo")) == []
    team.as_("boss").set_in_workspace(number, present=True, login="bo")
    assert in_workspace(db, agent_id(db, "bo")) == [number]


# -- related cases and links -------------------------------------------------------------


def test_related_lists_the_same_contacts_other_cases_and_linked_ones(team) -> None:
    mine = team.new_case(email="kund@example.se")
    same_contact = team.new_case(email="kund@example.se", title="Annan fråga")
    stranger = team.new_case(email="annan@example.se")
    linked = team.new_case(email="tredje@example.se")
    anna = team.as_("anna")
    anna.link(mine, linked)
    related = {r.number for r in anna.related(mine)}
    assert related == {same_contact, linked}
    assert stranger not in related
    assert set(anna.get_case(mine).related) == related  # the detail names the same ones


def test_link_shows_on_both_cases_once(team, db) -> None:
    a, b = team.new_case(), team.new_case(email="b@example.se")
    anna = team.as_("anna")
    anna.link(a, b)
    changes = anna.latest_change()
    anna.link(b, a)  # the same pair again: nothing new
    assert anna.latest_change() == changes
    assert anna.get_case(a).related == (b,)
    assert anna.get_case(b).related == (a,)
    assert said(anna.get_case(a), "event") == [f"Linked to #{b}"]
    assert said(anna.get_case(b), "event") == [f"Linked to #{a}"]
    (link,) = table_rows(db, CaseLink)
    assert link.kind == "related"
    assert anna.get_case(a).version == 1  # a link is no edit of the case


def test_a_case_cannot_be_linked_to_itself(team, db) -> None:
    a = team.new_case()
    with pytest.raises(InvalidInput, match="itself"):
        team.as_("anna").link(a, a)
    assert count(db, CaseLink) == 0


def test_linking_to_an_unknown_case_is_not_found(team, db) -> None:
    a = team.new_case()
    with pytest.raises(NotFound, match="#42"):
        team.as_("anna").link(a, 42)
    assert count(db, CaseLink) == 0


def test_moving_a_case_unassigns_someone_who_cannot_see_the_new_channel(team) -> None:
    number = team.new_case()  # Support: anna and bo
    boss = team.as_("boss")
    boss.assign(number, "anna")
    row = boss.move_channel(number, "Telefon")  # bo only
    assert row.channel == "Telefon"
    assert row.assignee is None
    events = said(boss.get_case(number), "event")
    assert "Unassigned: anna is not in Telefon" in events
    boss.assign(number, "bo")
    assert boss.move_channel(number, "Support").assignee == "bo"  # bo is in Support too


def test_nobody_is_given_a_case_they_cannot_see(team, db) -> None:
    # (A supervisor's assignment adds the assignee to the channel: test_team_views.py.)
    number = team.new_case(channel="Chat")  # anna only
    boss = team.as_("boss")
    for attempt in (
        lambda: boss.set_watch(number, watching=True, login="bo"),
        lambda: boss.set_in_workspace(number, present=True, login="bo"),
    ):
        with pytest.raises(Forbidden, match="bo is not a member"):
            attempt()
    assert count(db, WorkspaceEntry) == 0
    assert boss.get_case(number).watchers == ()


def test_quick_replies_greet_the_contact_by_first_name(team) -> None:
    boss = team.as_("boss")
    boss.add_quick_reply("Tack", "Hej {namn}!\n\nTack för ditt mejl.")
    number = team.new_case(name="Karin Kund")
    assert [(r.title, r.text) for r in team.as_("anna").quick_replies(number)] == [
        ("Tack", "Hej Karin!\n\nTack för ditt mejl.")]
    nameless = team.new_case(name="", email="x@example.se")
    assert team.as_("anna").quick_replies(nameless)[0].text.startswith("Hej x@example.se!")
    with pytest.raises(Forbidden):
        team.as_("anna").add_quick_reply("Egen", "text")
    with pytest.raises(InvalidInput, match="already"):
        boss.add_quick_reply("Tack", "igen")


def test_a_greeting_without_a_name_still_reads_well() -> None:
    from store.service import fill_quick_reply

    assert fill_quick_reply("Hej {namn}!", "") == "Hej!"
    assert fill_quick_reply("Hi {name},", "Grace Taylor") == "Hi Grace,"


def test_a_new_case_can_start_with_our_mail_and_a_known_contact_is_found(team) -> None:
    anna = team.as_("anna")
    known = team.new_case(email="karin.kund@example.se", name="Karin Kund")
    assert [c.email for c in anna.find_contacts("kar")] == ["karin.kund@example.se"]
    assert [c.name for c in anna.find_contacts("KARIN.K")] == ["Karin Kund"]
    assert anna.find_contacts("100%") == []  # a wildcard is only a character
    assert team.as_("bo").find_contacts("kar") != []  # Support is his channel too
    phone = team.new_case(channel="Telefon", login="bo", email="tel@example.se", name="Tore")
    assert anna.find_contacts("tore") == []  # only bo's channel has his case
    number = anna.create_case(channel="Support", title="Er beställning",
                              contact=ContactInput(name="Karin Kund",
                                                   email="karin.kund@example.se"),
                              first_reply="Hej Karin! Din order är på väg.")
    case = anna.get_case(number)
    assert case.contact.id == anna.get_case(known).contact.id  # the same person
    assert [(m.kind, m.text) for m in case.messages] == [
        ("reply", "Hej Karin! Din order är på väg.")]
    assert case.first_response_at is not None
    (mail,) = [o for o in team.system.outbox() if o.case == number]
    assert mail.state == "queued"
    assert phone != number
    with pytest.raises(InvalidInput, match="the first message is empty"):
        anna.create_case(channel="Support", title="x", contact=ContactInput(name="K"),
                         first_reply="  ")


def test_a_contact_is_found_by_its_swedish_letters_and_picked_by_number(team) -> None:
    anna = team.as_("anna")
    first = anna.create_case(channel="Support", title="Fråga",
                             contact=ContactInput(name="Åsa Öberg"))  # a name, nothing else
    assert [c.name for c in anna.find_contacts("åsa")] == ["Åsa Öberg"]
    assert [c.name for c in anna.find_contacts("ÅSA ö")] == ["Åsa Öberg"]
    (found,) = anna.find_contacts("Åsa")
    again = anna.create_case(channel="Support", title="Igen",
                             contact=ContactInput(name="Åsa Öberg", id=found.id))
    # Picked by its number: the same person, not a second Åsa with no address.
    assert anna.get_case(again).contact.id == anna.get_case(first).contact.id
    assert len(anna.find_contacts("åsa")) == 1


def test_a_closed_or_archived_case_takes_notes_not_replies(team) -> None:
    anna = team.as_("anna")
    number = team.new_case()
    anna.set_status(number, "solved")
    team.system.set_status(number, "closed")
    for status in ("closed", "archived"):
        if status == "archived":
            team.system.set_status(number, "archived")
        with pytest.raises(InvalidInput, match=f"#{number} is {status}: a reply goes on a new"):
            anna.reply(number, "Hej igen!")
        anna.note(number, f"Noterat medan det är {status}.")
    case = anna.get_case(number)
    assert [m.kind for m in case.messages].count("reply") == 0
    notes = [m.text for m in case.messages if m.kind == "note"]
    assert notes[-1] == "Noterat medan det är archived."
    assert team.system.outbox() == []


def test_the_view_a_reply_or_a_note_returns_is_the_one_read_back(team) -> None:
    """What a new reply or note holds is known when it is written, not read back: the
    view it returns must be the same as the case shows afterwards."""
    number = team.new_case(channel="Support")  # an email channel: the reply is queued
    anna = team.as_("anna")
    reply = anna.reply(number, "Hej! Vi tittar på det.")
    note = anna.note(number, "@bo @BOSS @ingen kan ni titta?")
    shown = {m.id: m for m in anna.get_case(number).messages}
    assert shown[reply.id] == reply
    assert reply.delivery == "queued"
    assert shown[note.id] == note
    assert note.mentions == ("bo", "boss")
    chat = team.new_case(channel="Chat")  # no mail: nothing queued
    answer = anna.reply(chat, "Hej!")
    assert answer.delivery == ""
    assert {m.id: m for m in anna.get_case(chat).messages}[answer.id] == answer
