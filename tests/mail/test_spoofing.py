"""A sender is its address, never its display name: mails whose name claims a
customer's address, or hides a line break and a `Bcc:`, against the real Dovecot and
SMTP server. A stranger quoting `[#n]` gets a case of their own; our answers go to the
address the mail really came from, and to nobody else."""

from __future__ import annotations

import pytest
from mailservers import Dovecot, Mailbox
from samples import WHEN
from smtpserver import SmtpServer
from test_poller import cases_of, settings
from test_sender import parsed, sender_for

from mail.parse import addresses, parse
from mail.poller import Poller
from mail.settings import MailSettings

TOMAS = "tomas_aberg@example.net"
# Each a From header whose name holds Tomas's address while the mail is the attacker's.
SPOOFS = {
    "q-encoded name": "=?utf-8?q?Tomas_=C3=85berg_=3Ctomas=5Faberg@example.net=3E?= "
                      "<attacker@evil.example>",
    "b-encoded name": "=?utf-8?b?VG9tYXMgw4ViZXJnIDx0b21hc19hYmVyZ0BleGFtcGxlLm5ldD4=?= "
                      "<attacker@evil.example>",
    "latin-1 q-encoded": "=?iso-8859-1?q?Tomas_=C5berg_=3Ctomas=5Faberg@example.net=3E?= "
                         "<attacker@evil.example>",
    "quoted-string name": '"Tomas Åberg <tomas_aberg@example.net>" <attacker@evil.example>',
    "bare address in the name": '"tomas_aberg@example.net" <attacker@evil.example>',
    "comment": "attacker@evil.example (Tomas Åberg <tomas_aberg@example.net>)",
    "raw UTF-8 name": "Tomas Åberg tomas_aberg@example.net <attacker@evil.example>",
    "IDN domain": "=?utf-8?q?tomas=5Faberg@example.net?= <attacker@exämple.se>",
}


def raw_mail(sender: str, subject: str, *, message_id: str = "<spoof@evil.example>",
             extra: str = "", to: str = "support@example.se") -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {WHEN}\r\nMessage-ID: {message_id}\r\n{extra}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Skicka kvittot till mig igen.\r\n").encode()


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Poller:  # type: ignore[no-untyped-def]
    return Poller(team.db, settings(mailbox, monkeypatch),
                  MailSettings(acknowledge=True, acknowledge_language="en"), clock=team.clock)


@pytest.mark.parametrize("name", SPOOFS)
def test_a_name_that_claims_a_customers_address_never_reaches_their_case(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller, name: str) -> None:
    number = team.new_case(email=TOMAS, name="Tomas Åberg", title="Order 2853")
    dovecot.append(mailbox.user, "INBOX", raw_mail(SPOOFS[name], f"Re: Order 2853 [#{number}]"))
    assert poller.poll_once().outcomes == {"ingested": 1}
    boss = team.as_("boss")
    tomas = boss.get_case(number)
    assert [m.kind for m in tomas.messages] == ["customer"], "nothing reached Tomas's case"
    (theirs,) = list(cases_of(team, _address(SPOOFS[name])))
    assert theirs.number != number
    assert theirs.contact.email == _address(SPOOFS[name])
    (first,) = [m for m in theirs.messages if m.kind == "customer"]
    assert first.sender_address == _address(SPOOFS[name])
    # The name is shown as plainly a name, after the real address.
    assert first.signed == f'{_address(SPOOFS[name])} ("{first.author}")'
    assert "tomas_aberg@example.net" in first.author
    if "@" in theirs.contact.name:  # the case's facts too: the real address first
        assert theirs.contact.signed.startswith(f'{_address(SPOOFS[name])} ("')


def _address(header: str) -> str:
    return "attacker@exämple.se" if "exämple" in header else "attacker@evil.example"


def test_a_line_break_in_the_name_never_adds_a_recipient(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        smtp_server: SmtpServer) -> None:
    sender = "=?utf-8?q?Eve=0D=0ABcc:_evil3@attacker.example?= <eve@adv.example>"
    dovecot.append(mailbox.user, "INBOX", raw_mail(sender, "Mitt kvitto"))
    assert poller.poll_once().outcomes == {"ingested": 1}
    (case,) = cases_of(team, "eve@adv.example")
    assert "\n" not in case.contact.name
    assert "\r" not in case.contact.name
    team.as_("anna").reply(case.number, "Här är kvittot, med dina uppgifter.")
    assert sender_for(team, smtp_server).send_once().outcomes == {"sent": 2}
    for received in smtp_server.received:  # the acknowledgement and the reply
        assert received.rcpt_tos == ["eve@adv.example"]
        msg = parsed(received.raw)
        assert msg["Bcc"] is None
        assert "attacker" not in received.raw.decode("utf-8", "replace")
        assert msg["To"] == "eve@adv.example"


