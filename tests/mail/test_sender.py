"""The outbox sender against a real SMTP server (aiosmtpd): the right headers,
retries after a temporary refusal, a permanent one shown on the case, and never a
mail sent twice — not even after a crash between the server's answer and ours."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from mailservers import Dovecot, Mailbox
from samples import mail
from smtpserver import SmtpServer
from test_poller import settings

import mail.sender as sending
from mail.poller import Poller
from mail.sender import Sender
from mail.settings import MailSettings, SmtpSettings
from store import search
from store.db import Busy
from store.errors import InvalidInput
from store.models import Contact, Outbox
from store.queries import CaseFilter
from store.service import MailInput, MessageInput


def smtp_settings(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, security="none")


def sender_for(team, server: SmtpServer) -> Sender:  # type: ignore[no-untyped-def]
    return Sender(team.db, smtp_settings(server), clock=team.clock, timeout=10)


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def state_of(team, number: int) -> str:  # type: ignore[no-untyped-def]
    (row,) = [m for m in team.system.outbox() if m.case == number]
    return row.state


def test_a_reply_goes_out_with_the_headers_a_mail_client_threads_by(
        team, smtp_server: SmtpServer) -> None:
    number = team.new_case(title="Fakturan\u202e stämmer inte")
    anna = team.as_("anna")
    queued = anna.reply(number, "Hej Karin!\nVi har rättat fakturan.")
    assert queued.delivery == "queued"  # on the message, until the outbox has sent it
    before = anna.latest_change()
    result = sender_for(team, smtp_server).send_once()
    assert result.outcomes == {"sent": 1}
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["kund@example.se"]
    msg = parsed(received.raw)
    ours = [m for m in team.as_("boss").get_case(number).messages if m.kind == "reply"][-1]
    assert msg["Message-ID"] == ours.mail_message_id
    assert msg["Subject"].endswith(f"[#{number}]")
    assert msg["From"] == received.mail_from
    assert msg["Date"]
    assert "Vi har rättat fakturan." in msg.get_content()
    assert state_of(team, number) == "sent"
    assert ours.delivery == "sent"
    assert anna.latest_change() > before  # a TUI showing the reply learns it went
    assert sender_for(team, smtp_server).send_once().outcomes == {}  # never twice


def test_a_temporary_refusal_is_tried_again_later(team, smtp_server: SmtpServer) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    smtp_server.fail_next("DATA", "451 4.3.0 Try again later")
    sender = sender_for(team, smtp_server)
    assert sender.send_once().outcomes == {"retry later": 1}
    assert state_of(team, number) == "queued"
    assert sender.send_once().outcomes == {}  # not due yet
    team.clock.advance(minutes=2)
    assert sender.send_once().outcomes == {"sent": 1}
    assert len(smtp_server.received) == 1


def test_a_permanent_refusal_fails_and_shows_on_the_case(team, smtp_server: SmtpServer) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    smtp_server.fail_next("RCPT", "550 5.1.1 No such user")
    assert sender_for(team, smtp_server).send_once().outcomes == {"failed": 1}
    assert state_of(team, number) == "failed"
    replies = [m for m in team.as_("boss").get_case(number).messages if m.kind == "reply"]
    assert replies[-1].delivery == "failed"  # on the message itself, not only an event
    events = [m.text for m in team.as_("boss").get_case(number).messages if m.kind == "event"]
    assert any("could not be sent: 550 5.1.1 No such user" in e for e in events)


def test_a_dead_server_loses_nothing(team) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    dead = SmtpSettings(host="127.0.0.1", port=9, security="none")  # nobody listens
    result = Sender(team.db, dead, clock=team.clock, timeout=5).send_once()
    assert result.outcomes == {"retry later": 1}
    assert state_of(team, number) == "queued"


def test_a_day_of_refusals_ends_in_failed(team, smtp_server: SmtpServer) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    smtp_server.fail_next("DATA", "421 4.7.0 Busy", times=100)
    sender = sender_for(team, smtp_server)
    for _ in range(40):
        sender.send_once()
        team.clock.advance(hours=1)
    assert state_of(team, number) == "failed"
    assert smtp_server.received == []


@pytest.mark.sqlite_only
def test_a_sender_killed_after_handing_the_mail_over_never_sends_it_again(
        team, smtp_server: SmtpServer, tmp_path: Path) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n\n[smtp]\nhost = "{smtp_server.host}"\n'
                      f'port = {smtp_server.port}\nsecurity = "none"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config)}
    smtp_server.hold_answers()  # the server takes the mail and keeps the sender waiting
    first = subprocess.Popen([sys.executable, "-m", "cli", "send", "--once"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not smtp_server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert smtp_server.received, "the mail reached the server"
    first.send_signal(signal.SIGKILL)  # before it could commit "sent"
    first.wait()
    smtp_server.hold_answers(False)
    again = subprocess.run([sys.executable, "-m", "cli", "send", "--once"], env=env,
                           capture_output=True, timeout=60)
    assert again.returncode == 0, again.stderr.decode()
    assert len(smtp_server.received) == 1  # not sent twice
    assert state_of(team, number) == "unknown"
    events = [m.text for m in team.as_("boss").get_case(number).messages if m.kind == "event"]
    assert any("not known whether the reply" in e for e in events)
    # A person decides: sent again on request.
    (row,) = team.system.outbox()
    team.as_("anna").outbox_requeue(row.id)
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 1}
    assert len(smtp_server.received) == 2


def test_mail_in_reply_out_and_the_answer_threads_back(team, dovecot: Dovecot,
                                                      mailbox: Mailbox,
                                                      smtp_server: SmtpServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)
    first_id = "<first@kund.example.se>"
    dovecot.append(mailbox.user, "INBOX", mail(sender="Karin Kund <karin@kund.example.se>",
                                              subject="Var är mitt paket?",
                                              message_id=first_id))
    poller.poll_once()
    boss = team.as_("boss")
    (row,) = boss.list_cases(CaseFilter(limit=10))
    team.as_("anna").reply(row.number, "Det kommer i morgon.", status="waiting")
    sender_for(team, smtp_server).send_once()
    (out,) = smtp_server.received
    ours = parsed(out.raw)
    assert ours["In-Reply-To"] == first_id
    assert first_id in ours["References"]
    # The customer's mail client answers the way mail clients do.
    team.clock.advance(minutes=5)
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Karin Kund <karin@kund.example.se>", subject="Re: " + ours["Subject"],
        text="Tack! Då väntar jag.",
        headers={"In-Reply-To": ours["Message-ID"],
                 "References": f"{ours['References']} {ours['Message-ID']}"}))
    poller.poll_once()
    assert boss.count_cases(CaseFilter(include_ended=True)) == 1
    case = boss.get_case(row.number)
    assert [m.kind for m in case.messages if m.kind != "event"] == [
        "customer", "reply", "customer"]
    assert case.status == "open"
    assert timedelta(0) < case.messages[-1].created_at - case.messages[0].created_at


def test_starttls_and_a_login(team, monkeypatch: pytest.MonkeyPatch) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    monkeypatch.setenv("SMTP_PASSWORD", "hemligt")
    with SmtpServer(auth=("support", "hemligt"), starttls=True) as server:
        smtp = SmtpSettings(host="localhost", port=server.port, security="starttls",
                            username="support", password_env="SMTP_PASSWORD",
                            cafile=str(server.cafile))
        assert Sender(team.db, smtp, clock=team.clock).send_once().outcomes == {"sent": 1}
        assert len(server.received) == 1


def test_an_acknowledgement_answers_people_and_never_machines(
        team, dovecot: Dovecot, mailbox: Mailbox, smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    team.as_("boss").add_channel("Order", kind="email", address="order@example.com")
    for raw in (
        mail(sender="Karin <karin@example.se>", subject="Hjälp", message_id="<k1@example.se>"),
        mail(sender="Semester <away@example.se>", headers={"Auto-Submitted": "auto-replied"}),
        mail(sender="Lista <list@example.se>", headers={"List-Id": "<news.example.se>"}),
        mail(sender="MAILER-DAEMON@example.se", subject="Undelivered Mail"),
        mail(sender="Tyst <quiet@example.se>", headers={"X-Auto-Response-Suppress": "All"}),
        mail(sender="Vi själva <order@example.com>", subject="Loop?"),
    ):
        dovecot.append(mailbox.user, "INBOX", raw)
    poller = Poller(team.db, settings(mailbox, monkeypatch),
                    MailSettings(acknowledge=True, acknowledge_language="en"), clock=team.clock)
    assert poller.poll_once().outcomes == {"ingested": 6}
    sender_for(team, smtp_server).send_once()
    (ack,) = smtp_server.received
    assert ack.rcpt_tos == ["karin@example.se"]
    msg = parsed(ack.raw)
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == "<k1@example.se>"
    number = int(msg["Subject"].rsplit("[#", 1)[1].rstrip("]"))
    assert f"case #{number}" in msg.get_content()
    case = team.as_("boss").get_case(number)
    assert any(m.kind == "event" and "Automatic acknowledgement" in m.text
               for m in case.messages)
    assert case.first_response_at is None  # an automatic answer is no response


def test_a_hostile_subject_cannot_add_headers_to_our_reply(
        team, dovecot: Dovecot, mailbox: Mailbox, smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot.append(mailbox.user, "INBOX", (
        b"From: Mallory <mallory@example.org>\r\nTo: support@example.com\r\n"
        b"Subject: =?utf-8?q?Hej=0D=0ABcc:_all@example.org=0D=0A=0D=0AInjected?=\r\n"
        b"Message-ID: <m1@example.org>\r\n\r\nHej\r\n"))
    Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock).poll_once()
    (row,) = team.as_("boss").list_cases(CaseFilter(limit=5))
    team.as_("anna").reply(row.number, "Svar")
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 1}
    (out,) = smtp_server.received
    assert out.rcpt_tos == ["mallory@example.org"]
    msg = parsed(out.raw)
    assert msg["Bcc"] is None
    assert len(msg.get_all("Subject")) == 1
    assert "Injected" in msg["Subject"]  # kept, on its one line


def test_a_forwarded_mail_is_kept_whole_as_an_attachment(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = mail(sender="Leverantör <lev@example.com>", subject="Er order",
                 text="Ordern är skickad.")
    outer = email.message.EmailMessage()
    outer["From"] = "Karin <karin@example.se>"
    outer["Subject"] = "Fwd: Er order"
    outer.set_content("Se nedan, stämmer detta?")
    outer.add_attachment(email.message_from_bytes(inner, policy=email.policy.default))
    dovecot.append(mailbox.user, "INBOX", outer.as_bytes())
    Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock).poll_once()
    boss = team.as_("boss")
    (row,) = boss.list_cases(CaseFilter(limit=5))
    first = boss.get_case(row.number).messages[0]
    assert first.text.startswith("Se nedan, stämmer detta?")
    (attached,) = first.attachments
    assert attached.content_type == "message/rfc822"
    kept = parsed(boss.attachment_content(attached.id)[1])
    assert kept["Subject"] == "Er order"
    assert "Ordern är skickad." in kept.get_content()


def test_oauth2_for_smtp_with_a_token_from_a_command(team) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    with SmtpServer(auth=("support", "unused"), starttls=True) as server:
        server.register_token("support@example.com", "tok-1")
        smtp = SmtpSettings(host="localhost", port=server.port, security="starttls",
                            username="support@example.com", cafile=str(server.cafile),
                            oauth2_token_command="echo tok-1")
        assert Sender(team.db, smtp, clock=team.clock).send_once().outcomes == {"sent": 1}
        wrong = smtp.model_copy(update={"oauth2_token_command": "echo tok-2"})
        team.as_("anna").reply(number, "Ett till")
        assert Sender(team.db, wrong, clock=team.clock).send_once().outcomes == {
            "retry later": 1}
    assert len(server.received) == 1


@pytest.mark.sqlite_only
def test_tick_drives_the_outbox_retries(team, smtp_server: SmtpServer, tmp_path: Path) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n\n[smtp]\nhost = "{smtp_server.host}"\n'
                      f'port = {smtp_server.port}\nsecurity = "none"\n')
    done = subprocess.run([sys.executable, "-m", "cli", "tick"], capture_output=True,
                          text=True, env={**os.environ, "CASEDESK_CONFIG": str(config)})
    assert done.returncode == 0, done.stderr
    assert "outbox: 1 sent" in done.stdout
    assert len(smtp_server.received) == 1


def test_only_the_sender_holding_a_mail_decides_its_outcome(team) -> None:
    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    (claimed,) = team.system.outbox_claim()
    (again,) = [m for m in team.system.outbox() if m.id == claimed.id]
    assert again.state == "sending"
    team.system.outbox_claim()  # another sender, later: the mail in flight is unknown now
    team.system.outbox_sent(claimed.id)  # the first sender's late word does not overwrite
    assert state_of(team, number) == "unknown"
    assert team.system.outbox_retry(claimed.id, "451") is False


def test_the_sender_survives_a_busy_database(team, smtp_server: SmtpServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from store.db import Busy

    sender = sender_for(team, smtp_server)
    calls: list[int] = []
    real = sender.send_once
    stop = threading.Event()

    def flaky():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise Busy()
        stop.set()
        return real()

    monkeypatch.setattr(sender, "send_once", flaky)
    runner = threading.Thread(target=sender.run, args=(stop,), kwargs={"every": 0.01})
    runner.start()
    runner.join(timeout=10)
    assert len(calls) == 2  # went on after the error


def test_the_daemon_sends_the_outbox_and_drives_its_retries(team,
                                                            smtp_server: SmtpServer) -> None:
    import threading

    from scheduler.daemon import Daemon
    from scheduler.settings import LifecycleSettings

    number = team.new_case()
    team.as_("anna").reply(number, "Svar")
    smtp_server.fail_next("DATA", "451 4.3.0 Try again later")
    said: list[str] = []
    daemon = Daemon(team.db, lifecycle=LifecycleSettings(timezone="Europe/Stockholm"),
                    smtp=smtp_settings(smtp_server), clock=team.clock, report=said.append)
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not any("retry later" in line for line in said):
            assert time.monotonic() < deadline, said
            time.sleep(0.05)
        assert state_of(team, number) == "queued"
        team.clock.advance(minutes=2)  # the retry falls due
        while not smtp_server.received:
            assert time.monotonic() < deadline, said
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(smtp_server.received) == 1
    assert state_of(team, number) == "sent"


# -- one bad address never stops the outbox ----------------------------------------------------


def write_straight(team, statement) -> None:  # type: ignore[no-untyped-def]
    """As code from before every address was checked could have left the database:
    its search index in step with what it wrote, as that code kept it."""
    def work(session) -> None:  # type: ignore[no-untyped-def]
        session.execute(statement)
        search.rebuild(session)

    team.db.write(work)


def poison_old_row(team, address: str) -> int:  # type: ignore[no-untyped-def]
    number = team.new_case(email="karin@example.se")
    team.as_("anna").reply(number, "Svar")
    write_straight(team, sa.update(Outbox).where(Outbox.case_id == number)
                   .values(to_addr=address))
    return number


POISONS = {
    # The parser once took a From header like this for an address; aiosmtplib refuses it.
    "an unparseable address in an old row":
        lambda team: poison_old_row(team, "unbalanced <(a@b.example"),
    # aiosmtplib takes the first address only; the To header would name both.
    "a list in an old row":
        lambda team: poison_old_row(team, "karin@example.se, mallory@example.org"),
    # A contact any agent may add: letters outside ASCII before the @ need SMTPUTF8.
    "a non-ASCII local part, no SMTPUTF8":
        lambda team: (number := team.new_case(email="åsa@exempel.se"),
                      team.as_("anna").reply(number, "Svar"))[0],
}


@pytest.mark.parametrize("poison", list(POISONS))
def test_one_bad_address_fails_alone_and_the_rest_of_the_batch_goes_out(
        team, smtp_server: SmtpServer, poison: str) -> None:
    numbers = []
    for i in range(10):
        if i == 4:
            bad = POISONS[poison](team)
            numbers.append(bad)
            continue
        number = team.new_case(email=f"kund{i}@example.se")
        team.as_("anna").reply(number, f"Svar {i}")
        numbers.append(number)
    result = sender_for(team, smtp_server).send_once()
    assert result.outcomes == {"sent": 9, "failed": 1}
    assert sorted(r for m in smtp_server.received for r in m.rcpt_tos) == sorted(
        f"kund{i}@example.se" for i in range(10) if i != 4)
    states = {m.case: m.state for m in team.system.outbox()}
    assert states.pop(bad) == "failed"
    assert set(states.values()) == {"sent"}
    (row,) = team.system.outbox(["failed"])
    assert "address" in row.last_error
    assert "Error" not in row.last_error  # words, not an exception's name
    events = [m.text for m in team.as_("boss").get_case(bad).messages if m.kind == "event"]
    assert any("could not be sent" in e and row.last_error in e for e in events)
    assert sender_for(team, smtp_server).send_once().outcomes == {}  # never again by itself


def test_a_line_break_in_an_old_rows_subject_fails_that_mail_and_sends_nothing(
        team, smtp_server: SmtpServer) -> None:
    number = team.new_case(email="karin@example.se")
    team.as_("anna").reply(number, "Svar")
    write_straight(team, sa.update(Outbox).where(Outbox.case_id == number).values(
        subject="Hej\x0bBcc: mallory@example.org"))  # a break the older mail API folds at
    assert sender_for(team, smtp_server).send_once().outcomes == {"failed": 1}
    assert smtp_server.received == []
    (row,) = team.system.outbox(["failed"])
    assert "cannot be built" in row.last_error
    assert "line break" in row.last_error


def test_a_reply_to_an_address_mail_cannot_carry_is_refused_when_written(team) -> None:
    number = team.new_case(email="karin@example.se")
    write_straight(team, sa.update(Contact).where(Contact.email == "karin@example.se")
                   .values(email="unbalanced <(a@b.example"))
    anna = team.as_("anna")
    before = anna.get_case(number)
    with pytest.raises(InvalidInput, match="cannot be mailed") as refused:
        anna.reply(number, "Svar")
    assert "unbalanced <(a@b.example" in str(refused.value)
    assert anna.get_case(number) == before
    assert team.system.outbox() == []


def test_an_acknowledgement_to_an_address_mail_cannot_carry_is_not_queued(team) -> None:
    # What the parser once made of `From: "unbalanced <(a@b.example"`.
    first = MessageInput("Hjälp!", sender_address="unbalanced <(a@b.example",
                         mail_message_id="<x1@b.example>")
    (receipt,) = team.system.receive_mail(
        "INBOX", "Support", 1, [MailInput(uid=1, raw=b"Subject: Hj\r\n\r\nx", message=first,
                                          subject="Hjälp")],
        acknowledge="Tack! Ditt ärende har nummer {number}.")
    assert receipt.new_case
    assert team.system.outbox() == []
    events = [m.text for m in team.as_("boss").get_case(receipt.case).messages
              if m.kind == "event"]
    assert any("No automatic acknowledgement" in e and "unbalanced <(a@b.example" in e
               for e in events), events


def test_an_idn_domain_goes_out_in_its_ascii_form(team, smtp_server: SmtpServer) -> None:
    number = team.new_case(email="kund@exämpel.se")
    team.as_("anna").reply(number, "Svar")
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 1}
    (out,) = smtp_server.received
    assert out.rcpt_tos == ["kund@xn--exmpel-cua.se"]
    assert parsed(out.raw)["To"] == "kund@xn--exmpel-cua.se"


def test_a_non_ascii_local_part_goes_out_with_smtputf8_where_offered(team) -> None:
    number = team.new_case(email="åsa@exempel.se")
    team.as_("anna").reply(number, "Hej Åsa!")
    with SmtpServer(smtputf8=True) as server:
        assert sender_for(team, server).send_once().outcomes == {"sent": 1}
        (out,) = server.received
    assert out.rcpt_tos == ["åsa@exempel.se"]
    assert "To: åsa@exempel.se".encode() in out.raw.splitlines()  # UTF-8, as RFC 6532 has it
    assert "Hej Åsa!" in parsed(out.raw).get_content()


def test_a_non_ascii_local_part_fails_in_words_where_smtputf8_is_not_offered(
        team, smtp_server: SmtpServer) -> None:
    number = team.new_case(email="åsa@exempel.se")
    team.as_("anna").reply(number, "Svar")
    assert sender_for(team, smtp_server).send_once().outcomes == {"failed": 1}
    (row,) = team.system.outbox(["failed"])
    assert "SMTPUTF8" in row.last_error
    assert "åsa@exempel.se" in row.last_error
    assert smtp_server.received == []


def test_a_connection_broken_after_the_mail_was_handed_over_is_unknown_and_the_rest_goes_out(
        team, smtp_server: SmtpServer) -> None:
    first, second = team.new_case(email="a@example.se"), team.new_case(email="b@example.se")
    team.as_("anna").reply(first, "Svar")
    team.as_("anna").reply(second, "Svar")
    smtp_server.drop_next("DATA")  # the server takes the first mail and never answers
    assert sender_for(team, smtp_server).send_once().outcomes == {"unknown": 1, "sent": 1}
    assert state_of(team, first) == "unknown"
    assert state_of(team, second) == "sent"  # over a new connection
    assert [m.rcpt_tos for m in smtp_server.received] == [["a@example.se"], ["b@example.se"]]
    events = [m.text for m in team.as_("boss").get_case(first).messages if m.kind == "event"]
    assert any("not known whether the reply" in e for e in events)


def test_a_connection_broken_before_the_mail_was_handed_over_is_tried_again(
        team, smtp_server: SmtpServer) -> None:
    first, second = team.new_case(email="a@example.se"), team.new_case(email="b@example.se")
    team.as_("anna").reply(first, "Svar")
    team.as_("anna").reply(second, "Svar")
    smtp_server.drop_next("RCPT")
    sender = sender_for(team, smtp_server)
    assert sender.send_once().outcomes == {"retry later": 1, "sent": 1}
    assert state_of(team, first) == "queued"
    assert state_of(team, second) == "sent"
    team.clock.advance(minutes=2)
    assert sender.send_once().outcomes == {"sent": 1}
    assert len(smtp_server.received) == 2


def test_a_sender_that_dies_mid_batch_leaves_the_untouched_mails_queued(
        team, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [team.new_case(email=f"kund{i}@example.se") for i in range(3)]
    for number in numbers:
        team.as_("anna").reply(number, "Svar")
    sender = sender_for(team, smtp_server)
    real = sender.service.outbox_sent_many

    def busy_after_the_first(outbox_ids: list[int]) -> None:
        real(outbox_ids)
        raise Busy()

    monkeypatch.setattr(sending, "SENT_BATCH", 1)  # marked sent mail by mail
    monkeypatch.setattr(sender.service, "outbox_sent_many", busy_after_the_first)
    with pytest.raises(Busy):
        sender.send_once()
    monkeypatch.undo()
    assert [state_of(team, n) for n in numbers] == ["sent", "queued", "queued"]
    team.clock.advance(minutes=2)
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 2}
