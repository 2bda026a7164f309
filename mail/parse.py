"""A raw mail into what a case needs: sender, subject, threading headers, text,
attachments, and what kind of mail it is (auto-reply, bounce, bulk).

Real mail is hostile or broken often enough that nothing here may raise for one
bad header or part: each is decoded on its own, with a readable fallback and a
note in `problems`. Only mail that is not mail at all raises `Unreadable`, and the
caller keeps its raw bytes anyway. Pure: no database, no network.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors
from email._header_value_parser import get_address_list, get_unstructured
from email.message import Message
from email.utils import parsedate_to_datetime

from store.addresses import mail_address
from store.errors import InvalidInput

MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
CASE_TAG_RE = re.compile(r"\[#(\d{1,12})\]")
# Subjects of automatic answers that carry none of the standard headers.
AUTO_SUBJECT_RE = re.compile(
    r"^(auto(matic)?[ -]?(reply|response|svar)|out of (the )?office|frånvaro|autosvar|"
    r"abwesenheit|fraværende)\b", re.IGNORECASE)
BOUNCE_SENDER_RE = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


class Unreadable(Exception):
    """The bytes are not a mail at all."""


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Limits:
    """What one mail may cost to read. Past a limit the mail is still taken (its raw
    bytes keep everything); what was not read is said in `problems`."""

    max_parts: int = 500
    max_depth: int = 20
    max_attachment_bytes: int = 25_000_000
    max_total_bytes: int = 100_000_000  # the attachments of one mail together


@dataclass(frozen=True)
class Bounce:
    """A delivery report (RFC 3464), or a bounce that quotes the mail it returns."""

    message_ids: tuple[str, ...]  # of the returned mail: one of ours, if it is ours
    recipient: str  # "" when the report does not say
    reason: str  # the server's words, one line
    failed: bool  # False: a delay or a success report, the mail is not lost


@dataclass(frozen=True)
class ParsedMail:
    sender_name: str
    sender_address: str  # lower case; "" when the mail has no usable From
    subject: str
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    text: str
    attachments: tuple[Part, ...] = ()
    # auto-reply, bounce, bulk, no-sender; no-autoreply: the sender asks for no answer
    flags: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())
    # Attachments not kept (over a size limit): (filename, size).
    too_large: tuple[tuple[str, int], ...] = ()
    bounce: Bounce | None = None
    # Read as the sender is: by the address, a name that holds one is only a name.
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The Message-IDs this mail answers, nearest first."""
        return tuple(dict.fromkeys((*self.in_reply_to, *reversed(self.references))))

    @property
    def case_tag(self) -> int | None:
        found = CASE_TAG_RE.search(self.subject)
        return int(found.group(1)) if found else None


def parse(raw: bytes, limits: Limits = Limits()) -> ParsedMail:
    if not raw.strip():
        raise Unreadable("the mail is empty")
    # Past the part limit the parser never sees the rest: its memory and time are
    # bounded by the limits, not by what a sender made.
    raw, limited = _cut(raw, limits.max_parts)
    try:
        # compat32: headers as they came (the modern policy raises on some real ones);
        # each is decoded below on its own terms.
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the parser is not supposed to raise; be sure
        raise Unreadable(f"the mail cannot be parsed: {exc}") from None
    if not msg.keys():
        raise Unreadable("the mail has no headers")
    problems: list[str] = []
    if limited:
        problems.append(f"more than {limits.max_parts} parts: the rest was not read "
                        "(the original mail keeps it)")
    problems += [f"{type(d).__name__}" for d in msg.defects][:5]
    _headers_as_text(msg, problems)
    name, address = _sender(msg, problems)
    subject = _header(msg, "Subject", problems)
    text, attachments, too_large = _body(msg, limits, problems)
    flags = _flags(msg, address, subject)
    return ParsedMail(
        sender_name=name, sender_address=address, subject=" ".join(subject.split()),
        message_id=next(iter(_ids(msg.get("Message-ID"))), None),
        in_reply_to=_ids(msg.get("In-Reply-To")), references=_ids(msg.get("References")),
        date=_date(msg.get("Date")), text=text, attachments=tuple(attachments),
        too_large=tuple(too_large),
        flags=flags, problems=tuple(problems),
        bounce=_bounce(msg, raw, text, subject) if "bounce" in flags else None,
        reply_to=addresses(_raw_header(msg.get("Reply-To", ""))),
        to=addresses(_raw_header(msg.get("To", ""))),
        cc=addresses(_raw_header(msg.get("Cc", ""))),
    )


