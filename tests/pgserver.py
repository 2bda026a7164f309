"""A throw-away PostgreSQL server for the tests.

`PgServer().start()` runs `initdb` into a fresh temporary directory and starts `postgres` on
127.0.0.1 only, on a free port, with its Unix socket in that directory and durability off
(fsync, synchronous_commit, full_page_writes: the data is thrown away). `stop()` shuts it down
and removes the directory; it is also registered with atexit, and on Linux the server gets a
SIGQUIT (immediate shutdown) if the Python process dies without running atexit.

PostgreSQL refuses to run as root, so when the tests run as root (CI) the server runs as the
`postgres` system user that Debian's package creates. The binaries come from PATH or, as Debian
installs them, from /usr/lib/postgresql/<highest version>/bin; `scripts/test-servers` installs
them. Any failure raises PgServerError with the server log's tail: the tests never skip.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from children import Throwaway, die_with_parent, free_port
from psycopg import sql

DEBIAN_PREFIX = Path("/usr/lib/postgresql")
BINARIES = ("initdb", "pg_ctl", "postgres")
START_TIMEOUT = 30.0
# An UTF-8 locale every glibc since 2.35 has built in (Debian 12 included): lower() and the
# text search parser then know å, ä and ö; the C locale would only fold ASCII.
LOCALE = "C.UTF-8"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "logging_collector": "off",
}


class PgServerError(RuntimeError):
    """The test PostgreSQL server could not be found, started or used."""


def find_bindir() -> Path:
    """The directory with initdb, pg_ctl and postgres: PATH first, then Debian's layout."""
    initdb = shutil.which("initdb")
    if initdb:
        for candidate in (Path(initdb).resolve().parent, Path(initdb).parent):
            if all(os.access(candidate / name, os.X_OK) for name in BINARIES):
                return candidate
    versions = []
    for bindir in DEBIAN_PREFIX.glob("*/bin"):
        key = tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))
        if key and all(os.access(bindir / name, os.X_OK) for name in BINARIES):
            versions.append((key, bindir))
    if versions:
        return max(versions)[1]
    raise PgServerError(
        "PostgreSQL's server binaries (initdb, pg_ctl, postgres) are neither in PATH nor in "
        f"{DEBIAN_PREFIX}/<version>/bin. Run ./scripts/test-servers (as root it installs the "
        "Debian package 'postgresql'; otherwise: sudo apt-get install postgresql)."
    )



