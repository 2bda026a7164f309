"""A bounce belongs to the mail it bounces: a delivery report (or a bounce quoting our
Message-ID) marks that outbox mail failed and says why on its case, with no new case;
list mail becomes a flagged case or is only logged, and is never acknowledged. Against
the real SMTP server (our reply goes out) and Dovecot (the bounce comes back)."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox, SmtpServer
from samples import WHEN, mail
from test_poller import cases_of, settings
from test_sender import sender_for

from mail.parse import parse
from mail.poller import Poller
from mail.settings import MailSettings
from store.queries import CaseFilter


def report(message_id: str, *, action: str = "failed",
           diagnostic: str = "smtp; 550 5.1.1 <kund@example.se>: No such user") -> bytes:
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
        "Final-Recipient: rfc822; kund@example.se\r\n"
        f"Action: {action}\r\nStatus: 5.1.1\r\nDiagnostic-Code: {diagnostic}\r\n\r\n"
        "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: support@example.se\r\nTo: kund@example.se\r\nSubject: Re: Fakturan\r\n"
        f"Message-ID: {message_id}\r\n\r\n--R--\r\n").encode()


def old_style_bounce(message_id: str) -> bytes:
    """A bounce without a report: the error in words, our mail quoted below it."""
    return (
        "From: postmaster@example.se\r\nTo: support@example.se\r\n"
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


def test_a_report_on_no_mail_of_ours_is_logged_on_no_case(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    dovecot.append(mailbox.user, "INBOX", report("<someone-else@spam.example>"))
    assert poller.poll_once().outcomes == {"bounce": 1}
    assert team.as_("boss").list_cases(CaseFilter(limit=10, include_ended=True)) == []
    (seen,) = team.as_("boss").inbound(("bounce",))
    assert seen.case is None
    assert seen.reason.startswith("a delivery report on no mail of ours: 550 5.1.1")
    assert smtp_server.received == []


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
