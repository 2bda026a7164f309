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
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from mail.parse import Unreadable, parse
from mail.poller import BATCH, BATCH_BYTES, header_block, headers_only, mail_input
from mail.settings import MailSettings, limits
from mail.sources import Found
from store.db import Database
from store.inputs import MailInput
from store.service import CaseService

# A Date header before this, or a day past now, is no date: the source's time is.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Mail known by its bytes is looked up this many at a time, before parsing.
LOOKUP = 200
# How far back a mail out of date order is put back in its place (and what that may
# hold in memory at most): an answer must come after what it answers to thread.
REORDER = 1000
REORDER_BYTES = 100_000_000

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
        if self.dated:
            said.append(f"{self.dated} had no usable Date header: dated by the mailbox's "
                        "own time for them (the mbox's From line, the file's time, or the "
                        "server's INTERNALDATE)")
        said += [f"{n} skipped: {why}" for why, n in sorted(self.skipped.items())]
        if self.statuses:
            said.append("statuses: " + ", ".join(f"{n} {status}" for status, n in sorted(
                self.statuses.items())))
        return said


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
    done: tuple[int, int]  # (source, units done in it)


class Importer:
    def __init__(self, db: Database, settings: MailSettings, options: Options, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.settings = settings
        self.options = options
        self.clock = clock
        self.service = CaseService.importer(db, clock=clock)
        self.summary = Summary()
        self._order = 0
        self._seen_ids: set[str] = set()  # (a dry run) Message-IDs met so far

    def run(self, sources: Iterable[Source], progress: Progress | None = None) -> Summary:
        streams = [self._inputs(i, source) for i, source in enumerate(sources)]
        done: dict[int, int] = {}
        batch: list[MailInput] = []
        size = 0
        # Oldest first across the sources (each is read in its own order), so that an
        # answer comes after what it answers.
        for item in heapq.merge(*streams, key=lambda item: (item.at, item.order)):
            done[item.done[0]] = max(done.get(item.done[0], 0), item.done[1])
            if progress is not None:
                progress(sum(done.values()), self.summary.read)
            if batch and (len(batch) >= BATCH or size + len(item.mail.raw) > BATCH_BYTES):
                self._take(batch)
                batch, size = [], 0
            batch.append(item.mail)
            size += len(item.mail.raw)
        if batch:
            self._take(batch)
        if not self.options.dry_run and self.summary.cases:
            self.summary.statuses = self.service.settle_imported(
                self.summary.cases, recent=self.options.recent,
                keep_solved=self.options.keep_solved)
        return self.summary

    # -- reading -------------------------------------------------------------------

    def _inputs(self, index: int, source: Source) -> Iterator[_Item]:
        """The source's mails not stored yet, parsed and dated, oldest first as far as
        `REORDER` mails back (a mailbox is in the order mail arrived, nearly the order
        it was written; a mail moved in later is put back in its place)."""
        waiting: list[tuple[datetime, int, _Item]] = []
        size = 0
        for item in self._unordered(index, source):
            heapq.heappush(waiting, (item.at, item.order, item))
            size += len(item.mail.raw)
            while len(waiting) > REORDER or size > REORDER_BYTES:
                oldest = heapq.heappop(waiting)[2]
                size -= len(oldest.mail.raw)
                yield oldest
        while waiting:
            yield heapq.heappop(waiting)[2]

    def _unordered(self, index: int, source: Source) -> Iterator[_Item]:
        """The source's mails not stored yet, parsed and dated, in its own order."""
        pending: list[Found] = []
        for found in source.mails:
            self.summary.read += 1
            if found.missing:
                self.summary.skipped[found.missing] += 1
                continue
            pending.append(found)
            if len(pending) >= LOOKUP:
                yield from self._parsed(index, source.sent, pending)
                pending = []
        yield from self._parsed(index, source.sent, pending)

    def _parsed(self, index: int, sent: bool, found: list[Found]) -> Iterator[_Item]:
        digests = [hashlib.sha256(self._kept(f.raw)).hexdigest() for f in found]
        stored = self.service.stored_mail(digests)
        for mail, digest in zip(found, digests, strict=True):
            if digest in stored:
                self.summary.known += 1
                case = stored[digest]
                if case is not None:
                    self.summary.cases.add(case)  # settled again: a killed run's cases
                continue
            self._order += 1
            item = self.read(self._order, mail, sent)
            if self.options.before is not None and item.at >= self.options.before:
                self.summary.skipped["dated on or after --before"] += 1
                continue
            yield replace(item, done=(index, mail.done))

    def read(self, uid: int, found: Found, sent: bool) -> _Item:
        """One mail as the store takes it: parsed (never raising), dated, and, if it is
        the team's own, a reply to the customer it went to."""
        now = self.clock()
        readable = self._kept(found.raw)
        big = readable is not found.raw
        when = _plausible(found.when, now) or now
        try:
            parsed = parse(readable, limits(self.settings))
        except Exception as exc:  # unreadable, or a parser bug: the mail is kept all the same
            problem = str(exc) if isinstance(exc, Unreadable) else f"{type(exc).__name__}: {exc}"
            return _Item(when, uid, MailInput(uid, readable, None, problem=problem), (0, 0))
        mail = mail_input(uid, readable, parsed, self.settings)
        if big:
            mail = headers_only(mail, len(found.raw), self.settings, f"in {found.where}")
        assert mail.message is not None  # parsed
        at = _plausible(parsed.date, now)
        if at is None:
            self.summary.dated += 1
            at = when
        ours = sent or parsed.sender_address in self.options.ours
        message = replace(mail.message, at=at, sender="agent" if ours else "customer")
        recipient = None
        if ours:
            to = [a for a in (*parsed.to, *parsed.cc) if a.address not in self.options.ours]
            recipient = (to[0].name, to[0].address) if to else ("", "")
        return _Item(at, uid, replace(mail, message=message, recipient=recipient), (0, 0))

    def _kept(self, raw: bytes) -> bytes:
        """What of a mail is read and kept: a mail over [mail] max_mail_mb only by its
        headers, as the poller does (the whole stays where it is)."""
        return header_block(raw) if len(raw) > self.settings.max_mail_mb * 1_000_000 else raw

    # -- writing -------------------------------------------------------------------

    def _take(self, batch: list[MailInput]) -> None:
        if self.options.dry_run:
            self._count_dry(batch)
            return
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

    @property
    def _run_id(self) -> int:
        """The import's own UIDVALIDITY: its keys never meet another run's (mail is
        known by its bytes, not by where it sat in a file)."""
        if not hasattr(self, "_run"):
            self._run = secrets.randbelow(2**31 - 1) + 1
        return self._run

    def _count_dry(self, batch: list[MailInput]) -> None:
        """What a batch would become, counted without writing: threads by the
        Message-IDs the mails answer, in this import or in the store."""
        asked = {i for m in batch for i in m.thread_ids} - self._seen_ids
        there = self._seen_ids | self.service.stored_message_ids(asked)
        digests: set[str] = set()
        for mail in batch:
            digest = hashlib.sha256(mail.raw).hexdigest()
            if digest in digests:
                self.summary.skipped[SKIPS["duplicate"]] += 1
                continue
            digests.add(digest)
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
