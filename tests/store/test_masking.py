"""Which numbers are masked and how they are shown (store/privacy/mask.py): pure, no
database. The paths that apply it are in test_privacy.py."""

from __future__ import annotations

import pytest

from store.privacy import mask
from store.privacy.original import masked_original

CARD = "4111111111111111"  # Visa's test number, Luhn-valid


@pytest.mark.parametrize(("text", "shown"), [
    (f"kort {CARD} tack", "kort •••• •••• •••• 1111 tack"),
    ("4111 1111 1111 1111", "•••• •••• •••• 1111"),
    ("4111-1111-1111-1111.", "••••-••••-••••-1111."),
    ("amex 378282246310005", "amex •••• •••• ••• 0005"),
    ("5555 5555 5555 4444 exp 12/29", "•••• •••• •••• 4444 exp 12/29"),
    # A card among other groups of digits: only its own groups.
    ("order 12 4111 1111 1111 1111 ok", "order 12 •••• •••• •••• 1111 ok"),
])
def test_a_luhn_valid_card_number_is_masked_but_its_last_four(text: str, shown: str) -> None:
    masked = mask(text)
    assert masked.text == shown
    assert masked.found == {"card": 1}


@pytest.mark.parametrize("text", [
    "4111111111111112",  # one digit off: Luhn says no
    "order 123456789012",  # 12 digits: too short for a card
    "99411111111111111199",  # a card's digits inside a longer run: a longer number
    f"{CARD}7",
    "ref 1234-5678-9012-3456-7890",
    "ring 070-123 45 67 eller 0701234567",
    "Fakturanummer 2026030212",
    "A4111111111111111",
])
def test_other_numbers_stay_as_written(text: str) -> None:
    assert mask(text).text == text
    assert not mask(text).changed


@pytest.mark.parametrize(("text", "shown"), [
    ("pnr 800101-0001", "pnr 800101-••••"),
    ("19800101-0001", "19800101-••••"),
    ("198001010001", "19800101-••••"),
    ("8001010001", "800101-••••"),
    ("19121212+1212", "19121212+••••"),  # over a hundred years old
    ("121212+1212", "121212+••••"),
    ("samordningsnummer 800161-0008", "samordningsnummer 800161-••••"),
    ("0601010002", "060101-••••"),
])
def test_a_personnummer_keeps_its_date_and_hides_the_rest(text: str, shown: str) -> None:
    masked = mask(text)
    assert masked.text == shown
    assert masked.found == {"personnummer": 1}


@pytest.mark.parametrize("text", [
    "800101-0002",  # checksum wrong
    "801301-0001",  # no 13th month
    "800132-0009",  # no 32nd day (and not 60 more)
    "17800101-0001",  # no century 17 among the living
    "0701010001",  # a Swedish mobile number, written bare
])
def test_not_a_personnummer(text: str) -> None:
    assert mask(text).text == text


@pytest.mark.parametrize(("text", "shown"), [
    ("IBAN SE45 5000 0000 0583 9825 7466 TACK", "IBAN SE•• •••• •••• •••• •••• 7466 TACK"),
    ("SE4550000000058398257466", "SE••••••••••••••••••7466"),
    ("GB82 WEST 1234 5698 7654 32", "GB•• •••• •••• •••• ••54 32"),
])
def test_a_valid_iban_keeps_its_country_and_last_four(text: str, shown: str) -> None:
    masked = mask(text)
    assert masked.text == shown
    assert masked.found == {"iban": 1}


def test_an_invalid_iban_stays_and_its_digits_are_no_card() -> None:
    text = "SE45 5000 0000 0583 9825 7467"
    assert mask(text).text == text


def test_only_the_kinds_asked_for() -> None:
    text = f"{CARD} 800101-0001 SE4550000000058398257466"
    assert mask(text, ["personnummer"]).text == \
        f"{CARD} 800101-•••• SE4550000000058398257466"
    assert mask(text, []).text == text


def test_several_in_one_text_and_next_to_each_other() -> None:
    masked = mask(f"SE45 5000 0000 0583 9825 7466 {CARD}\n800101-0001, {CARD}")
    assert masked.found == {"iban": 1, "card": 2, "personnummer": 1}
    assert "4111" not in masked.text
    assert "0583" not in masked.text


def test_the_original_mail_is_masked_in_headers_and_in_encoded_text() -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Karin <karin@example.se>"
    msg["Subject"] = f"Kort {CARD}"
    msg.set_content(f"Mitt kort är {CARD}, pnr 800101-0001. Hälsningar Åsa",
                    cte="base64")
    masked = masked_original(msg.as_bytes())
    assert CARD.encode() not in masked
    assert b"800101-0001" not in masked
    from email import message_from_bytes

    back = message_from_bytes(masked)
    body = back.get_payload(decode=True).decode()
    assert "•••• •••• •••• 1111" in body
    assert "Hälsningar Åsa" in body
    assert back["Subject"] == "Kort **** **** **** 1111"


def test_an_encoded_subject_of_the_original_is_masked_too() -> None:
    from email import message_from_bytes
    from email.header import decode_header, make_header

    raw = (b"From: k@example.se\r\nSubject: =?utf-8?b?" +
           __import__("base64").b64encode(f"Kort {CARD} är spärrat".encode()) +
           b"?=\r\n\r\nHej\r\n")
    back = message_from_bytes(masked_original(raw))
    assert str(make_header(decode_header(back["Subject"]))) == \
        "Kort •••• •••• •••• 1111 är spärrat"


@pytest.mark.parametrize(("text", "shown", "found"), [
    ("4111111111111111 5500000000000004",
     "•••• •••• •••• 1111 •••• •••• •••• 0004", {"card": 2}),
    ("4111 1111 1111 1111 5500 0000 0000 0004",
     "•••• •••• •••• 1111 •••• •••• •••• 0004", {"card": 2}),
    ("4111\u00a01111\u00a01111\u00a01111", "••••\u00a0••••\u00a0••••\u00a01111", {"card": 1}),
    ("4111.1111.1111.1111", "••••.••••.••••.1111", {"card": 1}),
    ("pnr 800101 0001", "pnr 800101-••••", {"personnummer": 1}),
    ("se45 5000 0000 0583 9825 7466", "se•• •••• •••• •••• •••• 7466", {"iban": 1}),
])
def test_more_ways_of_writing_them(text: str, shown: str, found: dict[str, int]) -> None:
    masked = mask(text)
    assert masked.text == shown
    assert masked.found == found
