"""A new email case's acknowledgement, end to end on real servers: the mail fetched from
Dovecot by the poller, the answer sent by the sender to an SMTP server (aiosmtpd) with
the knowledge base's best article when it matches strongly, under it the channel's
signature; the case stays New for a person."""

from __future__ import annotations

from pathlib import Path

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail
from smtpserver import SmtpServer
from test_poller import cases_of, settings
from test_sender import parsed, sender_for

from mail.poller import Poller
from mail.settings import MailSettings
from store.knowledge import KnowledgeBase

SIGNATURE = "Kundtjänst, Exempel AB\nSå hanterar vi dina uppgifter: exempel.se/integritet"
ARTICLES = {
    "losenord.md": "---\ntitle: Återställ ditt lösenord\ntags: [lösenord, inloggning]\n"
                   "url: https://help.example.se/losenord\n---\nGå till Mina sidor och välj "
                   "Glömt lösenord. Länken i mejlet gäller i 30 minuter.\n",
    "oppettider.md": "---\ntitle: Öppettider\n---\nKundtjänst har öppet vardagar 8–17.\n",
    "leverans.md": "---\ntitle: Leveranstider\n---\nPaketet kommer inom 2–5 arbetsdagar.\n",
    "retur.md": "---\ntitle: Returnera en vara\n---\nDu har 30 dagars öppet köp.\n",
    "faktura.md": "---\ntitle: Frågor om fakturan\n---\nFakturan skickas med mejl.\n",
}


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
           tmp_path: Path) -> Poller:
    folder = tmp_path / "artiklar"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    team.db.knowledge = KnowledgeBase(folder, acknowledge=True)
    team.as_("boss").set_signature("Support", SIGNATURE)
    return Poller(team.db, settings(mailbox, monkeypatch), MailSettings(acknowledge=True),
                  clock=team.clock)


def test_the_acknowledgement_carries_the_best_article_and_the_signature(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Kim <kim@kund.se>", subject="Glömt lösenord",
        text="Hej! Jag har glömt mitt lösenord och kommer inte in på Mina sidor."))
    dovecot.append(mailbox.user, "INBOX", mail(
        sender="Lo <lo@kund.se>", subject="Hej", text="Kan ni ringa mig?"))
    assert poller.poll_once().outcomes == {"ingested": 2}
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 2}
    bodies = {r.rcpt_tos[0]: parsed(r.raw).get_body(("plain",)).get_content().replace(  # type: ignore[union-attr]
        "\r\n", "\n") for r in smtp_server.received}
    kim = bodies["kim@kund.se"]
    assert ("\nDet här kan hjälpa dig redan nu:\nÅterställ ditt lösenord\n"
            "https://help.example.se/losenord\n") in kim
    assert kim.rstrip("\n").endswith(f"\n-- \n{SIGNATURE}")
    # No article shares enough with a question it cannot answer: the signature alone.
    assert "Öppettider" not in bodies["lo@kund.se"]
    assert bodies["lo@kund.se"].rstrip("\n").endswith(f"\n-- \n{SIGNATURE}")
    (case,) = cases_of(team, "kim@kund.se")
    assert case.status == "new"  # a person answers it still
