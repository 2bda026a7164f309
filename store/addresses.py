"""Email addresses: the one check every address passes before casedesk stores it
(a contact, an agent, a channel), queues mail to it, or sends.

An address that passes goes on the SMTP command line and into the To/From header
exactly as it is: aiosmtplib's `parse_address`/`quote_address` leave it unchanged
and the sender (mail/sender.py's `build`; `email.policy.SMTPUTF8` for a non-ASCII
local part) writes it as it is. So the sender never refuses what the store accepted — apart from a
non-ASCII local part on a server that does not offer SMTPUTF8, which only the
server can tell (tests/store/test_addresses.py holds the two to that).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from store.errors import InvalidInput

# RFC 5322 atext, and dots anywhere: `a..b@` and `a.@` are real mailboxes (aiosmtplib
# and mail servers take them). Anything else (space, quotes, brackets, `,;:@\`) would
# turn one address into another, a list, or a group.
LOCAL_ASCII = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.")
LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


@dataclass(frozen=True)
class MailAddress:
    local: str  # as written; letters outside ASCII need SMTPUTF8
    domain: str  # ASCII: an internationalised domain in its xn-- form

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local.isascii()

    def __str__(self) -> str:
        return f"{self.local}@{self.domain}"


def mail_address(value: str) -> MailAddress:
    """`value` as one address mail can be sent to, or InvalidInput saying why not."""
    reason = _problem(value)
    if reason:
        raise InvalidInput(f"{value!r} is not one email address (like name@example.se): "
                           f"{reason}")
    local, _, domain = value.rpartition("@")
    return MailAddress(local, domain.encode("idna").decode("ascii"))


def _problem(value: str) -> str:
    if not value:
        return "it is empty"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "it holds a space, a line break or a control character"
    if value.count("@") != 1:
        return "it must have exactly one @"
    local, _, domain = value.partition("@")
    if not local or not domain:
        return "it needs a name before the @ and a domain after it"
    odd = sorted({ch for ch in local if ch.isascii() and ch not in LOCAL_ASCII})
    if odd:
        return f"the part before the @ cannot hold {' '.join(odd)}"
    if len(local.encode()) > 64:
        return "the part before the @ is longer than 64 characters"
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return f"{domain!r} is not a domain name"
    labels = ascii_domain.split(".")
    if (len(labels) < 2 or not all(LABEL_RE.match(label) for label in labels)
            or labels[-1].isdigit() or len(ascii_domain) > 253):
        return f"{domain!r} is not a domain name (like example.se)"
    if len(local.encode()) + 1 + len(ascii_domain) > 254:
        return "it is longer than 254 characters"
    return ""
