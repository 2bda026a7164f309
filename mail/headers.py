"""A mail's headers as text, and its addresses as addresses.

- Header bytes outside ASCII are read as UTF-8 (RFC 6532, what SMTPUTF8 clients send),
  else as Windows-1252 with a note: the parser's policy does it wherever a header is
  read, in every part, and the stored bytes stay as they came (a forwarded mail is
  kept byte for byte).
- A sender is an address, never a name. The structure of an address header is
  parsed first, on the raw header, and only then is the display name decoded: an
  encoded word that decodes to `Name <x@y>`, a line break or `Bcc:` stays a name.
  The address itself must stand in the header as written — not made by an encoded
  word or a comment — and be the only one; anything else is no sender at all.
- Every header is read up to a length, so no header costs more than that.
Pure: no database, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import errors
from email._header_value_parser import Mailbox, get_address_list, get_unstructured
from email.header import Header
from email.message import Message
from email.policy import Compat32

from store.fields import one_line, plain_address

LEGACY = "a header in 8-bit bytes that are not UTF-8, read as Windows-1252"
RAW_BYTES_RE = re.compile("[\udc80-\udcff]+")
# Past these lengths a header is not parsed further (the stdlib's parsers slow down
# sharply on long ones): an address header is then no address, a subject is cut.
MAX_ADDRESS_HEADER = 2000
MAX_TEXT_HEADER = 4000
# The whole header is one address in angle brackets at its end, after a name with
# no brackets of its own (a quoted name with brackets is the parser's to read).
ANGLE_RE = re.compile(r"([^<>]*)<([^<>\s]+)>\s*(?:\([^()]*\)\s*)?")
BARE_RE = re.compile(r"\s*<?([^<>\s()]+)>?\s*(?:\(([^()]*)\)\s*)?")
UNREADABLE_WORD = (errors.CharsetError, errors.InvalidBase64CharactersDefect)


class Policy(Compat32):
    """compat32 (headers as they came: the modern policy raises on some real ones),
    but 8-bit header bytes read as UTF-8, else Windows-1252 — compat32 reads them as
    ASCII, and a Swedish letter that arrived intact would show as two �. `notes`
    collects what had to fall back."""

    notes: list[str]

    def __init__(self, notes: list[str]) -> None:
        super().__init__()
        object.__setattr__(self, "notes", notes)  # policies are frozen by design

    def header_fetch_parse(  # type: ignore[override]  # as Compat32: typeshed has Policy say str
            self, name: str, value: str) -> str | Header:
        if isinstance(value, str) and RAW_BYTES_RE.search(value):
            text, legacy = unescape(value)
            if legacy and LEGACY not in self.notes:
                self.notes.append(LEGACY)
            return text
        return super().header_fetch_parse(name, value)


def bytes_as_text(raw: bytes) -> tuple[str, bool]:
    """8-bit bytes as text: UTF-8, else Windows-1252 as old Swedish clients write it.
    The flag: a fallback was needed."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return raw.decode("latin-1"), True


def unescape(text: str) -> tuple[str, bool]:
    """`text` with its runs of raw bytes (surrogates, as the parser keeps them) decoded."""
    fallback = False

    def one(run: re.Match[str]) -> str:
        nonlocal fallback
        decoded, legacy = bytes_as_text(run.group().encode("ascii", "surrogateescape"))
        fallback = fallback or legacy
        return decoded

    return RAW_BYTES_RE.sub(one, text), fallback


def text_of(value: object) -> str:
    """A header value as a plain string (a Header object set by code included)."""
    return str(value) if value is not None else ""


def words(text: str, what: str, problems: list[str]) -> str:
    """A header's text with its encoded words (RFC 2047) decoded, by the modern
    policy's parser, which also reads words beside raw UTF-8."""
    if len(text) > MAX_TEXT_HEADER:
        problems.append(f"{what}: longer than {MAX_TEXT_HEADER} characters, cut")
        text = text[:MAX_TEXT_HEADER]
    try:
        token = get_unstructured(text)
        decoded = str(token)
    except Exception as exc:  # the parser is not supposed to raise; be sure
        problems.append(f"{what}: {type(exc).__name__}")
        return text
    decoded, legacy = unescape(decoded)
    if legacy or "\ufffd" in decoded or any(
            isinstance(d, UNREADABLE_WORD) for d in token.all_defects):
        problems.append(f"{what}: an encoded word in an unknown charset or broken")
    return decoded


