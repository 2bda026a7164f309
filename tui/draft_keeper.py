"""Drafts kept in the store as the agent types (store/drafts.py): a moment after the
last change, in a thread of its own, so the screen never waits on the database and a
dropped connection loses at most that moment's keys.

One thread for all of a TUI's drafts: each case's latest text waits in `pending`
until DELAY has passed since its last change, then is written; a newer change in the
meantime replaces it (only the latest is written). `flush` writes everything now —
when the agent quits, or the terminal hangs up."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from store.errors import StoreError

if TYPE_CHECKING:
    from store.service import CaseService
    from tui.widgets.composer import Draft

log = logging.getLogger("casedesk.tui")
DELAY = 1.0  # seconds after the last change


class DraftKeeper:
    def __init__(self, service: CaseService, *, delay: float = DELAY) -> None:
        self.service = service
        self.delay = delay
        self.pending: dict[int, tuple[Draft, float]] = {}  # case → (draft, due)
        self.failed = False  # the last write failed (said at quit)
        self._lock = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="drafts", daemon=True)
        self._thread.start()

    def changed(self, number: int, draft: Draft) -> None:
        """What is written in case `number` now."""
        with self._lock:
            self.pending[number] = (draft, time.monotonic() + self.delay)
            self._lock.notify()

    def sent(self, number: int) -> None:
        """Case `number`'s text went as a reply or note: nothing of it to keep."""
        with self._lock:
            self.pending.pop(number, None)

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
        for number, (draft, _) in due.items():
            try:
                self.service.save_draft(number, draft.text, note=draft.note,
                                        status=draft.status)
            except (StoreError, ValueError) as exc:  # a case gone, a busy database
                # Kept on screen either way; the next change or the quit tries again.
                log.warning("draft of #%s not kept: %s", number, type(exc).__name__)
                kept = False
            except Exception:  # the database went away: the text stays on screen
                log.warning("draft of #%s not kept", number, exc_info=True)
                kept = False
        self.failed = not kept
        return kept
