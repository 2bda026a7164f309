"""The database itself: private files whatever the umask, schema versions, and
one writer at a time without "database is locked" reaching anyone."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import store.db
from store.db import Busy, Database, SchemaError
from store.service import (
    AttachmentInput,
    CaseService,
    ContactInput,
    MessageInput,
    bootstrap,
)

pytestmark = pytest.mark.sqlite_only


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o077], ids=["umask000", "umask077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The test runs under this umask (restored afterwards)."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def make_case_with_attachment(db: Database) -> None:
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_channel("Support", kind="email", address="s@example.se")
    boss.create_case(
        channel="Support", contact=ContactInput(name="K", email="k@example.se"), title="Bild",
        messages=[MessageInput("se bilaga", attachments=(AttachmentInput("a.png", b"\x89PNG"),))],
    )


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("share", "file_mode", "dir_mode"), [(False, 0o600, 0o700),
                                                              (True, 0o660, 0o770)])
def test_files_are_private_whatever_the_umask(
    tmp_path: Path, share: bool, file_mode: int, dir_mode: int
) -> None:
    path = tmp_path / "new-folder" / "casedesk.db"
    db = Database(path, share_with_group=share)
    db.upgrade()
    make_case_with_attachment(db)
    # Hold a connection so -wal and -shm exist while we look.
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM cases").all()
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            assert p.exists(), p
            assert mode(p) == file_mode, p
    assert mode(path.parent) == dir_mode
    files = list(db.files_dir.rglob("*"))
    assert files, "the attachment was stored"
    for p in [db.files_dir, *files]:
        assert mode(p) == (dir_mode if p.is_dir() else file_mode), p
    db.dispose()


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("share", "file_mode", "dir_mode"), [(False, 0o600, 0o700),
                                                              (True, 0o660, 0o770)])
def test_a_connection_to_a_missing_file_creates_it_privately(
    tmp_path: Path, share: bool, file_mode: int, dir_mode: int
) -> None:
    """Not only `upgrade`: whatever first connects creates the file (and its folder)
    with the modes the config asks for, never the umask's."""
    path = tmp_path / "made-by-a-connection" / "casedesk.db"
    db = Database(path, share_with_group=share)
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode = WAL")
        raw.driver_connection.execute("CREATE TABLE t (x)")
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(str(path) + suffix)) == file_mode, suffix
    finally:
        raw.close()
    assert mode(path.parent) == dir_mode
    db.dispose()


@pytest.mark.parametrize(("share", "before", "after"), [
    (False, 0o644, 0o600), (False, 0o666, 0o600), (False, 0o400, 0o400),
    (False, 0o660, 0o600), (True, 0o644, 0o660), (True, 0o600, 0o660),
    (True, 0o400, 0o440), (True, 0o666, 0o660),
])
def test_modes_are_narrowed_to_the_configs_and_never_loosened(
    tmp_path: Path, share: bool, before: int, after: int
) -> None:
    path = tmp_path / "casedesk.db"
    first = Database(path)
    first.upgrade()
    first.dispose()
    os.chmod(path, before)
    changes = Database(path, share_with_group=share).tighten_files()
    assert mode(path) == after
    assert [(c.path, c.before, c.after) for c in changes if c.path == path] == (
        [(path, before, after)] if before != after else [])


def test_a_missing_database_says_to_run_init(tmp_path: Path) -> None:
    db = Database(tmp_path / "none.db")
    with pytest.raises(SchemaError, match="casedesk init"):
        db.check_schema()
    assert not (tmp_path / "none.db").exists()


def test_an_empty_sqlite_file_says_to_run_init(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).close()
    with pytest.raises(SchemaError, match="not a casedesk database yet: run `casedesk init`"):
        Database(path).check_schema()


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SchemaError, match="cannot read the database"):
        Database(path).check_schema()


def test_an_older_schema_says_how_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(tmp_path / "old.db")
    db.upgrade()
    db.check_schema()
    # A newer casedesk: the same migrations plus one.
    head = db.schema_revisions()[1]
    newer = tmp_path / "migrations"
    shutil.copytree(store.db.MIGRATIONS, newer)
    (newer / "versions" / "9999_more.py").write_text(
        f'revision = "9999"\ndown_revision = "{head}"\nbranch_labels = None\n'
        "depends_on = None\nfrom alembic import op\nimport sqlalchemy as sa\n"
        "def upgrade():\n    op.create_table('extra', sa.Column('id', sa.Integer, "
        "primary_key=True))\n"
        "def downgrade():\n    op.drop_table('extra')\n"
    )
    monkeypatch.setattr(store.db, "MIGRATIONS", newer)
    with pytest.raises(SchemaError, match=rf"older schema \({head}, this casedesk needs 9999\): "
                       r"run `casedesk init`"):
        db.check_schema()
    assert db.upgrade() == (head, "9999")
    db.check_schema()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM extra").scalar() == 0


def test_a_newer_schema_says_to_upgrade_casedesk(tmp_path: Path) -> None:
    db = Database(tmp_path / "new.db")
    db.upgrade()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'fffffff'")
    with pytest.raises(SchemaError, match="newer casedesk; upgrade casedesk"):
        db.check_schema()


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == store.db.BUSY_TIMEOUT_MS


def test_a_write_takes_the_write_lock_at_begin(db: Database) -> None:
    """BEGIN IMMEDIATE: while one unit of work writes, another process cannot even start
    one (so no deferred read-then-write can fail half-way with "locked")."""

    def work(session: sa.orm.Session) -> bool:
        other = sqlite3.connect(db.path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            other.close()
        return False

    assert db.write(work) is True


def test_a_read_does_not_take_the_write_lock(db: Database) -> None:
    with db.read() as session:
        session.execute(sa.text("SELECT count(*) FROM cases")).scalar()
        other = sqlite3.connect(db.path, timeout=0)
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        other.close()


def test_a_write_waits_for_another_writer_then_says_busy(tmp_path: Path) -> None:
    db = Database(tmp_path / "busy.db", busy_timeout_ms=100)
    db.upgrade()
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_channel("Chat", kind="chat")
    number = boss.create_case(channel="Chat", contact=ContactInput(name="K"), title="T")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        with pytest.raises(Busy, match="busy .* nothing was changed: try again"):
            boss.note(number, "hej")
    finally:
        other.rollback()
        other.close()
    assert [m.kind for m in boss.get_case(number).messages] == []
    boss.note(number, "hej")  # once the other writer is done, it goes through
    assert [m.text for m in boss.get_case(number).messages if m.kind == "note"] == ["hej"]


def test_other_database_errors_are_not_busy(db: Database) -> None:
    def work(session: sa.orm.Session) -> None:
        session.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        db.write(work)


def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE important (x)")
    os.chmod(path, 0o644)
    before = path.read_bytes()
    db = Database(path)
    for attempt in (db.check_schema, db.upgrade):
        with pytest.raises(SchemaError, match=r"another program's database \(tables: important"):
            attempt()
    assert path.read_bytes() == before
    assert mode(path) == 0o644
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


@pytest.mark.sqlite_only
def test_a_durable_write_commits_at_full_sync_and_an_ordinary_one_at_normal(db) -> None:
    """The level is set only when it changes (a statement less per write): each write
    still runs at its own, on whichever pooled connection it gets."""
    seen: list[int] = []

    def level(session) -> None:  # type: ignore[no-untyped-def]
        seen.append(session.connection().exec_driver_sql("PRAGMA synchronous").scalar())

    for durable in (True, False, False, True, True, False):
        db.write(level, durable=durable)
    assert seen == [2, 1, 1, 2, 2, 1]  # FULL, NORMAL
