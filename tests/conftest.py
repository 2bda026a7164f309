"""Shared fixtures: a fresh SQLite file per test, a factory for the usual team, an
injected clock, and the real servers (PostgreSQL, Dovecot, SMTP)."""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from mailservers import Dovecot, Mailbox, MailServerError  # tests/ is on sys.path
from smtpserver import SmtpServer
from sqlalchemy.engine.interfaces import CompiledCacheType

from store.db import Database
from store.service import CaseService, ContactInput, MessageInput, bootstrap

# Room the run's files need in memory: its databases, PostgreSQL's and Dovecot's data.
MEMORY_ROOM = 4 << 30


def pytest_configure(config: pytest.Config) -> None:
    """The run's temporary files (SQLite copies, the PostgreSQL and Dovecot servers'
    data) in memory (/dev/shm) when the machine has room there and nobody chose a place:
    on a disk every CREATE DATABASE of a test took 0.15–0.5 s of writing under load,
    in memory 0.04 s. The test processes inherit TMPDIR from this, the first one."""
    if config.option.basetemp is not None or "TMPDIR" in os.environ \
            or hasattr(config, "workerinput"):
        return
    memory = Path("/dev/shm")
    try:
        roomy = os.access(memory, os.W_OK) and shutil.disk_usage(memory).free >= MEMORY_ROOM
    except OSError:
        return
    if roomy:
        os.environ["TMPDIR"] = str(memory)
        tempfile.tempdir = None  # read TMPDIR anew


# SQLAlchemy keeps each statement it has compiled per engine and dialect: in a test
# process every test's fresh `Database` would compile all its statements anew (11% of
# the suite's CPU in a profile). Here an engine takes, once made, the dialect and the
# compiled statements of an earlier engine of its kind whose dialect has met its server
# (SQLite's library, or this process's PostgreSQL): the same SQL either way. Listeners
# `Database` put on its own dialect (`do_connect`) stay with the engine's pool.
_SHARED_COMPILING: dict[tuple[type, str, str | None, int | None],
                        tuple[sa.Dialect, CompiledCacheType | None]] = {}
_make_engine = Database._make_engine


def _make_engine_compiling_once(self: Database) -> sa.Engine:
    engine = _make_engine(self)
    url = engine.url
    key = (type(engine.dialect), url.drivername, url.host, url.port)
    shared = _SHARED_COMPILING.get(key)
    if shared is not None and shared[0].server_version_info is not None:
        engine.dialect, engine._compiled_cache = shared
    else:
        _SHARED_COMPILING[key] = (engine.dialect, engine._compiled_cache)
    return engine


