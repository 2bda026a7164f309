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
