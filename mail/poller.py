"""The IMAP poller: mail in a mailbox becomes messages on cases, exactly once.

The order that makes it safe (ARCHITECTURE.md, "How a mail becomes a case"):
1. fetch a batch with BODY.PEEK[] (reading sets no flag);
2. commit it — raw bytes, the key (mailbox, UIDVALIDITY, UID), the cases — in one
   durable transaction, which also moves the mailbox's position to the batch's
   highest UID; a key already stored is never ingested again;
3. only then flag the batch \\Seen or move it, and record that the server was told;
   a crash before that is made good at the next start.
A killed poller loses at most the uncommitted batch, which the next run fetches
again. Continuous polling waits in IMAP IDLE where the server has it, and comes
back with a growing pause after a dropped connection. One process at a time polls a
mailbox (its lease in the store); another one stands by and takes over when that
lease is let go or runs out.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mail.parse import ParsedMail, Unreadable, parse
from mail.settings import (
    MailboxSettings,
    MailSettings,
    SecretError,
    Server,
    acknowledgement,
    limits,
)
from store import leases
from store.db import Database
from store.errors import said_of
from store.service import (
    AttachmentInput,
    BounceInput,
    CaseService,
    MailInput,
    MessageInput,
    Receipt,
)

log = logging.getLogger("casedesk.poll")

BATCH = 100  # mails per transaction: one fsync each, a bounded redo after a crash
BATCH_BYTES = 50_000_000  # and at most this much mail in memory at once
IDLE_SECONDS = 25 * 60  # below the 29 minutes after which servers may drop an IDLE
LEASE_SECONDS = 60.0  # a hold on a mailbox unrenewed ([scheduler] lease_seconds)


class PollError(Exception):
    """The poller cannot do its work: the message says what to fix."""


class MailboxBusy(PollError):
    """Another live process polls the mailbox now (it holds the lease)."""

    def __init__(self, key: str, holder: str) -> None:
        super().__init__(f"another poller ({holder}) is reading {key} now")
        self.holder = holder


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    cases: set[int] = field(default_factory=set)

    def add(self, receipts: Sequence[Receipt]) -> None:
        for r in receipts:
            self.fetched += 1
            self.outcomes[r.outcome] = self.outcomes.get(r.outcome, 0) + 1
            if r.case is not None:
                self.cases.add(r.case)

    def describe(self) -> str:
        if not self.fetched:
            return f"{self.mailbox}: no new mail"
        parts = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))
        return f"{self.mailbox}: {self.fetched} mails ({parts}) on {len(self.cases)} cases"


def to_input(uid: int, raw: bytes, settings: MailSettings) -> MailInput:
    """What a fetched mail is for the store; never raises (unreadable mail is kept)."""
    try:
        parsed = parse(raw, limits(settings))
    except Unreadable as exc:
        return MailInput(uid, raw, None, problem=str(exc))
    except Exception as exc:  # a parser bug must not stop the mailbox: keep the mail
        return MailInput(uid, raw, None, problem=f"{type(exc).__name__}: {exc}")
    return mail_input(uid, raw, parsed, settings)


def too_big(uid: int, header: bytes, size: int, settings: MailSettings) -> MailInput:
    """A mail over [mail] max_mail_mb: its headers alone are read and kept (its case
    says so); the whole mail stays on the server, where it was."""
    return headers_only(to_input(uid, header_block(header), settings), size, settings,
                        "on the mail server")


def header_block(raw: bytes) -> bytes:
    """A mail's headers alone, as a mail without a body."""
    return raw.split(b"\r\n\r\n", 1)[0].rstrip(b"\r\n") + b"\r\n\r\n"


