"""Engine, connection rules, units of work and schema migrations.

SQLite rules (ARCHITECTURE.md, "One writer at a time"): WAL, foreign keys, a busy
timeout on every connection, and every transaction that may write begins with
BEGIN IMMEDIATE.
pysqlite's own transaction handling is switched off (it neither isolates reads
nor lets us choose IMMEDIATE); we emit BEGIN ourselves in the `begin` event.
A unit of work is short: open, do one thing, commit; nothing stays open while a
TUI idles. A write that finds the database locked past the busy timeout is
retried whole, so a busy moment never reaches the user.

Files: the database, its -wal/-shm, and everything beside it are created without
access for others, whatever the umask (0600/0700, or 0660/0770 when the team
shares the database through a group) — by store/private.py, as every file casedesk
makes; a connection that finds the file missing creates it that way first.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, unquote

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.errors import ReadOnly, StoreError

if TYPE_CHECKING:
    import sqlite3

    from alembic.config import Config
    from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext
    from sqlalchemy.pool import ConnectionPoolEntry

    from store.knowledge import KnowledgeBase
    from store.triage.routing import RuleSource

from store.privacy import MASK_ALL, Privacy
from store.private import (
    ModeChange,
    Modes,
    create_private_file,
    file_modes,
    make_private_dir,
    tighten,
)
from store.reads import ReadLog
from store.triage.detect import BUILT_IN, Detectors
from store.turns import Turns

T = TypeVar("T")
_FROM_CASES = re.compile(r"FROM cases(\s)")

MIGRATIONS = Path(__file__).with_name("migrations")
# How long one attempt at a write waits for another writer; a write is tried again
# until WRITE_ATTEMPTS of them have passed, then gives up with `Busy`.
BUSY_TIMEOUT_MS = 10_000
WRITE_ATTEMPTS = 6


class SchemaError(StoreError):
    """The database's schema is not the one this casedesk uses."""

    lasting = True


class Busy(StoreError):
    """Another process held the write lock for longer than the busy timeout."""

    lasting = True  # (after a minute of trying: a batch had better stop and say so)

    def __init__(self) -> None:
        super().__init__(
            "the database is busy (another casedesk is writing to it); nothing was changed: "
            "try again"
        )


def to_url(url_or_path: str | os.PathLike[str] | sa.URL) -> sa.URL:
    """An SQLAlchemy URL from either a URL or a plain file path."""
    if isinstance(url_or_path, sa.URL):
        return url_or_path
    text = os.fspath(url_or_path)
    if "://" in text:
        url = sa.make_url(text)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")  # the driver casedesk installs
        return url
    return sa.make_url("sqlite:///" + str(Path(text).expanduser().absolute()))


def sqlite_file(url: sa.URL) -> tuple[Path, sa.URL]:
    """The file SQLite will open for `url` — a plain name, or a `file:` URI read as
    SQLite reads it (authority, %-escapes, a relative path against the working folder) —
    made absolute, and `url` rewritten to name exactly that file, so that nothing (a
    later chdir, a look-alike relative path) can make the two differ.

    A name starting with `file:` is always taken as a URI (SQLite builds with URIs on
    read it so even without `?uri=true`)."""
    name = url.database or ""
    if name[:5].lower() != "file:":
        if name in ("", ":memory:"):
            raise StoreError("an in-memory database cannot be shared: give a file path")
        path = Path(name).absolute()
        return path, url.set(database=str(path))
    rest = name[5:]
    if rest.startswith("//"):
        authority, slash, rest = rest[2:].partition("/")
        if authority not in ("", "localhost"):
            raise StoreError(f"the SQLite URI {name!r} names the host {authority!r}: give a "
                             "local file")
        rest = slash + rest
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    raw_path, tail = rest[:cut], rest[cut:]
    query = tail.partition("#")[0][1:]
    params = dict(part.partition("=")[::2] for part in query.split("&") if part)
    params.update((k, v) for k, v in url.query.items() if isinstance(v, str))
    decoded = unquote(raw_path)
    if (decoded in ("", ":memory:") or params.get("mode") == "memory"
            or params.get("vfs") == "memdb"):
        raise StoreError("an in-memory database cannot be shared: give a file path")
    path = Path(decoded).absolute()
    # The URI's parameters go in the URL's query: SQLAlchemy hands them on to SQLite.
    return path, url.set(database="file:" + quote(str(path), safe="/"),
                         query={**params, "uri": "true"})


