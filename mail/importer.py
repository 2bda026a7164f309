"""A team's existing mail (an mbox, a Maildir, an IMAP folder) into threaded cases,
exactly once: `casedesk import`. README, "Importing old mail".

Each mail is read from its source (mail/sources.py), known by its bytes if already
stored (skipped before it is even parsed), parsed as the poller parses
(mail/poller.py), dated by its own Date header (else its source's time for it), and
taken in batches by the store's inbound path as mail of the past
(`CaseService.importer`: threaded the poller's way, no acknowledgement, survey,
workspace or notification). The team's sent mail (a second source, or mail from a
channel's address) becomes replies on the customer's case. Once all of it has
landed, each conversation gets the status its history says (store/importing.py).
A run killed anywhere loses at most its uncommitted batch; run again, it skips what
is stored.
"""

from __future__ import annotations

import hashlib
import heapq
import multiprocessing
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from mail.parse import Unreadable, parse
from mail.poller import BATCH, BATCH_BYTES, header_block, headers_only, mail_input
from mail.settings import MailSettings, limits
from mail.sources import Found
from store import leases
from store.db import Database
from store.importing import SETTLE_BATCH
from store.inputs import MailInput
from store.service import CaseService

# A Date header before this, or a day past now, is no date: the source's time is.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Mail is read a chunk at a time: known by its bytes (looked up before it is parsed),
# then parsed, a few chunks ahead of the one being stored.
CHUNK = 100
CHUNK_BYTES = 10_000_000
AHEAD = 4
# Past this many mails an import parses in other processes (one per core), beside the
# one that writes: their start costs less than what they save from here on.
POOL_AFTER = 1000
# How far back a mail out of date order is put back in its place (and what that may
# hold in memory at most): an answer must come after what it answers to thread.
REORDER = 1000
REORDER_BYTES = 50_000_000

LEASE = "import"
Progress = Callable[[int, int], None]  # (units of the sources done, mails read)


@dataclass
class Summary:
    """What an import did (or, dry, would do), every skip with its reason."""

    read: int = 0
    messages: int = 0
    new_cases: int = 0
    joined: int = 0  # mails that landed on a case already there
    replies: int = 0  # the team's own sent mail, as replies
    known: int = 0  # stored before: by an earlier import or the poller
    unreadable: int = 0  # kept on a case with the original attached
    dated: int = 0  # no usable Date header: the source's time was taken
    headers_only: int = 0  # over [mail] max_mail_mb: read by their headers
    late: int = 0  # further out of date order than the import puts back
    skipped: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    cases: set[int] = field(default_factory=set)

    def lines(self, *, dry_run: bool = False) -> list[str]:
        would = "would be " if dry_run else ""
        said = [f"{self.read} mails read: {self.messages} {would}messages on cases "
                f"({self.replies} of them the team's replies)"]
        if dry_run:
            said.append(f"{self.joined} answer a mail already there by their headers; "
                        f"at most {self.new_cases} new cases (the subject rule may join more)")
        else:
            said.append(f"{self.new_cases} new cases, {self.joined} mails joined a thread")
        if self.known:
            said.append(f"{self.known} already stored (an earlier import, or the poller): "
                        "skipped")
        if self.unreadable:
            said.append(f"{self.unreadable} could not be read: each on a case with the "
                        "original attached")
        if self.headers_only:
            said.append(f"{self.headers_only} over [mail] max_mail_mb: read by their headers "
                        "alone, each case says so (the whole mail stays in its mailbox)")
        if self.late:
            said.append(f"{self.late} came more than {REORDER} mails out of date order: "
                        "taken where they were (an answer before what it answers starts a "
                        "case of its own)")
        if self.dated:
            said.append(f"{self.dated} had no usable Date header: dated by the mailbox's "
                        "own time for them (the mbox's From line, the file's time, or the "
                        "server's INTERNALDATE)")
        said += [f"{n} skipped: {why}" for why, n in sorted(self.skipped.items())]
        if self.statuses:
            said.append("statuses: " + ", ".join(f"{n} {status}" for status, n in sorted(
                self.statuses.items())))
        return said


