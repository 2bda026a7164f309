"""Drafts kept in the store as the agent types (store/drafts.py): a moment after the
last change, in a thread of its own, so the screen never waits on the database and a
dropped connection loses at most that moment's keys.

One thread for all of a TUI's drafts: each case's latest text waits in `pending`
until DELAY has passed since its last change, then is written; a newer change in the
meantime replaces it (only the latest is written). `flush` writes everything now —
when the agent quits, or the terminal hangs up. Each write carries its base: when this
TUI last saw the case's draft (its own last save, the draft it found at start, its
send, or its own start), so that a TUI that hangs up late never overwrites what the
agent wrote since in another, nor brings back what they sent."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
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
        self.started = datetime.now(UTC)
        self.bases: dict[int, datetime] = {}  # case → when this TUI last saw its draft
        self._lock = threading.Condition()
        self._writing = threading.Lock()  # one write at a time, in the order taken
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="drafts", daemon=True)
        self._thread.start()

    def found(self, number: int, saved_at: datetime) -> None:
        """Case `number`'s draft as this TUI found it in the store."""
        with self._lock:
            self.bases[number] = saved_at

    def changed(self, number: int, draft: Draft) -> None:
        """What is written in case `number` now."""
        with self._lock:
            self.pending[number] = (draft, time.monotonic() + self.delay)
            self._lock.notify()

    def sending(self, number: int) -> None:
        """Case `number`'s text goes as a reply or note: nothing of it to keep."""
        with self._lock:
            self.pending.pop(number, None)

    def sent(self, number: int) -> None:
        """It went (the store ended its draft): what is written from now on is new."""
        with self._lock:
            self.bases[number] = datetime.now(UTC)

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
                    base = self.bases.get(number, self.started)
                try:
                    saved = self.service.save_draft(number, draft.text, note=draft.note,
                                                    status=draft.status, base=base)
                except (StoreError, ValueError) as exc:  # a case gone, a busy database
                    # Kept on screen either way; the next change or the quit tries again.
                    log.warning("draft of #%s not kept: %s", number, type(exc).__name__)
                    kept = False
                    continue
                except Exception:  # the database went away: the text stays on screen
                    log.warning("draft of #%s not kept", number, exc_info=True)
                    kept = False
                    continue
                if saved is None:  # written since in another TUI, or sent: theirs stands
                    log.info("draft of #%s not kept: newer in the store", number)
                else:
                    with self._lock:
                        self.bases[number] = saved
        return kept
