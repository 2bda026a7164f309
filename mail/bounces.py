"""Whether a mail is a bounce of one of our mails, and of which.

Strict on purpose, since a bounce takes a mail out of the cases and marks one of ours
failed: only a delivery report (RFC 3464: multipart/report, report-type
delivery-status), or a mailer daemon's mail with the null return path, counts; the
returned mail's Message-ID is read only where the returned mail is (the report's
message/rfc822 or text/rfc822-headers part; a daemon's text below its error); and only
a report that fails or delays a mail counts. The store then matches it only to a mail
of ours from the address that received it, to the recipient the report names.
Anything else stays ordinary mail (flagged "bounce" for what it looks like).
Pure: no database, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from mail.headers import text_of
from store.fields import one_line

BOUNCE_SENDER_RE = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,900}>")
# A Message-ID header of the returned mail, quoted in a daemon's text.
QUOTED_ID_RE = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]{1,900}>)",
                          re.IGNORECASE | re.MULTILINE)
SMTP_ERROR_RE = re.compile(r"\b[45]\d\d[ -](?:\d\.\d{1,3}\.\d{1,3} )?[^\n]{1,300}")
ACTIONS = ("failed", "delayed")
MAX_IDS = 3  # a returned mail has one; a few more cost nothing, thousands would


@dataclass(frozen=True)
class Bounce:
    """A report that a mail of ours did not arrive (failed) or not yet (delayed)."""

    message_ids: tuple[str, ...]  # of the returned mail
    recipient: str  # lower case; "" when the report does not say
    reason: str  # the server's words, one line
    action: str  # failed | delayed


def is_report(msg: Message) -> bool:
    return (msg.get_content_type() == "multipart/report"
            and str(msg.get_param("report-type", "")).lower() == "delivery-status")


def bounce_of(msg: Message, sender: str, text: str, subject: str) -> Bounce | None:
    """The bounce `msg` is, or None. `sender`: its From address; `text`: its text."""
    if is_report(msg):
        return _report(msg, text, subject)
    return_path = text_of(msg.get("Return-Path")).strip()
    if BOUNCE_SENDER_RE.match(sender) and return_path == "<>":
        ids = tuple(dict.fromkeys(QUOTED_ID_RE.findall(text)))[:MAX_IDS]
        if not ids:
            return None
        found = SMTP_ERROR_RE.search(text)
        return Bounce(ids, "", one_line(found.group(0) if found else subject)[:300], "failed")
    return None


def _report(msg: Message, text: str, subject: str) -> Bounce | None:
    fields: dict[str, str] = {}
    ids: tuple[str, ...] = ()
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status" and not fields:
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                # The first recipient's: ours go to one.
                if isinstance(block, Message) and block.get("Action"):
                    fields = {k.lower(): one_line(text_of(v)) for k, v in block.items()}
                    break
        elif ctype == "message/rfc822" and not ids:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                ids = _ids(inner[0].get("Message-ID"))
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers") and not ids:
            headers = HeaderParser().parsestr(text_of(part.get_payload())[:20_000])
            ids = _ids(headers.get("Message-ID"))
    action = fields.get("action", "").lower()
    if not ids or action not in ACTIONS:  # a success report, or nothing of ours named
        return None
    recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
    code = fields.get("diagnostic-code", "")
    reason = code.partition(";")[2].strip() or code or fields.get("status", "")
    if not reason:
        found = SMTP_ERROR_RE.search(text)
        reason = found.group(0) if found else subject
    return Bounce(ids, recipient.partition(";")[2].strip().lower() or recipient.lower(),
                  one_line(reason)[:300], action)


def _ids(value: object) -> tuple[str, ...]:
    return tuple(MESSAGE_ID_RE.findall(text_of(value)))[:MAX_IDS]
