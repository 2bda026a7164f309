"""Writers to one SQLite file take turns in the order they came (ARCHITECTURE.md,
"One writer at a time").

SQLite's busy handler is no queue: a writer that waits sleeps, and whoever asks at
the moment the lock is free gets it, so one that has waited long keeps losing (32
writers: p99 4 s, the worst 9 s). Here each writer first draws a ticket (a counter
in a file beside the database, under `flock`) and holds its own slot file; it then
waits for the writer before it — a blocking `flock` on that one's slot, which the
kernel hands over the moment it is let go — and lets its own go after its commit.
So writers go first come, first served, none polls, and a writer killed (even with
`kill -9`) lets go of its slot with its process: the next one goes on at once.

The queue only orders; SQLite's lock still guarantees one writer at a time. A
writer that waited a whole busy timeout for its turn (one before it stopped mid-way)
goes on to SQLite's own wait, and from there to `Busy`, as without the queue.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from store.private import create_private_file, make_private_dir

SLOTS = 256  # waiting writers before ticket t and t + SLOTS share a slot
GRACE_TRIES = 20  # looks at a held slot of our own (see `_take_at_once`)


class Turns:
    """The queue of one database's writers (all processes and threads)."""

    def __init__(self, folder: Path, mode: int, dir_mode: int) -> None:
        self.folder = folder
        self.mode = mode
        self.dir_mode = dir_mode
        self._made: set[str] = set()

    def _open(self, name: str) -> int:
        # Exactly the database's modes, whatever the umask (store/private.py): every
        # writer of the team must be able to take its turn.
        path = self.folder / name
        if name not in self._made:
            make_private_dir(self.folder, self.dir_mode)
            create_private_file(path, self.mode)
            self._made.add(name)
        return os.open(path, os.O_RDWR | os.O_CLOEXEC)

    def wait(self, timeout: float) -> int | None:
        """Wait for this writer's turn (at most `timeout` seconds); returns the slot's
        file descriptor, to `done` after the commit — or None: no turn to wait for
        (the slot is still held by a writer SLOTS tickets earlier, stopped or stuck:
        SQLite's own wait instead, never a queue that hangs)."""
        counter = self._open("ticket")
        mine = None
        try:
            fcntl.flock(counter, fcntl.LOCK_EX)
            raw = os.pread(counter, 8, 0)
            ticket = int.from_bytes(raw, "little") if len(raw) == 8 else 0
            # Our slot, held before the ticket's lock goes: the next writer finds it
            # held. Never waited for here (that would stop every writer behind us).
            mine = self._open(f"slot-{ticket % SLOTS:03d}")
            _take_at_once(mine)
            os.pwrite(counter, (ticket + 1).to_bytes(8, "little"), 0)
        except BlockingIOError:
            os.close(mine)  # type: ignore[arg-type]
            return None
        except BaseException:
            if mine is not None:
                os.close(mine)  # (closing lets its lock go)
            raise
        finally:
            fcntl.flock(counter, fcntl.LOCK_UN)
            os.close(counter)
        try:
            before = self._open(f"slot-{(ticket - 1) % SLOTS:03d}")
            try:
                fcntl.flock(before, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                _wait_for(before, timeout)
                return mine
            fcntl.flock(before, fcntl.LOCK_UN)
            os.close(before)
        except BaseException:
            os.close(mine)
            raise
        return mine

    @staticmethod
    def done(slot: int) -> None:
        """This writer's turn is over: the next one goes."""
        fcntl.flock(slot, fcntl.LOCK_UN)
        os.close(slot)


def _take_at_once(slot: int) -> None:
    """Our own slot, or BlockingIOError when a writer SLOTS tickets earlier still holds
    it. A writer that stopped waiting for that slot (`_wait_for`'s thread) takes and
    lets it go in a moment once it is free: a few tries, a millisecond apart, tell
    that moment from a slot really held."""
    for _ in range(GRACE_TRIES - 1):
        try:
            fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.001)
    fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _wait_for(before: int, timeout: float) -> None:
    """Until the writer before lets go of its slot (the blocking flock, in a thread of
    its own so that a writer stuck before us costs a timeout, not forever)."""
    free = threading.Event()

    def take() -> None:
        try:
            fcntl.flock(before, fcntl.LOCK_EX)
            fcntl.flock(before, fcntl.LOCK_UN)
        finally:
            os.close(before)
            free.set()

    try:
        threading.Thread(target=take, daemon=True, name="casedesk-turn").start()
    except RuntimeError:  # no thread to be had: SQLite's own wait instead
        os.close(before)
        return
    free.wait(timeout)