def headers_only(mail: MailInput, size: int, settings: MailSettings, where: str) -> MailInput:
    """A mail read by its headers alone, its case saying so and `where` the whole is."""
    note = (f"This mail is {size / 1_000_000:.1f} MB, more than [mail] max_mail_mb "
            f"({settings.max_mail_mb:g} MB): only its headers were read. The whole mail is "
            f"still {where}.")
    if mail.message is None:
        return mail
    return replace(mail, message=replace(mail.message, text=note, attachments=()),
                   bounce=None)


def mail_input(uid: int, raw: bytes, parsed: ParsedMail, settings: MailSettings) -> MailInput:
    kept = tuple(AttachmentInput(p.filename, p.content, p.content_type)
                 for p in parsed.attachments)
    text = parsed.text or ("(no text)" if not parsed.attachments else "")
    if parsed.problems:
        text += "\n\n[casedesk: " + "; ".join(parsed.problems[:3]) + "]"
    message = MessageInput(
        text=text, flags=parsed.flags,
        mail_message_id=parsed.message_id, attachments=kept,
        sender_address=parsed.sender_address)
    bounce = None
    if parsed.bounce is not None:
        b = parsed.bounce
        bounce = BounceInput(b.message_ids, b.recipient, b.reason, b.action)
    log_only = "list or bulk mail ([mail] list_mail = \"log\")" if (
        "bulk" in parsed.flags and settings.list_mail == "log") else ""
    return MailInput(uid, raw, message, subject=parsed.subject,
                     sender_name=parsed.sender_name, thread_ids=parsed.thread_ids,
                     case_tag=parsed.case_tag, too_large=parsed.too_large, bounce=bounce,
                     log_only=log_only)


def connect(server: Server, *, timeout: float = 30) -> IMAPClient:
    """A logged-in IMAP connection as `server` says (TLS unless on loopback)."""
    context = ssl.create_default_context(cafile=server.cafile) if server.cafile else \
        ssl.create_default_context()
    try:
        client = IMAPClient(server.host, port=server.port, ssl=server.security == "ssl",
                            ssl_context=context, timeout=timeout)
    except (OSError, IMAPClientError) as exc:
        raise PollError(f"cannot reach {server.host}:{server.port}: {exc}") from None
    try:
        if server.security == "starttls":
            client.starttls(context)
        if server.username:
            secret = server.secret()
            if server.oauth2:
                client.oauth2_login(server.username, secret)
            else:
                client.login(server.username, secret)
    except SecretError as exc:
        _close(client)
        raise PollError(str(exc)) from None
    except ssl.SSLError as exc:
        _close(client)
        raise PollError(f"{server.host}: TLS failed: {exc}") from None
    except (OSError, IMAPClientError) as exc:
        _close(client)
        raise PollError(f"{server.host}: login as {server.username} failed: {exc}") from None
    return client


def lease_name(mailbox: MailboxSettings) -> str:
    """The lease of the poller of `mailbox` (store/leases.py): one per mailbox."""
    return "poll:" + hashlib.sha1(mailbox.key.encode()).hexdigest()[:20]


