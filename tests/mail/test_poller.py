"""The IMAP poller against a real Dovecot: mail becomes cases exactly once, threads
onto the right case, and nothing — however broken — is dropped or crashes it."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox
from samples import HOSTILE, latin1, mail

from mail.poller import Poller, PollError
from mail.settings import MailboxSettings, MailSettings
from store.queries import CaseFilter


def settings(box: Mailbox, monkeypatch: pytest.MonkeyPatch, **overrides: object
             ) -> MailboxSettings:
    monkeypatch.setenv("IMAP_PASSWORD", box.password)
    values: dict[str, object] = {
        "channel": "Support", "host": box.host, "port": box.port, "security": "none",
        "username": box.user, "password_env": "IMAP_PASSWORD"}
    values.update(overrides)
    return MailboxSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)


def cases_of(team, contact_email: str):  # type: ignore[no-untyped-def]
    boss = team.as_("boss")
    return [boss.get_case(r.number) for r in boss.list_cases(CaseFilter(
        limit=1000, include_ended=True)) if boss.get_case(r.number).contact.email == contact_email]


def last_reply_id(team, number: int) -> str:  # type: ignore[no-untyped-def]
    """The Message-ID of our newest reply on the case (what the customer answers)."""
    replies = [m for m in team.as_("boss").get_case(number).messages if m.kind == "reply"]
    assert replies[-1].mail_message_id
    return replies[-1].mail_message_id  # type: ignore[return-value]


def test_each_kind_of_mail_becomes_a_case(team, dovecot: Dovecot, mailbox: Mailbox,
                                          poller: Poller) -> None:
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 40
    for raw in (
        mail(sender="Plain <plain@example.se>", text="Bara text."),
        mail(sender="Html <html@example.se>", text=None,
             html="<p>Hej!</p><ul><li>Faktura 123</li></ul>"),
        mail(sender="Multi <multi@example.se>", text="Texten.", html="<p>HTML-versionen</p>"),
        latin1(),
        mail(sender="Bilaga <bilaga@example.se>", text="Se bifogad faktura.",
             attachments=[("faktura mars.pdf", pdf, "application/pdf")]),
    ):
        dovecot.append(mailbox.user, "INBOX", raw)
    result = poller.poll_once()
    assert result.fetched == 5
    assert result.outcomes == {"ingested": 5}
    (plain,) = cases_of(team, "plain@example.se")
    assert plain.messages[0].text == "Bara text."
    assert plain.channel == "Support"
    assert plain.status == "new"
    (html,) = cases_of(team, "html@example.se")
    assert "Hej!" in html.messages[0].text
    assert "Faktura 123" in html.messages[0].text
    assert "<p>" not in html.messages[0].text
    (multi,) = cases_of(team, "multi@example.se")
    assert multi.messages[0].text == "Texten."  # the plain part, not both
    (asa,) = cases_of(team, "asa@example.se")
    assert asa.title == "Räkning för månad"
    assert asa.contact.name == "Åsa Öberg"
    assert "Räkningen för mars är för hög" in asa.messages[0].text
    (bilaga,) = cases_of(team, "bilaga@example.se")
    (attachment,) = bilaga.messages[0].attachments
    assert (attachment.filename, attachment.size) == ("faktura mars.pdf", len(pdf))
    assert team.as_("boss").attachment_content(attachment.id)[1] == pdf
    # Told to the server only after the commit: every mail is \Seen now.
    assert all("\\Seen" in m.flags for m in dovecot.messages(mailbox.user))


def test_polling_again_ingests_nothing_twice(team, dovecot: Dovecot, mailbox: Mailbox,
                                            poller: Poller) -> None:
    for i in range(3):
        dovecot.append(mailbox.user, "INBOX", mail(sender=f"k{i} <k{i}@example.se>"))
    assert poller.poll_once().fetched == 3
    assert poller.poll_once().fetched == 0
    dovecot.append(mailbox.user, "INBOX", mail(sender="k9 <k9@example.se>"))
    assert poller.poll_once().outcomes == {"ingested": 1}
    assert team.as_("boss").count_cases(CaseFilter(include_ended=True)) == 4


def test_a_new_uidvalidity_does_not_make_the_cases_again(team, dovecot: Dovecot,
                                                        mailbox: Mailbox,
                                                        poller: Poller) -> None:
    for i in range(3):
        dovecot.append(mailbox.user, "INBOX", mail(sender=f"k{i} <k{i}@example.se>"))
    poller.poll_once()
    dovecot.reset_uidvalidity(mailbox.user)
    dovecot.append(mailbox.user, "INBOX", mail(sender="ny <ny@example.se>"))
    result = poller.poll_once()
    assert result.outcomes == {"duplicate": 3, "ingested": 1}
    assert team.as_("boss").count_cases(CaseFilter(include_ended=True)) == 4


def test_the_same_message_id_twice_keeps_both_mails(team, dovecot: Dovecot, mailbox: Mailbox,
                                                   poller: Poller) -> None:
    reused = "<always-the-same@example.se>"
    dovecot.append(mailbox.user, "INBOX", mail(sender="A <a@example.se>", text="Första",
                                              message_id=reused))
    dovecot.append(mailbox.user, "INBOX", mail(sender="B <b@example.se>", text="Andra",
                                              message_id=reused))
    assert poller.poll_once().outcomes == {"ingested": 2}
    assert cases_of(team, "a@example.se")[0].messages[0].text == "Första"
    assert cases_of(team, "b@example.se")[0].messages[0].text == "Andra"


def test_a_reply_threads_by_its_headers_and_reopens_the_case(team, dovecot: Dovecot,
                                                            mailbox: Mailbox,
                                                            poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(subject="Leveransen är sen"))
    poller.poll_once()
    (case,) = cases_of(team, "karin@example.se")
    anna = team.as_("anna")
    anna.reply(case.number, "Vi tittar på det.", status="waiting")
    our_id = last_reply_id(team, case.number)
    # The customer answers from another address, with a subject of her own: the
    # headers prove she saw our mail.
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Karin Privat <karin.privat@example.net>", subject="ang. paketet",
        text="Det har fortfarande inte kommit.",
        headers={"In-Reply-To": our_id, "References": our_id}))
    poller.poll_once()
    after = team.as_("boss").get_case(case.number)
    answer = [m for m in after.messages if m.kind == "customer"][-1]
    assert answer.text.startswith("Det har fortfarande inte kommit.")
    assert answer.sender_address == "karin.privat@example.net"
    assert after.status == "open"  # reopened by the customer's reply


def test_a_subject_tag_threads_only_for_people_of_the_case(team, dovecot: Dovecot,
                                                          mailbox: Mailbox,
                                                          poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(subject="Lösenordet fungerar inte"))
    poller.poll_once()
    (case,) = cases_of(team, "karin@example.se")
    dovecot.append(mailbox.user, "INBOX", mail(subject=f"Re: Lösenordet [#{case.number}]",
                                              text="Nu gick det!"))
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Främling <mallory@example.org>", subject=f"Re: [#{case.number}]",
        text="Skicka mig hennes uppgifter."))
    poller.poll_once()
    texts = [m.text for m in team.as_("boss").get_case(case.number).messages]
    assert any(t.startswith("Nu gick det!") for t in texts)
    assert not any("uppgifter" in t for t in texts)
    (stranger,) = cases_of(team, "mallory@example.org")
    assert stranger.number != case.number


def test_machine_mail_is_kept_flagged_and_changes_nothing(team, dovecot: Dovecot,
                                                         mailbox: Mailbox,
                                                         poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(subject="Beställning 55"))
    poller.poll_once()
    (case,) = cases_of(team, "karin@example.se")
    anna = team.as_("anna")
    anna.assign(case.number, "anna")
    anna.reply(case.number, "Skickat!", status="waiting")
    our_id = last_reply_id(team, case.number)
    dovecot.append(mailbox.user, "INBOX", mail(
        subject="Automatiskt svar: Skickat!", text="Jag är på semester till måndag.",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": our_id}))
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Mail Delivery System <MAILER-DAEMON@example.se>",
        subject="Undelivered Mail Returned to Sender", text="The mail could not be delivered.",
        headers={"In-Reply-To": our_id}))
    poller.poll_once()
    after = team.as_("boss").get_case(case.number)
    assert after.status == "waiting"  # neither reopened it
    assert after.assignee == "anna"
    flags = [m.flags for m in after.messages if m.kind == "customer"]
    assert ("auto-reply",) in flags
    assert any("bounce" in f for f in flags)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_mail_is_kept_and_never_stops_the_poller(team, dovecot: Dovecot,
                                                        mailbox: Mailbox, poller: Poller,
                                                        name: str) -> None:
    dovecot.append(mailbox.user, "INBOX", HOSTILE[name])
    dovecot.append(mailbox.user, "INBOX", mail(sender="Efter <efter@example.se>"))
    result = poller.poll_once()
    assert result.fetched == 2  # the mail after it too
    assert sum(result.outcomes.values()) == 2
    boss = team.as_("boss")
    rows = boss.list_cases(CaseFilter(limit=10, include_ended=True))
    assert len(rows) == 2
    hostile = next(boss.get_case(r.number) for r in rows
                   if boss.get_case(r.number).contact.email != "efter@example.se")
    assert hostile.messages, "the mail is on its case"
    text = hostile.messages[0].text
    if name == "broken boundary":
        assert "texten finns där" in text
    if name == "wrong charset":
        assert "Räkningen är fel" in text
    if name == "not a mail":
        assert "could not be read" in text
        assert hostile.messages[0].attachments[0].filename == "original.eml"
    if name == "control characters in headers":
        assert "\r" not in hostile.title
        assert "\n" not in hostile.title


def test_an_attachment_over_the_limit_leaves_a_note(team, dovecot: Dovecot, mailbox: Mailbox,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    big = bytes(range(256)) * (10 * 4096)  # 10 MB
    dovecot.append(mailbox.user, "INBOX", mail(attachments=[
        ("stor.bin", big, "application/octet-stream"), ("liten.txt", b"hej", "text/plain")]))
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(max_attachment_mb=5),
                    clock=team.clock)
    assert poller.poll_once().outcomes == {"ingested": 1}
    (case,) = cases_of(team, "karin@example.se")
    assert [a.filename for a in case.messages[0].attachments] == ["liten.txt"]
    assert any("stor.bin" in m.text and "larger than the limit" in m.text
               for m in case.messages if m.kind == "event")


def test_after_ingest_can_move_the_mail(team, dovecot: Dovecot, mailbox: Mailbox,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    client = dovecot.client(mailbox.user)
    client.create_folder("Processed")
    client.logout()
    dovecot.append(mailbox.user, "INBOX", mail())
    poller = Poller(team.db, settings(mailbox, monkeypatch, after_ingest="move:Processed"),
                    MailSettings(), clock=team.clock)
    assert poller.poll_once().fetched == 1
    assert dovecot.messages(mailbox.user, "INBOX") == []
    assert len(dovecot.messages(mailbox.user, "Processed")) == 1


def test_oauth2_logs_in_with_a_token_from_a_command(team, dovecot: Dovecot, mailbox: Mailbox,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot.register_token(mailbox.user, "token-123")
    dovecot.append(mailbox.user, "INBOX", mail())
    box = settings(mailbox, monkeypatch, password_env=None,
                   oauth2_token_command="echo token-123")
    assert Poller(team.db, box, MailSettings(), clock=team.clock).poll_once().fetched == 1


def test_a_missing_channel_and_a_wrong_password_are_explained(
        team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    box = settings(mailbox, monkeypatch, channel="Nope")
    with pytest.raises(PollError, match="the channel 'Nope', which does not exist"):
        Poller(team.db, box, MailSettings(), clock=team.clock).poll_once()
    box = settings(mailbox, monkeypatch)
    monkeypatch.setenv("IMAP_PASSWORD", "wrong")
    with pytest.raises(PollError, match="login as .* failed"):
        Poller(team.db, box, MailSettings(), clock=team.clock).poll_once()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_to_the_server(team, dovecot: Dovecot, mailbox: Mailbox, security: str,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot.append(mailbox.user, "INBOX", mail())
    port = mailbox.ssl_port if security == "ssl" else mailbox.port
    box = settings(mailbox, monkeypatch, security=security, port=port, host="localhost",
                   cafile=str(mailbox.cafile))
    assert Poller(team.db, box, MailSettings(), clock=team.clock).poll_once().fetched == 1
    untrusted = settings(mailbox, monkeypatch, security=security, port=port, host="localhost")
    with pytest.raises(PollError, match="certificate|cannot reach|failed"):
        Poller(team.db, untrusted, MailSettings(), clock=team.clock).poll_once()


def test_plain_text_is_refused_for_a_remote_server() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="only for a server on this machine"):
        MailboxSettings(channel="Support", host="imap.example.com", security="none")


def wait_for(condition, what: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_the_continuous_poller_idles_and_comes_back_after_a_dropped_connection(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller) -> None:
    import threading

    boss = team.as_("boss")
    stop = threading.Event()
    runner = threading.Thread(target=poller.run, args=(stop,), kwargs={"max_pause": 0.2})
    runner.start()
    try:
        dovecot.append(mailbox.user, "INBOX", mail(sender="Ett <ett@example.se>"))
        wait_for(lambda: boss.count_cases(CaseFilter()) == 1, "the first mail (IDLE)")
        dovecot.kill_connections(mailbox.user)
        dovecot.append(mailbox.user, "INBOX", mail(sender="Två <tva@example.se>"))
        wait_for(lambda: boss.count_cases(CaseFilter()) == 2, "the mail after the drop")
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()


def test_mail_that_arrives_while_a_batch_is_read_is_read_before_idling(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller) -> None:
    """IDLE tells only of mail that arrives after it starts: one that came while the
    batch before was being read must not wait for the next change (or 25 minutes)."""
    import threading

    boss = team.as_("boss")
    stop = threading.Event()
    batches: list[int] = []

    def after_a_batch(result) -> None:  # type: ignore[no-untyped-def]
        batches.append(result.fetched)
        if len(batches) == 1:  # between the batch and IDLE: a new mail comes in
            dovecot.append(mailbox.user, "INBOX", mail(sender="Sen <sen@example.se>"))

    dovecot.append(mailbox.user, "INBOX", mail(sender="Ett <ett@example.se>"))
    runner = threading.Thread(target=poller.run, args=(stop,),
                              kwargs={"max_pause": 0.2, "on_result": after_a_batch})
    runner.start()
    try:
        # Bounded well below Dovecot's own 30-second look in IDLE, which would mask it.
        wait_for(lambda: boss.count_cases(CaseFilter()) == 2, "the mail of the gap",
                 seconds=10)
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()


def test_a_supervisor_sees_every_skip_with_its_reason(team, dovecot: Dovecot,
                                                     mailbox: Mailbox, poller: Poller) -> None:
    from store.errors import Forbidden

    dovecot.append(mailbox.user, "INBOX", HOSTILE["not a mail"])
    dovecot.append(mailbox.user, "INBOX", mail())
    poller.poll_once()
    dovecot.reset_uidvalidity(mailbox.user)
    poller.poll_once()
    seen = team.as_("boss").inbound()
    assert sorted(r.outcome for r in seen) == ["duplicate", "duplicate", "ingested",
                                               "quarantined"]
    assert all(r.reason for r in seen if r.outcome != "ingested")
    with pytest.raises(Forbidden):
        team.as_("anna").inbound()


def test_an_answer_in_the_same_batch_lands_on_the_new_case(team, dovecot: Dovecot,
                                                           mailbox: Mailbox,
                                                           poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(subject="Fråga", text="Första",
                                              message_id="<q1@example.se>"))
    dovecot.append(mailbox.user, "INBOX", mail(subject="Re: Fråga", text="Tillägg",
                                              headers={"In-Reply-To": "<q1@example.se>"}))
    assert poller.poll_once().outcomes == {"ingested": 2}
    (case,) = cases_of(team, "karin@example.se")
    assert [m.text for m in case.messages if m.kind == "customer"] == ["Första", "Tillägg"]
    assert team.as_("boss").list_cases(CaseFilter(search="Tillägg"))[0].number == case.number


def test_an_answer_to_a_closed_case_starts_a_linked_one(team, dovecot: Dovecot,
                                                        mailbox: Mailbox,
                                                        poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(subject="Gammalt", message_id="<old@example.se>"))
    poller.poll_once()
    (case,) = cases_of(team, "karin@example.se")
    anna = team.as_("anna")
    anna.set_status(case.number, "solved")
    team.system.set_status(case.number, "closed")
    dovecot.append(mailbox.user, "INBOX", mail(subject="Re: Gammalt", text="Igen!",
                                              headers={"In-Reply-To": "<old@example.se>"}))
    poller.poll_once()
    old, new = sorted(cases_of(team, "karin@example.se"), key=lambda c: c.number)
    assert old.status == "closed"
    assert new.messages[-1].text.startswith("Igen!")
    assert old.number in new.related


def test_a_chain_of_answers_in_one_batch_stays_on_one_case(team, dovecot: Dovecot,
                                                          mailbox: Mailbox,
                                                          poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(text="A", message_id="<a@example.se>"))
    dovecot.append(mailbox.user, "INBOX", mail(text="B", message_id="<b@example.se>",
                                              headers={"In-Reply-To": "<a@example.se>"}))
    dovecot.append(mailbox.user, "INBOX", mail(text="C", message_id="<c@example.se>",
                                              headers={"In-Reply-To": "<b@example.se>"}))
    poller.poll_once()
    (case,) = cases_of(team, "karin@example.se")
    assert [m.text for m in case.messages if m.kind == "customer"] == ["A", "B", "C"]


def test_answers_to_a_closed_case_share_one_follow_up(team, dovecot: Dovecot,
                                                      mailbox: Mailbox, poller: Poller) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(subject="Gammalt", message_id="<o@example.se>"))
    poller.poll_once()
    (case,) = cases_of(team, "karin@example.se")
    team.as_("anna").reply(case.number, "Klart!", status="solved")
    team.system.set_status(case.number, "closed")
    ours = [m for m in team.as_("boss").get_case(case.number).messages
            if m.kind == "reply"][-1].mail_message_id
    for i, text in enumerate(["Igen!", "Och igen!"]):
        dovecot.append(mailbox.user, "INBOX", mail(
            text=text, message_id=f"<again{i}@example.se>",
            headers={"In-Reply-To": ours, "References": f"<o@example.se> {ours}"}))
        poller.poll_once()
    cases = sorted(cases_of(team, "karin@example.se"), key=lambda c: c.number)
    assert len(cases) == 2
    assert [m.text for m in cases[1].messages if m.kind == "customer"] == ["Igen!",
                                                                            "Och igen!"]


def test_an_address_no_mail_can_carry_is_kept_as_a_name(team, dovecot: Dovecot,
                                                        mailbox: Mailbox,
                                                        poller: Poller) -> None:
    long = "a" * 400 + "@example.se"
    dovecot.append(mailbox.user, "INBOX", mail(sender=f"Lång <{long}>"))
    dovecot.append(mailbox.user, "INBOX", (b"From: <a\x1bc@evil.se>\r\nSubject: Esc\r\n"
                                           b"Message-ID: <e@x>\r\n\r\nHej\r\n"))
    assert poller.poll_once().outcomes == {"ingested": 2}
    boss = team.as_("boss")
    rows = boss.list_cases(CaseFilter(limit=10))
    contacts = [boss.get_case(r.number).contact for r in rows]
    assert all(c.email == "" for c in contacts)  # nobody to answer: a name only
    assert all("\x1b" not in c.email for c in contacts)


def test_merged_and_split_mail_goes_with_its_message_when_purged(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller) -> None:
    from datetime import timedelta

    from scheduler.jobs import Scheduler
    from scheduler.settings import LifecycleSettings

    dovecot.append(mailbox.user, "INBOX", mail(sender="A <a@example.se>", text="Första"))
    dovecot.append(mailbox.user, "INBOX", mail(sender="A <a@example.se>", text="Andra"))
    poller.poll_once()
    boss, anna = team.as_("boss"), team.as_("anna")
    first, second = sorted(r.number for r in boss.list_cases(CaseFilter(limit=5)))
    anna.merge(second, first)  # the second mail now lives on the first case
    anna.set_status(first, "solved")
    team.system.set_status(first, "closed")
    team.system.set_status(first, "archived")
    settings = LifecycleSettings(timezone="Europe/Stockholm", retention_days=30)
    purged = Scheduler(team.db, settings).purge(team.clock() + timedelta(days=31))
    assert purged == [first, second]  # the merged case goes with its survivor
    with team.db.read() as session:
        import sqlalchemy as sa

        left = session.execute(sa.text("SELECT count(*) FROM inbound_mail")).scalar()
    assert left == 0  # both raw mails went with the messages they became


def test_the_workspace_rules_hold_for_what_the_poller_brings(team, dovecot: Dovecot,
                                                             mailbox: Mailbox,
                                                             poller: Poller) -> None:
    from dataclasses import replace

    from store.workspace import STANDARD

    anna, bo = team.as_("anna"), team.as_("bo")
    anna.set_workspace_prefs(replace(STANDARD, new_case_kinds=("email",)))
    dovecot.append(mailbox.user, "INBOX", mail(subject="Leveransen är sen"))
    poller.poll_once()  # no TUI open: the rule is the store's
    (case,) = cases_of(team, "karin@example.se")
    in_anna = {r.number: r.unread for r in anna.list_cases(CaseFilter(workspace="me"))}
    assert in_anna == {case.number: True}
    assert bo.list_cases(CaseFilter(workspace="me")) == []  # he asked for no new cases
    anna.mark_read(case.number)
    bo.set_watch(case.number, watching=True)
    anna.reply(case.number, "Vi tittar på det.")
    our_id = last_reply_id(team, case.number)
    dovecot.append(mailbox.user, "INBOX", mail(
        subject="Re: Leveransen är sen", text="Tack!",
        headers={"In-Reply-To": our_id, "References": our_id}))
    poller.poll_once()  # an answer: new for her, and into the watcher's workspace
    assert [(r.number, r.unread) for r in anna.list_cases(CaseFilter(workspace="me"))] == [
        (case.number, True)]
    assert [(r.number, r.unread) for r in bo.list_cases(CaseFilter(workspace="me"))] == [
        (case.number, True)]


def test_a_database_failure_is_logged_in_words_without_sql_or_customer_data(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        caplog: pytest.LogCaptureFixture) -> None:
    import threading

    import sqlalchemy as sa

    with team.db.write_engine.begin() as conn:  # every mail's commit now fails
        conn.execute(sa.text("DROP TABLE inbound_mail"))
    dovecot.append(mailbox.user, "INBOX", mail(sender="Hemlig Kund <hemlig@example.se>",
                                               subject="Mitt personnummer"))
    stop = threading.Event()
    caplog.set_level("WARNING", logger="casedesk.poll")
    runner = threading.Thread(target=poller.run, args=(stop,), kwargs={"max_pause": 0.2})
    runner.start()
    try:
        wait_for(lambda: any("trying again" in r.getMessage() for r in caplog.records),
                 "the failure logged")
    finally:
        stop.set()
        runner.join(timeout=10)
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "trying again" in said
    for secret in ("INSERT", "SELECT", "hemlig", "Hemlig", "personnummer", "inbound_mail"):
        assert secret not in said


def test_triage_flags_what_the_poller_brings(team, dovecot: Dovecot, mailbox: Mailbox,
                                             poller: Poller) -> None:
    reused = "<reused@example.se>"  # the second of these is taken one by one
    for sender, subject, text, message_id in [
        ("A <a@example.se>", "Driftstopp", "Hej, allt ligger nere sedan i morse.", reused),
        ("B <b@example.se>", "Igen", "Tredje gången jag skriver. Helt oacceptabelt!!", "new"),
        ("C <c@example.se>", "Adress", "Hej, hur byter jag leveransadress?", "new"),
        ("D <d@example.se>", "Kortet", "Ni har dragit två gånger för min order.", reused),
    ]:
        dovecot.append(mailbox.user, "INBOX", mail(sender=sender, subject=subject, text=text,
                                                  message_id=message_id))
    assert poller.poll_once().outcomes == {"ingested": 4}
    found = {address: cases_of(team, f"{address}@example.se")[0] for address in "abcd"}
    assert {a: (c.flags, c.priority) for a, c in found.items()} == {
        "a": (("urgent",), "high"), "b": (("frustrated",), "medium"), "c": ((), "medium"),
        "d": (("urgent",), "high")}
    assert found["a"].flagged_by == {"urgent": "Driftstopp, ligger nere sedan"}
    assert found["d"].flagged_by == {"urgent": "dragit två gånger"}
    urgent = team.as_("boss").list_cases(CaseFilter(flag="urgent"))
    assert {r.number for r in urgent} == {found["a"].number, found["d"].number}
