"""Whether the store changed since last asked: what a TUI checks many times a second, so
that another process's change is on its screen at once (ARCHITECTURE.md, "How a key
press becomes an audited change").

SQLite counts the commits of every other connection in `PRAGMA data_version`, read from
the file's header in microseconds: the watch holds one connection of its own for it,
which reads nothing else and writes nothing, in no transaction. PostgreSQL has no such
count: there the newest change-feed id is read (one row, from its index).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from store import audit
from store.db import Database


class ChangeWatch:
    """`changed()`: whether anything was committed since it was last asked (the first
    time: False, the watch begins then). One thread at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._file: sqlite3.Connection | None = None
        if db.path is not None:
            self._file = _connect(db.path)
        self._last = self._count()

    def _count(self) -> int:
        if self._file is not None:
            return int(self._file.execute("PRAGMA data_version").fetchone()[0])
        with self.db.read() as session:
            return audit.latest_change(session)

    def changed(self) -> bool:
        now = self._count()
        moved, self._last = now != self._last, now
        return moved

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _connect(path: Path) -> sqlite3.Connection:
    # Read-write where it may be (a WAL database's first reader makes its -shm file);
    # read-only where the file is someone else's (`casedesk --read-all`).
    name = quote(str(path))
    try:
        return sqlite3.connect(f"file:{name}?mode=rw", uri=True, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.OperationalError:
        return sqlite3.connect(f"file:{name}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
