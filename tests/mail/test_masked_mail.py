"""Sensitive numbers in mail from a real Dovecot: masked in the case and the index,
the original as it came for a supervisor only, and an HTML-only mail's numbers too."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail
from test_poller import cases_of, settings

from mail.poller import Poller
from mail.settings import MailSettings
from store.errors import Forbidden
from store.queries import CaseFilter

CARD = "4111 1111 1111 1111"


def test_mail_with_a_card_and_a_personnummer_is_masked(team, dovecot: Dovecot,
                                                       mailbox: Mailbox,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Karin <karin@example.se>", subject=f"Dubbeldragning {CARD}",
        text=f"Hej! Kortet {CARD} drogs två gånger. Mitt personnummer är 19800101-0001."))
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Olle <olle@example.se>", text=None,
        html="<p>Betala till <b>SE45 5000 0000 0583 9825 7466</b></p>"))
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)
    assert poller.poll_once().outcomes == {"ingested": 2}
    (karin,) = cases_of(team, "karin@example.se")
    assert karin.title == "Dubbeldragning •••• •••• •••• 1111"
    assert karin.messages[0].text.startswith(
        "Hej! Kortet •••• •••• •••• 1111 drogs två gånger. Mitt personnummer är 19800101-••••.")
    (olle,) = cases_of(team, "olle@example.se")
    assert "SE•• •••• •••• •••• •••• 7466" in olle.messages[0].text
    anna, boss = team.as_("anna"), team.as_("boss")
    for word in ("4111", "0001", "0583"):
        assert anna.list_cases(CaseFilter(search=word)) == []
    message = karin.messages[0].id
    with pytest.raises(Forbidden):
        anna.original_mail(message)
    assert b"4111 1111 1111 1111" in boss.original_mail(message)  # as it came