def _raw_header(value: object) -> str:
    """A header as text: undecodable bytes (kept as surrogates) read as UTF-8."""
    text = str(value) if value is not None else ""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _bytes_as_text(raw: bytes) -> tuple[str, bool]:
    """8-bit header bytes as text: UTF-8 (RFC 6532, what SMTPUTF8 clients send), else
    Windows-1252 as old Swedish clients write it. The flag: a fallback was needed."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return raw.decode("latin-1"), True


def _unescape(text: str) -> tuple[str, bool]:
    """`text` with its runs of raw bytes (surrogates, as the parser keeps them) decoded."""
    fallback = False

    def one(run: re.Match[str]) -> str:
        nonlocal fallback
        decoded, legacy = _bytes_as_text(run.group().encode("ascii", "surrogateescape"))
        fallback = fallback or legacy
        return decoded

    return RAW_BYTES_RE.sub(one, text), fallback


ANGLE_RE = re.compile(r"^([^<>]*)<([^<>\s]+)>\s*$")
RAW_BYTES_RE = re.compile("[\udc80-\udcff]+")


def _headers_as_text(msg: Message, problems: list[str]) -> None:
    """Raw 8-bit header bytes read as UTF-8 (else Windows-1252) in every part, once,
    before anything reads a header: the stdlib would read them as ASCII, and a
    Swedish letter that arrived intact would show as two �."""
    fallback = False
    for part in msg.walk():
        items = list(part.raw_items())
        if not any(isinstance(v, str) and RAW_BYTES_RE.search(v) for _, v in items):
            continue
        for name in dict.fromkeys(k for k, _ in items):
            del part[name]
        for name, value in items:
            if isinstance(value, str):
                value, legacy = _unescape(value)
                fallback = fallback or legacy
            part.set_raw(name, value)
    if fallback:
        problems.append("a header in 8-bit bytes that are not UTF-8, read as Windows-1252")


def _words(text: str, what: str, problems: list[str]) -> str:
    """A header's text with its encoded words (RFC 2047) decoded, by the parser of
    the modern email policy, which also reads words beside raw UTF-8."""
    try:
        token = get_unstructured(text)
        decoded = str(token)
    except Exception as exc:  # the parser is not supposed to raise; be sure
        problems.append(f"{what}: {exc}")
        return text
    if any(isinstance(d, UNREADABLE_WORD) for d in token.all_defects):
        problems.append(f"{what}: an encoded word in an unknown charset or broken")
    decoded, legacy = _unescape(decoded)
    if legacy:
        problems.append(f"{what}: an encoded word that is not what its charset says")
    return decoded


UNREADABLE_WORD = (errors.CharsetError, errors.UndecodableBytesDefect,
                   errors.InvalidBase64CharactersDefect)


def _header(msg: Message, name: str, problems: list[str]) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    return _words(_raw_header(value), name, problems)


def one_line(text: str) -> str:
    """Control characters and line breaks as spaces, runs of space as one."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


@dataclass(frozen=True)
class Address:
    """One mailbox of an address header: the address is what the mail server routes
    to; the name is only what the sender typed (and may look like any address)."""

    name: str
    address: str  # lower case


def addresses(value: str, problems: list[str] | None = None) -> tuple[Address, ...]:
    """The mailboxes of an address header's raw value (encoded words undecoded).

    The structure is parsed first, by the modern email parser, and only then is each
    display name decoded: so an encoded word that decodes to `Name <x@y>`, a line
    break or `Bcc:` stays part of the name and is never taken for an address."""
    try:
        parsed, _rest = get_address_list(value)
        # Invalid ones too (`a..b@x.se` is real): the address is checked below.
        boxes = parsed.all_mailboxes
    except Exception:  # the parser is not supposed to raise; be sure
        boxes = []
    found = []
    for box in boxes:
        try:
            local, domain = box.local_part, box.domain
            address = box.addr_spec
            name = box.display_name or " ".join(box.comments)
        except Exception:
            continue
        if not local or not domain:
            continue
        name, legacy = _unescape(name or "")
        if legacy and problems is not None:
            problems.append("a name in an encoded word that is not what its charset says")
        address = address.strip().lower()
        # Only an address the store accepts and the outbox can answer (one address,
        # printable, no quotes or brackets): anything else is no address at all.
        if _answerable(address):
            found.append(Address(one_line(name)[:200], address))
    return tuple(found)


