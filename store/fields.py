"""What a field may hold: one-line text, labels, titles, priorities, email addresses,
customer types — each input normalised or refused in words, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from store import queries
from store.addresses import mail_address
from store.errors import InvalidInput

MENTION_RE = re.compile(r"(?<![\w@])@([a-z_](?:[a-z0-9_.-]*[a-z0-9_])?)", re.IGNORECASE)


def one_line(text: str) -> str:
    """One line of text, control characters and line breaks as spaces (mail headers,
    names of agents and channels). Not the terminal's sanitizer: that is tui.sanitize."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


# A label's length, and all of a case's together: an index holds them (a list grouped
# by labels), and PostgreSQL refuses an index entry over ~2.7 kB.
LABEL_CHARS, LABELS_CHARS = 100, 500


def fitting_labels(labels: Iterable[str]) -> list[str]:
    """As many of `labels` as a case may carry, the first given first: never refused
    (what a case carried from before the limits, what a rule adds to a case)."""
    kept: list[str] = []
    total = -1
    for label in labels:
        name = one_line(label).replace(",", " ").strip()
        if name and len(name) <= LABEL_CHARS and name not in kept \
                and total + 1 + len(name) <= LABELS_CHARS:
            kept.append(name)
            total += 1 + len(name)
    return kept


def label_text(labels: Iterable[str]) -> str:
    """Labels as a case keeps them: sorted, comma-separated; too long is refused."""
    clean = sorted({one_line(label).replace(",", " ").strip() for label in labels} - {""})
    if any(len(label) > LABEL_CHARS for label in clean):
        raise InvalidInput(f"a label is at most {LABEL_CHARS} characters")
    text = ",".join(clean)
    if len(text) > LABELS_CHARS:
        raise InvalidInput(f"a case's labels are at most {LABELS_CHARS} characters together")
    return text


# A channel's signature: a few lines under every mail it sends.
SIGNATURE_LINES, SIGNATURE_CHARS = 15, 2000


def signature_text(text: str) -> str:
    """A signature as a channel keeps it: lines of printable text, trailing spaces
    and blank lines at either end dropped; too long is refused, never cut."""
    lines = ["".join(ch if ch.isprintable() else " " for ch in line).rstrip()
             for line in text.replace("\r\n", "\n").split("\n")]
    clean = "\n".join(lines).strip()
    if clean.startswith("--\n") or clean == "--":  # its "-- " line: the mail adds it
        clean = clean[2:].strip()
    if len(clean) > SIGNATURE_CHARS or clean.count("\n") >= SIGNATURE_LINES:
        raise InvalidInput(f"a signature is at most {SIGNATURE_LINES} lines and "
                           f"{SIGNATURE_CHARS} characters")
    return clean


# A form's fields (store.models.CaseField): a few, named, each a line of text.
MOST_FIELDS = 30


def form_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """A web form's fields as a case keeps them: names and values on one line each,
    an empty value left out; too many, or a name or value too long, refused."""
    if len(fields) > MOST_FIELDS:
        raise InvalidInput(f"{len(fields)} fields: a case takes {MOST_FIELDS} at most")
    clean = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidInput("a field's name and value are text")
        key, text = one_line(name), one_line(value)
        if not key:
            raise InvalidInput("a field needs a name")
        if len(key) > 100 or len(text) > 1000:
            raise InvalidInput(f"the field {key[:40]!r} is too long (a name takes 100 "
                               "characters, a value 1,000)")
        if text:
            clean[key] = text
    return clean


def clean_title(title: str) -> str:
    """Kept as given (nothing lost; the display shows control characters as markers)."""
    value = title.strip()
    if not one_line(value):
        raise InvalidInput("a case needs a title")
    return value[:500]


def parse_priority(text: str) -> str:
    return queries.parse_priority(text)


def plain_address(value: str) -> bool:
    """One address mail can be sent to (store.addresses.mail_address)."""
    try:
        mail_address(value)
    except InvalidInput:
        return False
    return True


CUSTOMER_TYPES = ("private", "business")


TIER_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")


def email_address(text: str) -> str:
    """One plain email address (lower-cased), or InvalidInput: a reply must never go
    to a list of addresses someone typed into a name field."""
    value = text.strip().lower()
    mail_address(value)
    return value
