"""The original mail with its sensitive numbers masked (`[privacy] keep_raw =
"masked"`, and the `original.eml` of a mail that could not be read, which anyone on
its case may open).

Each text part is decoded, masked and written back (as UTF-8); then the whole, read
byte for byte as Latin-1, is masked once more, for headers and for what no parser
could split into parts. Numbers inside a base64 attachment stay: an attachment is
the customer's file, not their text.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterable
from email.charset import QP, Charset
from email.header import Header, decode_header, make_header
from email.message import Message

from store.privacy.mask import DOT, KINDS, mask

# Quoted-printable: the masked text stays readable in the mail's source.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


def _mask_parts(message: Message, kinds: Iterable[str]) -> bool:
    changed = False
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" \
                or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        try:
            text = payload.decode(part.get_content_charset() or "us-ascii")
        except (LookupError, UnicodeDecodeError):
            text = payload.decode("latin-1")
        masked = mask(text, kinds)
        if masked.changed:
            del part["Content-Transfer-Encoding"]
            part.set_payload(masked.text, charset=_UTF8)
            changed = True
    return changed


def _mask_headers(message: Message, kinds: Iterable[str]) -> bool:
    """The words people write in headers (an encoded subject, a sender's name),
    decoded, masked and encoded again; the bytes pass below catches the plain ones."""
    changed = False
    for name in ("Subject", "From", "To", "Cc", "Reply-To", "Comments"):
        value = message.get(name)
        if value is None or "=?" not in str(value):
            continue
        text = str(make_header(decode_header(str(value))))
        masked = mask(text, kinds)
        if masked.changed:
            message.replace_header(name, Header(masked.text, "utf-8").encode())
            changed = True
    return changed


def masked_original(raw: bytes, kinds: Iterable[str] = KINDS) -> bytes:
    """`raw` with the numbers of `kinds` masked in its text."""
    kinds = tuple(kinds)
    if not kinds:
        return raw
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        if _mask_headers(message, kinds) | _mask_parts(message, kinds):
            linesep = "\r\n" if b"\r\n" in raw[:4096] else "\n"  # as it came
            raw = message.as_bytes(policy=email.policy.compat32.clone(linesep=linesep))
    except Exception:  # noqa: BLE001 - a mail no parser takes apart: bytes alone, below
        pass
    # Latin-1 maps each byte to one character and back; the dots become asterisks.
    masked = mask(raw.decode("latin-1"), kinds)
    return masked.text.replace(DOT, "*").encode("latin-1") if masked.changed else raw
