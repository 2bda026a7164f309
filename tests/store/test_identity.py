"""Acting as another login (CASEDESK_LOGIN) is for the owner of the database file —
the file SQLite really opens, however the database is named: a plain path, a
relative one, or a `file:` URI."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import store.identity
from store.db import Database
from store.errors import Forbidden, StoreError
from store.identity import current_login
from store.service import CaseService, bootstrap

pytestmark = pytest.mark.sqlite_only

SOMEONE_ELSE = 65534  # nobody


def team_database(path: Path) -> Database:
    db = Database(path)
    db.upgrade()
    bootstrap(db, "boss")
    CaseService(db, "boss").add_agent("anna")
    return db


def give_away(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `path` (and its -wal/-shm) someone else's. Only root can hand a file over;
    anyone else plays a caller with a made-up user id instead."""
    if os.geteuid() == 0:
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                os.chown(p, SOMEONE_ELSE, SOMEONE_ELSE)
    else:
        fake = os.getuid() + 1
        monkeypatch.setattr(store.identity.os, "getuid", lambda: fake)


def uri_forms(path: Path) -> list[str]:
    return [f"sqlite:///file:{path}?uri=true", f"sqlite:///file://{path}?uri=true",
            f"sqlite:///file://localhost{path}?mode=rw&uri=true",
            f"sqlite:///file:{path}"]  # SQLite reads file: names as URIs even so


def test_every_name_of_the_file_is_the_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "team folder" / "team.db"
    team_database(path).dispose()
    monkeypatch.chdir(path.parent)
    names = [str(path), f"sqlite:///{path}", "sqlite:///team.db", "sqlite:///file:team.db",
             "sqlite:///file:team.db?uri=true", *uri_forms(path),
             f"sqlite:///file:{str(path).replace(' ', '%2520')}?uri=true"]
    for name in names:
        db = Database(name)
        assert db.path == path, name
        db.check_schema()  # and it is the file that opens
        # The owner may act as anyone, through any of them.
        assert current_login(db, requested="anna") == "anna", name
        db.dispose()


def test_a_uri_cannot_borrow_the_owners_identity_through_a_look_alike_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack: a group member names someone else's database by a `file:` URI and
    creates, in their own folder, the relative path the URI's text reads as
    (`file:/srv/team.db` is also a path under the working folder) — a file of theirs."""
    real = tmp_path / "srv" / "team.db"
    team_database(real).dispose()
    give_away(real, monkeypatch)
    attacker = tmp_path / "home"
    for name in uri_forms(real):
        look_alike = attacker / name.removeprefix("sqlite:///").split("?")[0]
        look_alike.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(look_alike).close()  # the caller's own file
    monkeypatch.chdir(attacker)
    for name in uri_forms(real):
        db = Database(name)
        assert db.path == real
        with pytest.raises(Forbidden, match="only the owner of .* may act as another agent"):
            current_login(db, requested="boss")
        db.dispose()


def test_other_forms_that_are_not_one_file_are_refused(tmp_path: Path) -> None:
    for name in ("sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true",
                 f"sqlite:///file:{tmp_path}/x.db?mode=memory&uri=true",
                 f"sqlite:///file://elsewhere{tmp_path}/x.db?uri=true"):
        with pytest.raises(StoreError):
            Database(name)
