"""Everything a team server runs in the background, in one process: a poller per
mailbox, the outbox's sender, and the scheduler every minute. Each part holds its
own lease in the store, so a second daemon (or the one a TUI runs in a thread of its
own process, see [scheduler] in_tui) only takes over what nobody is doing."""

from __future__ import annotations

import contextlib
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
from typing import BinaryIO

from mail.poller import Poller, PollError, PollResult
from mail.sender import Sender
from mail.settings import MailboxSettings, MailSettings, SmtpSettings
from scheduler.jobs import Scheduler, SchedulerBusy
from scheduler.settings import LifecycleSettings
from store.db import Database
from store.errors import describe_failure
from store.private import Modes, open_private_append

log = logging.getLogger("casedesk.daemon")
TICK_SECONDS = 60
RETRY_SECONDS = 60  # after a part of the background work failed
JOIN_SECONDS = 5  # how long a stop waits for the parts, all together
PRIVATE = Modes.of(share_with_group=False)


class Daemon:
    def __init__(self, db: Database, *, lifecycle: LifecycleSettings,
                 mailboxes: Sequence[MailboxSettings] = (), mail: MailSettings | None = None,
                 smtp: SmtpSettings | None = None,
                 report: Callable[[str], None] = log.info,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.report = report
        self.clock = clock
        self.pollers = [Poller(db, box, mail or MailSettings(), clock=clock) for box in mailboxes]
        self.sender = Sender(db, smtp, clock=clock) if smtp is not None else None
        self.scheduler = Scheduler(db, lifecycle)

    def check(self) -> None:
        """Refuse to start with a mailbox whose channel is missing."""
        for poller in self.pollers:
            poller.check()

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set: each part (a poller per mailbox, the sender, the
        scheduler) in a thread of its own. A part that fails is reported and started
        again after a pause, never taking the others (or a TUI around them) down; when
        this returns, every part has been told to stop (a tick in progress may finish
        on its own: its thread is a daemon's, and each batch of it commits alone)."""
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
        threads = [threading.Thread(target=self._guarded, args=(name, work, parts),
                                    name=name, daemon=True) for name, work in works]
        try:
            for thread in threads:
                thread.start()
            stop.wait()
        finally:
            parts.set()
            deadline = time.monotonic() + JOIN_SECONDS
            for thread in threads:
                thread.join(timeout=max(deadline - time.monotonic(), 0))

    def _guarded(self, name: str, work: Callable[[threading.Event], None],
                 stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                work(stop)
            except Exception as exc:  # a bug or a broken setup: said, tried again later
                said = exc if isinstance(exc, PollError) else describe_failure(exc).text
                log.warning("%s stopped: %s", name, said,
                            exc_info=bool(os.environ.get("CASEDESK_DEBUG")))
                with contextlib.suppress(Exception):
                    self.report(f"{name} stopped: {said}; trying again in {RETRY_SECONDS} s")
                stop.wait(RETRY_SECONDS)

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

        while not stop.is_set():
            try:
                daemon(report).run(stop)
            except Exception as exc:  # a mailbox set up wrong, a database gone
                said = exc if isinstance(exc, PollError) else describe_failure(exc).text
                report(f"background work stopped: {said}; trying again in {retry:.0f} s")
                stop.wait(retry)


@contextmanager
def _logged_to(out: BinaryIO) -> Iterator[None]:
    """The pollers', sender's and scheduler's warnings into `out` meanwhile (a TUI
    owns the terminal: nothing may be written there)."""
    handler = logging.StreamHandler(TextIOWrapper(out, encoding="utf-8",
                                                   line_buffering=True))
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    parts = logging.getLogger("casedesk")
    parts.addHandler(handler)
    level, propagate = parts.level, parts.propagate
    parts.setLevel(logging.INFO)
    parts.propagate = False
    try:
        yield
    finally:
        parts.removeHandler(handler)
        parts.setLevel(level)  # (setLevel: the loggers below forget their cached level)
        parts.propagate = propagate
        with handler.lock or contextlib.nullcontext():  # not while it writes a line
            handler.stream.detach()  # `out` is closed by its owner


__all__ = ["Daemon", "PollError", "run_within"]
