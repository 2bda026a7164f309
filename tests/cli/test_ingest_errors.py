"""When the database fails, casedesk says so in words — never the SQL statement and its
parameters, which carry customers' names, addresses and messages — and `ingest` stops
at the first such failure that every further line would meet, saying how far it got."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import store.identity
from cli.main import main
from store.db import Database

SECRETS = ("Hemligsson", "asa.hemlig@example.se", "personnummer", "19800101")
NOT_SHOWN = ("INSERT", "SELECT", "UPDATE", "[SQL", "parameters", "sqlalche.me", *SECRETS)


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEDESK_CONFIG", raising=False)
    monkeypatch.delenv("CASEDESK_LOGIN", raising=False)
    monkeypatch.delenv("CASEDESK_DEBUG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


@pytest.fixture
def url(team) -> str:  # type: ignore[no-untyped-def]
    """The team's database, with whoever runs casedesk as a supervisor in it."""
    team.as_("boss").add_agent(store.identity.os_login(), name="Runner", supervisor=True)
    return team.db.url.render_as_string(hide_password=False)


def casedesk(capsys: pytest.CaptureFixture[str], *argv: str,
             stdin: str = "") -> tuple[int, str, str]:
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdin = sys.__stdin__
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def customer_lines(count: int) -> str:
    line = {"channel": "Chat", "contact": {"name": "Åsa Hemligsson",
                                           "email": "asa.hemlig@example.se"},
            "title": "Fråga", "messages": [{"from": "customer",
                                            "text": "Mitt personnummer är 19800101-1234"}]}
    return "{not json\n" + "".join(json.dumps(line, ensure_ascii=False) + "\n"
                                   for _ in range(count))


def read_only(team, engine: str, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """The team's database made read-only; the URL to reach it by."""
    if engine == "sqlite":
        path = team.db.path
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                os.chmod(p, 0o444)
        # Root writes a 0444 file all the same: SQLite's own read-only mode holds for
        # everyone.
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    url = team.db.url
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{url.database}" SET '
                             "default_transaction_read_only = on")
    admin.dispose()
    return url.render_as_string(hide_password=False)


def test_ingest_on_a_read_only_database_stops_at_the_first_line_in_words(  # type: ignore[no-untyped-def]
        team, url: str, engine: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    target = read_only(team, engine, monkeypatch)
    code, out, err = casedesk(capsys, "--db", target, "ingest", "-", stdin=customer_lines(500))
    assert code == 1
    assert out == ""
    said = err.splitlines()
    assert said[0].startswith("line 1: not JSON")
    assert said[1].startswith("line 2: the database is read-only: nothing was changed")
    assert said[2].startswith("Stopped at line 2: every further line would fail the same way. "
                              "0 lines were taken before it")
    assert len(said) == 3
    for bad in NOT_SHOWN:
        assert bad not in err, bad
    # The detail, SQL and all, is there for whoever asks for it.
    monkeypatch.setenv("CASEDESK_DEBUG", "1")
    _, _, detail = casedesk(capsys, "--db", target, "ingest", "-", stdin=customer_lines(2))
    assert "INSERT" in detail
    assert "Traceback" in detail


def test_any_command_on_a_read_only_database_says_it_in_one_line(  # type: ignore[no-untyped-def]
        team, url: str, engine: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    target = read_only(team, engine, monkeypatch)
    code, out, err = casedesk(capsys, "--db", target, "case", "create", "--channel", "Chat",
                              "--title", "Fråga", "--name", "Åsa Hemligsson",
                              "--email", "asa.hemlig@example.se",
                              "--text", "Mitt personnummer är 19800101-1234")
    assert code == 1
    assert err.splitlines() == ["casedesk: the database is read-only: nothing was changed "
                                "(casedesk may read it but not write it: check the "
                                "permissions of the database file and its folder, or of the "
                                "database role)"]
    for bad in NOT_SHOWN:
        assert bad not in err, bad


def test_ingest_on_a_locked_database_stops_in_words(  # type: ignore[no-untyped-def]
        team, url: str, engine: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program holds the database's write lock (SQLite) or the cases table
    (PostgreSQL) for longer than ingest waits."""
    monkeypatch.setitem(Database.__init__.__kwdefaults__, "busy_timeout_ms", 100)
    if engine == "sqlite":
        holder = sqlite3.connect(team.db.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.close
    else:
        engine_ = sa.create_engine(team.db.url)
        conn = engine_.connect()
        conn.begin()
        conn.exec_driver_sql("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")

        def release() -> None:
            conn.close()
            engine_.dispose()
    try:
        code, out, err = casedesk(capsys, "--db", url, "ingest", "-",
                                  stdin=customer_lines(100))
    finally:
        release()
    assert code == 1
    assert out == ""
    said = err.splitlines()
    assert said[1] == ("line 2: the database is busy (another casedesk is writing to it); "
                       "nothing was changed: try again")
    assert said[2].startswith("Stopped at line 2:")
    assert len(said) == 3
    for bad in NOT_SHOWN:
        assert bad not in err, bad
