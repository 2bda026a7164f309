"""Drafts kept in the store as the agent types (store/drafts.py): a moment after the
last change, in a thread of its own, so the screen never waits on the database and a
dropped connection loses at most that moment's keys.

One thread for all of a TUI's drafts: each case's latest text waits in `pending`
until DELAY has passed since its last change, then is written; a newer change in the
meantime replaces it (only the latest is written). `flush` writes everything now —
when the agent quits, or the terminal hangs up. Each write says what this TUI knows
(store.drafts.DraftGuard): the draft in the store as it last saw it, and when the text
was begun — so that a TUI that hears of its hang-up late never overwrites what the
agent wrote since in another, nor brings back what they sent. A write refused so is
said at quit (the text stays on screen)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from store.drafts import DraftGuard
from store.errors import StoreError

if TYPE_CHECKING:
    from store.service import CaseService
    from tui.widgets.composer import Draft

log = logging.getLogger("casedesk.tui")
DELAY = 1.0  # seconds after the last change
HANG_UP_SECONDS = 5.0  # the most a hung-up TUI takes to keep what it can and end


class DraftKeeper:
    def __init__(self, service: CaseService, *, delay: float = DELAY) -> None:
        self.service = service
        self.delay = delay
        self.pending: dict[int, tuple[Draft, float]] = {}  # case → (draft, due)
        self.seen: dict[int, datetime] = {}  # case → its draft's saved_at, as last seen
        self.begun: dict[int, datetime] = {}  # case → when its text was begun here
        self.kept: dict[int, str] = {}  # case → the text the store holds, as far as known
        self._lock = threading.Condition()
        self._writing = threading.Lock()  # one write at a time, in the order taken
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="drafts", daemon=True)
        self._thread.start()

    def found(self, number: int, saved_at: datetime, text: str) -> None:
        """Case `number`'s draft as this TUI found it in the store."""
        with self._lock:
            if number not in self.seen or self.seen[number] < saved_at:
                self.seen[number] = saved_at
                self.kept[number] = text

    def changed(self, number: int, draft: Draft) -> None:
        """What is written in case `number` now."""
        with self._lock:
            if not draft.text.strip():
                self.begun.pop(number, None)
            elif number not in self.begun:
                self.begun[number] = datetime.now(UTC)
            self.pending[number] = (draft, time.monotonic() + self.delay)
            self._lock.notify()

    def differs(self, number: int, draft: Draft) -> bool:
        """Whether `draft` is not what the store holds for case `number`."""
        with self._lock:
            return draft.text != self.kept.get(number, "")

    def sending(self, number: int) -> None:
        """Case `number`'s text goes as a reply or note: nothing of it to keep."""
        with self._lock:
            self.pending.pop(number, None)

    def sent(self, number: int) -> None:
        """It went (the store ended its draft with it): what is written from now on
        is new."""
        with self._lock:
            for known in (self.seen, self.begun, self.kept):
                known.pop(number, None)

    def flush(self) -> bool:
        """Write every pending draft now (from a thread, never the event loop); whether
        all were kept."""
        with self._lock:
            due = dict(self.pending)
            self.pending.clear()
        return self._write(due)

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stop:
                    now = time.monotonic()
                    due = {n: d for n, d in self.pending.items() if d[1] <= now}
                    if due:
                        for number in due:
                            del self.pending[number]
                        break
                    wait = min((d[1] for d in self.pending.values()), default=now + 3600)
                    self._lock.wait(wait - now)
                if self._stop:
                    return
            self._write(due)

    def _write(self, due: dict[int, tuple[Draft, float]]) -> bool:
        kept = True
        with self._writing:
            for number, (draft, _) in due.items():
                with self._lock:
                    guard = DraftGuard(self.seen.get(number), self.begun.get(number))
                try:
                    saved = self.service.save_draft(number, draft.text, note=draft.note,
                                                    status=draft.status, guard=guard)
                except (StoreError, ValueError) as exc:  # a case gone, a busy database
                    # Kept on screen either way; the next change or the quit tries again.
                    log.warning("draft of #%s not kept: %s", number, type(exc).__name__)
                    kept = False
                    continue
                except Exception:  # the database went away: the text stays on screen
                    log.warning("draft of #%s not kept", number, exc_info=True)
                    kept = False
                    continue
                if saved is None:  # written in another session since, or sent: not ours
                    log.info("draft of #%s not kept: changed or sent elsewhere", number)
                    kept = False
                    continue
                with self._lock:
                    self.seen[number] = saved
                    self.kept[number] = draft.text
        return kept


def end_after_hang_up(flush: Callable[[], bool], service: CaseService) -> None:
    """After SIGHUP: the drafts written (`flush`), the agent's presence gone and the
    access log written, then the process ends where it is — Textual's own shutdown
    would wait for ever on a terminal that is gone; whatever hangs here (a database
    that went away), it ends within HANG_UP_SECONDS all the same."""
    watchdog = threading.Timer(HANG_UP_SECONDS, os._exit, (128 + signal.SIGHUP,))
    watchdog.daemon = True
    watchdog.start()

    def leave() -> None:
        with contextlib.suppress(Exception):
            flush()
        with contextlib.suppress(Exception):
            service.set_presence(None, None)
        with contextlib.suppress(Exception):
            service.db.reads.flush()
        os._exit(128 + signal.SIGHUP)

    threading.Thread(target=leave, name="casedesk hang-up", daemon=True).start()