class Poller:
    """One mailbox, feeding its email channel."""

    def __init__(self, db: Database, mailbox: MailboxSettings, settings: MailSettings,
                 *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 batch: int = BATCH, lease_seconds: float = LEASE_SECONDS) -> None:
        self.db = db
        self.mailbox = mailbox
        self.settings = settings
        self.clock = clock
        self.batch = batch
        self.service = CaseService.system(db, clock=clock)
        self.holder = leases.holder_name()
        self.lease = lease_name(mailbox)
        self.lease_ttl = timedelta(seconds=lease_seconds)
        # Renewed (and, standing by, looked at) every third of it: two renewals may
        # fail or be late before another process could take the mailbox over.
        self.renew_every = lease_seconds / 3
        self._renewed = 0.0

    # -- one pass ------------------------------------------------------------------

    def poll_once(self) -> PollResult:
        """Ingest everything new in the mailbox now, then log out."""
        self.check()
        self._take_lease()
        try:
            client = connect(self.mailbox)
            try:
                return self.ingest(client)
            finally:
                logout(client)
        finally:
            leases.release(self.db, self.lease, self.holder)

    def check(self) -> None:
        """Refuse to start without the email channel the mailbox names."""
        channels = {c.name: c for c in self.service.list_channels()}
        channel = channels.get(self.mailbox.channel)
        if channel is None:
            raise PollError(f"the mailbox {self.mailbox.key} names the channel "
                            f"{self.mailbox.channel!r}, which does not exist: add it with "
                            f"`casedesk channel add {self.mailbox.channel} --kind email "
                            "--address …`")
        if channel.kind != "email":
            raise PollError(f"the channel {channel.name!r} of mailbox {self.mailbox.key} is a "
                            f"{channel.kind} channel, not an email channel")

    def _take_lease(self) -> None:
        asked = time.monotonic()  # the lease counts from before the write, so must we
        other = leases.acquire(self.db, self.lease, self.holder, now=self.clock(),
                               ttl=self.lease_ttl)
        if other is not None:
            raise MailboxBusy(self.mailbox.key, other)
        self._renewed = asked

    def ingest(self, client: IMAPClient) -> PollResult:
        """Everything new in the selected mailbox, batch by batch."""
        folder = client.select_folder(self.mailbox.folder)
        uidvalidity = int(folder[b"UIDVALIDITY"])
        result = PollResult(self.mailbox.key)
        self._tell_server(client, uidvalidity,
                          self.service.mail_pending_on_server(self.mailbox.key, uidvalidity))
        known_validity, last = self.service.mailbox_position(self.mailbox.key)
        if known_validity != uidvalidity:
            if known_validity:
                log.warning("%s: UIDVALIDITY changed (%s → %s): reading the folder anew; "
                            "mail already stored is recognised by its bytes",
                            self.mailbox.key, known_validity, uidvalidity)
            last = 0
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        limit = int(self.settings.max_mail_mb * 1_000_000)
        for batch in self._batches(client, uids):
            small = [uid for uid, size in batch if size <= limit]
            fetched = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            big = {uid: size for uid, size in batch if size > limit}
            heads = client.fetch(list(big), ["BODY.PEEK[HEADER]"]) if big else {}
            mails = [to_input(uid, bytes(fetched[uid][b"BODY[]"]), self.settings)
                     if uid in fetched and b"BODY[]" in fetched[uid] else
                     too_big(uid, bytes(heads[uid][b"BODY[HEADER]"]), big[uid], self.settings)
                     for uid, _ in batch
                     if (uid in fetched and b"BODY[]" in fetched[uid])
                     or (uid in heads and b"BODY[HEADER]" in heads[uid])]
            if not mails:
                continue
            if self.db.knowledge is not None and self.db.knowledge.acknowledge:
                # The articles an acknowledgement may carry, read (again if changed)
                # now rather than under the batch's write lock.
                self.db.knowledge.articles()
            receipts = self.service.receive_mail(self.mailbox.key, self.mailbox.channel,
                                                 uidvalidity, mails,
                                                 acknowledge=acknowledgement(self.settings))
            result.add(receipts)
            self._tell_server(client, uidvalidity, [m.uid for m in mails])
            self._renew()
        return result

    def _batches(self, client: IMAPClient, uids: list[int]
                 ) -> Iterator[list[tuple[int, int]]]:
        """`uids` with their sizes, in batches of at most `self.batch` mails and
        BATCH_BYTES bytes (a larger mail alone), so that one batch of large mails never
        fills the memory."""
        for chunk in _chunks(uids, 1000):
            sizes = client.fetch(chunk, ["RFC822.SIZE"])
            batch: list[tuple[int, int]] = []
            total = 0
            for uid in chunk:
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                if batch and (len(batch) >= self.batch or total + size > BATCH_BYTES):
                    yield batch
                    batch, total = [], 0
                batch.append((uid, size))
                total += size
            if batch:
                yield batch

    def _renew(self) -> None:
        if time.monotonic() - self._renewed >= self.renew_every:
            self._take_lease()

    def _tell_server(self, client: IMAPClient, uidvalidity: int, uids: list[int]) -> None:
        """Flag or move what is committed, and remember that it is done."""
        if not uids:
            return
        action = self.mailbox.after_ingest
        if action == "seen":
            client.add_flags(uids, [b"\\Seen"], silent=True)
        else:
            target = action.removeprefix("move:").strip()
            if client.has_capability("MOVE"):
                client.move(uids, target)
            else:  # no MOVE: copy and flag; never EXPUNGE someone's mail
                client.copy(uids, target)
                client.add_flags(uids, [b"\\Seen"], silent=True)
        self.service.mail_done_on_server(self.mailbox.key, uidvalidity, uids)

    # -- continuously ------------------------------------------------------------

    def run(self, stop: threading.Event, *, on_result: Callable[[PollResult], None] | None
            = None, max_pause: float = 60) -> None:
        """Poll until `stop` is set: IDLE where the server offers it, else every
        minute; after a failure, again after a pause that doubles up to `max_pause`.
        While another live process polls the mailbox (another host's daemon), stand
        by: no failure, no back-off; look again every third of the lease's time and
        take over as soon as it is free."""
        self.check()
        pause = 1.0
        standing_by: str | None = None  # the holder we said we stand by for
        while not stop.is_set():
            try:
                self._take_lease()
                if standing_by is not None:
                    log.info("took over polling %s from %s", self.mailbox.key, standing_by)
                    standing_by = None
                client = connect(self.mailbox)
                try:
                    pause = 1.0
                    self._serve(client, stop, on_result)
                finally:
                    logout(client)
            except MailboxBusy as exc:  # taking it first, or losing it to a renewal late
                if exc.holder != standing_by:
                    log.info("another daemon (%s) polls %s; standing by", exc.holder,
                             self.mailbox.key)
                    standing_by = exc.holder
                stop.wait(self.renew_every)
            except Exception as exc:  # a dropped line, a busy or full database, a bug
                # The server's words as they are; anything else in ours: a database
                # error's own text carries SQL and customers' data.
                said = said_of(exc, PollError, IMAPClientError)
                log.warning("%s: %s; trying again in %.0f s", self.mailbox.key, said, pause,
                            exc_info=bool(os.environ.get("CASEDESK_DEBUG")))
                stop.wait(pause)
                pause = min(pause * 2, max_pause)
        leases.release(self.db, self.lease, self.holder)

    def _serve(self, client: IMAPClient, stop: threading.Event,
               on_result: Callable[[PollResult], None] | None) -> None:
        idle = client.has_capability("IDLE")
        # Short waits, so that a stop is noticed within a second and the lease renewed
        # in time.
        step = min(1.0, self.renew_every)
        while not stop.is_set():
            self._renew()
            result = self.ingest(client)
            if on_result is not None:
                on_result(result)
            if not idle:
                until = time.monotonic() + 60
                while time.monotonic() < until and not stop.wait(step):
                    self._renew()
                continue
            # IDLE tells only of what arrives after it starts (Dovecot seen so): mail
            # that came while the batch was read would wait for the next change or
            # IDLE_SECONDS. A NOOP asks first; a new EXISTS means: read again now.
            _, news = client.noop()
            if any(len(r) > 1 and r[1] == b"EXISTS" for r in news):
                continue
            client.idle()
            try:
                started = time.monotonic()
                while not stop.is_set() and time.monotonic() - started < IDLE_SECONDS:
                    if client.idle_check(timeout=step):
                        break
                    self._renew()
            finally:
                client.idle_done()


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # a dead connection has nothing to say goodbye to
        _close(client)


def _close(client: IMAPClient) -> None:
    # Already closed, maybe: a failed TLS handshake closes the socket.
    with contextlib.suppress(OSError):
        client.shutdown()