def _answerable(address: str) -> bool:
    """Whether the store takes `address` and the outbox can send to it (one check)."""
    try:
        mail_address(address)
    except InvalidInput:
        return False
    return True


def _sender(msg: Message, problems: list[str]) -> tuple[str, str]:
    value = msg.get("From")
    if value is None:
        return "", ""
    raw = _raw_header(value)
    found = addresses(raw, problems)
    if not found:
        # `Name name@x <real@y>`, an unquoted @ in the name: the parser sees one broken
        # address, mail clients the angle address at the end. Read on the raw header,
        # so no encoded word can make the brackets.
        angle = ANGLE_RE.search(raw)
        if angle and _answerable(angle.group(2).lower()):
            name = one_line(_words(angle.group(1), "From", problems).strip(' "'))[:200]
            found = (Address(name, angle.group(2).lower()),)
    if found:
        return found[0].name, found[0].address
    # No address to answer: what the header says is kept only as the sender's name.
    return one_line(_words(raw, "From", problems))[:200], ""


def _ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    text = _raw_header(value)
    found = MESSAGE_ID_RE.findall(text)
    if not found and text.strip():  # no brackets: the sender's own style, kept whole
        found = [text.split()[0]]
    return tuple(i[:998] for i in found)


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(_raw_header(value))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _flags(msg: Message, address: str, subject: str) -> tuple[str, ...]:
    """What kind of mail this is (RFC 3834 and the headers mailers really send)."""
    flags = []
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if (auto != "no" or msg.get("X-Autoreply") or msg.get("X-Autorespond")
            or precedence == "auto_reply" or AUTO_SUBJECT_RE.match(subject.strip())):
        flags.append("auto-reply")
    report = (msg.get_content_type() == "multipart/report"
              and str(msg.get_param("report-type", "")).lower() == "delivery-status")
    return_path = str(msg.get("Return-Path", "")).strip()
    if report or BOUNCE_SENDER_RE.match(address) or return_path == "<>":
        flags.append("bounce")
    if precedence in ("bulk", "junk", "list") or msg.get("List-Id") or msg.get(
            "List-Unsubscribe"):
        flags.append("bulk")
    if not address:
        flags.append("no-sender")
    if msg.get("X-Auto-Response-Suppress"):
        flags.append("no-autoreply")
    return tuple(flags)


def _bounce(msg: Message, raw: bytes, text: str, subject: str) -> Bounce | None:
    """What a bounce returns, and why: from the report's fields where it is one
    (RFC 3464), else from the Message-IDs it quotes and the first SMTP error in its
    text. None: it names no mail it returns (then it is only a mail of a machine)."""
    own = next(iter(_ids(msg.get("Message-ID"))), None)
    quoted = tuple(dict.fromkeys(
        i for i in (m.decode("ascii", "replace") for m in QUOTED_ID_RE.findall(raw))
        if i != own))
    fields: dict[str, str] = {}
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if block.get("Action"):  # the first recipient's: ours go to one
                    fields = {k.lower(): one_line(_raw_header(v)) for k, v in block.items()}
                    break
    if not quoted:
        return None
    action = fields.get("action", "failed").lower()
    recipient = fields.get("final-recipient", fields.get("original-recipient", ""))
    reason = fields.get("diagnostic-code", "").partition(";")[2].strip() or \
        fields.get("diagnostic-code", "")
    if not reason:
        found = SMTP_ERROR_RE.search(text)
        reason = found.group(0) if found else fields.get("status") or subject
    return Bounce(quoted, recipient.partition(";")[2].strip().lower() or recipient,
                  one_line(reason)[:500], failed=action == "failed")


# A Message-ID header quoted in a bounce's body (the returned mail's headers).
QUOTED_ID_RE = re.compile(rb"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]{1,900}>)",
                          re.IGNORECASE | re.MULTILINE)
SMTP_ERROR_RE = re.compile(r"\b5\d\d[ -](?:\d\.\d{1,3}\.\d{1,3} )?[^\n]{1,300}")


def _decode(payload: bytes, charset: str | None, problems: list[str]) -> str:
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
    if not name:
        return ""
    return _words(_raw_header(name), "an attachment's name", problems)


