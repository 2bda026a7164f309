"""`casedesk backup` and `restore` (store/backup.py): a copy taken while eight writer
processes write is one moment of the database — every writer's cases a gapless run,
each case whole — and it comes back checked, on both engines."""

from __future__ import annotations

import stat
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import forked  # tests/ is on sys.path
import pytest
import sqlalchemy as sa

from store.backup import BackupError, backup, restore
from store.db import Database
from store.service import AttachmentInput, CaseService, MessageInput

WRITER = """
import sys, pathlib
from store.db import Database
from store.service import CaseService, ContactInput, MessageInput
db = Database(sys.argv[1])
anna = CaseService(db, "anna")
stop = pathlib.Path(sys.argv[3])
k = 0
while not stop.exists() or k < 5:
    anna.create_case(channel="Chat", contact=ContactInput(email=f"w{sys.argv[2]}@example.se"),
                     title=f"w{sys.argv[2]} n{k}", messages=[MessageInput(f"meddelande {k}")])
    k += 1
db.dispose()
"""


def writers(url: str, tmp_path: Path, count: int = 8) -> tuple[list[BaseProcess], Path]:
    stop = tmp_path / "stop"
    return [forked.start(WRITER, url, str(i), str(stop), error=tmp_path / f"writer{i}.error")
            for i in range(count)], stop


def one_moment(db: Database) -> dict[str, int]:
    """Each writer's cases are n0…nK without a gap, each with its message."""
    with db.read() as session:
        titles = session.execute(sa.text("SELECT title FROM cases WHERE title LIKE 'w%'")
                                 ).scalars().all()
        lonely = session.execute(sa.text(
            "SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM message m "
            "WHERE m.case_id = c.id)")).scalar_one()
    runs: dict[str, list[int]] = {}
    for title in titles:
        writer, n = title.split()
        runs.setdefault(writer, []).append(int(n[1:]))
    assert lonely == 0
    for numbers in runs.values():
        assert sorted(numbers) == list(range(len(numbers)))
    return {w: len(n) for w, n in runs.items()}


def test_a_backup_while_eight_processes_write_is_one_moment(team, tmp_path: Path,
                                                            pg_url_factory) -> None:
    team.as_("boss").set_membership("Chat", "anna", member=True)
    team.system.add_message(team.new_case(), MessageInput("kvitto", attachments=(
        AttachmentInput("kvitto.pdf", b"%PDF kvitto", "application/pdf"),)))
    url = team.db.url.render_as_string(hide_password=False)
    # Eight on SQLite (its backup API copies pages while they write); on PostgreSQL
    # pg_dump's snapshot is the server's own, two writers show it.
    count = 8 if team.db.is_sqlite else 2
    procs, stop = writers(url, tmp_path, count)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until every writer has written some
            with team.db.read() as session:
                if session.execute(sa.text("SELECT count(DISTINCT contact_id) FROM cases "
                                           "WHERE title LIKE 'w%'")).scalar_one() == count:
                    break
            time.sleep(0.05)
        copy = backup(team.db, tmp_path / "backup.db")
    finally:
        stop.touch()
        wrong = [forked.ended(p, tmp_path / f"writer{i}.error", 120)
                 for i, p in enumerate(procs)]
        assert wrong == [""] * count, wrong
    with team.db.read() as session:
        live = session.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
    assert live > copy.counts["cases"]  # they went on writing after the copy
    assert stat.S_IMODE(copy.path.stat().st_mode) == 0o600
    target = tmp_path / "restored.db" if team.db.is_sqlite else pg_url_factory()
    restored = restore(copy.path, str(target))
    assert restored.counts == copy.counts
    back = Database(target)
    try:
        written = one_moment(back)
        assert sum(written.values()) + 1 == copy.counts["cases"]
        boss = CaseService(back, "boss")
        assert boss.get_case(1).number == 1
        with back.read() as session:
            digest = session.execute(sa.text("SELECT sha256 FROM attachment")).scalar_one()
            from store.files import FileStore

            assert FileStore(back).get(session, digest) == b"%PDF kvitto"
    finally:
        back.dispose()
    if team.db.is_sqlite:
        assert (tmp_path / "backup.db.files").is_dir()
        import sqlite3

        assert sqlite3.connect(copy.path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_and_restore_refuse_what_would_lose_data(team, tmp_path: Path,
                                                        pg_url_factory) -> None:
    (tmp_path / "taken.db").write_bytes(b"x")
    with pytest.raises(BackupError, match="exists already"):
        backup(team.db, tmp_path / "taken.db")
    copy = backup(team.db, tmp_path / "b.db")
    if team.db.is_sqlite:
        with pytest.raises(BackupError, match="exists already"):
            restore(copy.path, str(tmp_path / "taken.db"))
        broken = tmp_path / "broken.db"
        broken.write_bytes(copy.path.read_bytes()[:4096] + b"\0" * 4096)
        with pytest.raises(BackupError):
            restore(broken, str(tmp_path / "from-broken.db"))
        assert not (tmp_path / "from-broken.db").exists()
    else:
        url = team.db.url.render_as_string(hide_password=False)
        with pytest.raises(BackupError, match="not empty"):
            restore(copy.path, url)
        (tmp_path / "b.db.counts.json").write_text('{"cases": 999}')
        with pytest.raises(BackupError, match="row counts differ"):
            restore(copy.path, pg_url_factory())
    with pytest.raises(BackupError, match="no such backup"):
        restore(tmp_path / "none.db", str(tmp_path / "x.db"))