class ImportBusy(Exception):
    """Another import is running: the message says whose."""


@dataclass(frozen=True)
class Source:
    """One stream of mail to import: its mails, and whether it is the team's sent mail."""

    mails: Iterator[Found]
    sent: bool = False


@dataclass(frozen=True)
class Options:
    channel: str
    key: str  # the store's name for where the mail came from ("import:…")
    ours: frozenset[str]  # the channels' addresses: mail from them is the team's
    before: datetime | None = None
    dry_run: bool = False
    keep_solved: bool = False
    recent: timedelta = timedelta(days=7)  # [lifecycle] solved_days


@dataclass(frozen=True)
class _Item:
    at: datetime
    order: int
    mail: MailInput


class Importer:
    def __init__(self, db: Database, settings: MailSettings, options: Options, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.settings = settings
        self.options = options
        self.clock = clock
        self.service = CaseService.importer(db, clock=clock)
        self.summary = Summary()
        self.workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None  # parsing, once the import is long
        self._parsed = 0
        self._order = 0
        self._run_id = 0  # the run's own UIDVALIDITY (`next_run`)
        self._holder = leases.holder_name()
        self._renewed = 0.0
        self._seen_ids: set[str] = set()  # (a dry run) Message-IDs met so far
        self._seen_digests: set[str] = set()  # (a dry run) mails met so far
        self._progress: Progress | None = None
        self._done: dict[int, int] = {}  # how far through each source (its own units)

    def run(self, sources: Iterable[Source], progress: Progress | None = None) -> Summary:
        """Import the sources' mail, oldest first across them; ImportBusy while another
        import runs (one at a time: mail is known by its bytes as each batch commits)."""
        if not self.options.dry_run:
            self._take_lease()
            self._run_id = self.service.next_run(self.options.key)
        try:
            return self._run(sources, progress)
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
            if not self.options.dry_run:
                leases.release(self.db, LEASE, self._holder)

    def _take_lease(self) -> None:
        other = leases.acquire(self.db, LEASE, self._holder, now=self.clock())
        if other is not None:
            raise ImportBusy(f"another import ({other}) is running now")
        self._renewed = time.monotonic()

    def _run(self, sources: Iterable[Source], progress: Progress | None) -> Summary:
        self._progress = progress
        streams = [self._inputs(i, source) for i, source in enumerate(sources)]
        batch: list[MailInput] = []
        size = 0
        # Oldest first across the sources (each is read in its own order), so that an
        # answer comes after what it answers.
        for item in heapq.merge(*streams, key=lambda item: (item.at, item.order)):
            if batch and (len(batch) >= BATCH or size + len(item.mail.raw) > BATCH_BYTES):
                self._take(batch)
                batch, size = [], 0
            batch.append(item.mail)
            size += len(item.mail.raw)
        if batch:
            self._take(batch)
        if not self.options.dry_run:
            cases = sorted(self.summary.cases)
            for start in range(0, len(cases), SETTLE_BATCH):
                self._renew()
                self.summary.statuses.update(self.service.settle_imported(
                    cases[start:start + SETTLE_BATCH], recent=self.options.recent,
                    keep_solved=self.options.keep_solved))
        return self.summary

    def _renew(self) -> None:
        if not self.options.dry_run and time.monotonic() - self._renewed > 20:
            self._take_lease()

    # -- reading -------------------------------------------------------------------

    def _inputs(self, index: int, source: Source) -> Iterator[_Item]:
        """The source's mails not stored yet, parsed and dated, oldest first as far as
        `REORDER` mails back (a mailbox is in the order mail arrived, nearly the order
        it was written; a mail moved in later is put back in its place)."""
        waiting: list[tuple[datetime, int, _Item]] = []
        size = 0
        latest: datetime | None = None  # of what went on
        for item in self._unordered(index, source):
            if latest is not None and item.at < latest:
                self.summary.late += 1  # further out of order than the buffer reaches
            heapq.heappush(waiting, (item.at, item.order, item))
            size += len(item.mail.raw)
            while len(waiting) > REORDER or size > REORDER_BYTES:
                oldest = heapq.heappop(waiting)[2]
                size -= len(oldest.mail.raw)
                latest = oldest.at
                yield oldest
        while waiting:
            yield heapq.heappop(waiting)[2]

    def _unordered(self, index: int, source: Source) -> Iterator[_Item]:
        """The source's mails not stored yet, parsed and dated, in its own order: parsed
        a chunk at a time, by other processes once the import proves long, a few chunks
        ahead of the one the store takes."""
        ahead: deque[tuple[list[tuple[int, Found]], Future[list[Read]] | list[Read]]] = deque()
        for chunk in self._fresh(index, source):
            ahead.append((chunk, self._parse(chunk, source.sent)))
            if len(ahead) > AHEAD:
                yield from self._items(*ahead.popleft())
        while ahead:
            yield from self._items(*ahead.popleft())

    def _fresh(self, index: int, source: Source) -> Iterator[list[tuple[int, Found]]]:
        """The source's mails in chunks, each with its number in this import, without
        those stored already (known by their bytes before they are parsed)."""
        pending: list[Found] = []
        size = 0
        for found in source.mails:
            self.summary.read += 1
            self._renew()  # (a run that finds everything stored writes nothing for long)
            self._done[index] = found.done
            if self._progress is not None:
                self._progress(sum(self._done.values()), self.summary.read)
            if found.missing:
                self.summary.skipped[found.missing] += 1
                continue
            pending.append(found)
            size += len(found.raw)
            if len(pending) >= CHUNK or size >= CHUNK_BYTES:
                yield self._not_stored(pending)
                pending, size = [], 0
        if pending:
            yield self._not_stored(pending)

    def _not_stored(self, found: list[Found]) -> list[tuple[int, Found]]:
        max_bytes = self.settings.max_mail_mb * 1_000_000
        digests = [hashlib.sha256(kept(f.raw, max_bytes)).hexdigest() for f in found]
        stored = self.service.stored_mail(digests)
        fresh = []
        for mail, digest in zip(found, digests, strict=True):
            if digest in stored:
                self.summary.known += 1
                case = stored[digest]
                if case is not None:
                    self.summary.cases.add(case)  # settled again: a killed run's cases
                continue
            self._order += 1
            fresh.append((self._order, mail))
        return fresh

    def _parse(self, chunk: list[tuple[int, Found]], sent: bool
               ) -> Future[list[Read]] | list[Read]:
        self._parsed += len(chunk)
        if self._pool is None and self._parsed > POOL_AFTER and self.workers > 1:
            # Forked without the database's connections, which are the parent's alone.
            self.db.dispose()
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("fork"),
                                             initializer=_die_with, initargs=(os.getpid(),))
        work = (chunk, sent, self.settings, self.options.ours, self.clock())
        return self._pool.submit(read_chunk, *work) if self._pool else read_chunk(*work)

    def _items(self, chunk: list[tuple[int, Found]],
               job: Future[list[Read]] | list[Read]) -> Iterator[_Item]:
        for (uid, found), (at, mail, dated) in zip(
                chunk, job.result() if isinstance(job, Future) else job, strict=True):
            self.summary.dated += dated
            self.summary.headers_only += len(mail.raw) < len(found.raw)
            if self.options.before is not None and at >= self.options.before:
                self.summary.skipped["dated on or after --before"] += 1
                continue
            yield _Item(at, uid, mail)

    # -- writing -------------------------------------------------------------------

    def _take(self, batch: list[MailInput]) -> None:
        if self.options.dry_run:
            self._count_dry(batch)
            return
        self._renew()
        receipts = self.service.receive_mail(self.options.key, self.options.channel,
                                             self._run_id, batch)
        by_uid = {m.uid: m for m in batch}
        for receipt in receipts:
            mail = by_uid[receipt.uid]
            if receipt.case is not None:
                self.summary.cases.add(receipt.case)
            if receipt.outcome in ("ingested", "quarantined"):
                self.summary.messages += 1
                self.summary.unreadable += receipt.outcome == "quarantined"
                self.summary.replies += mail.recipient is not None
                if receipt.new_case:
                    self.summary.new_cases += 1
                else:
                    self.summary.joined += 1
            else:
                self.summary.skipped[SKIPS.get(receipt.outcome, receipt.outcome)] += 1

    def _count_dry(self, batch: list[MailInput]) -> None:
        """What a batch would become, counted without writing: threads by the
        Message-IDs the mails answer, in this import or in the store."""
        asked = {i for m in batch for i in m.thread_ids} - self._seen_ids
        there = self._seen_ids | self.service.stored_message_ids(asked)
        for mail in batch:
            digest = hashlib.sha256(mail.raw).hexdigest()
            if digest in self._seen_digests:
                self.summary.skipped[SKIPS["duplicate"]] += 1
                continue
            self._seen_digests.add(digest)
            self.summary.messages += 1
            if mail.message is None:
                self.summary.unreadable += 1
            self.summary.replies += mail.recipient is not None
            if any(i in there for i in mail.thread_ids):
                self.summary.joined += 1
            else:
                self.summary.new_cases += 1
            if mail.message is not None and mail.message.mail_message_id:
                self._seen_ids.add(mail.message.mail_message_id)
                there.add(mail.message.mail_message_id)