def _body(msg: Message, limits: Limits, problems: list[str]
          ) -> tuple[str, list[Part], list[tuple[str, int]]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Part] = []
    too_large: list[tuple[str, int]] = []
    kept = 0
    for part in _leaves(msg, limits.max_depth, problems):
        ctype = part.get_content_type()
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        name = _filename(part, problems)
        if ctype == "message/rfc822":  # a forwarded mail: kept whole, as a file
            content = _forwarded_bytes(part)
            name = name or "forwarded.eml"
        elif ctype.startswith("multipart/"):  # its parts could not be separated: as text
            raw = part.get_payload(decode=True) or b""
            plain.append(_decode(raw, part.get_content_charset(), problems))
            continue
        else:
            size = _encoded_size(part)
            text = ctype in ("text/plain", "text/html") and disposition != "attachment" \
                and not name
            if not text and (size > limits.max_attachment_bytes
                             or kept + size > limits.max_total_bytes):
                # Not even decoded: a large part costs no memory it is not kept for.
                too_large.append((name or f"part-{len(attachments) + 1}", size))
                continue
            try:
                content = part.get_payload(decode=True)
            except Exception:
                content = None
            if content is None:
                content = _raw_header(part.get_payload()).encode()
            if text:
                decoded = _decode(content, part.get_content_charset(), problems)
                (plain if ctype == "text/plain" else html).append(decoded)
                continue
            name = name or f"part-{len(attachments) + 1}"
        if len(content) > limits.max_attachment_bytes or \
                kept + len(content) > limits.max_total_bytes:
            too_large.append((name, len(content)))
            continue
        kept += len(content)
        attachments.append(Part(name, ctype, content))
    if plain:
        text = "\n\n".join(t.strip("\n") for t in plain)
    elif html:
        text = "\n\n".join(html_to_text(h) for h in html)
    else:
        text = ""
    return text.replace("\r\n", "\n").strip(), attachments, too_large


def _encoded_size(part: Message) -> int:
    """A part's decoded size, told from its encoded text (base64: three bytes in four)."""
    payload = part.get_payload()
    length = len(payload) if isinstance(payload, str | bytes) else 0
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    return length * 3 // 4 if encoding == "base64" else length


def _leaves(msg: Message, depth: int, problems: list[str]) -> list[Message]:
    """The parts that hold content, in order; a forwarded mail counts as one part.
    Parts nested deeper than `depth` are not read."""
    if msg.get_content_type() == "message/rfc822" or not msg.is_multipart():
        return [msg]
    payload = msg.get_payload()
    if not isinstance(payload, list):  # a broken boundary: the parser kept the text
        problems.append("a multipart mail whose parts could not be separated")
        return [msg]
    if depth <= 0:
        problems.append("parts nested deeper than the limit were not read (the original "
                        "mail keeps them)")
        return []
    leaves: list[Message] = []
    for sub in payload:
        if sub.get_content_type() == "message/rfc822":
            leaves.append(sub)
        else:
            leaves.extend(_leaves(sub, depth - 1, problems))
    return leaves


def _cut(raw: bytes, max_parts: int) -> tuple[bytes, bool]:
    """`raw` up to the part past `max_parts`, and whether it was cut. A part starts at
    a line `--boundary` for a boundary the mail declares."""
    if raw.count(b"\n--") <= max_parts:  # the usual mail: nothing to count
        return raw, False
    boundaries = {b.strip(b'"') for b in BOUNDARY_RE.findall(raw)}
    parts = 0
    for line in DELIMITER_RE.finditer(raw):
        if line.group(1).rstrip() in boundaries:  # an opening delimiter, not a closing one
            parts += 1
            if parts > max_parts:
                return raw[:line.start()], True
    return raw, False


BOUNDARY_RE = re.compile(rb'boundary\s*=\s*("[^"\r\n]{1,200}"|[^\s;"]{1,200})', re.IGNORECASE)
# A delimiter line; a closing one ends in "--" and so names no declared boundary.
DELIMITER_RE = re.compile(rb"^--([^\r\n]{1,200})\r?$", re.MULTILINE)


def _forwarded_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    try:
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes()
        return part.get_payload(decode=True) or b""
    except Exception:
        return _raw_header(inner).encode()


def html_to_text(html: str) -> str:
    """An HTML mail as readable text (inscriptis keeps lists, tables and paragraphs)."""
    from inscriptis import get_text

    try:
        return get_text(html).strip()
    except Exception:  # a document lxml cannot read at all: strip the tags
        return re.sub(r"<[^>]+>", " ", html).strip()
