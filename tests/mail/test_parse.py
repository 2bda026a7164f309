"""Parsing alone (pure): encodings of names and filenames, and what kind of mail it is.
The same mails go through the real poller in test_poller.py."""

from __future__ import annotations

from samples import mail

from mail.parse import parse


def test_rfc2231_and_rfc2047_filenames_are_decoded() -> None:
    raw = (b"From: =?utf-8?b?w4VzYSDDlmJlcmc=?= <asa@example.se>\r\nSubject: Bilagor\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilagorna.\r\n"
           b"--B\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename*=utf-8''r%C3%A4kning%20mars.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
           b"--B\r\nContent-Type: image/png\r\n"
           b"Content-Disposition: attachment; filename=\"=?iso-8859-1?q?sk=E4rm.png?=\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--B--\r\n")
    parsed = parse(raw)
    assert parsed.sender_name == "Åsa Öberg"
    assert parsed.text == "Se bilagorna."
    assert [(a.filename, a.content) for a in parsed.attachments] == [
        ("räkning mars.pdf", b"%PDF-"), ("skärm.png", b"\x89PNG")]


def test_the_kinds_of_machine_mail() -> None:
    def flags(**headers: str) -> tuple[str, ...]:
        return parse(mail(headers=headers)).flags

    assert flags() == ()
    assert flags(**{"Auto-Submitted": "auto-replied"}) == ("auto-reply",)
    assert flags(**{"Auto-Submitted": "no"}) == ()
    assert flags(Precedence="bulk") == ("bulk",)
    assert flags(**{"List-Id": "<nyheter.example.se>"}) == ("bulk",)
    assert flags(**{"X-Auto-Response-Suppress": "OOF"}) == ("no-autoreply",)
    assert parse(mail(subject="Frånvaro: Re: din fråga")).flags == ("auto-reply",)
    assert "bounce" in parse(mail(sender="postmaster@example.se")).flags


def test_threading_facts() -> None:
    parsed = parse(mail(subject="SV: Fakturan [#1234]", headers={
        "In-Reply-To": "<b@x>", "References": "<a@x> <b@x>"}))
    assert parsed.case_tag == 1234
    assert parsed.thread_ids == ("<b@x>", "<a@x>")


def test_raw_utf8_headers_are_read_as_utf8() -> None:
    # RFC 6532: what a client sends over SMTPUTF8, the bytes as they are.
    raw = ("From: Åsa Öberg <asa@example.se>\r\nSubject: Hjälp med min beställning\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe kvittot.\r\n"
           "--B\r\nContent-Type: application/pdf\r\n"
           "Content-Disposition: attachment; filename=\"kvitto för maj.pdf\"\r\n\r\n"
           "%PDF-\r\n--B--\r\n").encode()
    parsed = parse(raw)
    assert (parsed.sender_name, parsed.sender_address) == ("Åsa Öberg", "asa@example.se")
    assert parsed.subject == "Hjälp med min beställning"
    assert [a.filename for a in parsed.attachments] == ["kvitto för maj.pdf"]
    assert parsed.problems == ()
    # Beside encoded words too.
    mixed = parse("Subject: Räkning =?iso-8859-1?q?f=F6r?= mars\r\n\r\nx".encode())
    assert mixed.subject == "Räkning för mars"


def test_8bit_headers_from_an_old_client_fall_back_to_windows_1252() -> None:
    raw = ("From: Åsa Öberg <asa@example.se>\r\nSubject: Räkning för maj – igen\r\n\r\n"
           "x").encode("cp1252")
    parsed = parse(raw)
    assert parsed.sender_name == "Åsa Öberg"
    assert parsed.subject == "Räkning för maj – igen"
    assert "\ufffd" not in parsed.subject
    assert parsed.problems == (
        "a header in 8-bit bytes that are not UTF-8, read as Windows-1252",)
