"""Who runs the background work: `casedesk daemon`, or an open TUI on a personal
database — the TUI only while no daemon holds the lease, never on its event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.daemon import THREADS, Daemon
from scheduler.settings import LifecycleSettings
from store import leases
from tui.app import CasedeskApp

pytestmark = pytest.mark.sqlite_only


def wait_until(condition, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


async def settled(condition, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    """`wait_until` for a test on an event loop: it waits without blocking the loop."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.05)


def daemons_on(path: Path) -> list[int]:
    """The `casedesk daemon` processes running on the database file `path`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"daemon" in argv and str(path).encode() in argv:
            found.append(int(proc.name))
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:  # the parent's pid
            found.append(int(proc.name))
    return found


async def test_a_tui_runs_the_background_work_in_a_thread_until_it_quits(
        team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.context import Context
    from cli.overview import background_work

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    number = team.new_case()
    team.as_("anna").set_status(number, "solved")  # long ago: the team's clock is in March
    config = tmp_path / "config.toml"
    config.write_text('[lifecycle]\ntimezone = "Europe/Stockholm"\n')
    work = background_work(Context(config_path=config, db_arg=None), team.db)
    app = CasedeskApp(lambda: team.as_("boss"), poll_seconds=0, background=work)
    before = set(children_of(os.getpid()))  # (the suite's own servers, say)
    async with app.run_test() as pilot:
        await settled(lambda: team.as_("boss").get_case(number).status == "closed",
                      "the background tick")
        # In this process: no second Python process (it would cost the TUI's memory
        # again).
        assert daemons_on(team.db.path) == []
        assert set(children_of(os.getpid())) <= before
        assert {"casedesk tick"} <= parts_running()
        await pilot.press("q")
    wait_until(lambda: not parts_running(), "the background work to stop with the TUI")
    # Its log let go of (by the TUI's worker thread, maybe a moment after the parts).
    wait_until(lambda: not logging.getLogger("casedesk").handlers, "the log to be let go of")
    assert "closed: 1" in (tmp_path / "data" / "casedesk" / "background.log").read_text()


def parts_running() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(THREADS)}


def test_a_part_that_fails_is_reported_and_started_again_alone(team) -> None:
    said: list[str] = []
    stop = threading.Event()
    runs: list[int] = []

    class FlakySender:
        def run(self, parts: threading.Event, *, on_result) -> None:  # type: ignore[no-untyped-def]
            runs.append(1)
            if len(runs) == 1:
                raise RuntimeError("smtp setup broke")
            stop.set()  # started again: enough
            parts.wait()

    work = Daemon(team.db, lifecycle=LifecycleSettings(timezone="Europe/Stockholm"),
                  report=said.append, retry=0)
    work.sender = FlakySender()  # type: ignore[assignment]
    runner = threading.Thread(target=work.run, args=(stop,))
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive()
    assert len(runs) == 2
    assert any(s.startswith("send stopped: ") and "trying again" in s for s in said)
    wait_until(lambda: not parts_running(), "every part to stop with the run")


def test_background_work_that_fails_is_written_down_and_started_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from scheduler.daemon import run_within

    stop = threading.Event()
    made: list[int] = []

    class Started:
        def run(self, stop_: threading.Event) -> None:
            stop_.set()  # ran: the TUI quits

    def daemon(report):  # type: ignore[no-untyped-def]
        made.append(1)
        if len(made) == 1:
            raise OSError("no such database")  # once
        report("ticked")
        return Started()

    log = tmp_path / "background.log"
    run_within(daemon, stop, log=log, retry=0)  # returns: it never raises
    assert len(made) == 2
    said = log.read_text()
    assert "background work stopped: cannot use a file; trying again" in said
    assert said.rstrip().endswith("ticked")


def test_a_part_that_outlives_the_background_work_logs_nowhere(  # type: ignore[no-untyped-def]
        tmp_path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not to the root logger (a TUI's terminal), nor to the log its owner closed."""
    from scheduler.daemon import run_within

    parts = logging.getLogger("casedesk")
    monkeypatch.setattr(parts, "handlers", list(parts.handlers))  # as it was, afterwards
    monkeypatch.setattr(parts, "propagate", parts.propagate)
    later = threading.Event()

    def lingering() -> None:
        later.wait(20)
        logging.getLogger("casedesk.poll").warning("late news")

    part = threading.Thread(target=lingering, name=THREADS + "poll x", daemon=True)

    class Started:
        def run(self, stop_: threading.Event) -> None:
            part.start()
            stop_.set()  # and the part goes on past it

    log = tmp_path / "background.log"
    run_within(lambda report: Started(), threading.Event(), log=log)  # type: ignore[arg-type,return-value]
    later.set()
    part.join(timeout=20)
    assert "late news" not in caplog.text
    assert "late news" not in log.read_text()


