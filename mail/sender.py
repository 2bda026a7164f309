"""The outbox sender: agents' replies out by SMTP, over one reused connection.

Each mail is claimed (committed as "sending") before the network is touched, and
its outcome committed after: sent; a temporary refusal or a network failure before
the mail was handed over — queued again with a growing pause; a permanent refusal
(5xx) — failed, shown on the case. A connection that breaks while the server is
taking the mail leaves the outcome unknown: shown on the case, never sent again
by itself (../shared/RELIABILITY.md, rule 5). A crash between the server's answer
and our commit leaves the mail "sending", which the next sender marks unknown.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from mail.settings import SecretError, SmtpSettings
from store import leases
from store.db import Database
from store.service import CaseService, OutboxMail

log = logging.getLogger("casedesk.send")
LEASE = "send"
# Longer than any one mail can take (the SMTP timeout), renewed after each mail: while
# it holds, no other sender takes this one's mail in flight for abandoned.
LEASE_TTL = timedelta(minutes=10)


class SendError(Exception):
    """The sender cannot work: the message says what to fix."""


@dataclass
class SendResult:
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def describe(self) -> str:
        if not self.outcomes:
            return "outbox: nothing to send"
        return "outbox: " + ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))


def build(mail: OutboxMail) -> EmailMessage:
    """The mail as it goes out. Header values are single lines (the store made them
    so); the SMTP policy would refuse a line break rather than send it."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = mail.from_addr
    msg["To"] = mail.to_addr
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = mail.references
    if mail.auto_submitted:  # ours, automatic: no one's auto-reply should answer it
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(mail.body)
    return msg


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

    def send_once(self) -> SendResult:
        """Send every mail that is due now, then stop."""
        other = leases.acquire(self.db, LEASE, self.holder, now=self.clock(), ttl=LEASE_TTL)
        if other is not None:
            raise SendError(f"another sender ({other}) is sending now")
        try:
            return asyncio.run(self._send_due())
        finally:
            leases.release(self.db, LEASE, self.holder)

    def run(self, stop: threading.Event, *, every: float = 5,
            on_result: Callable[[SendResult], None] | None = None) -> None:
        """Send what is due every few seconds until `stop` is set."""
        while not stop.is_set():
            try:
                result = self.send_once()
                if on_result is not None and result.outcomes:
                    on_result(result)
            except SendError as exc:
                log.warning("%s", exc)
            except Exception as exc:  # a busy database, a bug: the outbox must go on
                log.warning("sender: %s: %s", type(exc).__name__, exc)
            stop.wait(every)

    async def _send_due(self) -> SendResult:
        result = SendResult()
        due = self.service.outbox_claim()
        if not due:
            return result
        client: aiosmtplib.SMTP | None = None
        try:
            client = await self._connect()
            self._dirty = False
        except (aiosmtplib.SMTPException, OSError, SecretError) as exc:
            # Nothing was handed over: every claimed mail waits for the next try.
            for mail in due:
                self._retry(mail, f"cannot reach {self.smtp.host}:{self.smtp.port}: {exc}",
                            result)
            return result
        try:
            while due:  # claimed a hundred at a time, over the one connection
                for mail in due:
                    await self._send_one(client, mail, result)
                    leases.acquire(self.db, LEASE, self.holder, now=self.clock(),
                                   ttl=LEASE_TTL)
                due = self.service.outbox_claim()
        finally:
            try:
                await client.quit()
            except Exception:  # the connection is gone already
                client.close()
        return result

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = self.smtp
        context = ssl.create_default_context(cafile=smtp.cafile) if smtp.cafile else \
            ssl.create_default_context()
        client = aiosmtplib.SMTP(
            hostname=smtp.host, port=smtp.port, use_tls=smtp.security == "ssl",
            start_tls=smtp.security == "starttls", tls_context=context,
            timeout=self.timeout)
        await client.connect()
        if smtp.username:
            secret = smtp.secret() or ""
            if smtp.oauth2:
                await client.auth_xoauth2(smtp.username, secret)
            else:
                await client.login(smtp.username, secret)
        return client

    async def _send_one(self, client: aiosmtplib.SMTP, mail: OutboxMail,
                        result: SendResult) -> None:
        try:
            data = build(mail).as_bytes()
        except (ValueError, TypeError) as exc:  # a header no mail can carry
            self.service.outbox_failed(mail.id, f"the mail cannot be built: {exc}")
            result.add("failed")
            return
        try:
            if self._dirty:  # a refused or broken transaction before: start clean
                await client.rset()
                self._dirty = False
            await client.mail(mail.from_addr)
            await client.rcpt(mail.to_addr)
        except aiosmtplib.SMTPResponseException as exc:
            self._dirty = True
            self._refused(mail, exc, result)
            return
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._dirty = True
            self._retry(mail, str(exc), result)  # nothing handed over yet
            return
        try:
            await client.data(data)
        except aiosmtplib.SMTPResponseException as exc:
            self._dirty = True
            self._refused(mail, exc, result)  # the server answered: we know
            return
        except (aiosmtplib.SMTPException, OSError) as exc:
            self.service.outbox_unknown(mail.id, f"the connection broke while the server "
                                        f"was taking the mail: {exc}")
            result.add("unknown")
            return
        self.service.outbox_sent(mail.id)
        result.add("sent")
        log.info("sent #%s to %r (%s)", mail.case, mail.to_addr,
                 hashlib.sha256(data).hexdigest()[:12])

    def _refused(self, mail: OutboxMail, exc: aiosmtplib.SMTPResponseException,
                 result: SendResult) -> None:
        error = f"{exc.code} {exc.message}"
        if 400 <= exc.code < 500:
            self._retry(mail, error, result)
        else:
            self.service.outbox_failed(mail.id, error)
            result.add("failed")

    def _retry(self, mail: OutboxMail, error: str, result: SendResult) -> None:
        again = self.service.outbox_retry(mail.id, error)
        result.add("retry later" if again else "failed")
