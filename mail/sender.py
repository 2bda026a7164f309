"""The outbox sender: agents' replies out by SMTP, over one reused connection.

Each mail is claimed (committed as "sending") before the network is touched, and
its outcome committed after: sent; a temporary refusal or a network failure before
the mail was handed over — queued again with a growing pause; a permanent refusal
(5xx) — failed, shown on the case. A connection that breaks while the server is
taking the mail leaves the outcome unknown: shown on the case, never sent again
by itself (ARCHITECTURE.md, "The outbox"). A crash between the server's answer and
our commit leaves the mail "sending", which the next sender marks unknown.

One mail's trouble is that mail's alone: an address that cannot be sent to (a row
older than the store's check), a mail that cannot be built, anything the library
refuses — that mail fails, with the reason, and the rest go on; a connection that
breaks is opened again for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import hashlib
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.policy import Compat32
from email.utils import format_datetime
from typing import Any

import aiosmtplib

from mail.settings import SecretError, SmtpSettings
from store import leases
from store.addresses import MailAddress, mail_address
from store.db import Database
from store.errors import InvalidInput, describe_failure
from store.service import CaseService, OutboxMail

log = logging.getLogger("casedesk.send")
LEASE = "send"
# Far longer than any one mail can take (the SMTP timeout) plus the pause between
# renewals: while it holds, no other sender takes this one's mail in flight for abandoned.
LEASE_TTL = timedelta(minutes=10)
LEASE_RENEW = 60.0  # s between renewals of the lease while sending
# "Sent" is written for a few mails at once: a transaction per mail was two thirds of
# the time a mail took (bench/mail_bench.py). The marks wait for SENT_BATCH mails, for
# SENT_WAIT seconds after the first (looked at after each mail: a slow server's mail
# keeps them waiting longer) or for the end of the claimed batch. A sender killed
# meanwhile leaves those mails "sending", which the next sender marks unknown: never
# sent twice, and at most SENT_BATCH of them for a person to look at.
SENT_BATCH = 20
SENT_WAIT = 0.2  # s


class SendError(Exception):
    """The sender cannot work: the message says what to fix."""


class SenderBusy(SendError):
    """Another live process sends the outbox now (it holds the lease)."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"another sender ({holder}) is sending now")
        self.holder = holder


@dataclass
class SendResult:
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def describe(self) -> str:
        if not self.outcomes:
            return "outbox: nothing to send"
        return "outbox: " + ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))


class _HeaderClasses(HeaderRegistry):
    """The stdlib's registry makes a new class for every header it is asked for (a
    tenth of building a mail, bench/mail_bench.py): here once per header name."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._made.get(name.lower())
        if made is None:
            made = self._made[name.lower()] = super().__getitem__(name)
        return made


_SMTPUTF8 = email.policy.SMTPUTF8.clone(header_factory=_HeaderClasses())
# The stdlib's older API (compat32) builds a reply in a third of the time of the
# newer one, which parses every header it is given and again as it writes it
# (bench/mail_bench.py). It checks nothing, so `build` does: no line breaks in a
# header, no body line longer than SMTP allows.
class _Compat32(Compat32):
    """compat32 whose short ASCII headers skip its folding machinery (most of the
    cost that is left): such a line is written exactly as the machinery writes it
    (tests/mail/test_build.py compares them)."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii() and \
                len(name) + 2 + len(value) <= (self.max_line_length or 0):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_COMPAT = _Compat32(linesep="\r\n")
_WORDS = Charset("utf-8")  # a header's letters outside ASCII: =?utf-8?q?…?=
_WORDS.header_encoding = QP
_TEXT = Charset("utf-8")  # the body as it is: 7bit, or 8bit with letters outside ASCII
_TEXT.body_encoding = None  # type: ignore[assignment]  # (None: as it is, documented)
_QUOTED = Charset("utf-8")  # a body with a line too long to send as it is
_QUOTED.body_encoding = QP
# Octets in a line of a mail, its CRLF not counted: RFC 5322's 998, less the dot SMTP
# puts before a line that begins with one.
MAX_LINE = 997


