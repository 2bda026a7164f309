"""A mail's body: its text and its attachments, within limits on what one mail may cost.

Past a limit the mail is still read as far as the limit goes; what was left out is said
in `notes` (the raw mail, kept whole, still has it). The parser never sees the parts
past `max_parts` (the raw mail is cut before them), a part over a size limit is never
decoded, and `max_parts` is counted again over what the parser made, so a boundary
the cut did not recognise costs no more. Pure: no database, no network.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote

from mail.headers import text_of, words


@dataclass(frozen=True)
class Limits:
    """What one mail may cost to read ([mail] in the config sets them)."""

    max_parts: int = 500
    max_depth: int = 20
    max_attachment_bytes: int = 25_000_000
    max_total_bytes: int = 100_000_000  # the attachments of one mail together
    max_text_chars: int = 1_000_000  # of each text part: a letter, not a data dump


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Body:
    text: str = ""
    attachments: list[Part] = field(default_factory=list)
    too_large: list[tuple[str, int]] = field(default_factory=list)  # (filename, size)
    notes: list[str] = field(default_factory=list)  # limits met: said first on the case


def cut(raw: bytes, max_parts: int) -> tuple[bytes, bool]:
    """`raw` up to the part past `max_parts`, and whether it was cut. A part starts at
    a line `--boundary` for a boundary the mail declares (line ends CRLF, LF or CR)."""
    if raw.count(b"--") <= max_parts:  # the usual mail: nothing to count
        return raw, False
    boundaries = set()
    for found in BOUNDARY_RE.finditer(raw):
        value = found.group(2).strip(b'"')
        if found.group(1):  # RFC 2231: boundary*=utf-8''b%41 (continuations: uncounted)
            value = unquote(value.decode("ascii", "replace").rpartition("'")[2]).encode()
        boundaries.add(value)
    parts = 0
    for line in DELIMITER_RE.finditer(raw):
        if line.group(1).rstrip(b" \t") in boundaries:  # opening, not closing (b--)
            parts += 1
            if parts > max_parts:
                return raw[:line.start()], True
    return raw, False


BOUNDARY_RE = re.compile(rb'boundary(\*)?\s*=\s*("[^"\r\n]{1,1000}"|[^\s;"]{1,1000})',
                         re.IGNORECASE)
DELIMITER_RE = re.compile(rb"(?:^|(?<=[\r\n]))--([^\r\n]{1,1000})(?=\r\n|\r|\n|$)")


def body(msg: Message, limits: Limits, problems: list[str]) -> Body:
    """The text (the plain parts, else the HTML ones as text) and the attachments."""
    result = Body()
    plain: list[str] = []
    html: list[str] = []
    kept = 0
    for part in _leaves(msg, limits, result.notes, problems):
        ctype = part.get_content_type()
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        name = _filename(part, problems)
        if ctype == "message/rfc822":  # a forwarded mail: kept whole, as a file
            content = _forwarded_bytes(part)
            name = name or "forwarded.eml"
        elif ctype.startswith("multipart/"):  # its parts could not be separated: as text
            raw = _decoded(part) or b""
            plain.append(_text(raw, part, limits, result.notes, problems))
            continue
        else:
            size = _encoded_size(part)
            is_text = ctype in ("text/plain", "text/html") and disposition != "attachment" \
                and not name
            if not is_text and (size > limits.max_attachment_bytes
                                or kept + size > limits.max_total_bytes):
                # Not even decoded: a large part costs no memory it is not kept for.
                result.too_large.append((name or f"part-{len(result.attachments) + 1}", size))
                continue
            try:
                decoded_bytes = _decoded(part)
            except Exception:
                decoded_bytes = None
            content = decoded_bytes if decoded_bytes is not None else \
                text_of(part.get_payload()).encode("utf-8", "surrogateescape")
            if is_text:
                decoded = _text(content, part, limits, result.notes, problems)
                (plain if ctype == "text/plain" else html).append(decoded)
                continue
            name = name or f"part-{len(result.attachments) + 1}"
        if len(content) > limits.max_attachment_bytes or \
                kept + len(content) > limits.max_total_bytes:
            result.too_large.append((name, len(content)))
            continue
        kept += len(content)
        result.attachments.append(Part(name, ctype, content))
    if plain:
        text = "\n\n".join(t.strip("\n") for t in plain)
    else:
        text = "\n\n".join(html_to_text(h) for h in html)
    result.text = text.replace("\r\n", "\n").strip()
    return result


def _text(payload: bytes, part: Message, limits: Limits, notes: list[str],
          problems: list[str]) -> str:
    text = decode(payload, part.get_content_charset(), problems)
    if len(text) > limits.max_text_chars:
        _note(notes, f"a text longer than {limits.max_text_chars:,} characters: the rest "
                     "was not read (the original mail keeps it)")
        text = text[:limits.max_text_chars]
    return text


def _leaves(msg: Message, limits: Limits, notes: list[str], problems: list[str]
            ) -> list[Message]:
    """The parts that hold content, in order, at most `max_parts`; a forwarded mail
    counts as one part. Parts nested deeper than `max_depth` are not read."""
    leaves: list[Message] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]  # no recursion: depth is the sender's
    while stack:
        part, depth = stack.pop()
        if part.get_content_type() == "message/rfc822" or not part.is_multipart():
            if len(leaves) >= limits.max_parts:
                _note(notes, f"more than {limits.max_parts} parts: the rest was not read "
                             "(the original mail keeps it)")
                break
            leaves.append(part)
            continue
        payload = part.get_payload()
        if not isinstance(payload, list):  # a broken boundary: the parser kept the text
            problems.append("a multipart mail whose parts could not be separated")
            leaves.append(part)
            continue
        if depth >= limits.max_depth:
            _note(notes, "parts nested deeper than the limit were not read (the original "
                         "mail keeps them)")
            continue
        stack.extend((sub, depth + 1) for sub in reversed(payload) if isinstance(sub, Message))
    return leaves


def _note(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


def _encoded_size(part: Message) -> int:
    """A part's decoded size, told from its encoded text (base64: three bytes in four,
    line breaks not counted)."""
    payload = part.get_payload()
    if not isinstance(payload, str | bytes):
        return 0
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding != "base64":
        return len(payload)
    if isinstance(payload, str):
        breaks = payload.count("\n") + payload.count("\r")
    else:
        breaks = payload.count(b"\n") + payload.count(b"\r")
    return (len(payload) - breaks) * 3 // 4


def decode(payload: bytes, charset: str | None, problems: list[str]) -> str:
    """Bytes in their declared charset; a wrong or unknown one read as UTF-8, then as
    Windows-1252 (which decodes any byte), so the text is always there to read."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            codecs.lookup(candidate)
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    problems.append(f"text in an unknown or wrong charset ({charset or 'none given'})")
    return payload.decode("cp1252", "replace")


def _filename(part: Message, problems: list[str]) -> str:
    try:
        name = part.get_filename()
    except Exception:  # RFC 2231 parameter without a value and the like
        name = None
    return words(text_of(name), "an attachment's name", problems) if name else ""


def _forwarded_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    try:
        if isinstance(inner, list) and inner:
            first = inner[0]
            if isinstance(first, Message):
                return first.as_bytes()
            return text_of(inner).encode("utf-8", "surrogateescape")
        return _decoded(part) or b""
    except Exception:
        return text_of(inner).encode("utf-8", "surrogateescape")


def _decoded(part: Message) -> bytes | None:
    """A part's content undone from its transfer encoding; None for a multipart."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None



def html_to_text(html: str) -> str:
    """An HTML mail as readable text (inscriptis keeps lists, tables and paragraphs)."""
    from inscriptis import get_text

    try:
        return get_text(html).strip()
    except Exception:  # a document lxml cannot read at all: strip the tags
        return re.sub(r"<[^>]+>", " ", html).strip()
