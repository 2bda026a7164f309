"""Everything a team server runs in the background, in one process: a poller per
mailbox, the outbox's sender, and the scheduler every minute. Each part holds its
own lease in the store, so a second daemon (or the one a TUI starts beside itself,
see [scheduler] in_tui) only takes over what nobody is doing."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from mail.poller import Poller, PollError
from mail.sender import Sender
from mail.settings import MailboxSettings, MailSettings, SmtpSettings
from scheduler.children import die_with_parent
from scheduler.jobs import Scheduler, SchedulerBusy
from scheduler.settings import LifecycleSettings
from store.db import Database
from store.errors import describe_failure
from store.private import Modes, open_private_append

log = logging.getLogger("casedesk.daemon")
TICK_SECONDS = 60
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
        """Until `stop` is set."""
        self.check()
        threads = [threading.Thread(target=p.run, args=(stop,), daemon=True, kwargs={
            "on_result": lambda r: r.fetched and self.report(r.describe())},
            name=f"poll {p.mailbox.key}") for p in self.pollers]
        if self.sender is not None:
            threads.append(threading.Thread(target=self.sender.run, args=(stop,), daemon=True,
                                            kwargs={"on_result": lambda r: self.report(
                                                r.describe())}, name="send"))
        for thread in threads:
            thread.start()
        while not stop.is_set():
            self.tick_once()
            stop.wait(TICK_SECONDS)
        for thread in threads:
            thread.join(timeout=10)

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


def run_beside(argv: Sequence[str], stop: threading.Event, *, log: Path,
               modes: Modes = PRIVATE) -> None:
    """Run the daemon `argv` as a child process until `stop` is set (a TUI's
    background work): what it says goes to `log` (private, as the database is); it is
    asked to stop with SIGTERM, and on Linux gets one too if this process dies without
    asking."""
    with open_private_append(log, modes) as out:
        # The death signal follows the calling thread: the TUI's background worker,
        # which lives as long as the TUI.
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                 preexec_fn=die_with_parent(signal.SIGTERM))
        stop.wait()
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


__all__ = ["Daemon", "PollError", "run_beside"]
