"""The one address check (store.addresses): what it takes goes on the SMTP envelope
and into the headers unchanged, so the sender never refuses what the store accepted."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from aiosmtplib.email import parse_address

from mail.sender import build
from store.addresses import mail_address
from store.errors import InvalidInput
from store.service import OutboxMail, plain_address

TAKEN = {
    "kund@example.se": ("kund", "example.se"),
    "Karin.Kund+faktura@Example.SE": ("Karin.Kund+faktura", "Example.SE"),
    "a..b@docomo.ne.jp": ("a..b", "docomo.ne.jp"),  # real, if not RFC 5322
    "o'brien@example.ie": ("o'brien", "example.ie"),
    "kund@exämpel.se": ("kund", "xn--exmpel-cua.se"),
    "åsa@exempel.se": ("åsa", "exempel.se"),  # needs SMTPUTF8
}

REFUSED = {
    "": "empty",
    "unbalanced <(a@b.example": "space",
    "<kund@example.se>": "cannot hold <",
    "kund@example.se, mallory@example.org": "space",
    "kund@example.se,mallory@example.org": "exactly one @",
    "a:b@example.se": "cannot hold :",
    '"a b"@example.se': "space",
    '"ab"@example.se': 'cannot hold "',
    "kund@example.se\r\nRCPT TO:<x@evil.example>": "line break",
    "a\u200b@example.se": "control character",
    "kund@": "needs a name",
    "kund@localhost": "not a domain name",
    "kund@[127.0.0.1]": "not a domain name",
    "kund@1.2.3.4": "not a domain name",
    "kund@-example.se": "not a domain name",
    "kund@exam_ple.se": "not a domain name",
    "kund@example..se": "not a domain name",
    "x" * 65 + "@example.se": "longer than 64",
    "k" * 60 + "@" + ".".join(c * 60 for c in "abcd") + ".se": "longer than 254",
}


@pytest.mark.parametrize("value", list(TAKEN))
def test_an_address_mail_can_carry_is_taken(value: str) -> None:
    address = mail_address(value)
    assert (address.local, address.domain) == TAKEN[value]
    assert address.needs_smtputf8 == (value == "åsa@exempel.se")
    assert plain_address(value)


@pytest.mark.parametrize("value", list(REFUSED))
def test_anything_else_is_refused_in_words(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not one email address") as refused:
        mail_address(value)
    assert REFUSED[value] in str(refused.value)
    assert not plain_address(value)


def outgoing(to: str) -> bytes:
    return build(OutboxMail(
        id=1, case=1, state="sending", from_addr="support@example.se", to_addr=to,
        subject="Re: Fakturan [#1]", body="Hej!", message_id="<x@example.se>",
        in_reply_to="", references="", created_at=datetime(2026, 3, 2, tzinfo=UTC),
        attempts=1, last_error=""))


def candidates(rnd: random.Random, n: int) -> list[str]:
    """Address-like strings, now and then with a character that breaks addresses."""
    good_local, good_domain = "ab.-+_'!#$%&*/=?^`{|}~åé日", "abc0-äå."
    bad = "\"(),:;<>[]\\@ \t\r\n\u200b\x00_"

    def text(good: str, most: int) -> str:
        return "".join(rnd.choice(bad if rnd.random() < 0.03 else good)
                       for _ in range(rnd.randint(0, most)))

    return [f"{text(good_local, 8)}@{text(good_domain, 10)}{rnd.choice(['', '.se', '.'])}"
            for _ in range(n)]


def test_what_the_check_takes_goes_out_exactly_as_it_is() -> None:
    taken = 0
    for value in [*TAKEN, *candidates(random.Random(20260302), 4000)]:
        try:
            address = mail_address(value)
        except InvalidInput:
            continue
        taken += 1
        wire = str(address)
        # The envelope: aiosmtplib takes it unchanged, and can encode it.
        assert parse_address(wire) == wire, value
        wire.encode("utf-8" if address.needs_smtputf8 else "ascii")
        # The header: written back whole, one address.
        assert f"To: {wire}".encode() in outgoing(value).splitlines(), value
    assert taken > 300  # the sample reaches the interesting cases
