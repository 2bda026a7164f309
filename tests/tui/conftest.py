"""What the TUI tests share: one demo database (built once, fixed time) and a way to
wait until the app's workers have done their work."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tuikit import NOW

from store.db import Database
from store.demo import build_demo


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database for reading only; more cases than one list window holds."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(path)
    db.upgrade()
    build_demo(db, cases=2500, login="supervisor", now=NOW)
    db.dispose()
    return path


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path) -> Path:
    """A copy of the demo database this test may change (SQLite's backup: a file copy
    could miss what is still in the -wal file)."""
    path = tmp_path / "demo.db"
    with sqlite3.connect(demo_path) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return path
