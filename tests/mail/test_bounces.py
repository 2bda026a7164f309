"""A bounce belongs to the mail it bounces: a delivery report (or a bounce quoting our
Message-ID) marks that outbox mail failed and says why on its case, with no new case;
list mail becomes a flagged case or is only logged, and is never acknowledged. Against
the real SMTP server (our reply goes out) and Dovecot (the bounce comes back)."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox
from samples import WHEN, mail
from smtpserver import SmtpServer
from test_poller import cases_of, settings
from test_sender import sender_for

from mail.parse import parse
from mail.poller import Poller
from mail.settings import MailSettings
from store.queries import CaseFilter


def report(message_id: str, *, action: str = "failed",
           diagnostic: str = "smtp; 550 5.1.1 <kund@example.se>: No such user",
           recipient: str = "kund@example.se") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.se>\r\n"
        "To: support@example.se\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {WHEN}\r\nMessage-ID: <dsn.{action}@mx.example.se>\r\nMIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n"
        "--R\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at mx.example.se.\r\n"
        "\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.se\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\nStatus: 5.1.1\r\nDiagnostic-Code: {diagnostic}\r\n\r\n"
        "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: support@example.se\r\nTo: kund@example.se\r\nSubject: Re: Fakturan\r\n"
        f"Message-ID: {message_id}\r\n\r\n--R--\r\n").encode()


def old_style_bounce(message_id: str) -> bytes:
    """A bounce without a report: the error in words, our mail quoted below it."""
    return (
        "Return-Path: <>\r\nFrom: postmaster@example.se\r\nTo: support@example.se\r\n"
        f"Subject: Delivery failure\r\nDate: {WHEN}\r\nMessage-ID: <qmail@example.se>\r\n\r\n"
        "Hi. This is the qmail-send program at example.se.\r\n"
        "<kund@example.se>:\r\n550 sorry, no mailbox here by that name\r\n\r\n"
        "--- Below this line is a copy of the message.\r\n\r\n"
        f"From: support@example.se\r\nMessage-ID: {message_id}\r\nSubject: Re: x\r\n\r\n"
        "Hej Karin!\r\n").encode()


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Poller:  # type: ignore[no-untyped-def]
    return Poller(team.db, settings(mailbox, monkeypatch),
                  MailSettings(acknowledge=True, acknowledge_language="en"), clock=team.clock)


def _sent_reply(team, smtp_server: SmtpServer) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    number = team.new_case()
    team.as_("anna").reply(number, "Hej Karin! Fakturan är rättad.")
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 1}
    (row,) = team.system.outbox()
    return number, row.message_id


@pytest.mark.parametrize("kind", ["report", "old style"])
def test_a_bounce_marks_our_mail_failed_on_its_case_and_opens_none(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller, smtp_server: SmtpServer,
        kind: str) -> None:
    number, message_id = _sent_reply(team, smtp_server)
    bounce = report(message_id) if kind == "report" else old_style_bounce(message_id)
    dovecot.append(mailbox.user, "INBOX", bounce)
    result = poller.poll_once()
    assert result.outcomes == {"bounce": 1}
    boss = team.as_("boss")
    assert [r.number for r in boss.list_cases(CaseFilter(limit=10, include_ended=True))] == [
        number], "no new case"
    (row,) = team.system.outbox()
    assert row.state == "failed"
    reason = ("550 5.1.1 <kund@example.se>: No such user" if kind == "report"
              else "550 sorry, no mailbox here by that name")
    assert row.last_error == f"returned: {reason}"
    events = [m.text for m in boss.get_case(number).messages if m.kind == "event"]
    assert f"Delivery failed: {reason} (the reply to kund@example.se)" in events
    (seen,) = boss.inbound()
    assert (seen.outcome, seen.case, seen.reason) == ("bounce", number, f"failed: {reason}")
    assert smtp_server.received[1:] == [], "a bounce is never acknowledged"


def test_a_delay_report_is_told_and_changes_nothing(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    number, message_id = _sent_reply(team, smtp_server)
    dovecot.append(mailbox.user, "INBOX", report(
        message_id, action="delayed", diagnostic="smtp; 451 4.4.1 try again later"))
    assert poller.poll_once().outcomes == {"bounce": 1}
    (row,) = team.system.outbox()
    assert row.state == "sent"
    events = [m.text for m in team.as_("boss").get_case(number).messages if m.kind == "event"]
    assert "Delivery delayed: 451 4.4.1 try again later (the reply to kund@example.se)" in events


@pytest.mark.parametrize("which", ["not ours", "another recipient", "a success report"])
def test_a_report_that_fails_no_mail_of_ours_is_ordinary_mail(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller, smtp_server: SmtpServer,
        which: str) -> None:
    number, message_id = _sent_reply(team, smtp_server)
    dovecot.append(mailbox.user, "INBOX", {
        "not ours": report("<someone-else@spam.example>"),
        "another recipient": report(message_id, recipient="ingen@example.se"),
        "a success report": report(message_id, action="delivered",
                                   diagnostic="smtp; 250 ok"),
    }[which])
    assert poller.poll_once().outcomes == {"ingested": 1}
    (row,) = team.system.outbox()
    assert row.state == "sent"
    (case,) = cases_of(team, "mailer-daemon@mx.example.se")  # a case of its own, flagged
    assert case.number != number
    assert "bounce" in case.messages[0].flags
    assert len(smtp_server.received) == 1, "never acknowledged"


def test_a_forged_bounce_at_another_address_fails_nothing(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,
        smtp_server: SmtpServer) -> None:
    """Our Message-IDs travel in every later mail's References: whoever saw one could
    forge a report. One that arrives at another of our addresses than the reply went
    out from fails nothing."""
    number, message_id = _sent_reply(team, smtp_server)
    boss = team.as_("boss")
    boss.add_channel("Sales", kind="email", address="sales@example.se")
    boss.set_membership("Sales", "anna", member=True)
    sales = Poller(team.db, settings(mailbox, monkeypatch, channel="Sales"), MailSettings(),
                   clock=team.clock)
    dovecot.append(mailbox.user, "INBOX", report(message_id))
    assert sales.poll_once().outcomes == {"ingested": 1}
    (row,) = team.system.outbox()
    assert row.state == "sent"
    assert not any("Delivery" in m.text for m in boss.get_case(number).messages)


def test_a_bounced_acknowledgement_is_called_one(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(sender="Karin <kund@example.se>"))
    assert poller.poll_once().outcomes == {"ingested": 1}
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 1}
    (ack,) = team.system.outbox()
    dovecot.append(mailbox.user, "INBOX", report(ack.message_id))
    assert poller.poll_once().outcomes == {"bounce": 1}
    events = [m.text for m in team.as_("boss").get_case(ack.case).messages
              if m.kind == "event"]
    assert ("Delivery failed: 550 5.1.1 <kund@example.se>: No such user "
            "(the acknowledgement to kund@example.se)") in events


def test_an_out_of_office_reply_quoting_our_mail_is_no_bounce(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    number, message_id = _sent_reply(team, smtp_server)
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Karin <kund@example.se>", subject="Frånvaro: Re: Fakturan",
        text=f"Jag är ledig till måndag.\n\nMessage-ID: {message_id}\n",
        headers={"Return-Path": "<>", "Auto-Submitted": "auto-replied",
                 "In-Reply-To": message_id}))
    assert poller.poll_once().outcomes == {"ingested": 1}
    (row,) = team.system.outbox()
    assert row.state == "sent"
    case = team.as_("boss").get_case(number)
    assert [m.flags for m in case.messages if m.kind == "customer"][-1] == (
        "auto-reply", "bounce")  # on its case, changing nothing


@pytest.mark.parametrize("list_mail", ["case", "log"])
def test_list_mail_is_a_flagged_case_or_only_logged_and_never_acknowledged(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,
        smtp_server: SmtpServer, list_mail: str) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(sender="Nyheter <news@lists.example.se>",
                                               headers={"List-Id": "<nyheter.example.se>"}))
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(
        acknowledge=True, list_mail=list_mail), clock=team.clock)  # type: ignore[arg-type]
    result = poller.poll_once()
    cases = cases_of(team, "news@lists.example.se")
    if list_mail == "case":
        assert result.outcomes == {"ingested": 1}
        (case,) = cases
        assert case.messages[0].flags == ("bulk",)
    else:
        assert result.outcomes == {"logged": 1}
        assert cases == []
        (seen,) = team.as_("boss").inbound(("logged",))
        assert "list" in seen.reason
    assert sender_for(team, smtp_server).send_once().outcomes == {}
    assert smtp_server.received == []


def test_a_customer_who_writes_from_postmaster_is_still_a_customer() -> None:
    # A bounce flag alone (the sender's name) quotes no mail: no bounce to match.
    parsed = parse(mail(sender="Postmaster <postmaster@kund.example.se>",
                        text="Hej, vi får inte era fakturor."))
    assert "bounce" in parsed.flags
    assert parsed.bounce is None


def test_a_reply_through_a_list_lands_on_its_case_even_when_list_mail_is_logged(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,
        smtp_server: SmtpServer) -> None:
    number, message_id = _sent_reply(team, smtp_server)
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Karin <kund@example.se>", subject="Re: Fakturan", text="Tack!",
        headers={"List-Id": "<ekonomi.kund.example.se>", "In-Reply-To": message_id}))
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(list_mail="log"),
                    clock=team.clock)
    assert poller.poll_once().outcomes == {"ingested": 1}
    texts = [m.text for m in team.as_("boss").get_case(number).messages]
    assert "Tack!" in texts