class Database:
    """One database: its engines, its files folder, and its units of work.

    One `Database` per process; threads share it (each unit of work takes its own
    pooled connection).
    """

    def __init__(
        self, url: str | os.PathLike[str] | sa.URL, *, share_with_group: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS, files: str | os.PathLike[str] | None = None,
        read_only: bool = False, detectors: Detectors = BUILT_IN,
        rules: RuleSource | None = None, knowledge: KnowledgeBase | None = None,
        csat: bool = False, privacy: Privacy = MASK_ALL,
    ) -> None:
        self.url = to_url(url)
        # What marks a new case urgent or frustrated, and the team's rules file
        # (store/triage: the config's `[triage]`), for every service on this database.
        self.detectors = detectors
        self.rules = rules
        # The team's articles, suggested for a case (store/knowledge: `[knowledge]`).
        self.knowledge = knowledge
        # A survey mailed when an email case is solved (store/satisfaction: `[csat]`).
        self.csat = csat
        # What is masked where customers' text comes in (store/privacy: `[privacy]`).
        self.privacy = privacy
        # Who read which case: noted here, written in batches (store/reads.py).
        self.reads = ReadLog(self)
        # Read only: `write` refuses, and the database itself refuses any change
        # (SQLite's query_only, PostgreSQL's read-only transactions) should one slip by.
        self.read_only = read_only
        self._files = Path(files).expanduser() if files else None
        self.busy_timeout_ms = busy_timeout_ms
        self.file_mode, self.dir_mode = file_modes(share_with_group)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.path: Path | None = None
        if self.is_sqlite:
            # `path` is the file SQLite opens, and the engine opens exactly it: the
            # owner check (store/identity.py) and the modes rest on that.
            self.path, self.url = sqlite_file(self.url)
        self.engine = self._make_engine()
        event.listen(self.engine, "before_cursor_execute", _keep_sent)
        # SQLite's writers take turns in the order they came (store/turns.py).
        self.turns = Turns(self.path.with_name(self.path.name + ".writers"), self.file_mode,
                           self.dir_mode) if self.path is not None and not read_only else None
        # Connections from this engine begin with BEGIN IMMEDIATE (see `_begin`).
        self.write_engine = self.engine.execution_options(casedesk_write=True)

    # -- files ---------------------------------------------------------------

    @property
    def files_dir(self) -> Path | None:
        """The folder of attachments (and later raw mail); None: in the database."""
        if self._files is not None:
            return self._files
        if self.path is None:
            return None
        return self.path.with_name(self.path.name + ".files")

    @property
    def modes(self) -> Modes:
        return Modes(self.file_mode, self.dir_mode)

    def _prepare_file(self) -> None:
        """Create the database file (and its folder) with private modes if missing."""
        assert self.path is not None
        if not self.path.exists():
            make_private_dir(self.path.parent, self.dir_mode)
            create_private_file(self.path, self.file_mode)

    def _make_engine(self) -> Engine:
        if not self.is_sqlite:
            if self.url.get_backend_name() == "postgresql":
                try:
                    import psycopg  # noqa: F401
                except ImportError:
                    raise StoreError("PostgreSQL needs its driver: pip install "
                                     "'casedesk[postgres]'") from None
            # A writer waits for a row lock as long as SQLite's writers wait (then Busy).
            options = f"-c lock_timeout={self.busy_timeout_ms}"
            if self.read_only:
                options += " -c default_transaction_read_only=on"
            return sa.create_engine(self.url, pool_pre_ping=True,
                                    connect_args={"options": options})
        engine = sa.create_engine(
            self.url,
            # The busy timeout: a writer waits this long for another one.
            connect_args={"check_same_thread": False, "timeout": self.busy_timeout_ms / 1000},
        )

        @event.listens_for(engine, "do_connect")
        def _create_privately(dialect: sa.Dialect, conn_rec: ConnectionPoolEntry,
                              cargs: list[Any], cparams: dict[str, Any]) -> None:
            # SQLite would create a missing file with the umask's mode: make it ours first.
            if not self.read_only and self.url.query.get("mode") not in ("ro", "rw"):
                self._prepare_file()

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
            # Autocommit at the driver: we emit BEGIN ourselves.
            dbapi_conn.isolation_level = None
            # (WAL is set once by `upgrade` and stays with the file.)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA synchronous = NORMAL")
            record.info["synchronous"] = "NORMAL"
            if self.read_only:
                cur.execute("PRAGMA query_only = ON")
            cur.close()
            # SQLite's lower() folds ASCII only: "Åsa" must be found by "åsa" too.
            dbapi_conn.create_function("casefold", 1, _casefold, deterministic=True)

        @event.listens_for(engine, "before_cursor_execute", retval=True)
        def _indexed_by(conn: sa.Connection, cursor: DBAPICursor, statement: str,
                        parameters: Any, context: ExecutionContext | None,
                        executemany: bool) -> tuple[str, Any]:
            # `execution_options(indexed_by=…)` pins the index a case query reads
            # (SQLite's INDEXED BY: an error, not a slow plan, if the index is gone).
            index = context.execution_options.get("indexed_by") if context else None
            if index:
                statement = _FROM_CASES.sub(f"FROM cases INDEXED BY {index}\\1", statement,
                                            count=1)
            return statement, parameters

        @event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            options = conn.get_execution_options()
            write = options.get("casedesk_write", False)
            if write:
                # FULL: this commit survives a power loss (WAL with NORMAL may roll the
                # last commits back) — for what the mail server is told only afterwards.
                level = "FULL" if options.get("casedesk_durable", False) else "NORMAL"
                if conn.info.get("synchronous") != level:  # (a statement less per write)
                    conn.exec_driver_sql(f"PRAGMA synchronous = {level}")
                    conn.info["synchronous"] = level
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    # -- units of work ---------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: a consistent snapshot, rolled back at the end."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def _write_once(self, durable: bool = False) -> Iterator[Session]:
        with Session(self.write_engine, expire_on_commit=False) as session, session.begin():
            # BEGIN IMMEDIATE now, before any read
            session.connection(execution_options={"casedesk_durable": durable})
            yield session

    def write(self, work: Callable[[Session], T], *, durable: bool = False,
              attempts: int = WRITE_ATTEMPTS) -> T:
        """Run `work` in one write transaction and commit it.

        The transaction starts with BEGIN IMMEDIATE: it waits for another writer up to
        the busy timeout, and is tried again until WRITE_ATTEMPTS busy timeouts have
        passed (a wait nobody notices but as a slow step); then it gives up with
        `Busy` having changed nothing. In WAL mode that BEGIN is the only place a writer waits.
        `durable`: the commit is on disk when this returns, even on SQLite in WAL mode.
        `attempts`: fewer for a write nobody waits for (presence), which may just fail.
        """
        if self.read_only:
            raise ReadOnly()
        # (The wait for a turn counts: `attempts` busy timeouts in all, queue included.)
        deadline = time.monotonic() + self.busy_timeout_ms / 1000 * attempts
        turn = self._take_turn()
        try:
            # Retried whole: a writer that waited a busy timeout (one outside the
            # queue held the lock) tries again, not its turn for good.
            while True:
                try:
                    with self._write_once(durable) as session:
                        return work(session)
                except sa.exc.OperationalError as exc:
                    if not _is_locked(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise Busy() from exc
                time.sleep(random.uniform(0.001, 0.02))  # apart from the other losers
        finally:
            if turn is not None:
                Turns.done(turn)

    def _take_turn(self) -> int | None:
        """This writer's turn among the database's writers (SQLite), or None: none
        to take (PostgreSQL queues row locks itself), or the queue's folder cannot be
        made (a database in a folder not ours to write: SQLite's wait alone)."""
        if self.turns is None:
            return None
        try:
            return self.turns.wait(self.busy_timeout_ms / 1000)
        except OSError:
            self.turns = None
            return None

    # -- schema ----------------------------------------------------------------

    def _alembic_config(self, connection: sa.Connection) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        return cfg

    def schema_revisions(self) -> tuple[str | None, str]:
        """(the database's schema revision, the one this casedesk needs). Read without
        Alembic, whose import costs every start of the TUI ~0.1 s and ~5 MB."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                current = None
            else:
                current = conn.execute(sa.text("SELECT version_num FROM alembic_version")
                                       ).scalar()
        return current, head_revision(MIGRATIONS)

    def upgrade(self, *, tighten: bool = True) -> tuple[str | None, str]:
        """Create or upgrade the schema to the newest revision; returns (before, after).
        `tighten`: narrow existing files' modes too (False: the caller does, to say so)."""
        from alembic import command

        if self.read_only:
            raise ReadOnly()
        if self.is_sqlite:
            self._prepare_file()
            self._refuse_foreign()
            raw = self.engine.raw_connection()  # outside any transaction
            try:
                driver = raw.driver_connection
                assert driver is not None  # that of an open connection
                driver.execute("PRAGMA journal_mode = WAL")
            finally:
                raw.close()
        before, head = self.schema_revisions()
        with self.write_engine.begin() as conn:
            command.upgrade(self._alembic_config(conn), "head")
        if tighten:
            self.tighten_files()
        return before, head

    def check_schema(self) -> None:
        """Refuse a database this casedesk cannot use, saying what to do."""
        if self.is_sqlite:
            assert self.path is not None
            if not self.path.exists():
                raise SchemaError(
                    f"no database at {self.path}: run `casedesk init` to create it"
                )
        try:
            current, head = self.schema_revisions()
        except sa.exc.DatabaseError as exc:
            raise SchemaError(f"cannot read the database {self.location}: {exc.orig}") from exc
        if current == head:
            return
        if current is None:
            self._refuse_foreign()
            raise SchemaError(
                f"{self.location} is not a casedesk database yet: run `casedesk init`"
            )
        from alembic.script import ScriptDirectory

        with self.engine.connect() as conn:
            scripts = ScriptDirectory.from_config(self._alembic_config(conn))
        known = {rev.revision for rev in scripts.walk_revisions()}
        if current in known:
            raise SchemaError(
                f"the database {self.location} has an older schema ({current}, this casedesk "
                f"needs {head}): run `casedesk init` to upgrade it (make a backup first)"
            )
        raise SchemaError(
            f"the database {self.location} has schema {current}, which this casedesk does not "
            "know: it was made by a newer casedesk; upgrade casedesk"
        )

    def _refuse_foreign(self) -> None:
        """Never turn another program's database into ours."""
        with self.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        if tables and "alembic_version" not in tables:
            shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
            raise SchemaError(
                f"{self.location} is another program's database (tables: {shown}): "
                "give casedesk a file of its own"
            )

    @property
    def location(self) -> str:
        """Where the database is, for messages: its file, or its URL without password."""
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    def tighten_files(self) -> list[ModeChange]:
        """Narrow the database file, its -wal/-shm and the attachments folder to the
        modes the config asks for (never loosening one); returns what changed."""
        changes: list[ModeChange] = []
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                changes += tighten(Path(str(self.path) + suffix), self.modes)
        if self.files_dir is not None:
            changes += tighten(self.files_dir, self.modes, recursive=True)
        if self.turns is not None:
            changes += tighten(self.turns.folder, self.modes, recursive=True)
        return changes

    def checkpoint(self) -> None:
        """SQLite: the -wal file's pages into the database and the file emptied (after
        an erasure, nothing of what went is left there). PostgreSQL: nothing to do."""
        if not self.is_sqlite or self.read_only:
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.reads.flush()
        self.reads.dispose()
        self.engine.dispose()


_REVISION = re.compile(r'^(down_)?revision\s*=\s*["\'](\w*)["\']', re.MULTILINE)


def head_revision(migrations: Path) -> str:
    """The newest revision of a (linear) chain of migrations, read from their files."""
    revisions: set[str] = set()
    parents: set[str] = set()

    for path in (migrations / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise StoreError(f"the migrations in {migrations} have {len(heads)} heads")
    return heads.pop()


def include_in_migrations(obj: object, name: str | None, type_: str, reflected: bool,
                          compare_to: object) -> bool:
    """What Alembic compares with the models: not the search index's own tables (FTS5
    makes them; the migration creates the index by hand), nor expression indexes,
    which SQLite cannot reflect and PostgreSQL reflects in its own spelling
    (tests/store/test_migrations.py checks they exist)."""
    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return not (type_ == "table" and name is not None
                and name.startswith(("case_fts", "case_search")))


EXPRESSION_INDEXES = ("ix_cases_status_rank", "ix_cases_priority_rank", "ix_cases_assignee_key",
                      "ix_cases_sla_due", "ix_contact_name_key")


def is_demo_database(path: Path) -> bool:
    """Whether the SQLite file at `path` is a demo database (safe to rebuild)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM setting WHERE key = 'demo'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == "1"


def remove_database_files(path: Path) -> None:
    """Delete an SQLite database with its -wal/-shm and the files folder beside it."""
    import shutil

    for suffix in ("-wal", "-shm", ""):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + ".files"), ignore_errors=True)


def _keep_sent(conn: sa.Connection, cursor: DBAPICursor, statement: str, parameters: Any,
               context: ExecutionContext | None, executemany: bool) -> None:
    # `execution_options(casedesk_sent=[])`: the statement and parameters the driver
    # got, as it got them (store/case_pages.py runs them again on its own).
    sent = context.execution_options.get("casedesk_sent") if context else None
    if sent is not None:
        sent.append((statement, parameters))


def _is_locked(exc: sa.exc.OperationalError) -> bool:
    # PostgreSQL: lock_not_available (lock_timeout) and deadlock_detected.
    if getattr(exc.orig, "sqlstate", None) in ("55P03", "40P01"):
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def _casefold(text: str | None) -> str | None:
    return text.casefold() if isinstance(text, str) else text