def build(mail: OutboxMail, addresses: tuple[MailAddress, MailAddress] | None = None) -> bytes:
    """The mail as it goes out. Header values are single lines (the store made them
    so): a line break in one is refused (ValueError), never sent. The addresses
    (`addresses`: as the caller checked them already) are written as they go on the
    envelope (InvalidInput if one cannot be)."""
    sender, recipient = addresses or (mail_address(mail.from_addr), mail_address(mail.to_addr))
    headers = [("From", str(sender)), ("To", str(recipient)), ("Subject", mail.subject),
               ("Date", format_datetime(mail.created_at)), ("Message-ID", mail.message_id)]
    # A customer's mail id with letters outside ASCII threads nothing (an encoded
    # word is no id): left out, the rest kept.
    for name, ids in (("In-Reply-To", mail.in_reply_to), ("References", mail.references)):
        kept = " ".join(i for i in ids.split() if i.isascii())
        if kept:
            headers.append((name, kept))
    if mail.auto_submitted:  # ours, automatic: no one's auto-reply should answer it
        headers += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
    for name, value in headers:
        # (Every line break Python knows: the older API folds at each of them.)
        if "".join(value.splitlines()) != value:
            raise ValueError(f"the {name} header has a line break in it")
    if sender.needs_smtputf8 or recipient.needs_smtputf8:
        return _build_smtputf8(headers, mail.body)
    body = mail.body if mail.body.endswith("\n") else mail.body + "\n"
    # (Lines as they go out: broken at CR and LF only, not at every break str knows.)
    too_long = any(len(line) > MAX_LINE for line in body.encode().splitlines())
    msg = Message(policy=_COMPAT)
    for name, value in headers:
        # (compat32 takes a Header as a value, as documented; the stubs say str only.)
        msg[name] = _written(name, value)  # type: ignore[assignment]
    msg.set_payload(body, _QUOTED if too_long else _TEXT)
    return msg.as_bytes(policy=_COMPAT)


def _written(name: str, value: str) -> str | Header:
    """A header's value as compat32 is to write it: ASCII as it is; else one encoded
    word when it fits on the line — what Header would write, without its folding
    machinery (tests/mail/test_build.py compares them) — or a Header to fold."""
    if value.isascii():
        return value
    word = _WORDS.header_encode(value)
    if len(name) + 2 + len(word) <= (_COMPAT.max_line_length or 0):
        return word
    return Header(value, _WORDS, header_name=name)


def _build_smtputf8(headers: list[tuple[str, str]], body: str) -> bytes:
    """A mail to or from an address with letters outside ASCII before the @ (SMTPUTF8:
    headers in UTF-8 as they are), through the newer API that knows them."""
    msg = EmailMessage(policy=_SMTPUTF8)
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