def test_nobody_else_runs_the_jobs_while_the_daemon_holds_them(team) -> None:
    number = team.new_case()
    team.as_("anna").set_status(number, "solved")
    # The daemon of another live process on this host holds the scheduler's lease.
    other = f"{socket.gethostname()}:{os.getppid()}:daemon"
    assert leases.acquire(team.db, "scheduler", other, now=datetime.now(UTC),
                          ttl=timedelta(minutes=10)) is None
    tui = Daemon(team.db, lifecycle=LifecycleSettings(timezone="Europe/Stockholm"))
    tui.tick_once()
    assert team.as_("boss").get_case(number).status == "solved"
    leases.release(team.db, "scheduler", other)
    tui.tick_once()
    assert team.as_("boss").get_case(number).status == "closed"


def test_casedesk_daemon_works_and_stops_on_sigterm(team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess
    import sys

    number = team.new_case()
    team.as_("anna").set_status(number, "solved")
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n\n[lifecycle]\n'
                      'timezone = "Europe/Stockholm"\n')
    daemon = subprocess.Popen([sys.executable, "-m", "cli", "daemon"],
                              env={**os.environ, "CASEDESK_CONFIG": str(config)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: team.as_("boss").get_case(number).status == "closed", "the tick")
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert f"closed: 1 (#{number})" in out
    # What a service's journal shows: that it started, with what, and that it stopped.
    lines = out.splitlines()
    assert lines[0].startswith("casedesk daemon on ")
    assert "polling no mailbox; no [smtp]: replies to email cases wait in the outbox" \
        in lines[0]
    assert lines[-1] == "casedesk daemon stopped"


def test_purge_dry_run_lists_and_keeps(team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    number = team.new_case()
    team.as_("anna").set_status(number, "solved")
    team.system.set_status(number, "closed")
    team.system.set_status(number, "archived")
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n\n[lifecycle]\n'
                      'timezone = "Europe/Stockholm"\nretention_days = 30\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config)}
    when = (team.clock() + timedelta(days=31)).isoformat()
    done = subprocess.run([sys.executable, "-m", "cli", "purge", "--dry-run", "--now", when],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"#{number}" in done.stdout
    assert "1 archived cases are older than 30 days" in done.stdout
    assert team.as_("boss").get_case(number).status == "archived"  # still there
    done = subprocess.run([sys.executable, "-m", "cli", "purge", "--now", when], env=env,
                          capture_output=True, text=True, timeout=60)
    assert "Purged 1 cases." in done.stdout


@pytest.mark.parametrize(("config", "runs"), [
    ("", True),  # a personal SQLite file: the TUI does the work
    ("[store]\nshare_with_group = true\n", False),  # a team's file: the daemon does
    ("[scheduler]\nin_tui = false\n", False),
    ("[store]\nshare_with_group = true\n\n[scheduler]\nin_tui = true\n", True),
])
def test_whether_a_tui_runs_the_background_work(team, tmp_path, config: str,  # type: ignore[no-untyped-def]
                                                runs: bool) -> None:
    from cli.context import Context
    from cli.overview import background_work

    path = tmp_path / "config.toml"
    path.write_text(config)
    work = background_work(Context(config_path=path, db_arg=None), team.db)
    assert (work is not None) is runs


def test_a_team_database_on_postgresql_is_left_to_the_daemon(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cli.context import Context
    from cli.overview import background_work
    from store.db import Database

    path = tmp_path / "config.toml"
    path.write_text("")
    db = Database("postgresql+psycopg://casedesk@127.0.0.1:1/none")  # never connected
    assert background_work(Context(config_path=path, db_arg=None), db) is None


@pytest.mark.parametrize(("umask", "config", "file_mode", "dir_mode"), [
    (0o000, "", 0o600, 0o700),
    (0o077, "", 0o600, 0o700),
    (0o000, "[store]\nshare_with_group = true\n\n[scheduler]\nin_tui = true\n", 0o660, 0o770),
    (0o077, "[store]\nshare_with_group = true\n\n[scheduler]\nin_tui = true\n", 0o660, 0o770),
])
def test_the_background_log_and_its_folder_are_private_whatever_the_umask(  # type: ignore[no-untyped-def]
        team, tmp_path, monkeypatch: pytest.MonkeyPatch, umask: int, config: str,
        file_mode: int, dir_mode: int) -> None:
    """The TUI's background work: the data folder it makes and the log
    it writes are the owner's (or the group's), never the umask's 0777/0666."""
    import stat

    from cli.context import Context
    from cli.overview import background_work

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "config.toml"
    path.write_text(config)
    work = background_work(Context(config_path=path, db_arg=None), team.db)
    stop = threading.Event()
    stop.set()  # start it and stop it at once
    old = os.umask(umask)
    try:
        work(stop)
    finally:
        os.umask(old)
    folder = tmp_path / "data" / "casedesk"
    assert stat.S_IMODE(folder.stat().st_mode) == dir_mode
    assert stat.S_IMODE((folder / "background.log").stat().st_mode) == file_mode


def test_an_existing_background_log_loses_what_others_could_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import stat

    from scheduler.daemon import run_within

    log = tmp_path / "background.log"
    log.write_bytes(b"earlier\n")
    os.chmod(log, 0o666)
    stop = threading.Event()
    stop.set()
    run_within(lambda report: None, stop, log=log)  # type: ignore[arg-type,return-value]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_bytes().startswith(b"earlier\n")