def header(msg: Message, name: str, problems: list[str]) -> str:
    value = msg.get(name)
    return "" if value is None else words(text_of(value), name, problems)


@dataclass(frozen=True)
class Address:
    """One mailbox of an address header: the address is what the mail server routes
    to; the name is only what the sender typed (and may look like any address)."""

    name: str
    address: str  # lower case


def addresses(value: str) -> tuple[Address, ...]:
    """The mailboxes of an address header's raw value (Reply-To, To, Cc): each one
    an address the store takes, written as it is, with its name decoded after."""
    if len(value) > MAX_ADDRESS_HEADER:
        return ()
    try:
        parsed, _rest = get_address_list(value)
        boxes = parsed.mailboxes
    except Exception:  # the parser is not supposed to raise; be sure
        return ()
    found = []
    for box in boxes:
        address = _as_written(value, box)
        if address:
            found.append(Address(_name(box), address))
    return tuple(found)


def sender(msg: Message, problems: list[str]) -> Address | None:
    """The one address a mail is from, or None: no From, more than one From header,
    more than one address in it, a group, or an address not written as it is."""
    values = msg.get_all("From") or []
    if not values:
        return None
    if len(values) > 1:
        problems.append("more than one From header: no sender taken")
        return Address(_plain_name(text_of(values[0]), problems), "")
    raw = text_of(values[0])
    if len(raw) > MAX_ADDRESS_HEADER:
        problems.append(f"a From header longer than {MAX_ADDRESS_HEADER} characters")
        return Address("", "")
    try:
        parsed, rest = get_address_list(raw)
        boxes = parsed.all_mailboxes
        groups = any(a[0].token_type == "group" for a in parsed.addresses if len(a))
    except Exception:  # the parser is not supposed to raise; be sure
        boxes, rest, groups = [], "", True
    if len(boxes) == 1 and not groups and not rest and boxes[0] in parsed.mailboxes:
        address = _as_written(raw, boxes[0])
        if address:
            return Address(_name(boxes[0]), address)
    # What the parser cannot read as one valid mailbox, mail clients still read two
    # ways: a bare address (`a..b@x.se`) or a name and one angle address at the end
    # (`Name name@x <real@y>`: an unquoted @ in the name). Read on the raw header,
    # so no encoded word can make the brackets.
    bare = BARE_RE.fullmatch(raw)
    if bare and _answerable(bare.group(1).lower()):
        return Address(one_line(words(bare.group(2) or "", "From", problems))[:200],
                       bare.group(1).lower())
    angle = ANGLE_RE.fullmatch(raw)
    if angle and _answerable(angle.group(2).lower()):
        name = one_line(words(angle.group(1).strip().strip('"'), "From", problems))
        return Address(name[:200], angle.group(2).lower())
    return Address(_plain_name(raw, problems), "")


def _as_written(raw: str, box: Mailbox) -> str:
    """The mailbox's address when the store takes it and the raw header holds it as it
    is (not made by an encoded word, a comment or a route); else ""."""
    try:
        address = str(box.addr_spec).strip().lower()
        route = getattr(box, "route", None)
    except Exception:
        return ""
    if route or "<@" in raw or address not in raw.lower() or not _answerable(address):
        return ""
    return address


def _name(box: Mailbox) -> str:
    try:
        name = box.display_name or " ".join(box.comments)
    except Exception:
        name = ""
    return one_line(unescape(name or "")[0])[:200]


def _plain_name(raw: str, problems: list[str]) -> str:
    """No address to answer: what the header says is kept only as the sender's name."""
    return one_line(words(raw, "From", problems))[:200]


def _answerable(address: str) -> bool:
    """Whether the store takes `address` and the outbox can send to it (one check)."""
    return plain_address(address)
