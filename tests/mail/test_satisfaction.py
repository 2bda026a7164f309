"""Customer satisfaction by mail, end to end on real servers (store/satisfaction.py):
a solved email case's survey goes out once through the outbox to aiosmtpd, in the
customer's language; the customer's reply fetched from Dovecot is the case's rating
when it is only a rating — the case not reopened, no message added — while a machine's
answer rates nothing and a longer answer is an ordinary message that reopens it."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail
from smtpserver import SmtpServer
from test_poller import cases_of, settings
from test_sender import parsed, sender_for

from mail.poller import Poller
from mail.settings import MailSettings
from store.satisfaction import rating_of


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    team.db.csat = True
    return Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)


def solved_case(team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,  # type: ignore[no-untyped-def]
                smtp_server: SmtpServer, *, sender: str = "Karin Kund <karin@example.se>",
                text: str = "Hej, fakturan är fel.") -> tuple[int, str]:
    """A customer's mail made a case, answered and solved, both mails sent: the case
    and the survey's Message-ID as the customer's mail program saw it."""
    dovecot.append(mailbox.user, "INBOX", mail(sender=sender, text=text))
    poller.poll_once()
    (case,) = cases_of(team, sender.split("<")[1].rstrip(">"))
    anna = team.as_("anna")
    anna.reply(case.number, "Nu är fakturan rättad.", status="solved")
    anna.set_status(case.number, "open")  # reopened and solved again: asked once
    anna.set_status(case.number, "solved")
    before = len(smtp_server.received)
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 2}
    (survey,) = [parsed(r.raw) for r in smtp_server.received[before:]
                 if "1–5" in parsed(r.raw).get_body(("plain",)).get_content()]  # type: ignore[union-attr]
    assert survey["Auto-Submitted"] == "auto-replied"  # no out-of-office answers it
    return case.number, str(survey["Message-ID"])


def test_a_rating_alone_is_the_case_rating_and_reopens_nothing(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    number, survey = solved_case(team, dovecot, mailbox, poller, smtp_server)
    messages = len(team.as_("boss").get_case(number).messages)
    dovecot.append(mailbox.user, "INBOX", mail(
        subject="Re: Hur nöjd är du?", text=f"4 tack!\n\nDen 3 mars skrev Support:\n> {survey}",
        headers={"In-Reply-To": survey, "References": survey}))
    assert poller.poll_once().outcomes == {"rating": 1}
    case = team.as_("boss").get_case(number)
    assert (case.status, case.rating) == ("solved", 4)
    added = case.messages[messages:]
    assert [(m.kind, m.event.kind if m.event else "") for m in added] == [
        ("event", "satisfaction-rated")]
    team.clock.advance(minutes=1)  # (the report counts what happened before now)
    report = team.as_("boss").report(first=team.clock.now.date(), by="channel")
    assert (report.total.csat_avg, report.total.csat_count, report.total.csat_good_rate) == (
        4.0, 1, 1.0)


def test_a_machine_answer_rates_nothing_and_a_long_one_is_a_message(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    number, survey = solved_case(team, dovecot, mailbox, poller, smtp_server)
    dovecot.append(mailbox.user, "INBOX", mail(
        subject="Automatiskt svar", text="5",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": survey}))
    poller.poll_once()
    case = team.as_("boss").get_case(number)
    assert (case.status, case.rating) == ("solved", None)
    dovecot.append(mailbox.user, "INBOX", mail(
        subject="Re: enkäten", text="3, för fakturan är fortfarande fel på raden om frakt.",
        headers={"In-Reply-To": survey, "References": survey}))
    poller.poll_once()
    case = team.as_("boss").get_case(number)
    assert (case.status, case.rating) == ("open", None)  # a message: it reopened the case
    assert [m for m in case.messages if m.kind == "customer"][-1].text.startswith(
        "3, för fakturan")


def test_only_the_contacts_direct_answer_to_the_survey_rates(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    number, survey = solved_case(team, dovecot, mailbox, poller, smtp_server)
    # A colleague on copy answers the survey: a message, not the customer's rating.
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Kollega <kollega@example.se>", subject="Re: enkät", text="5",
        headers={"In-Reply-To": survey, "References": survey}))
    poller.poll_once()
    case = team.as_("boss").get_case(number)
    assert (case.status, case.rating) == ("open", None)
    # The agent asks something; the customer's short answer to that is a message,
    # though the survey is further up the thread.
    team.as_("anna").reply(number, "Vill du ha pengarna tillbaka?")
    sender_for(team, smtp_server).send_once()
    ours = [m for m in team.as_("boss").get_case(number).messages if m.kind == "reply"][-1]
    dovecot.append(mailbox.user, "INBOX", mail(
        subject="Re: Fakturan", text="3",
        headers={"In-Reply-To": ours.mail_message_id or "",
                 "References": f"{survey} {ours.mail_message_id}"}))
    poller.poll_once()
    case = team.as_("boss").get_case(number)
    assert case.rating is None
    assert [m for m in case.messages if m.kind == "customer"][-1].text.strip() == "3"


def test_no_survey_to_machine_mail_nor_off_email(team, dovecot: Dovecot, mailbox: Mailbox,
                                                 poller: Poller,
                                                 smtp_server: SmtpServer) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Robot <noreply@example.se>", text="Din order är skickad.",
        headers={"Auto-Submitted": "auto-generated"}))
    poller.poll_once()
    (case,) = cases_of(team, "noreply@example.se")
    team.as_("anna").note(case.number, "Ingen att svara.", status="solved")
    chat = team.new_case(channel="Chat")
    team.as_("anna").note(chat, "Klart i chatten.", status="solved")
    assert team.system.outbox() == []
    assert sender_for(team, smtp_server).send_once().outcomes == {}


def test_english_customers_get_it_in_english(team, dovecot: Dovecot, mailbox: Mailbox,
                                             poller: Poller, smtp_server: SmtpServer) -> None:
    solved_case(team, dovecot, mailbox, poller, smtp_server, sender="Kim <kim@example.com>",
                text="Hello, my invoice is wrong and I would like to have it fixed please.")
    bodies = [parsed(r.raw).get_body(("plain",)).get_content()  # type: ignore[union-attr]
              for r in smtp_server.received]
    assert any("Reply with a digit 1–5" in b for b in bodies)


@pytest.mark.parametrize(("text", "rating"), [
    ("5", 5), ("4/5", 4), ("Betyg: 3!", 3), ("2\n\n-- \nKarin Kund\n070-123 45 67", 2),
    ("bra", 4), ("Mycket bra, tack", 5), ("dåligt", 2), ("Very good!", 5),
    ("1\nSkickat från min iPhone", 1), ("5\n\n> Svara med en siffra 1–5", 5),
    ("10", None), ("0", None), ("", None), ("Tack!", None),
    ("4 men fakturan är fortfarande fel", None), ("Inte bra", None), ("not good", None),
    ("Ring mig kl 3", None), ("Skicka 2 st", None), ("Ja, ok", None), ("5 av 5, tack!", 5),
])
def test_what_a_rating_is(text: str, rating: int | None) -> None:
    assert rating_of(text) == rating