@pytest.mark.parametrize("header", ["Reply-To", "To", "Cc"])
def test_the_other_address_headers_are_read_the_same_way(header: str) -> None:
    value = "=?utf-8?q?Tomas_=3Ctomas=5Faberg@example.net=3E=0D=0ABcc:_x@y.z?= <r@evil.example>"
    mail = parse(raw_mail("Eve <eve@adv.example>", "Hej", to=value) if header == "To" else
                 raw_mail("Eve <eve@adv.example>", "Hej", extra=f"{header}: {value}\r\n"))
    found = {"Reply-To": mail.reply_to, "To": mail.to, "Cc": mail.cc}[header]
    assert [a.address for a in found] == ["r@evil.example"]
    assert found[0].name == "Tomas <tomas_aberg@example.net> Bcc: x@y.z"


def test_an_address_the_outbox_could_not_answer_is_no_address() -> None:
    for header in ('"unbalanced <(a@b.example', '"Tomas <tomas@example.net>"',
                   "Name <a b@example.se>", 'x <"a<b"@example.se>', "a@b@example.se"):
        assert addresses(header) == (), header
        mail = parse(raw_mail(header, "Hej"))
        assert mail.sender_address == ""
        assert "no-sender" in mail.flags


def test_raw_utf8_headers_reach_the_case_intact(team, dovecot: Dovecot, mailbox: Mailbox,
                                                poller: Poller) -> None:
    raw = ("From: Åsa Öberg <asa@example.se>\r\nSubject: Hjälp med min beställning\r\n"
           f"Date: {WHEN}\r\nMessage-ID: <utf8@example.se>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nHej!\r\n").encode()
    dovecot.append(mailbox.user, "INBOX", raw)
    assert poller.poll_once().outcomes == {"ingested": 1}
    (case,) = cases_of(team, "asa@example.se")
    assert case.title == "Hjälp med min beställning"
    assert case.contact.name == "Åsa Öberg"
    assert case.messages[0].text == "Hej!"  # no problem note


# From headers that name Tomas's address somewhere while the mail is not his to claim:
# each is the attacker's address or no sender at all, never Tomas.
NOT_TOMAS = {
    "an address before the angle one": ("tomas_aberg@example.net <attacker@evil.example>",
                                        "attacker@evil.example"),
    "the same, folded": ("tomas_aberg@example.net\r\n <attacker@evil.example>",
                         "attacker@evil.example"),
    "an encoded word in the address": ("Tomas <tomas_aberg@=?us-ascii?q?example=2Enet?=>", ""),
    "two addresses": ("tomas_aberg@example.net, attacker@evil.example", ""),
    "two angle addresses": ("<tomas_aberg@example.net> <attacker@evil.example>", ""),
    "a name and two angle addresses": ("Tomas <tomas_aberg@example.net> <x@evil.example>", ""),
    "a group": ("Kunder: tomas_aberg@example.net;", ""),
    "a route": ("<@relay.evil.example:tomas_aberg@example.net>", ""),
    "a comment inside the address": ("tomas_aberg(x)@example.net", ""),
    "a quote in the name": ('"Tomas\\" <tomas_aberg@example.net>, \\"" <attacker@evil.example>',
                            "attacker@evil.example"),
}


@pytest.mark.parametrize("name", NOT_TOMAS)
def test_no_form_of_from_header_makes_a_stranger_tomas(name: str) -> None:
    header, expected = NOT_TOMAS[name]
    parsed = parse(raw_mail(header, "Re: Order 2853 [#1]"))
    assert parsed.sender_address == expected
    assert "tomas_aberg@example.net" not in parsed.sender_address


def test_two_from_headers_are_no_sender() -> None:
    raw = raw_mail("Tomas <tomas_aberg@example.net>", "Re: Order [#1]",
                   extra="From: Eve <attacker@evil.example>\r\n")
    parsed = parse(raw)
    assert parsed.sender_address == ""
    assert "more than one From header: no sender taken" in parsed.problems


def test_a_long_from_header_is_no_address_and_costs_nothing() -> None:
    parsed = parse(raw_mail("a" * 100_000 + "@example.se", "Hej"))
    assert parsed.sender_address == ""
    assert parsed.problems[0] == "a From header longer than 2000 characters"