class Sender:
    def __init__(self, db: Database, smtp: SmtpSettings, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 timeout: float = 60) -> None:
        self.db = db
        self.smtp = smtp
        self.clock = clock
        self.timeout = timeout
        self.service = CaseService.system(db, clock=clock)
        self.holder = leases.holder_name()
        self._dirty = False  # the connection is inside an unfinished transaction
        self._sent: list[int] = []  # taken by the server, not yet marked sent
        self._sent_since = 0.0  # (monotonic) when the first of them was taken
        self._renewed = 0.0  # (monotonic) when the lease was last renewed

    def send_once(self) -> SendResult:
        """Send every mail that is due now, then stop."""
        other = leases.acquire(self.db, LEASE, self.holder, now=self.clock(), ttl=LEASE_TTL)
        if other is not None:
            raise SenderBusy(other)
        try:
            return asyncio.run(self._send_due())
        finally:
            leases.release(self.db, LEASE, self.holder)

    def run(self, stop: threading.Event, *, every: float = 5,
            on_result: Callable[[SendResult], None] | None = None) -> None:
        """Send what is due every few seconds until `stop` is set."""
        told: str | None = None  # the other sender we said we leave the outbox to
        while not stop.is_set():
            try:
                result = self.send_once()
                if on_result is not None and result.outcomes:
                    on_result(result)
            except SenderBusy as exc:
                # Another daemon (another host's) is in a round: nothing wrong, said
                # once for each, not every few seconds.
                if exc.holder != told:
                    log.info("another daemon (%s) sends the outbox; standing by", exc.holder)
                    told = exc.holder
            except SendError as exc:
                log.warning("%s", exc)
            except Exception as exc:  # a busy database, a bug: the outbox must go on
                # In words: a database error's own text carries SQL and customers' data.
                log.warning("sender: %s", describe_failure(exc).text,
                            exc_info=bool(os.environ.get("CASEDESK_DEBUG")))
            stop.wait(every)

    async def _send_due(self) -> SendResult:
        result = SendResult()
        self._renewed = time.monotonic()
        # Marks an earlier round could not write (a busy database): now, or never — the
        # claim below takes those mails for unknown, and a mail claimed again later must
        # not be marked sent by a stale id.
        with contextlib.suppress(Exception):
            self._mark_sent()
        self._sent = []
        pending = self.service.outbox_claim()  # a hundred at a time, over one connection
        client: aiosmtplib.SMTP | None = None
        try:
            while pending:
                try:
                    client = await self._ready(client)
                except (aiosmtplib.SMTPException, OSError, SecretError) as exc:
                    # Nothing was handed over: every claimed mail waits for the next try.
                    error = f"cannot reach {self.smtp.host}:{self.smtp.port}: {exc}"
                    self._mark_sent()  # (the mails before the connection went)
                    while pending:
                        self._retry(pending[0], error, result)
                        pending.pop(0)
                    return result
                await self._send_one(client, pending.pop(0), result)
                if len(self._sent) >= SENT_BATCH or not pending or \
                        time.monotonic() - self._sent_since >= SENT_WAIT:
                    self._mark_sent()
                if time.monotonic() - self._renewed >= LEASE_RENEW:
                    leases.acquire(self.db, LEASE, self.holder, now=self.clock(), ttl=LEASE_TTL)
                    self._renewed = time.monotonic()
                if not pending:
                    pending = self.service.outbox_claim()
        except BaseException:
            # What the server took is marked sent; what was claimed and not yet tried is
            # queued again, never left "sending" for the next sender to take for unknown.
            with contextlib.suppress(Exception):
                self._mark_sent()
            for mail in pending:
                with contextlib.suppress(Exception):
                    self.service.outbox_retry(mail.id, "the sender stopped before sending it")
            raise
        finally:
            if client is not None:
                try:
                    await client.quit()
                except Exception:  # the connection is gone already
                    client.close()
        return result

    def _mark_sent(self) -> None:
        if self._sent:
            self.service.outbox_sent_many(self._sent)
            self._sent = []

    async def _ready(self, client: aiosmtplib.SMTP | None) -> aiosmtplib.SMTP:
        """A connection ready for the next mail: this one, reset after a refused or broken
        transaction, or a new one when it is gone."""
        if client is not None and client.is_connected and self._dirty:
            try:
                await client.rset()
                self._dirty = False
            except Exception:  # it cannot be reset: a new one instead
                client.close()
        if client is None or not client.is_connected:
            if client is not None:
                client.close()
            client = await self._connect()
            self._dirty = False
        return client

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = self.smtp
        context = ssl.create_default_context(cafile=smtp.cafile) if smtp.cafile else \
            ssl.create_default_context()
        client = aiosmtplib.SMTP(
            hostname=smtp.host, port=smtp.port, use_tls=smtp.security == "ssl",
            start_tls=smtp.security == "starttls", tls_context=context,
            timeout=self.timeout)
        await client.connect()
        try:
            if client.is_ehlo_or_helo_needed:  # what the server offers (SMTPUTF8)
                try:
                    await client.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await client.helo()
            if smtp.username:
                secret = smtp.secret() or ""
                if smtp.oauth2:
                    await client.auth_xoauth2(smtp.username, secret)
                else:
                    await client.login(smtp.username, secret)
        except BaseException:
            client.close()
            raise
        return client

    async def _send_one(self, client: aiosmtplib.SMTP, mail: OutboxMail,
                        result: SendResult) -> None:
        try:
            sender, recipient = mail_address(mail.from_addr), mail_address(mail.to_addr)
        except InvalidInput as exc:  # a row older than the store's check
            self._failed(mail, f"the address cannot be sent to: {exc}", result)
            return
        utf8 = sender.needs_smtputf8 or recipient.needs_smtputf8
        if utf8 and not client.supports_extension("smtputf8"):
            self._failed(mail, f"the address {_non_ascii(sender, recipient)} has letters "
                         f"outside ASCII before the @, and the mail server "
                         f"{self.smtp.host} does not take such addresses (no SMTPUTF8)",
                         result)
            return
        try:
            data = build(mail, (sender, recipient))
        except Exception as exc:  # a header no mail can carry
            self._failed(mail, f"the mail cannot be built: {exc}", result)
            return
        options, encoding = (["SMTPUTF8"], "utf-8") if utf8 else ([], "ascii")
        self._dirty = True  # a transaction is open from MAIL on
        try:
            await client.mail(str(sender), options=options, encoding=encoding)
            await client.rcpt(str(recipient), encoding=encoding)
        except aiosmtplib.SMTPResponseException as exc:
            self._refused(mail, exc, result)
            return
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._retry(mail, str(exc), result)  # nothing handed over yet
            return
        except Exception as exc:  # refused before it reached the server
            self._failed(mail, f"the mail cannot be sent: {exc}", result)
            return
        if not client.is_connected:
            self._retry(mail, "the connection closed before the mail was sent", result)
            return
        try:
            await client.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            self._refused(mail, exc, result)  # the server answered: we know
            return
        except Exception as exc:  # the server may have taken it: only a person knows
            self.service.outbox_unknown(mail.id, f"the connection broke while the server "
                                        f"was taking the mail: {exc}")
            result.add("unknown")
            return
        self._dirty = False
        if not self._sent:
            self._sent_since = time.monotonic()
        self._sent.append(mail.id)
        result.add("sent")
        log.info("sent #%s to %r (%s)", mail.case, mail.to_addr,
                 hashlib.sha256(data).hexdigest()[:12])

    def _refused(self, mail: OutboxMail, exc: aiosmtplib.SMTPResponseException,
                 result: SendResult) -> None:
        error = f"{exc.code} {exc.message}"
        if 400 <= exc.code < 500:
            self._retry(mail, error, result)
        else:
            self._failed(mail, error, result)

    def _failed(self, mail: OutboxMail, error: str, result: SendResult) -> None:
        self.service.outbox_failed(mail.id, error)
        result.add("failed")

    def _retry(self, mail: OutboxMail, error: str, result: SendResult) -> None:
        again = self.service.outbox_retry(mail.id, error)
        result.add("retry later" if again else "failed")


def _non_ascii(*addresses: MailAddress) -> str:
    return " and ".join(str(a) for a in addresses if a.needs_smtputf8)
