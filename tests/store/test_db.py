"""The database itself: private files whatever the umask, schema versions, and
one writer at a time without "database is locked" reaching anyone."""

from __future__ import annotations

import multiprocessing
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
    CaseFilter,
    CaseService,
    ContactInput,
    MessageInput,
    bootstrap,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
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


@pytest.mark.usefixtures("open_umask")
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
    newer = tmp_path / "migrations"
    shutil.copytree(store.db.MIGRATIONS, newer)
    (newer / "versions" / "0002_more.py").write_text(
        'revision = "0002"\ndown_revision = "0001"\nbranch_labels = None\ndepends_on = None\n'
        "from alembic import op\nimport sqlalchemy as sa\n"
        "def upgrade():\n    op.create_table('extra', sa.Column('id', sa.Integer, "
        "primary_key=True))\n"
        "def downgrade():\n    op.drop_table('extra')\n"
    )
    monkeypatch.setattr(store.db, "MIGRATIONS", newer)
    with pytest.raises(SchemaError, match=r"older schema \(0001, this casedesk needs 0002\): "
                       r"run `casedesk init`"):
        db.check_schema()
    assert db.upgrade() == ("0001", "0002")
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
    assert [m.text for m in boss.get_case(number).messages] == ["hej"]


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


# -- many writers at once ---------------------------------------------------------

WRITERS = 8
NOTES_EACH = 15


def _writer(path: str, login: str, cases: list[int], queue: multiprocessing.Queue) -> None:
    try:
        db = Database(path)
        service = CaseService(db, login)
        for i in range(NOTES_EACH):
            for number in cases:
                service.note(number, f"{login} note {i}")
            service.add_message(cases[i % len(cases)], MessageInput(f"{login} kund {i}"))
        mine = service.create_case(channel="Support", contact=ContactInput(name=login),
                                   title=f"{login}s eget ärende")
        service.set_status(mine, "open")
        queue.put(("ok", login))
    except Exception as exc:  # reported to the test, which fails on it
        queue.put(("error", f"{login}: {type(exc).__name__}: {exc}"))


def test_eight_writer_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    db = Database(path)
    db.upgrade()
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_channel("Support", kind="chat")
    logins = [f"agent{i}" for i in range(WRITERS)]
    for login in logins:
        boss.add_agent(login)
        boss.set_membership("Support", login, member=True)
    cases = [boss.create_case(channel="Support", contact=ContactInput(name=f"K{i}"),
                              title=f"Delat ärende {i}") for i in range(3)]
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), login, cases, queue))
             for login in logins]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [r for r in results if r[0] == "error"] == []
    with db.read() as session:
        notes = session.scalar(sa.text("SELECT count(*) FROM message WHERE kind = 'note'"))
        customer = session.scalar(sa.text("SELECT count(*) FROM message WHERE kind='customer'"))
        own = session.scalar(sa.text("SELECT count(*) FROM cases WHERE status = 'open'"))
    assert notes == WRITERS * NOTES_EACH * len(cases)
    assert customer == WRITERS * NOTES_EACH
    assert own == WRITERS
    # Every note is also in the search index of its case.
    hits = boss.list_cases(CaseFilter(search="note", limit=10))
    assert set(cases) <= {r.number for r in hits}
