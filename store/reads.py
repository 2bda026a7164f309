"""The access log (README, "Privacy"): who read which case when.

A read is noted in memory (`ReadLog.note`, a lock and an append: nothing a TUI's
worker waits on) and written with others in one INSERT by `flush` — every second
from a TUI's own thread, at exit for a command. A database opened read-only
(`--read-all`) writes its reads through a second, writable connection to the same
database: a supervisor's look at everything is logged like anyone's.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from store.errors import StoreError
from store.models import CaseRead
from store.tables import table_of

if TYPE_CHECKING:
    from store.db import Database

log = logging.getLogger(__name__)

VIAS = ("tui", "show", "json", "export")

# Every log with reads still to write, flushed at exit (a command's last step).
_LOGS: weakref.WeakSet[ReadLog] = weakref.WeakSet()


def flush_all() -> None:
    """Write every log's waiting reads (`casedesk` calls this as a command ends)."""
    for log_ in list(_LOGS):
        log_.flush()


atexit.register(flush_all)


class ReadLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._writable: Database | None = None

    def note(self, login: str, case_id: int, via: str, at: datetime) -> None:
        with self._lock:
            self._pending.append({"login": login, "case_id": case_id, "via": via, "at": at})
        _LOGS.add(self)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Write the reads noted so far; returns how many. A failure (a database busy
        past its timeout) keeps them for the next flush."""
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return 0
        try:
            self._target().write(lambda session: session.connection().execute(
                sa.insert(table_of(CaseRead)), rows))
        except (StoreError, sa.exc.SQLAlchemyError) as exc:  # (a database gone at exit)
            log.warning("the access log waits: %s", exc)
            with self._lock:
                self._pending[:0] = rows
            return 0
        return len(rows)

    def dispose(self) -> None:
        if self._writable is not None:
            self._writable.dispose()
            self._writable = None

    def _target(self) -> Database:
        if not self.db.read_only:
            return self.db
        if self._writable is None:
            from store.db import Database

            self._writable = Database(self.db.url, files=self.db.files_dir,
                                      share_with_group=self.db.file_mode & 0o060 != 0)
        return self._writable
