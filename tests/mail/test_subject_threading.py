"""An answer whose mail client dropped the headers that thread (phones do) still lands
on its case: by its subject ("Re:"/"SV:" and the case's title) and its customer,
within 30 days of the case's last message — and never otherwise."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail
from test_poller import cases_of, settings

from mail.poller import Poller
from mail.settings import MailSettings

KARIN = "Karin Kund <karin@example.se>"


def poll(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock).poll_once()


def deliver(dovecot: Dovecot, mailbox: Mailbox, *mails: bytes) -> None:
    client = dovecot.client(mailbox.user)
    for raw in mails:
        client.append("INBOX", raw)
    client.logout()


def test_an_answer_without_headers_joins_by_subject(team, dovecot: Dovecot, mailbox: Mailbox,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="Fakturan stämmer inte"))
    poll(team, mailbox, monkeypatch)
    team.clock.advance(days=3)
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="SV: Fakturan stämmer inte",
                                   text="Skickat från min iPhone"))
    poll(team, mailbox, monkeypatch)
    [case] = cases_of(team, "karin@example.se")
    assert [m.text for m in case.messages if m.kind == "customer"] == [
        "Hej, fakturan är fel.", "Skickat från min iPhone"]


def test_in_one_batch_too(team, dovecot: Dovecot, mailbox: Mailbox,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="Leveransen"),
            mail(sender=KARIN, subject="Re: Leveransen", text="Och en sak till"))
    poll(team, mailbox, monkeypatch)
    [case] = cases_of(team, "karin@example.se")
    assert len([m for m in case.messages if m.kind == "customer"]) == 2


def test_never_for_another_sender_a_new_subject_or_an_old_case(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="Fakturan stämmer inte"))
    poll(team, mailbox, monkeypatch)
    deliver(dovecot, mailbox,
            # a stranger answering the same subject: a case of their own
            mail(sender="Mallory <mallory@example.net>", subject="Re: Fakturan stämmer inte"),
            # the same subject again without "Re:": a new question
            mail(sender=KARIN, subject="Fakturan stämmer inte", text="En ny faktura, också fel"))
    poll(team, mailbox, monkeypatch)
    assert len(cases_of(team, "karin@example.se")) == 2
    assert len(cases_of(team, "mallory@example.net")) == 1
    team.clock.advance(days=31)
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="SV: Fakturan stämmer inte",
                                   text="En månad senare"))
    poll(team, mailbox, monkeypatch)
    assert len(cases_of(team, "karin@example.se")) == 3


def test_mails_without_a_message_id_too(team, dovecot: Dovecot, mailbox: Mailbox,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="Leveransen", message_id=None),
            mail(sender=KARIN, subject="Re: Leveransen", text="Och en sak till",
                 message_id=None))
    poll(team, mailbox, monkeypatch)
    [case] = cases_of(team, "karin@example.se")
    assert len([m for m in case.messages if m.kind == "customer"]) == 2


def test_an_answer_to_another_mail_is_no_answer_by_subject(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its headers name a mail we do not have (her colleague's): it is no answer that
    lost its headers, so the subject alone does not thread it; nor a bare "Re:"."""
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="Fråga"), mail(sender=KARIN,
            subject="Re:", text="Tomt ämne"))
    poll(team, mailbox, monkeypatch)
    deliver(dovecot, mailbox, mail(sender=KARIN, subject="Re: Fråga", text="Till kollegan",
                                   headers={"In-Reply-To": "<elsewhere@example.se>"}),
            mail(sender=KARIN, subject="Re:", text="Tomt igen"))
    poll(team, mailbox, monkeypatch)
    assert len(cases_of(team, "karin@example.se")) == 4
