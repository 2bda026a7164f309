"""What the TUI tests share: one demo database (built once, fixed time) and a way to
wait until the app's workers have done their work."""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tuikit import NOW

from store.db import Database
from store.demo import build_demo
from tui.words import use


@pytest.fixture(autouse=True)
def swedish(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The TUI in Swedish, as the tests expect it, whatever the locale of the machine
    running them: `app_for` asks for Swedish, an app started without a language finds a
    Swedish locale, and what is drawn without an app is Swedish; a test that switched to
    English is undone."""
    monkeypatch.setenv("LC_ALL", "sv_SE.UTF-8")
    use("sv")
    yield
    use("sv")


@pytest.fixture
def stockholm_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen in the team's zone, whatever the machine's (snapshots, marks)."""
    monkeypatch.setenv("TZ", "Europe/Stockholm")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A demo database for reading only; more cases than one list window holds. Built
    once for the whole run: the test processes (pytest-xdist) share it, the first one
    to ask builds it while the others wait."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base  # this run's, every worker's
    path = shared / "tui-demo.db"
    with open(shared / "tui-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = shared / "tui-demo.building.db"
            db = Database(building)
            db.upgrade()
            build_demo(db, cases=2500, login="supervisor", now=NOW)
            db.dispose()
            building.rename(path)
    return path


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path) -> Path:
    """A copy of the demo database this test may change (SQLite's backup: a file copy
    could miss what is still in the -wal file)."""
    path = tmp_path / "demo.db"
    with sqlite3.connect(demo_path) as source, sqlite3.connect(path) as target:
        source.backup(target)
        # Nobody in any case yet, nothing being written: an app of an earlier test on
        # the shared database may have left its presence or a draft there.
        target.execute("DELETE FROM presence")
        target.execute("DELETE FROM draft")
    return path
