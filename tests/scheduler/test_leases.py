"""The lease that lets one process at a time run a job: a live holder elsewhere keeps
it until it expires, then anyone may take it; a holder renews its own; one of this
host whose process is gone is replaced at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from together import run_together  # tests/ is on sys.path

from store import leases

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
TTL = timedelta(minutes=10)


def test_a_live_holder_keeps_the_lease_until_it_expires(team) -> None:
    # Another host's holder: its process cannot be checked, only its expiry counts.
    other, ours = "elsewhere.example:4242:aaaa", "here.example:1:bbbb"
    assert leases.acquire(team.db, "scheduler", other, now=T0, ttl=TTL) is None
    assert leases.acquire(team.db, "scheduler", ours, now=T0 + TTL - timedelta(seconds=1),
                          ttl=TTL) == other
    assert leases.held(team.db, "scheduler", now=T0 + TTL - timedelta(seconds=1)) == other
    assert leases.held(team.db, "scheduler", now=T0 + TTL) is None
    assert leases.acquire(team.db, "scheduler", ours, now=T0 + TTL, ttl=TTL) is None
    assert leases.held(team.db, "scheduler", now=T0 + TTL) == ours
    # The crashed holder coming back finds it taken.
    assert leases.acquire(team.db, "scheduler", other, now=T0 + TTL, ttl=TTL) == ours


def test_a_holder_renews_its_own_lease(team) -> None:
    ours = "here.example:1:bbbb"
    assert leases.acquire(team.db, "sender", ours, now=T0, ttl=TTL) is None
    assert leases.acquire(team.db, "sender", ours, now=T0 + TTL * 0.9, ttl=TTL) is None
    assert leases.held(team.db, "sender", now=T0 + TTL * 1.5) == ours
    leases.release(team.db, "sender", ours)
    assert leases.held(team.db, "sender", now=T0) is None


def test_a_holder_of_this_host_whose_process_is_gone_is_replaced_at_once(team) -> None:
    # A killed continuous poller: `casedesk poll --once` must not wait for the expiry.
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = f"{socket.gethostname()}:{child.pid}:cccc"
    assert leases.acquire(team.db, "mailbox:Support", dead, now=T0, ttl=TTL) is None
    assert leases.held(team.db, "mailbox:Support", now=T0) is None
    assert leases.acquire(team.db, "mailbox:Support", leases.holder_name(), now=T0,
                          ttl=TTL) is None


def race(team, name: str, holders: list[str], now: datetime  # type: ignore[no-untyped-def]
         ) -> tuple[list[str | None], list[BaseException]]:
    """Each holder asks for the lease at the same moment: what they got, what they raised."""
    got: list[str | None] = []
    errors = run_together([lambda h=h: got.append(leases.acquire(team.db, name, h, now=now,
                                                                 ttl=TTL)) for h in holders])
    return got, errors


def test_two_takers_at_once_one_wins(team) -> None:
    # The first lease of a name, and an expired one: each has exactly one winner,
    # the other is told who holds it, and nobody gets an error.
    ours = ["here.example:1:a", "here.example:2:b"]
    for round_ in range(20):
        fresh = race(team, f"first:{round_}", ours, T0)
        assert leases.acquire(team.db, f"old:{round_}", "elsewhere.example:9:z", now=T0,
                              ttl=TTL) is None
        expired = race(team, f"old:{round_}", ours, T0 + TTL)
        for name, results, now in ((f"first:{round_}", fresh, T0),
                                   (f"old:{round_}", expired, T0 + TTL)):
            got, errors = results
            winner = leases.held(team.db, name, now=now)
            assert errors == [], (name, errors)
            assert winner in ours
            assert sorted(got, key=str) == sorted([None, winner], key=str), (name, got)


@pytest.mark.sqlite_only  # (SQLite's one write lock: a PostgreSQL writer waits on rows)
def test_a_lease_granted_after_a_wait_lasts_its_time_from_then(team) -> None:
    """A write waits (and is retried) while another holds the database: the lease it
    grants must not have run out already."""
    import threading

    import sqlalchemy as sa

    from store.db import Database

    patient = Database(team.db.url, busy_timeout_ms=500)
    held_up, release = threading.Event(), threading.Event()

    def hold(session: sa.orm.Session) -> None:
        session.execute(sa.text("UPDATE agent SET name = name"))
        held_up.set()
        release.wait(30)

    holder = threading.Thread(target=team.db.write, args=(hold,))
    holder.start()
    held_up.wait(10)
    threading.Timer(1.3, release.set).start()  # past two busy timeouts
    start = T0
    assert leases.acquire(patient, "poller", "here.example:1:bbbb", now=start,
                          ttl=timedelta(seconds=1)) is None
    holder.join(10)
    # Its second of life counts from the grant (over a second after `start`).
    assert leases.held(patient, "poller", now=start + timedelta(seconds=1.5)) is not None
    patient.dispose()


def test_casedesk_host_names_this_host(team, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two "hosts" on one machine: a holder of the other one is never judged by its pid
    (that process cannot be looked at from another host), only by its lease's expiry."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    monkeypatch.setenv("CASEDESK_HOST", "host-b")
    assert leases.holder_name().startswith("host-b:")
    of_a = f"host-a:{child.pid}:aaaa"  # gone, but on the other host
    assert leases.acquire(team.db, "poll:x", of_a, now=T0, ttl=TTL) is None
    assert leases.held(team.db, "poll:x", now=T0) == of_a
    assert leases.acquire(team.db, "poll:x", leases.holder_name(), now=T0, ttl=TTL) == of_a
    assert leases.acquire(team.db, "poll:x", leases.holder_name(), now=T0 + TTL,
                          ttl=TTL) is None
    # The machine's own name is another host too now; a gone holder of host-b is not.
    of_machine = f"{socket.gethostname()}:{child.pid}:bbbb"
    assert leases.acquire(team.db, "sender", of_machine, now=T0, ttl=TTL) is None
    assert leases.held(team.db, "sender", now=T0) == of_machine
    of_b = f"host-b:{child.pid}:cccc"
    assert leases.acquire(team.db, "scheduler", of_b, now=T0, ttl=TTL) is None
    assert leases.held(team.db, "scheduler", now=T0) is None


@pytest.mark.parametrize("name", ["two words", "a:b", "-dash-first", "x" * 101, "ünï"])
def test_a_host_name_that_cannot_be_one_is_refused(name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from store.errors import InvalidInput

    monkeypatch.setenv("CASEDESK_HOST", name)
    with pytest.raises(InvalidInput, match="CASEDESK_HOST=.* is no host name"):
        leases.holder_name()


@pytest.mark.sqlite_only
def test_a_bad_casedesk_host_stops_the_daemon_with_one_line(team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n')
    done = subprocess.run([sys.executable, "-m", "cli", "--config", str(config), "daemon"],
                          env={**os.environ, "CASEDESK_HOST": "host a"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ("casedesk: CASEDESK_HOST='host a' is no host name: up to 100 "
                           "letters, digits, '.', '-' and '_'\n")
