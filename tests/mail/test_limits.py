"""What one mail may cost: a mail of 20,000 tiny parts and one nested 50 levels deep
are taken — raw kept, text as far as it goes, the limit said on the case — without
20,000 attachment rows, and while a colleague goes on writing notes."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from mailservers import Dovecot, Mailbox
from test_poller import cases_of, settings

from mail.parse import Limits, parse
from mail.poller import Poller
from mail.settings import MailSettings


def many_parts(parts: int = 20_000) -> bytes:
    head = (b"From: Bomb <bomb@example.se>\r\nSubject: Many parts\r\n"
            b"Message-ID: <bomb@example.se>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
    body = [b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej, se bilagorna.\r\n"]
    body += [b"--b\r\nContent-Type: application/octet-stream\r\n"
             b"Content-Disposition: attachment; filename=\"p%d.bin\"\r\n\r\n%d\r\n" % (i, i)
             for i in range(parts - 1)]
    return head + b"".join(body) + b"--b--\r\n"


def nested(depth: int = 50) -> bytes:
    inner = b"Content-Type: text/plain\r\n\r\nInnersta texten.\r\n"
    for level in range(depth, 0, -1):
        b = b"n%d" % level
        inner = (b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n--" + b +
                 b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNiv\xc3\xa5 %d.\r\n--"
                 % level + b + b"\r\n" + inner + b"--" + b + b"--\r\n")
    return (b"From: Deep <deep@example.se>\r\nSubject: Deep\r\nMessage-ID: <deep@example.se>"
            b"\r\nMIME-Version: 1.0\r\n" + inner)


def test_a_mail_of_many_parts_is_read_up_to_the_limit() -> None:
    parsed = parse(many_parts(), Limits(max_parts=500))
    assert parsed.text == "Hej, se bilagorna."
    assert len(parsed.attachments) == 499
    assert [a.filename for a in parsed.attachments[:2]] == ["p0.bin", "p1.bin"]
    assert parsed.problems[0] == ("more than 500 parts: the rest was not read (the original "
                                  "mail keeps it)")
    # A mail under the limit is read whole, with no word about limits.
    whole = parse(many_parts(400), Limits(max_parts=500))
    assert len(whole.attachments) == 399
    assert not any("parts" in p for p in whole.problems)


def test_parts_nested_past_the_limit_are_not_read() -> None:
    parsed = parse(nested(50), Limits(max_depth=20))
    assert parsed.text.splitlines()[0] == "Nivå 1."
    assert "Nivå 20." in parsed.text
    assert "Nivå 21." not in parsed.text
    assert "Innersta texten." not in parsed.text
    assert any("nested deeper than the limit" in p for p in parsed.problems)
    assert "Innersta texten." in parse(nested(50), Limits(max_depth=60)).text


def test_attachments_over_a_size_limit_are_named_not_kept() -> None:
    raw = many_parts(4)
    parsed = parse(raw, Limits(max_attachment_bytes=1))  # "0", "1", "2": one byte each
    assert len(parsed.attachments) == 3
    parsed = parse(raw, Limits(max_total_bytes=2))
    assert [a.filename for a in parsed.attachments] == ["p0.bin", "p1.bin"]
    assert parsed.too_large == (("p2.bin", 1),)


def _colleague(team, number: int, stop: threading.Event, done: list[int],  # type: ignore[no-untyped-def]
               errors: list[str]) -> None:
    anna = team.as_("anna")
    while not stop.is_set() or len(done) < 5:
        try:
            anna.note(number, f"anteckning {len(done)}")
            done.append(1)
        except Exception as exc:  # reported by the test
            errors.append(f"{type(exc).__name__}: {exc}")
            return


@pytest.mark.parametrize("bomb", ["parts", "depth"])
def test_a_mime_bomb_is_taken_while_a_colleague_writes(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch,
        bomb: str) -> None:
    number = team.new_case()
    dovecot.append(mailbox.user, "INBOX", many_parts() if bomb == "parts" else nested())
    dovecot.append(mailbox.user, "INBOX", many_parts(3).replace(b"bomb@", b"efter@"))
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(), clock=team.clock)
    stop, done, errors = threading.Event(), [], []
    writer = threading.Thread(target=_colleague, args=(team, number, stop, done, errors))
    writer.start()
    try:
        result = poller.poll_once()
    finally:
        stop.set()
        writer.join(120)
    assert errors == []
    assert len(done) >= 5
    assert result.outcomes == {"ingested": 2}
    sender = "bomb@example.se" if bomb == "parts" else "deep@example.se"
    (case,) = cases_of(team, sender)
    (message,) = [m for m in case.messages if m.kind == "customer"]
    if bomb == "parts":
        assert message.text.startswith("Hej, se bilagorna.")
        assert "more than 500 parts" in message.text  # said on the case
        assert len(message.attachments) == 499
    else:
        assert message.text.startswith("Nivå 1.")
        assert "nested deeper than the limit" in message.text
    with team.db.read() as session:
        rows = session.scalar(sa.text("SELECT count(*) FROM attachment"))
        raw = session.scalar(sa.text("SELECT size FROM inbound_mail ORDER BY uid LIMIT 1"))
    assert rows <= 499 + 2
    assert raw == len(many_parts() if bomb == "parts" else nested())  # the raw mail kept
    (after,) = cases_of(team, "efter@example.se")
    assert len(after.messages[0].attachments) == 2


@pytest.mark.parametrize("form", ["RFC 2231 boundary", "a long boundary", "bare CR lines"])
def test_the_part_limit_holds_however_the_boundary_is_written(form: str) -> None:
    raw = many_parts(2000)
    if form == "RFC 2231 boundary":
        raw = raw.replace(b'boundary="b"', b"boundary*=us-ascii''b", 1)
    elif form == "a long boundary":
        raw = raw.replace(b'boundary="b"', b'boundary="' + b"x" * 300 + b'"', 1).replace(
            b"\r\n--b", b"\r\n--" + b"x" * 300)
    else:
        raw = raw.replace(b"\r\n", b"\r")
    parsed = parse(raw, Limits(max_parts=100))
    assert len(parsed.attachments) <= 100
    assert parsed.problems[0] == ("more than 100 parts: the rest was not read (the "
                                  "original mail keeps it)")


def test_a_text_past_its_limit_is_cut_and_said() -> None:
    raw = (b"From: Lang <lang@example.se>\r\nSubject: Lang\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + b"abc " * 1000)
    parsed = parse(raw, Limits(max_text_chars=100))
    assert len(parsed.text) <= 100
    assert parsed.problems[0].startswith("a text longer than 100 characters")


def test_only_the_nearest_references_are_read() -> None:
    refs = " ".join(f"<r{i}@example.se>" for i in range(5000))
    parsed = parse(b"From: a@example.se\r\nReferences: " + refs.encode() + b"\r\n\r\nx")
    assert len(parsed.thread_ids) == 20
    assert parsed.thread_ids[0] == "<r4999@example.se>"


def test_a_forwarded_mail_is_kept_byte_for_byte() -> None:
    inner = ("From: Åsa <asa@example.se>\r\nSubject: Räkning\r\n\r\nHej\r\n").encode()
    raw = (b"From: Per <per@example.se>\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
           b"Content-Type: text/plain\r\n\r\nSe nedan.\r\n--B\r\n"
           b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--B--\r\n")
    (forwarded,) = parse(raw).attachments
    assert forwarded.content.startswith("From: Åsa <asa@example.se>".encode())
    assert "Subject: Räkning".encode() in forwarded.content


def test_a_mail_over_the_size_limit_is_read_by_its_headers(
        team, dovecot: Dovecot, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    big = many_parts(3).replace(b"Hej, se bilagorna.", b"x" * 3_000_000)
    dovecot.append(mailbox.user, "INBOX", big)
    dovecot.append(mailbox.user, "INBOX", many_parts(3).replace(b"bomb@", b"efter@"))
    poller = Poller(team.db, settings(mailbox, monkeypatch), MailSettings(max_mail_mb=1),
                    clock=team.clock)
    assert poller.poll_once().outcomes == {"ingested": 2}
    (case,) = cases_of(team, "bomb@example.se")
    assert case.title == "Many parts"
    (message,) = [m for m in case.messages if m.kind == "customer"]
    assert message.text.startswith("This mail is 3.0 MB, more than [mail] max_mail_mb (1 MB)")
    assert message.attachments == ()
    with team.db.read() as session:
        kept = session.scalar(sa.text("SELECT size FROM inbound_mail ORDER BY uid LIMIT 1"))
    assert kept < 1000  # the headers
    (after,) = cases_of(team, "efter@example.se")
    assert len(after.messages[0].attachments) == 2
    assert all("\\Seen" in m.flags for m in dovecot.messages(mailbox.user))
