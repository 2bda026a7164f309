"""`casedesk backup` and `casedesk restore` (README, "Backups"): a consistent copy
while agents work, and a copy put back only after it has been checked.

- SQLite: SQLite's online backup API copies the database in one read transaction —
  a snapshot, while writers go on (WAL) — into one file; the attachment files the
  copy refers to go to `PATH.files/`.
- PostgreSQL: `pg_dump` in its custom format, of a snapshot whose row counts are
  taken in the same transaction and kept beside it (`PATH.counts.json`), so a
  restore can check it got all of them.

Every file written is the owner's alone (0600; folders 0700). A restore goes into
an empty target, then `PRAGMA integrity_check` (SQLite) and the row counts of every
table against the backup's own; only then is it done.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from store.db import Database, to_url
from store.errors import StoreError
from store.private import make_private_dir, write_private_file

# The tables whose rows a backup counts (every table but the search index's own).
_SKIP = ("sqlite_", "case_fts", "alembic_version")


class BackupError(StoreError):
    """A backup or restore that cannot be made, in words."""


@dataclass(frozen=True)
class Copy:
    """A backup made or restored: where, its row counts, its files."""

    path: Path
    counts: dict[str, int]
    files: int
    missing: int = 0  # files the copy refers to that were gone (purged meanwhile)


def _read_only(path: Path) -> str:
    """An SQLite URI opening `path` read-only (its name quoted: `?`, `#`, `%`)."""
    return "file:" + quote(str(path)) + "?mode=ro"


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not name.startswith(_SKIP)]


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(_read_only(path), uri=True)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in _tables(conn)}
    finally:
        conn.close()


def _copy_files(db_file: Path, source_dir: Path | None, target_dir: Path) -> tuple[int, int]:
    """The attachment files the database `db_file` refers to, from `source_dir` into
    `target_dir`. Returns (copied, missing)."""
    conn = sqlite3.connect(_read_only(db_file), uri=True)
    try:
        digests = [d for (d,) in conn.execute("SELECT DISTINCT sha256 FROM attachment")]
    finally:
        conn.close()
    if source_dir is None or not digests:
        return 0, 0
    copied = missing = 0
    make_private_dir(target_dir, 0o700)
    for digest in digests:
        source = source_dir / digest[:2] / digest
        if not source.exists():
            missing += 1
            continue
        make_private_dir(target_dir / digest[:2], 0o700)
        target = target_dir / digest[:2] / digest
        if not target.exists():
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
        copied += 1
    return copied, missing


def _new_file(path: Path) -> None:
    if path.exists():
        raise BackupError(f"{path} exists already: name a new file")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is no folder")


def backup(db: Database, path: Path) -> Copy:
    """A consistent copy of `db` at `path` while others keep writing."""
    _new_file(path)
    if not db.is_sqlite:
        return _pg_backup(db, path)
    assert db.path is not None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(_read_only(db.path), uri=True)
    target = sqlite3.connect(path)
    try:
        # One step (pages=-1): one read transaction, one snapshot, writers undisturbed.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
    except sqlite3.Error as exc:
        path.unlink(missing_ok=True)
        raise BackupError(f"the backup failed: {exc}") from None
    finally:
        target.close()
        source.close()
    files, missing = _copy_files(path, db.files_dir, path.with_name(path.name + ".files"))
    return Copy(path, _sqlite_counts(path), files, missing)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise BackupError(f"{name} is not installed (Debian: apt-get install "
                          "postgresql-client)")
    return candidates[-1]


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump and pg_restore, and their environment: the password in
    PGPASSWORD, never on a command line that `ps` shows everyone."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _pg_counts(conn: sa.Connection) -> dict[str, int]:
    tables = conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "ORDER BY tablename")).scalars().all()
    return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()
            for t in tables if not t.startswith(_SKIP)}


def _pg_backup(db: Database, path: Path) -> Copy:
    # The dump and the counts from one snapshot: exported by a transaction that
    # stays open until pg_dump has it.
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _pg_counts(conn)
            # The file ours alone before a byte of the dump is in it.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.chmod(path, 0o600)
            target, env = _libpq(db.url)
            done = subprocess.run(
                [_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                 "--no-owner", "--file", str(path), target],
                capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    os.chmod(path, 0o600)
    write_private_file(_counts_file(path), json.dumps(counts, indent=1).encode(), 0o600)
    return Copy(path, counts, 0)


def _counts_file(path: Path) -> Path:
    return path.with_name(path.name + ".counts.json")


def restore(path: Path, target: str) -> Copy:
    """The backup at `path` into `target` (an SQLite file that does not exist yet, or
    an empty PostgreSQL database), checked before it says done."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup")
    url = to_url(target)
    if url.get_backend_name() != "sqlite":
        return _pg_restore(path, url)
    database = url.database or ""
    into = Path(database.removeprefix("file:").split("?")[0]).expanduser()
    _new_file(into)
    try:
        source = sqlite3.connect(_read_only(path), uri=True)
        problem = source.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is no SQLite backup: {exc}") from None
    if problem != "ok":
        source.close()
        raise BackupError(f"{path} is damaged: {problem}")
    fd = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    copy = sqlite3.connect(into)
    try:
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=WAL")
        checked = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    expected, got = _sqlite_counts(path), _sqlite_counts(into)
    if checked != "ok" or got != expected:
        into.unlink(missing_ok=True)
        raise BackupError(f"the restored copy does not check out ({checked}); removed it")
    files, missing = _copy_files(into, path.with_name(path.name + ".files"),
                                 into.with_name(into.name + ".files"))
    if missing:
        raise BackupError(f"{missing} attachment files are missing from "
                          f"{path.name}.files/: the database is restored without them")
    return Copy(into, got, files)


def _pg_restore(path: Path, url: sa.URL) -> Copy:
    counts_file = _counts_file(path)
    if not counts_file.is_file():
        raise BackupError(f"{counts_file} is missing: the backup's row counts check it")
    expected = json.loads(counts_file.read_text())
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = "
                                    "current_schema()")).scalar_one():
                raise BackupError("the target database is not empty: restore into a new one")
        target, env = _libpq(url)
        done = subprocess.run(
            [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
             "--dbname", target, str(path)], capture_output=True, text=True, check=False,
            env=env)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
        with engine.connect() as conn:
            got = _pg_counts(conn)
    finally:
        engine.dispose()
    if got != expected:
        wrong = sorted(t for t in expected if got.get(t) != expected[t])
        raise BackupError(f"the restored database's row counts differ ({', '.join(wrong)})")
    return Copy(path, got, 0)
