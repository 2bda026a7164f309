"""The throw-away PostgreSQL server (tests/pgserver.py) runs and is usable from SQLAlchemy."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlalchemy as sa


@pytest.fixture
def engine(pg_url: str):
    engine = sa.create_engine(pg_url)
    yield engine
    engine.dispose()


def scalar(engine: sa.Engine, query: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(query), params).scalar_one()


def test_url_is_psycopg_on_loopback(pg_url: str, pg_server) -> None:
    url = sa.make_url(pg_url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.username) == ("127.0.0.1", pg_server.port, "postgres")
    assert url.database.startswith("t_")


def test_database_is_utf8_and_folds_swedish_letters(engine: sa.Engine) -> None:
    assert scalar(engine, "SHOW server_encoding") == "UTF8"
    assert scalar(engine, "SELECT lower('ÅÄÖ')") == "åäö"
    assert scalar(engine, "SELECT upper('åäö')") == "ÅÄÖ"
    assert scalar(engine, "SELECT lower(:text)", text="Fakturan FÖR ÅR") == "fakturan för år"


def test_simple_text_search_keeps_swedish_letters(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        lexemes = conn.execute(sa.text(
            "SELECT lexeme FROM unnest(to_tsvector('simple', 'Fakturan för år'))"
        )).scalars().all()
        assert sorted(lexemes) == ["fakturan", "för", "år"]
        assert conn.execute(sa.text(
            "SELECT to_tsvector('simple', 'Fakturan för år') @@ to_tsquery('simple', 'fakt:*')"
        )).scalar_one() is True
        assert conn.execute(sa.text(
            "SELECT to_tsvector('simple', 'Fakturan för år') @@ to_tsquery('simple', 'ÅR')"
        )).scalar_one() is True
        assert conn.execute(sa.text(
            "SELECT to_tsvector('simple', 'Fakturan') @@ to_tsquery('simple', 'faktura')"
        )).scalar_one() is False


def test_databases_are_independent(engine: sa.Engine, pg_url_factory) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE note (id int PRIMARY KEY, body text)"))
        conn.execute(sa.text("INSERT INTO note VALUES (1, 'hej')"))
    other = sa.create_engine(pg_url_factory())
    try:
        assert other.url.database != engine.url.database
        assert scalar(other, "SELECT to_regclass('note') IS NULL") is True
        with other.begin() as conn:
            conn.execute(sa.text("CREATE TABLE note (id int PRIMARY KEY)"))
        assert scalar(engine, "SELECT body FROM note WHERE id = 1") == "hej"
    finally:
        other.dispose()


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_an_empty_database(engine: sa.Engine, run: int) -> None:
    # Twice, whatever the order: a table left behind by the other run would make this fail.
    assert scalar(engine, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE leftover (run int)"))
        conn.execute(sa.text("INSERT INTO leftover VALUES (:run)"), {"run": run})


def test_database_is_dropped_even_with_sessions_left_open(pg_server, pg_url_factory) -> None:
    # What pg_url's teardown does when a test leaves a connection open.
    name = sa.make_url(pg_url_factory()).database
    careless = pg_server.connect(name)
    careless.execute("CREATE TABLE note (id int)")  # and still in a transaction
    pg_server.drop_database(name)
    assert pg_server.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)) == []
    careless.close()


def test_server_listens_on_loopback_only(pg_server, engine: sa.Engine) -> None:
    assert scalar(engine, "SHOW listen_addresses") == "127.0.0.1"
    assert scalar(engine, "SHOW port") == str(pg_server.port)
    socket_dir = Path(scalar(engine, "SHOW unix_socket_directories"))
    assert socket_dir == pg_server.tmpdir
    assert (socket_dir / f".s.PGSQL.{pg_server.port}").is_socket()
    # Bound to 127.0.0.1 itself, not to every address: 127.0.0.2 (loopback too) is refused.
    with socket.create_connection(("127.0.0.1", pg_server.port), timeout=5):
        pass
    with pytest.raises(OSError, match="refused|unreachable|timed out"):
        socket.create_connection(("127.0.0.2", pg_server.port), timeout=5).close()
    # And no listening socket on any other address (Linux: /proc/net/tcp{,6}).
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == pg_server.port:  # 0A: LISTEN
                listening.add(address)
    assert listening <= {"0100007F"}  # 127.0.0.1, little-endian hex


def test_server_is_durability_off_and_not_the_system_cluster(engine: sa.Engine,
                                                             pg_server) -> None:
    assert pg_server.port != 5432
    assert pg_server.datadir.is_relative_to(pg_server.tmpdir)
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        assert scalar(engine, f"SHOW {setting}") == "off"
    assert scalar(engine, "SHOW data_directory") == str(pg_server.datadir)