Read = tuple[datetime, MailInput, bool]  # when it was written, the mail, undated?


def read_chunk(chunk: list[tuple[int, Found]], sent: bool, settings: MailSettings,
               ours: frozenset[str], now: datetime) -> list[Read]:
    """`read_mail` for each (in a worker process, when the import is long)."""
    return [read_mail(uid, found, sent, settings, ours, now) for uid, found in chunk]


def read_mail(uid: int, found: Found, sent: bool, settings: MailSettings,
              ours: frozenset[str], now: datetime) -> Read:
    """One mail as the store takes it: parsed (never raising), dated (its Date header,
    else its source's time for it, else now: the last value says the header would
    not do), and, if it is the team's own (`sent`, or from one of `ours`), a reply
    to the customer it went to."""
    readable = kept(found.raw, settings.max_mail_mb * 1_000_000)
    when = _plausible(found.when, now) or now
    try:
        parsed = parse(readable, limits(settings))
    except Exception as exc:  # unreadable, or a parser bug: the mail is kept all the same
        problem = str(exc) if isinstance(exc, Unreadable) else f"{type(exc).__name__}: {exc}"
        return when, MailInput(uid, readable, None, problem=problem), False
    mail = mail_input(uid, readable, parsed, settings)
    if readable is not found.raw:
        mail = headers_only(mail, len(found.raw), settings, f"in {found.where}")
    assert mail.message is not None  # parsed
    at = _plausible(parsed.date, now)
    ours_ = sent or parsed.sender_address in ours
    message = replace(mail.message, at=at or when, sender="agent" if ours_ else "customer")
    recipient = None
    if ours_:
        to = [a for a in (*parsed.to, *parsed.cc) if a.address not in ours]
        recipient = (to[0].name, to[0].address) if to else ("", "")
    return at or when, replace(mail, message=message, recipient=recipient), at is None


def _die_with(parent: int) -> None:
    """A parsing worker ends when the import does, even one killed with SIGKILL (a
    forked worker holds its own end of the pipe it waits on: it would wait for ever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def kept(raw: bytes, max_bytes: float) -> bytes:
    """What of a mail is read and kept: a mail over [mail] max_mail_mb only by its
    headers, as the poller does (the whole stays where it is)."""
    return header_block(raw) if len(raw) > max_bytes else raw


# What a receipt's outcome means for a mail that was not taken as a message.
SKIPS = {
    "duplicate": "the same mail twice (its very bytes): kept once",
    "known": "the same mail twice (its very bytes): kept once",
    "bounce": "a bounce of a mail of ours: told on its case",
    "logged": "list mail, logged only ([mail] list_mail = \"log\")",
    "rating": "a satisfaction rating: on its case",
}


def _plausible(when: datetime | None, now: datetime) -> datetime | None:
    """A mail's time if it can be one: after 1990, at most a day ahead (then now)."""
    if when is None or when < EARLIEST or when > now + timedelta(days=1):
        return None
    return min(when, now)
