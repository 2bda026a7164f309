"""The lease that lets one process at a time run a job: a live holder elsewhere keeps
it until it expires, then anyone may take it; a holder renews its own; one of this
host whose process is gone is replaced at once."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

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
