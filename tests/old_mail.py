"""A team's mail of the past, as the import tests and bench read it: realistic
conversations (Swedish and English, our replies in a sent folder, a phone that drops
the headers an answer carries, a forwarded chain) written as an mbox or a Maildir."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the team's clock in the tests (conftest)
US = "Nordljus Support <support@example.se>"


def written(sender: str, to: str, subject: str, text: str, when: datetime | None, mail_id: str,
            *, answers: str | None = None, references: str | None = None,
            headers: dict[str, str] | None = None,
            attachments: list[tuple[str, bytes, str]] | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if when is not None:
        msg["Date"] = format_datetime(when)
    msg["Message-ID"] = mail_id
    if answers:
        msg["In-Reply-To"] = answers
        msg["References"] = references or answers
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    for filename, content, ctype in attachments or []:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def days_ago(days: float, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days)).replace(hour=hour, minute=0)


@dataclass(frozen=True)
class History:
    inbox: list[bytes]
    sent: list[bytes]


def history() -> History:
    """Five conversations, each ending its own way (what the statuses should become):

    - Karin, January, answered twice, thanked last: long over → Closed;
    - James, last week, answered, then his phone's answer without References
      ("Re: Can't log in", the subject rule) → his, recent, answered → Open;
    - Olle, yesterday, never answered → New;
    - Åsa, answered by us last, two days ago → Waiting;
    - a colleague's forward of an old customer mail ("Fwd:"), never answered,
      a month ago → Closed.
    """
    inbox = [
        written("Karin Kund <karin@example.se>", US, "Fakturan stämmer inte",
                "Hej!\n\nJag har fått en faktura på 1 249 kr men abonnemanget kostar 999 kr.\n"
                "From my point of view it is wrong.\n\n/Karin", days_ago(50), "<k1@example.se>"),
        written("Karin Kund <karin@example.se>", US, "SV: Fakturan stämmer inte",
                "Tack, nu stämmer det!\n\n> Vi har krediterat 250 kr.", days_ago(48),
                "<k2@example.se>", answers="<r-k1@example.se>",
                references="<k1@example.se> <r-k1@example.se>"),
        written("James Smith <james@example.com>", US, "Can't log in",
                "Hi,\n\nthe app says my password is wrong since this morning.\n\nJames",
                days_ago(4), "<j1@example.com>"),
        written("James Smith <james@example.com>", US, "Re: Can't log in",
                "Still the same, sent from my phone", days_ago(3, 18), "<j2@example.com>"),
        written("Olle Ek <olle@example.se>", US, "Leveransen är sen",
                "Hej, paketet skulle komma i tisdags. Vad händer?\n\n/Olle", days_ago(1),
                "<o1@example.se>"),
        written("Åsa Öberg <asa@example.se>", US, "Retur av jacka",
                "Hej! Jag vill returnera jackan, order 55123.", days_ago(3), "<a1@example.se>"),
        written("Per Kollega <per@nordljus.se>", US, "Fwd: Gammal reklamation",
                "Kan ni ta den här?\n\n---------- Forwarded message ---------\n"
                "From: Lisa <lisa@example.se>\nSubject: Reklamation\n\nSkon gick sönder.",
                days_ago(30), "<f1@nordljus.se>"),
    ]
    sent = [
        written(US, "Karin Kund <karin@example.se>", "Re: Fakturan stämmer inte",
                "Hej Karin! Vi har krediterat 250 kr.\n\nVänliga hälsningar, Anna",
                days_ago(49), "<r-k1@example.se>", answers="<k1@example.se>"),
        written(US, "James Smith <james@example.com>", "Re: Can't log in",
                "Hi James, please try resetting it once more.", days_ago(4, 14),
                "<r-j1@example.se>", answers="<j1@example.com>"),
        written(US, "Åsa Öberg <asa@example.se>", "Re: Retur av jacka",
                "Hej Åsa! Här är en returetikett.", days_ago(2), "<r-a1@example.se>",
                answers="<a1@example.se>"),
    ]
    return History(inbox, sent)


def mbox_bytes(mails: list[bytes], *, style: str = "mboxrd") -> bytes:
    """Mails as an mbox file: a From line each, body lines that start "From " quoted
    (mboxrd quotes ">From " too; mboxo only "From "), LF line ends, and the usual
    headers a mail program adds to its store."""
    out = []
    for raw in mails:
        out.append(b"From MAILER-DAEMON Mon Jan  5 10:00:00 2026\n")
        head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        out.append(head + b"\nStatus: RO\nX-Mozilla-Status: 0001\n\n")
        for line in body.split(b"\n"):
            quoted = line.lstrip(b">").startswith(b"From ") if style == "mboxrd" else \
                line.startswith(b"From ")
            out.append((b">" + line if quoted else line) + b"\n")
        out.append(b"\n")
    return b"".join(out)


def write_mbox(path: Path, mails: list[bytes], *, style: str = "mboxrd") -> Path:
    path.write_bytes(mbox_bytes(mails, style=style))
    return path


def write_maildir(path: Path, mails: list[bytes], *, start: int = 1_700_000_000) -> Path:
    """Mails as a Maildir: in cur/, named by their order, seen."""
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(mails):
        (path / "cur" / f"{start + i}.M{i}P1.host:2,S").write_bytes(raw.replace(b"\r\n", b"\n"))
    return path
