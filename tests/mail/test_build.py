"""A reply as `mail.sender.build` writes it (the stdlib's compat32 API): what a mail
client reads back is what the agent wrote, and a header value with a line break is
refused, never sent. The same mails through a real SMTP server: tests/mail/test_sender.py."""

from __future__ import annotations

import email
import email.policy
import random
import string
from dataclasses import replace
from datetime import UTC, datetime
from email.header import Header

import pytest

from mail.sender import _COMPAT, _WORDS, MAX_LINE, _written, build
from store.inputs import OutboxMail

REPLY = OutboxMail(
    id=1, case=12, state="sending", from_addr="support@example.com", to_addr="karin@example.se",
    subject="Re: Fakturan stämmer inte [#12]", body="Hej Karin!\nVi har rättat fakturan.",
    message_id="<casedesk.12.a1@example.com>", in_reply_to="<k1@example.se>",
    references="<k0@example.se> <k1@example.se>", attempts=0, last_error="",
    created_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


def read_back(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_what_a_mail_client_reads_is_what_was_written() -> None:
    raw = build(REPLY)
    msg = read_back(raw)
    assert msg["Subject"] == REPLY.subject
    assert (msg["From"], msg["To"]) == (REPLY.from_addr, REPLY.to_addr)
    assert (msg["Message-ID"], msg["In-Reply-To"], msg["References"]) == (
        REPLY.message_id, REPLY.in_reply_to, REPLY.references)
    assert msg["Date"].datetime == REPLY.created_at
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == REPLY.body + "\n"
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert "rättat".encode() in raw  # 8bit: the letters as they are, no base64


def test_an_automatic_reply_says_so() -> None:
    msg = read_back(build(replace(REPLY, auto_submitted=True)))
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert read_back(build(REPLY))["Auto-Submitted"] is None


@pytest.mark.parametrize("body", [
    "From the start of a line, as mbox would mangle it.\n.\nA lone dot above.",
    "Rader\r\nmed CRLF\roch CR\noch LF",
    "",
    "ett " * 600,  # a line longer than SMTP allows: quoted-printable
    "å" * 2000,  # longer still in octets than in letters
    "a" * 900 + "\u2028" + "b" * 900,  # a break for str, none in a mail: one long line
    "." + "a" * 997,  # the dot SMTP doubles would make it 999
])
def test_any_body_reads_back_whole(body: str) -> None:
    raw = build(replace(REPLY, body=body))
    assert max(len(line) for line in raw.split(b"\r\n")) <= MAX_LINE
    expected = body.replace("\r\n", "\n").replace("\r", "\n")  # (lines end in CR or LF only)
    expected += "" if expected.endswith("\n") else "\n"
    assert read_back(raw).get_content().replace("\r\n", "\n") == expected


BREAKS = ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"]


@pytest.mark.parametrize("field", ["subject", "message_id"])
@pytest.mark.parametrize("brk", BREAKS)
def test_a_line_break_in_a_header_is_refused(field: str, brk: str) -> None:
    with pytest.raises(ValueError, match="line break"):
        build(replace(REPLY, **{field: f"Hej{brk}Bcc: mallory@example.org"}))


@pytest.mark.parametrize("field", ["in_reply_to", "references"])
@pytest.mark.parametrize("brk", BREAKS)
def test_a_line_break_among_the_customers_mail_ids_adds_no_header(field: str, brk: str) -> None:
    raw = build(replace(REPLY, **{field: f"<k1@example.se>{brk}Bcc: mallory@example.org"}))
    head = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert not [line for line in head if line.lower().startswith(b"bcc")]
    assert read_back(raw)["Bcc"] is None


def test_a_customers_mail_id_outside_ascii_is_left_out_and_the_rest_kept() -> None:
    msg = read_back(build(replace(REPLY, in_reply_to="<kö@example.se>",
                                  references="<k0@example.se> <kö@example.se>")))
    assert msg["In-Reply-To"] is None
    assert msg["References"] == "<k0@example.se>"


def test_a_long_subject_is_folded_and_reads_back_whole() -> None:
    subject = "Re: " + " ".join(["Fakturan för mars stämmer inte"] * 8) + " [#12]"
    raw = build(replace(REPLY, subject=subject))
    assert max(len(line) for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n")) <= 78
    assert read_back(raw)["Subject"] == subject


def test_a_short_ascii_header_is_written_as_compat32_folds_it() -> None:
    """`build`'s shortcut past compat32's folding writes the very bytes it would."""
    stock = email.policy.compat32.clone(linesep="\r\n")
    rnd = random.Random(20261207)
    values = ["", " lead", "trail ", "a  b", "x\ty", "=?utf-8?q?x?=", "a" * 76, "a " * 38,
              *("".join(rnd.choice(string.ascii_letters + "  \t<>@.;:,()[]\"=?_-#")
                        for _ in range(rnd.randint(0, 90))) for _ in range(3000))]
    for name in ("Subject", "Message-ID", "References", "X-Auto-Response-Suppress"):
        for value in values:
            assert _COMPAT.fold_binary(name, value) == stock.fold_binary(name, value), value


def test_a_short_header_outside_ascii_is_the_encoded_word_header_would_write() -> None:
    stock = email.policy.compat32.clone(linesep="\r\n")
    rnd = random.Random(20261207)
    letters = "abcåäöÅÄÖ xyz[]#:?=_-,.!é日\t"
    for _ in range(3000):
        value = "ö" + "".join(rnd.choice(letters) for _ in range(rnd.randint(0, 70)))
        assert _COMPAT.fold_binary("Subject", _written("Subject", value)) == stock.fold_binary(
            "Subject", Header(value, _WORDS, header_name="Subject")), value
