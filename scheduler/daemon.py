"""Everything a team server runs in the background, in one process: a poller per
mailbox, the outbox's sender, and the scheduler every minute. Each part holds its
own lease in the store, so a second daemon (another host's on a shared PostgreSQL
database, or the one a TUI runs in a thread of its own process, see [scheduler]
in_tui) only takes over what nobody is doing: a poller stands by while another
daemon polls its mailbox, and takes over when that one's lease runs out."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from io import TextIOWrapper
from pathlib import Path
from typing import BinaryIO, TextIO

from mail.poller import LEASE_SECONDS, Poller, PollError, PollResult
from mail.sender import Sender
from mail.settings import MailboxSettings, MailSettings, SmtpSettings
from scheduler.jobs import Scheduler, SchedulerBusy
from scheduler.settings import LifecycleSettings
from store.db import Database
from store.errors import describe_failure, said_of
from store.private import Modes, open_private_append

log = logging.getLogger("casedesk.daemon")
TICK_SECONDS = 60
RETRY_SECONDS = 60  # after a part of the background work failed
JOIN_SECONDS = 5  # how long a stop waits for the parts, all together
THREADS = "casedesk "  # how the names of the parts' threads begin
PRIVATE = Modes.of(share_with_group=False)


class Daemon:
    def __init__(self, db: Database, *, lifecycle: LifecycleSettings,
                 mailboxes: Sequence[MailboxSettings] = (), mail: MailSettings | None = None,
                 smtp: SmtpSettings | None = None,
                 report: Callable[[str], None] = log.info,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 retry: float = RETRY_SECONDS, lease_seconds: float = LEASE_SECONDS) -> None:
        self.db = db
        self.report = report
        self.clock = clock
        self.retry = retry  # seconds before a part that failed starts again
        self.pollers = [Poller(db, box, mail or MailSettings(), clock=clock,
                               lease_seconds=lease_seconds) for box in mailboxes]
        self.sender = Sender(db, smtp, clock=clock) if smtp is not None else None
        self.scheduler = Scheduler(db, lifecycle)

    def check(self) -> None:
        """Refuse to start with a mailbox whose channel is missing."""
        for poller in self.pollers:
            poller.check()

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set: each part (a poller per mailbox, the sender, the
        scheduler) in a thread of its own. A part that fails is reported and started
        again after a pause, never taking the others (or a TUI around them) down. When
        this returns, every part has been told to stop and waited for, JOIN_SECONDS in
        all; one still busy then (a long tick, say) goes on only while the process does:
        its thread is a daemon's, so when the process exits (`casedesk daemon` right
        after this) it dies where it is, its uncommitted batch rolled back (each batch
        commits alone) and its lease not released but left to expire (a process of this
        host takes it at once: store.leases)."""
        self.check()
        parts = threading.Event()  # set when this run ends, however it ends
        def fetched(result: PollResult) -> None:
            if result.fetched:
                self.report(result.describe())

        works: list[tuple[str, Callable[[threading.Event], None]]] = [
            (f"poll {p.mailbox.key}", partial(p.run, on_result=fetched)) for p in self.pollers]
        if self.sender is not None:
            works.append(("send", partial(self.sender.run,
                                          on_result=lambda r: self.report(r.describe()))))
        works.append(("tick", self._tick_every_minute))
        threads = [threading.Thread(target=_retrying,
                                    args=(name, partial(work, parts), parts, self.report,
                                          self.retry),
                                    name=THREADS + name, daemon=True)
                   for name, work in works]
        try:
            for thread in threads:
                thread.start()
            stop.wait()
        finally:
            parts.set()
            deadline = time.monotonic() + JOIN_SECONDS
            for thread in threads:
                thread.join(timeout=max(deadline - time.monotonic(), 0))

    def _tick_every_minute(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.tick_once()
            stop.wait(TICK_SECONDS)

    def tick_once(self) -> None:
        try:
            report = self.scheduler.tick(self.clock())
        except SchedulerBusy:
            return  # another process runs the jobs now
        except Exception as exc:  # a bad case must not stop the mail: said, tried again
            # In words: a database error's own text carries SQL and customers' data.
            said = describe_failure(exc).text
            log.warning("scheduler: %s", said, exc_info=bool(os.environ.get("CASEDESK_DEBUG")))
            self.report(f"scheduler: {said}")
            return
        if report.anything:
            self.report(report.describe())


def run_within(daemon: Callable[[Callable[[str], None]], Daemon], stop: threading.Event,
               *, log: Path, modes: Modes = PRIVATE, retry: float = RETRY_SECONDS) -> None:
    """A TUI's background work, in the calling thread until `stop` is set: the daemon
    `daemon(report)` makes, in this process (a second Python process would cost as much
    memory again as the TUI; the store's queries leave the GIL to the screen while they
    run). What it says, and its parts' warnings, go to `log` (private, as the database
    is). A failure is written there and the work started again after `retry` seconds:
    it never ends the TUI."""
    with open_private_append(log, modes) as out, _logged_to(out):
        writing = threading.Lock()

        def report(text: str) -> None:
            stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            with writing:
                if not out.closed:  # a part that outlived its stop says nothing more
                    out.write(f"{stamp} {text}\n".encode())
                    out.flush()

        _retrying("background work", lambda: daemon(report).run(stop), stop, report, retry)


def _retrying(name: str, work: Callable[[], None], stop: threading.Event,
              report: Callable[[str], None], pause: float) -> None:
    """`work()` until `stop` is set. A failure (a bug, a mailbox set up wrong, a
    database gone) is reported, and `work()` started again `pause` seconds later."""
    while not stop.is_set():
        try:
            work()
        except Exception as exc:
            said = said_of(exc, PollError)
            if os.environ.get("CASEDESK_DEBUG"):
                log.warning("%s stopped: %s", name, said, exc_info=True)
            with contextlib.suppress(Exception):  # a report that fails stops nothing
                report(f"{name} stopped: {said}; trying again in {pause:.0f} s")
            stop.wait(pause)


def _parts_alive() -> bool:
    return any(t.name.startswith(THREADS) for t in threading.enumerate())


@contextmanager
def _logged_to(out: BinaryIO) -> Iterator[None]:
    """The pollers', sender's and scheduler's warnings into `out` meanwhile (a TUI
    owns the terminal: nothing may be written there)."""
    stream = TextIOWrapper(out, encoding="utf-8", line_buffering=True)
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    parts = logging.getLogger("casedesk")
    parts.addHandler(handler)
    level, propagate = parts.level, parts.propagate
    parts.setLevel(logging.INFO)
    parts.propagate = False
    try:
        yield
    finally:
        # Waits for a line being written; a record racing the removal lands in memory.
        handler.setStream(io.StringIO())
        stream.detach()  # `out` is closed by its owner
        parts.removeHandler(handler)
        parts.setLevel(level)  # (setLevel: the loggers below forget their cached level)
        if _parts_alive():
            # A part that outlived its stop (Daemon.run) would log through the root
            # logger, or Python's last resort, to stderr: the TUI's terminal. Its
            # records go nowhere instead, for the rest of the process (which ends
            # with the TUI anyway).
            parts.addHandler(logging.NullHandler())
        else:
            parts.propagate = propagate


__all__ = ["Daemon", "PollError", "run_within"]