class PgServer(Throwaway):
    """One throw-away cluster; `start()` it, `create_database()`, `url()`, `stop()`."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.host = "127.0.0.1"
        self.port = 0
        self.user = "postgres"  # the database superuser initdb creates
        self.tmpdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: psycopg.Connection[Any] | None = None
        self._run_as: pwd.struct_passwd | None = None
        self._database_numbers = itertools.count(1)
        self._copy_strategy = ""  # how CREATE DATABASE copies a template (see _check_version)
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam("postgres")
            except KeyError:
                raise PgServerError(
                    "PostgreSQL refuses to run as root and there is no 'postgres' system user "
                    "to run it as. Install the Debian package 'postgresql' (it creates the "
                    "user) or run the tests as an ordinary user."
                ) from None

    # -- paths ------------------------------------------------------------------------------

    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "data"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "server.log"

    @property
    def socket_dir(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> PgServer:
        if self._process is not None:
            return self
        began = time.monotonic()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="casedesk-pg-", dir=self._tmp_base()))
        atexit.register(self.stop)
        try:
            if self._run_as is not None:
                os.chown(self.tmpdir, self._run_as.pw_uid, self._run_as.pw_gid)
            self._initdb()
            for _attempt in range(3):  # another process may take the free port before us
                self.port = free_port()
                self._write_settings()
                if self._launch(deadline=began + START_TIMEOUT):
                    break
            else:
                raise PgServerError(self._failure("no free port after 3 tries"))
            self._check_version()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Immediate shutdown and the temporary directory removed; safe to call twice."""
        atexit.unregister(self.stop)
        if self._admin is not None:
            with contextlib.suppress(Exception):
                self._admin.close()
            self._admin = None
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(Exception):
                    self._run(["pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate",
                               "-w", "-t", "10"], timeout=15)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        tmpdir, self.tmpdir = self.tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


    # -- databases --------------------------------------------------------------------------

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        """An SQLAlchemy URL for `dbname` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs: Any) -> psycopg.Connection[Any]:
        kwargs.setdefault("connect_timeout", 5)
        return psycopg.connect(self.conninfo(dbname), **kwargs)

    def execute(self, statement: sql.Composable | str, params: Any = None) -> list[Any]:
        """Runs one statement outside a transaction (CREATE/DROP DATABASE), as superuser."""
        if self._process is None:
            raise PgServerError("the PostgreSQL test server is not running")
        if self._admin is None or self._admin.closed:
            self._admin = self.connect(autocommit=True)
        cursor = self._admin.execute(statement, params)
        return cursor.fetchall() if cursor.description else []

    def new_database_name(self, prefix: str = "t_") -> str:
        """t_1, t_2, …: a name no database on this server has had."""
        return f"{prefix}{next(self._database_numbers)}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Creates database `name` (a copy of `template` if given); returns its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            statement += sql.SQL(self._copy_strategy)
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops `name`, ending its sessions first (connections a test left open)."""
        # DROP … WITH (FORCE) alone would do, but it polls for the sessions' end every 100 ms:
        # end them here and wait for them (a disposed engine's sessions also take a moment).
        sessions = "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        self.execute(f"SELECT pg_terminate_backend(pid) {sessions}", (name,))
        deadline = time.monotonic() + 5
        while self.execute(f"SELECT 1 {sessions}", (name,)) and time.monotonic() < deadline:
            time.sleep(0.001)
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))

    # -- internals --------------------------------------------------------------------------

    def _tmp_base(self) -> str | None:
        """Where the temporary directory goes: the usual place, unless the server user could
        not reach it (root's TMPDIR) or the socket path would get too long (108 bytes)."""
        base = tempfile.gettempdir()
        if len(base) > 60:
            return "/tmp"
        if self._run_as is not None:
            path = Path(base).resolve()
            for part in (path, *path.parents):
                if not os.stat(part).st_mode & 0o001:  # not searchable by others
                    return "/tmp"
        return None

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_"))}
        env["LC_ALL"] = env["LANG"] = LOCALE
        if self._run_as is not None:
            env.update(HOME=str(self.tmpdir), USER=self._run_as.pw_name,
                       LOGNAME=self._run_as.pw_name)
        return env

    def _user_kwargs(self) -> dict[str, Any]:
        if self._run_as is None:
            return {}
        return {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}

    def _run(self, argv: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / argv[0]), *argv[1:]]
        return subprocess.run(
            argv, cwd=self.tmpdir, env=self._env(), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout, check=False, **self._user_kwargs(),
        )

    def _initdb(self) -> None:
        result = self._run(
            ["initdb", "-D", str(self.datadir), "--auth=trust", f"--username={self.user}",
             "--encoding=UTF8", f"--locale={LOCALE}", "--no-sync"],
            timeout=START_TIMEOUT,
        )
        if result.returncode != 0:
            raise PgServerError(
                f"initdb ({self.bindir}) failed with exit code {result.returncode}:\n"
                f"{(result.stdout + result.stderr).strip()[-3000:]}"
            )

    def _write_settings(self) -> None:
        settings = {**SETTINGS, "port": str(self.port),
                    "unix_socket_directories": f"'{self.socket_dir}'"}
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# tests/pgserver.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _launch(self, *, deadline: float) -> bool:
        """Starts postgres and waits until it accepts connections. False: the port was taken."""
        with self.logfile.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.datadir)],
                cwd=self.tmpdir, env=self._env(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGQUIT),  # PostgreSQL's immediate shutdown
                **self._user_kwargs(),
            )
        while True:
            if self._process.poll() is not None:
                code, self._process = self._process.returncode, None
                if "Address already in use" in self._log_tail(5):
                    return False
                raise PgServerError(self._failure(f"postgres exited with code {code}"))
            try:
                with self.connect(connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return True
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PgServerError(self._failure(
                        f"not accepting connections after {START_TIMEOUT:.0f} s ({error})"
                    )) from None
                time.sleep(0.05)

    def _check_version(self) -> None:
        version = int(self.execute("SHOW server_version_num")[0][0])
        if version < 130000:  # DROP DATABASE … WITH (FORCE)
            raise PgServerError(f"PostgreSQL 13 or newer needed, {self.bindir} has {version}")
        # A small template is copied fastest file by file (~55 ms against ~110 ms through
        # the WAL, the default since 15); with fsync off its checkpoint costs little.
        self._copy_strategy = " STRATEGY = FILE_COPY" if version >= 150000 else ""

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _failure(self, what: str) -> str:
        return (f"The PostgreSQL test server ({self.bindir}, port {self.port}) did not start: "
                f"{what}. Last lines of its log:\n{self._log_tail()}")
