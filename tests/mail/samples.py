"""Mails to feed the poller: well-formed ones built with the stdlib, and hostile ones
written byte by byte (ARCHITECTURE.md, "Untrusted text")."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

WHEN = format_datetime(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))


def mail(*, sender: str = "Karin Kund <karin@example.se>", to: str = "support@example.com",
         subject: str = "Fakturan stämmer inte", text: str | None = "Hej, fakturan är fel.",
         html: str | None = None, attachments: list[tuple[str, bytes, str]] | None = None,
         headers: dict[str, str] | None = None, message_id: str | None = "new") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = WHEN
    if message_id:
        msg["Message-ID"] = make_msgid(domain="example.se") if message_id == "new" else message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, content, ctype in attachments or []:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def latin1() -> bytes:
    return (b"From: =?iso-8859-1?q?=C5sa_=D6berg?= <asa@example.se>\r\n"
            b"Subject: =?iso-8859-1?q?R=E4kning_f=F6r_m=E5nad?=\r\n"
            b"Message-ID: <latin1@example.se>\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n") + \
        "Hej! Räkningen för mars är för hög. Mvh Åsa".encode("latin-1")


HOSTILE = {
    # The boundary in the header is not the one in the body.
    "broken boundary": (
        b"From: Per <per@example.se>\r\nSubject: Trasig MIME\r\nMessage-ID: <bb@example.se>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
        b"--ABC\r\nContent-Type: text/plain\r\n\r\nDen h\xc3\xa4r texten finns d\xc3\xa4r.\r\n"
        b"--ABC--\r\n"),
    # Declared UTF-8, really Windows-1252.
    "wrong charset": (
        b"From: Lars <lars@example.se>\r\nSubject: Fel teckenkodning\r\n"
        b"Message-ID: <wc@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"R\xe4kningen \xe4r fel, sk\xf6t om det.\r\n"),
    "unknown charset": (
        b"From: Nils <nils@example.se>\r\nSubject: =?x-unknown?q?Hej?=\r\n"
        b"Message-ID: <uc@example.se>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
        b"Hej d\xe5\r\n"),
    "empty body": (
        b"From: Eva <eva@example.se>\r\nSubject: Tomt\r\nMessage-ID: <eb@example.se>\r\n\r\n"),
    "control characters in headers": (
        b"From: =?utf-8?q?Mallory_=1B]52;c;ZXZpbA=3D=3D=07?= <mallory@example.se>\r\n"
        b"Subject: =?utf-8?q?Hej_=0D=0ABcc:_all@example.se_=1B[2J?=\r\n"
        b"Message-ID: <cc@example.se>\r\n\r\nText\r\n"),
    "missing message-id": (
        b"From: Olle <olle@example.se>\r\nSubject: Utan Message-ID\r\n\r\nHej\r\n"),
    "no from at all": (
        b"Subject: Vem skickade detta?\r\nMessage-ID: <nf@example.se>\r\n\r\nHej\r\n"),
    "odd headers": (
        b"From: \"Unbalanced <x@example.se>\r\nSubject: Udda\r\nMessage-ID: <<odd>>@@\r\n"
        b"Content-Type: text/plain; name*=\r\nReferences: ((( <a@b\r\n\r\nText\r\n"),
    "not a mail": b"\x00\x01\x02 binary garbage \xff\xfe",
}
