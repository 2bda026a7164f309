"""Customers' data as the store keeps it (README, "Privacy"): sensitive numbers
masked on every way in and never found by search, the original mail for supervisors,
the history masked after the fact, one customer erased or exported. Both engines."""

from __future__ import annotations

import hashlib
from email import message_from_bytes
from pathlib import Path

import pytest
import sqlalchemy as sa
from searchindex import fts_hits, index_is_consistent

from store.db import Database
from store.errors import Forbidden, NotFound
from store.privacy import Privacy
from store.service import CaseFilter, CaseService, ContactInput, MailInput, MessageInput

CARD = "4111111111111111"
SHOWN = "•••• •••• •••• 1111"


def found(service, words: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.number for r in service.list_cases(CaseFilter(search=words, include_ended=True))]


def texts(service, number: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in service.get_case(number).messages if m.kind != "event"]


def raw_mail(text: str, subject: str = "Kortet") -> bytes:
    return (f"From: Karin <karin@example.se>\r\nTo: support@example.se\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{hashlib.sha1(text.encode()).hexdigest()}"
            f"@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            ).encode()


def receive(team, text: str, uid: int = 1, subject: str = "Kortet",
            sender: str = "karin@example.se"):  # type: ignore[no-untyped-def]
    (receipt,) = team.system.receive_mail("INBOX", "Support", 1, [MailInput(
        uid=uid, raw=raw_mail(text, subject), subject=subject, sender_name="Karin",
        message=MessageInput(text, sender_address=sender))])
    return receipt


def test_a_new_case_is_masked_in_title_messages_and_form_fields(team) -> None:
    anna = team.as_("anna")
    number = anna.create_case(
        channel="Support", contact=ContactInput(name="Karin", email="karin@example.se"),
        title=f"Dragning på {CARD}", messages=[MessageInput(f"Kortet {CARD} drogs två gånger")],
        fields={"kort": CARD, "order": "123456789012"})
    case = anna.get_case(number)
    assert case.title == f"Dragning på {SHOWN}"
    assert texts(anna, number) == [f"Kortet {SHOWN} drogs två gånger"]
    assert dict(case.fields) == {"kort": SHOWN, "order": "123456789012"}
    # Not found by the number, the case still found by its own.
    assert found(anna, "4111") == []
    assert found(anna, CARD) == []
    assert found(anna, "123456789012") == [number]
    assert found(anna, str(number)) == [number]
    assert fts_hits(team.db, "4111") == set()


def test_a_reply_a_note_a_message_and_a_title_are_masked(team) -> None:
    anna = team.as_("anna")
    number = team.new_case()
    reply = anna.reply(number, f"Vi ser kortet {CARD} och pnr 800101-0001.")
    assert reply.text == f"Vi ser kortet {SHOWN} och pnr 800101-••••."
    note = anna.note(number, "Hennes IBAN: SE45 5000 0000 0583 9825 7466")
    assert note.text == "Hennes IBAN: SE•• •••• •••• •••• •••• 7466"
    team.system.add_message(number, MessageInput(f"Här igen: {CARD}"))
    anna.rename(number, f"Kort {CARD}")
    assert anna.get_case(number).title == f"Kort {SHOWN}"
    # The mail that goes out holds only the masked form too.
    (mail,) = team.system.outbox()
    assert CARD not in mail.body
    assert SHOWN in mail.body
    assert all(CARD not in t and "800101-0001" not in t for t in texts(anna, number))
    assert found(anna, "800101") == [number]  # the date stays, the person does not
    assert found(anna, "0001") == []
    assert found(anna, "0583") == []
    assert index_is_consistent(team.db)


def test_mail_is_masked_and_its_original_is_a_supervisors(team) -> None:
    receipt = receive(team, f"Mitt kort {CARD} drogs två gånger", subject=f"Kort {CARD}")
    anna, boss = team.as_("anna"), team.as_("boss")
    case = anna.get_case(receipt.case)
    assert case.title == f"Kort {SHOWN}"
    (message,) = [m for m in case.messages if m.kind == "customer"]
    assert message.text == f"Mitt kort {SHOWN} drogs två gånger"
    with pytest.raises(Forbidden, match="supervisor"):
        anna.original_mail(message.id)
    original = boss.original_mail(message.id)
    assert CARD.encode() in original  # as it came, for a supervisor
    assert found(anna, "4111") == []


def test_kept_masked_the_original_is_everyones_and_still_known_again(team) -> None:
    db = Database(team.db.url, privacy=Privacy(keep_raw="masked"))
    try:
        system = CaseService.system(db, clock=team.clock)
        raw = raw_mail(f"Mitt kort {CARD}")
        mail = MailInput(uid=1, raw=raw, subject="Kort", sender_name="Karin",
                         message=MessageInput(f"Mitt kort {CARD}",
                                              sender_address="karin@example.se"))
        (first,) = system.receive_mail("INBOX", "Support", 1, [mail])
        anna = CaseService(db, "anna", clock=team.clock)
        (message,) = [m for m in anna.get_case(first.case).messages if m.kind == "customer"]
        original = anna.original_mail(message.id)
        assert CARD.encode() not in original
        assert SHOWN in message_from_bytes(original).get_payload(decode=True).decode()
        # The same bytes fetched again (a new UIDVALIDITY): known by what came, no new case.
        (again,) = system.receive_mail("INBOX", "Support", 2, [mail])
        assert (again.outcome, again.case) == ("duplicate", first.case)
    finally:
        db.dispose()


def test_masking_off_keeps_the_numbers(team) -> None:
    db = Database(team.db.url, privacy=Privacy(mask=()))
    try:
        anna = CaseService(db, "anna", clock=team.clock)
        number = anna.create_case(channel="Support", contact=ContactInput(email="k@example.se"),
                                  title="Kort", messages=[MessageInput(f"Kort {CARD}")])
        assert texts(anna, number) == [f"Kort {CARD}"]
        assert found(anna, CARD) == [number]
    finally:
        db.dispose()


def test_the_history_is_masked_once_resumably(team) -> None:
    plain = Database(team.db.url, privacy=Privacy(mask=()))
    try:
        anna = CaseService(plain, "anna", clock=team.clock)
        numbers = [anna.create_case(
            channel="Support", contact=ContactInput(email=f"k{i}@example.se"),
            title=f"Kort {CARD}" if i == 0 else f"Ärende {i}",
            messages=[MessageInput(f"Nummer {CARD}" if i % 2 else f"Hej {i}")],
            fields={"pnr": "800101-0001"} if i == 2 else None) for i in range(5)]
        # A case merged away keeps its title; the survivor's event names it.
        merged = anna.create_case(channel="Support", contact=ContactInput(email="m@example.se"),
                                  title=f"Andra kortet {CARD}")
        anna.merge(merged, into=numbers[4])
        anna.reply(numbers[1], f"Vi ser {CARD}")  # mail out: its body holds it too
    finally:
        plain.dispose()
    boss = team.as_("boss")
    assert len(found(boss, CARD)) == 3
    with pytest.raises(Forbidden):
        team.as_("anna").mask_history()
    dry = boss.mask_history(dry_run=True)
    assert (dry.messages, dry.titles, dry.fields) == (4, 2, 1)
    assert dry.other >= 1  # the outgoing mail at least
    assert len(found(boss, CARD)) == 3  # a dry run changes nothing
    runs = [boss.mask_history(limit=2)]  # two rows a batch: stops part way
    assert not runs[0].done
    while not runs[-1].done:
        runs.append(boss.mask_history(limit=2))
    assert sum(r.messages for r in runs) == 4
    assert sum(r.titles for r in runs) == 2
    assert sum(r.fields for r in runs) == 1
    assert found(boss, CARD) == []
    assert found(boss, "4111") == []
    assert boss.get_case(numbers[0]).title == f"Kort {SHOWN}"
    assert boss.get_case(merged).title == f"Andra kortet {SHOWN}"
    assert dict(boss.get_case(numbers[2]).fields) == {"pnr": "800101-••••"}
    assert all(CARD not in m.body for m in team.system.outbox())
    with team.db.read() as session:
        left = [t for (t,) in session.execute(sa.text(
            "SELECT event_params FROM message UNION ALL SELECT after FROM audit_event "
            "UNION ALL SELECT before FROM audit_event"))]
    assert not [t for t in left if CARD in t]
    # Once done, again: nothing more (the mark holds).
    assert boss.mask_history().messages == 0
    assert index_is_consistent(team.db)


def test_a_kind_added_later_masks_the_history_again(team) -> None:
    only_cards = Database(team.db.url, privacy=Privacy(mask=("card",)))
    try:
        number = CaseService(only_cards, "anna", clock=team.clock).create_case(
            channel="Support", contact=ContactInput(email="k@example.se"), title="Hej",
            messages=[MessageInput(f"{CARD} och 800101-0001")])
        boss = CaseService(only_cards, "boss", clock=team.clock)
        while not boss.mask_history().done:
            pass
    finally:
        only_cards.dispose()
    assert texts(team.as_("boss"), number) == [f"{SHOWN} och 800101-0001"]
    # The config now masks every kind: the run starts again from the first row.
    assert team.as_("boss").mask_history(dry_run=True).found == {"personnummer": 1}
    while not team.as_("boss").mask_history().done:
        pass
    assert texts(team.as_("boss"), number) == [f"{SHOWN} och 800101-••••"]


# -- erasure and export ------------------------------------------------------------


def _files(db: Database) -> set[Path]:
    root = db.files_dir
    return {p for p in root.rglob("*") if p.is_file()} if root and root.exists() else set()


def table_counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {t: session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("cases", "message", "contact", "attachment", "inbound_mail",
                          "outbox", "stored_file")}


def test_erasing_a_customer_leaves_nothing_of_theirs(team, db) -> None:
    from store.service import AttachmentInput

    anna, boss = team.as_("anna"), team.as_("boss")
    theirs = [team.new_case(email="karin@example.se", name="Karin Kund",
                            text=f"Hej, Karin Kund här, {i}") for i in range(3)]
    anna.reply(theirs[0], "Hej Karin!")
    team.system.add_message(theirs[1], MessageInput("Bilaga", attachments=(
        AttachmentInput("kvitto.pdf", b"%PDF karins kvitto", "application/pdf"),)))
    receive(team, "Karin igen via mejl", uid=7, sender="karin@example.se")
    other = team.new_case(email="olle@example.se", name="Olle Annan", text="Olles fråga")
    before = table_counts(db)
    assert len(_files(db)) >= (1 if db.is_sqlite else 0)

    with pytest.raises(Forbidden):
        anna.erase_contact("karin@example.se")
    dry = boss.erase_contact("karin@example.se", dry_run=True)
    assert table_counts(db) == before  # counted, nothing done
    assert len(dry.cases) == 4
    assert dry.attachments == 1
    assert dry.outbox == 1
    assert dry.originals == 1

    done = boss.erase_contact("Karin@Example.se")
    assert done.cases == dry.cases
    after = table_counts(db)
    assert after["cases"] == before["cases"] - 4
    assert after["contact"] == before["contact"] - 1
    assert after["attachment"] == before["attachment"] - 1
    assert after["inbound_mail"] == before["inbound_mail"] - 1
    assert after["outbox"] == before["outbox"] - 1
    assert _files(db) == set()  # the attachment's file is gone from the disk
    assert fts_hits(team.db, "karin") == set()
    assert fts_hits(team.db, "olles") == {other}
    assert index_is_consistent(team.db)
    # Nothing of theirs in any table, the audit trail included.
    with db.read() as session:
        for table in ("audit_event", "message", "contact", "outbox", "cases", "change"):
            dump = " ".join(str(row) for row in session.execute(
                sa.text(f"SELECT * FROM {table}")))
            assert "karin" not in dump.lower(), table
        erased = session.execute(sa.text(
            "SELECT actor, after FROM audit_event WHERE action = 'contact.erased'")).one()
    assert erased.actor == "boss"
    assert '"cases": 4' in erased.after
    if db.is_sqlite:  # not in the file's free pages nor its -wal either
        stored = db.path.read_bytes() + Path(f"{db.path}-wal").read_bytes() \
            if Path(f"{db.path}-wal").exists() else db.path.read_bytes()
        assert "Karin Kund här".encode() not in stored
        assert b"karin igen via mejl" not in stored.lower()
    # Mailing again later: a new contact, a new case.
    again = receive(team, "Hej, det är jag igen", uid=8)
    assert again.new_case
    assert anna.get_case(again.case).contact.email == "karin@example.se"
    with pytest.raises(NotFound):
        boss.erase_contact("nobody@example.se")


def test_a_case_shared_with_another_customer_keeps_their_part(team) -> None:
    boss = team.as_("boss")
    first = receive(team, "Karins fråga om fakturan", uid=1)
    # A colleague of hers answers in the same thread: their words stay.
    team.system.add_message(first.case, MessageInput("Olles tillägg",
                                                     sender_address="olle@example.se"))
    # And she wrote in Olle's own case.
    olles = team.new_case(email="olle@example.se", name="Olle", text="Olles eget ärende")
    team.system.add_message(olles, MessageInput("Karin här också",
                                                sender_address="karin@example.se"))
    done = boss.erase_contact("karin@example.se")
    assert done.cases == []
    assert done.shared == sorted([first.case, olles])
    kept = boss.get_case(first.case)
    assert kept.contact.email == "olle@example.se"
    assert texts(boss, first.case) == ["Olles tillägg"]
    assert texts(boss, olles) == ["Olles eget ärende"]


def test_another_customers_case_merged_into_theirs_stays_for_that_customer(team) -> None:
    boss = team.as_("boss")
    karins = team.new_case(channel="Chat", email="karin@example.se", text="Karins chatt")
    olles = team.new_case(channel="Chat", email="olle@example.se", text="Olles chatt")
    team.as_("anna").merge(olles, into=karins)
    plan = boss.erase_contact("karin@example.se", dry_run=True)
    assert (plan.cases, plan.shared, plan.messages) == ([], [karins], 1)
    boss.erase_contact("karin@example.se")
    kept = boss.get_case(karins)
    assert kept.contact.email == "olle@example.se"
    assert texts(boss, karins) == ["Olles chatt"]


def test_originals_kept_before_masked_originals_were_asked_for_are_masked_when_read(
        team) -> None:
    receipt = receive(team, f"Mitt kort {CARD}")
    (message,) = [m for m in team.as_("boss").get_case(receipt.case).messages
                  if m.kind == "customer"]
    db = Database(team.db.url, privacy=Privacy(keep_raw="masked"))
    try:
        original = CaseService(db, "anna", clock=team.clock).original_mail(message.id)
    finally:
        db.dispose()
    assert CARD.encode() not in original
    # The read of an original is in the access log (written as its database closed).
    assert [(r.login, r.via) for r in team.as_("boss").case_reads(case=receipt.case)] == [
        ("anna", "original")]


def test_a_register_extract_holds_everything_about_them(team) -> None:
    boss = team.as_("boss")
    number = team.new_case(email="karin@example.se", name="Karin Kund", text="Min fråga")
    team.as_("anna").reply(number, "Vårt svar")
    team.new_case(email="olle@example.se", text="Inte hennes")
    with pytest.raises(Forbidden):
        team.as_("anna").export_contact("karin@example.se")
    extract = boss.export_contact("karin@example.se")
    assert [c["email"] for c in extract["contacts"]] == ["karin@example.se"]
    (case,) = extract["cases"]
    assert case["number"] == number
    assert [m["text"] for m in case["messages"]] == ["Min fråga", "Vårt svar"]
    assert [m["to"] for m in case["mail_sent"]] == ["karin@example.se"]
    # Of a case she only wrote in: her own messages, nothing of its customer's.
    olles = team.new_case(email="olle@example.se", name="Olle", title="Olles ärende",
                          text="Olles fråga")
    team.system.add_message(olles, MessageInput("Karin här", sender_address="karin@example.se"))
    (_, theirs) = boss.export_contact("karin@example.se")["cases"]
    assert "title" not in theirs
    assert "fields" not in theirs
    assert [m["text"] for m in theirs["messages"]] == ["Karin här"]


# -- the access log ------------------------------------------------------------------


def test_reads_are_logged_in_batches_and_shown_to_supervisors(team) -> None:
    number = team.new_case()
    anna, boss = team.as_("anna"), team.as_("boss")
    anna.get_case(number)  # a reload of what is on screen: no read
    anna.get_case(number, read="tui")
    anna.get_case(number, read="show")
    assert team.db.reads.pending == 2  # noted, not yet written
    with pytest.raises(Forbidden):
        anna.case_reads()
    reads = boss.case_reads(case=number)
    assert [(r.login, r.case, r.via) for r in reads] == [("anna", number, "show"),
                                                         ("anna", number, "tui")]
    assert team.db.reads.pending == 0
    assert boss.case_reads(agent="bo") == []
    team.system.get_case(number, read="show")  # the system reads nothing for a person
    assert team.db.reads.pending == 0


def test_a_read_only_look_is_logged_through_a_writable_connection(team) -> None:
    number = team.new_case()
    looking = Database(team.db.url, read_only=True)
    try:
        CaseService.read_all(looking, "boss").get_case(number, read="show")
        assert looking.reads.flush() == 1
    finally:
        looking.dispose()
    assert [(r.login, r.via) for r in team.as_("boss").case_reads(case=number)] == [
        ("boss", "show")]


def test_an_erased_customers_reads_go_with_their_cases(team) -> None:
    number = team.new_case(email="karin@example.se")
    team.as_("anna").get_case(number, read="tui")
    team.db.reads.flush()
    team.as_("boss").erase_contact("karin@example.se")
    assert team.as_("boss").case_reads(case=number) == []


# -- telling senders how their data is handled -------------------------------------------


def test_the_data_handling_text_goes_under_replies_and_acknowledgements(team) -> None:
    team.as_("boss").set_signature("Support", "Kundtjänst")
    told = Database(team.db.url, privacy=Privacy(notice=(
        ("sv", "Vi sparar dina uppgifter i högst två år."),
        ("en", "We keep your data two years at most."))))
    try:
        system = CaseService.system(told, clock=team.clock)
        (receipt,) = system.receive_mail("INBOX", "Support", 1, [MailInput(
            uid=1, raw=raw_mail("x"), subject="Fakturan",
            message=MessageInput("Hej, jag har en fråga om fakturan och den är fel.",
                                 sender_address="karin@example.se"))],
            acknowledge="Tack! Ärende {number}.")
        english = CaseService(told, "anna", clock=team.clock).create_case(
            channel="Support", contact=ContactInput(email="john@example.com"), title="Bill",
            messages=[MessageInput("Hello, I have a question about the bill, it is wrong.")])
        anna = CaseService(told, "anna", clock=team.clock)
        anna.reply(receipt.case, "Hej Karin!")
        anna.reply(english, "Hello John!")
        ack, swedish, to_john = system.outbox()
    finally:
        told.dispose()
    assert ack.body == (f"Tack! Ärende {receipt.case}.\n\n-- \nKundtjänst\n\n"
                        "Vi sparar dina uppgifter i högst två år.")
    assert swedish.body.endswith("-- \nKundtjänst\n\nVi sparar dina uppgifter i högst två år.")
    assert to_john.body.endswith("-- \nKundtjänst\n\nWe keep your data two years at most.")
    # Only where the config says.
    only_ack = Privacy(notice=(("sv", "Text."),), notice_on=("acknowledgement",))
    assert only_ack.notice_for("signature", "sv") == ""
    assert only_ack.notice_for("acknowledgement", "en") == "Text."  # Swedish when that is all


def test_originals_kept_before_are_masked_in_place_by_the_history_pass(team) -> None:
    receive(team, f"Mitt kort {CARD}")
    masked = Database(team.db.url, privacy=Privacy(keep_raw="masked"))
    try:
        boss = CaseService(masked, "boss", clock=team.clock)
        assert boss.mask_history(dry_run=True).other == 1
        while not boss.mask_history(limit=1).done:
            pass
    finally:
        masked.dispose()
    with team.db.read() as session:
        kept = session.execute(sa.text("SELECT content FROM stored_file")).scalars().all()
    assert kept
    assert all(CARD.encode() not in bytes(c) for c in kept)
