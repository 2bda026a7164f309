"""The store's change watch: another connection's commit is seen by the next look, and
only once; nothing committed, nothing seen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from store.db import Database
from store.service import CaseService, ContactInput
from store.watch import ChangeWatch


def test_a_commit_elsewhere_is_seen_once(team) -> None:  # type: ignore[no-untyped-def]
    watch = ChangeWatch(team.db)
    try:
        assert not watch.changed()
        team.new_case()
        assert watch.changed()
        assert not watch.changed()
        team.as_("anna").set_status(1, "open")
        assert watch.changed()
    finally:
        watch.close()


@pytest.mark.sqlite_only
def test_a_file_whose_name_is_no_uri(team, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A path with a space and a "%" in it is still the file the watch looks at, opened
    before any other connection has made its -shm file."""
    team.db.dispose()
    odd = tmp_path / "Support 100%" / "team.db"
    odd.parent.mkdir()
    shutil.copyfile(team.db.path, odd)
    db = Database(odd)
    watch = ChangeWatch(db)
    try:
        assert not watch.changed()
        CaseService(db, "anna").create_case(channel="Support", title="Fråga",
                                            contact=ContactInput(name="K", email="k@x.se"))
        assert watch.changed()
    finally:
        watch.close()
        db.dispose()
