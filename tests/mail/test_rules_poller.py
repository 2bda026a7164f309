"""The team's triage rules on mail the poller fetches from a real Dovecot: each new
case goes through them, and a rules file broken meanwhile never stops the poller nor
gets half-applied (the last good rules stay in force, a log line says why)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail
from test_poller import cases_of, settings

from mail.poller import Poller
from mail.settings import MailSettings
from store.triage.routing import RuleSource

RULES = '''
[[rule]]
name = "Faktura"
when = { words = ["faktura", "invoice"] }
then = { labels = ["faktura"], assign = "round-robin" }

[[rule]]
name = "Bolaget till Telefon"
when = { from = "@bolaget.se", language = "en" }
then = { channel = "Telefon", priority = "high", notify = ["boss"] }
'''


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
           tmp_path: Path) -> Poller:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    team.db.rules = RuleSource(path)
    return Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)


def test_each_new_mail_goes_through_the_rules(team, dovecot: Dovecot, mailbox: Mailbox,
                                               poller: Poller) -> None:
    for raw in (mail(sender="A <a@kund.se>", subject="Faktura", text="Hej, fel belopp."),
                mail(sender="B <b@kund.se>", subject="Fråga", text="Min faktura är fel."),
                mail(sender="Bolaget <vd@bolaget.se>", subject="Order",
                     text="Hi, the order has not arrived and we would like it today."),
                mail(sender="C <c@kund.se>", subject="Leverans", text="Var är paketet?")):
        dovecot.append(mailbox.user, "INBOX", raw)
    assert poller.poll_once().outcomes == {"ingested": 4}
    (a,), (b,), (vd,), (c,) = (cases_of(team, e) for e in (
        "a@kund.se", "b@kund.se", "vd@bolaget.se", "c@kund.se"))
    assert (a.labels, a.assignee, a.status) == (("faktura",), "anna", "open")
    assert (b.labels, b.assignee) == (("faktura",), "bo")  # in turn
    assert (vd.channel, vd.priority, vd.assignee) == ("Telefon", "high", None)
    assert (c.labels, c.channel, c.assignee, c.status) == ((), "Support", None, "new")
    triaged = [m.text for m in vd.messages if m.event and m.event.kind == "triaged"]
    assert triaged == ["Triage: the rule “Bolaget till Telefon” set priority high, channel "
                       "Telefon, told boss"]


def test_a_rules_file_broken_meanwhile_keeps_the_last_good_rules(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        caplog: pytest.LogCaptureFixture) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(sender="A <a@kund.se>", text="Min faktura."))
    poller.poll_once()
    source = team.db.rules
    source.path.write_text(RULES.replace('"boss"', '"nobody"') + "\n[[rule]]\nname = "
                           '"Ny"\nthen = { labels = ["ny"] }\n', encoding="utf-8")
    dovecot.append(mailbox.user, "INBOX", mail(sender="B <b@kund.se>", text="Min faktura."))
    with caplog.at_level(logging.WARNING):
        assert poller.poll_once().outcomes == {"ingested": 1}
    (b,) = cases_of(team, "b@kund.se")
    assert b.labels == ("faktura",)  # the last good rules: never "ny"
    assert "rule 'Bolaget till Telefon': unknown agent 'nobody' in `notify`" in caplog.text
    assert "the last good rules stay in force" in caplog.text


def test_two_mails_of_a_new_sender_in_one_batch(team, dovecot: Dovecot, mailbox: Mailbox,
                                                poller: Poller) -> None:
    team.db.rules.path.write_text(  # a new customer's first case, then an existing one's
        '[[rule]]\nname = "Ny"\nwhen = { customer_type = "new" }\nthen = { labels = ["ny"] }\n'
        '[[rule]]\nname = "Känd"\nwhen = { customer_type = "existing" }\n'
        'then = { labels = ["känd"] }\n', encoding="utf-8")
    for subject in ("Första", "Andra"):
        dovecot.append(mailbox.user, "INBOX", mail(sender="N <n@ny.se>", subject=subject))
    assert poller.poll_once().outcomes == {"ingested": 2}
    first, second = sorted(cases_of(team, "n@ny.se"), key=lambda c: c.number)
    assert (first.labels, second.labels) == (("ny",), ("känd",))