Database._make_engine = _make_engine_compiling_once  # type: ignore[method-assign]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@dataclass
class Team:
    """A small team: `boss` (supervisor), `anna` and `bo` (agents).

    Channels: Support (email; anna, bo), Chat (chat; anna), Telefon (phone; bo).
    """

    db: Database
    clock: Clock

    def as_(self, login: str) -> CaseService:
        return CaseService(self.db, login, clock=self.clock)

    @property
    def system(self) -> CaseService:
        return CaseService.system(self.db, clock=self.clock)

    def new_case(self, *, channel: str = "Support", login: str = "anna",
                 email: str = "kund@example.se", name: str = "Karin Kund",
                 title: str = "Fakturan stämmer inte", text: str = "Hej, fakturan är fel.",
                 escalated: bool = False) -> int:
        return self.as_(login).create_case(
            channel=channel, contact=ContactInput(name=name, email=email), title=title,
            messages=[MessageInput(text)] if text else [], escalated=escalated,
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a database runs on SQLite and on PostgreSQL, unless it is
    about one engine alone (marked `sqlite_only` or `postgresql_only`): never a skip."""
    if "engine" in metafunc.fixturenames:
        engines = ["sqlite", "postgresql"]
        if metafunc.definition.get_closest_marker("sqlite_only"):
            engines = ["sqlite"]
        elif metafunc.definition.get_closest_marker("postgresql_only"):
            engines = ["postgresql"]
        metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Database:
    """A fresh, migrated database for this test: a copy of one migrated once per test
    process (with the usual team in it when the test asks for `team`)."""
    with_team = "team" in request.fixturenames
    if engine == "postgresql":
        database = Database(request.getfixturevalue(
            "pg_team_url" if with_team else "pg_migrated_url"))
    else:
        path = tmp_path / "casedesk.db"
        shutil.copyfile(request.getfixturevalue(
            "sqlite_team_template" if with_team else "sqlite_template"), path)
        database = Database(path)
    yield database
    database.dispose()


def make_team(db: Database, clock: Clock) -> None:
    bootstrap(db, "boss", name="Britt Boss", clock=clock)
    boss = CaseService(db, "boss", clock=clock)
    boss.add_agent("anna", name="Anna Berg", email="anna@example.se")
    boss.add_agent("bo", name="Bo Ek")
    boss.add_channel("Support", kind="email", address="support@example.se")
    boss.add_channel("Chat", kind="chat")
    boss.add_channel("Telefon", kind="phone")
    for channel, login in [("Support", "anna"), ("Support", "bo"), ("Chat", "anna"),
                           ("Telefon", "bo")]:
        boss.set_membership(channel, login, member=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (a copy takes ~3 ms, the migrations
    ~140 ms). Disposed, so nothing of it waits in a -wal file."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    database = Database(path)
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_team_template(sqlite_template: Path) -> Path:
    """`sqlite_template` with the usual team, made at the clock's start."""
    path = sqlite_template.with_name("team.db")
    shutil.copyfile(sqlite_template, path)
    database = Database(path)
    make_team(database, Clock())
    database.dispose()
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def seeds() -> dict[tuple[str, str, str], tuple[str, datetime, object]]:
    """The databases `seeded` kept in this test process: (builder, engine) → (copy,
    clock, what the builder returned)."""
    return {}


@pytest.fixture
def seeded(engine: str, db: Database, clock: Clock, seeds, request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """`seeded(build)`: the cases a fixture makes for many tests, made once per test
    process and engine. The first test that asks runs `build()` on its database and a copy
    is kept (with the clock and what `build` returned); later tests start from a copy of
    that database instead of building it again (a copy takes milliseconds, twenty cases
    through the service a second on a loaded machine)."""

    def seed(build):  # type: ignore[no-untyped-def]
        key = (build.__module__, build.__qualname__, engine)
        if key not in seeds:
            result = build()
            # Attachments would live beside an SQLite file (`Database.files_dir`), which
            # the copy below does not take.
            assert db.files_dir is None or not db.files_dir.exists(), "seeded: no files"
            db.dispose()
            if engine == "postgresql":
                pg_server = request.getfixturevalue("pg_server")
                kept = pg_server.new_database_name("seed_")
                pg_server.create_database(kept, template=db.url.database)
            else:
                kept = str(tmp_path_factory.mktemp("seed") / "seeded.db")
                with closing(sqlite3.connect(db.path)) as source, \
                        closing(sqlite3.connect(kept)) as target:
                    source.backup(target)
            seeds[key] = (kept, clock.now, result)
            return copy.deepcopy(result)
        kept, now, result = seeds[key]
        db.dispose()
        if engine == "postgresql":
            pg_server = request.getfixturevalue("pg_server")
            pg_server.drop_database(db.url.database)
            pg_server.create_database(db.url.database, template=kept)
        else:
            for stale in (db.path, Path(f"{db.path}-wal"), Path(f"{db.path}-shm")):
                stale.unlink(missing_ok=True)
            shutil.copyfile(kept, db.path)
        clock.now = now
        return copy.deepcopy(result)

    return seed


@pytest.fixture
def team(db: Database, clock: Clock) -> Team:
    """The usual team (see `Team`): `db` is a copy of a database that has it."""
    return Team(db, clock)


# -- PostgreSQL --------------------------------------------------------------------------------
# One throw-away server (tests/pgserver.py) for the whole run, started only if a test asks for
# it; each test that takes `pg_url` gets a fresh, empty database, dropped afterwards; a
# migrated one (`pg_migrated_url`, `pg_team_url`) is a copy of a template made once.


@pytest.fixture(scope="session")
def pg_server():
    from pgserver import PgServer  # tests/ is on sys.path (rootdir conftest, no __init__.py)

    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url_factory(pg_server):
    """Makes fresh, empty databases on `pg_server`, each dropped after the test."""
    names: list[str] = []

    def make() -> str:
        names.append(pg_server.new_database_name())
        return pg_server.create_database(names[-1])

    yield make
    for name in names:
        pg_server.drop_database(name)


@pytest.fixture
def pg_url(pg_url_factory) -> str:
    """An SQLAlchemy URL (postgresql+psycopg) of a fresh, empty database for this test."""
    return pg_url_factory()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A database migrated once, copied for each test (a copy is much cheaper than
    running the migrations again)."""
    name = "casedesk_template"
    database = Database(pg_server.create_database(name))
    database.upgrade()
    database.dispose()
    return name


@pytest.fixture(scope="session")
def pg_team_template(pg_server, pg_template) -> str:
    """`pg_template` with the usual team, made at the clock's start."""
    name = "casedesk_team_template"
    database = Database(pg_server.create_database(name, template=pg_template))
    make_team(database, Clock())
    database.dispose()
    return name


@contextmanager
def pg_copy(pg_server, template: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The URL of a fresh copy of database `template`, dropped afterwards."""
    name = pg_server.new_database_name()
    yield pg_server.create_database(name, template=template)
    pg_server.drop_database(name)


@pytest.fixture
def pg_team_url(pg_server, pg_team_template):
    """`pg_migrated_url` with the usual team in it."""
    with pg_copy(pg_server, pg_team_template) as url:
        yield url


@pytest.fixture
def pg_migrated_url(pg_server, pg_template):
    """An SQLAlchemy URL of a fresh, migrated PostgreSQL database for this test."""
    with pg_copy(pg_server, pg_template) as url:
        yield url


# -- mail ----------------------------------------------------------------------------------------
# A real Dovecot (IMAP) and an aiosmtpd SMTP server on loopback, from tests/mailservers.py and
# tests/smtpserver.py, for tests/mail and tests/server. They never skip: without Dovecot they
# fail and say to run scripts/test-servers.


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole run (~0.1 s to start); tests keep apart by user."""
    try:
        server = Dovecot().start()
    except MailServerError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    """A fresh user on `dovecot` with an empty INBOX: user, password, host, port, ssl_port,
    cafile."""
    return dovecot.new_mailbox()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A fresh SMTP server (no AUTH, no TLS) that records what it accepts."""
    with SmtpServer() as server:
        yield server
