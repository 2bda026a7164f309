"""Leases: one process at a time runs a background job (a mailbox's poller, the
sender, the scheduler). A lease expires unless renewed, so a crashed holder is
replaced; a holder on this host whose process is gone is replaced at once, so
`casedesk poll --once` runs right after a killed poller. A holder on another host
(one daemon per host, sharing a PostgreSQL database) is replaced only when its lease
expires: its process cannot be looked at from here."""

from __future__ import annotations

import os
import re
import socket
import time
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from store.db import Database
from store.errors import InvalidInput
from store.models import Lease
from store.tables import table_of

HOST_ENV = "CASEDESK_HOST"
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def host_name() -> str:
    """This host in a holder's name: $CASEDESK_HOST when set (so that one machine can
    play two hosts, or two containers on one name be told apart), else the machine's."""
    named = os.environ.get(HOST_ENV)
    if named is None or named == "":
        return socket.gethostname()
    if not _HOST.fullmatch(named):
        raise InvalidInput(f"{HOST_ENV}={named!r} is no host name: up to 100 letters, "
                           "digits, '.', '-' and '_'")
    return named


def holder_name() -> str:
    """This process: host, pid and a token (a pid is reused after a reboot)."""
    return f"{host_name()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_gone(holder: str) -> bool:
    """Whether the holder is a process of this host that no longer runs."""
    host, pid, _ = (["", "", ""] + holder.rsplit(":", 2))[-3:]
    if host != host_name() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process
        return False
    return False


def acquire(db: Database, name: str, holder: str, *, now: datetime,
            ttl: timedelta = timedelta(seconds=60)) -> str | None:
    """Take or renew the lease `name` for `holder` until now + ttl. Returns None when
    it is ours, else who holds it."""
    table = table_of(Lease)
    asked = time.monotonic()

    def work(session: Session) -> str | None:
        # `now` as of this attempt: a write waits (and is retried) while the database is
        # busy, and a lease granted late must still last `ttl` from when it is granted.
        # (Whole seconds: a lease lasts a minute; a wait of a moment is no matter.)
        at = now + timedelta(seconds=int(time.monotonic() - asked))
        until = at + ttl
        # Each write says in its WHERE (or ON CONFLICT) when it may take the lease, so
        # under READ COMMITTED a rival that got there first makes it match nothing.
        read = sa.select(table.c.holder).where(table.c.name == name)
        for _ in range(5):  # again only if a rival created or released it meanwhile
            current = session.scalar(read)
            if current is None:
                insert = (postgresql.insert if db.url.get_backend_name() == "postgresql"
                          else sqlite.insert)(table)
                if session.execute(insert.values(name=name, holder=holder, expires_at=until)
                                   .on_conflict_do_nothing(index_elements=["name"])
                                   .returning(table.c.name)).first():  # rowcount is -1
                    return None
                continue
            free = sa.or_(table.c.holder == holder, table.c.expires_at <= at)
            if current != holder and holder_gone(current):
                free = sa.or_(free, table.c.holder == current)  # that one, not a successor
            updated = session.execute(sa.update(table).where(table.c.name == name, free).values(
                holder=holder, expires_at=until))
            assert isinstance(updated, sa.CursorResult)  # that of an UPDATE
            if updated.rowcount:
                return None

            if (current := session.scalar(read)) is not None:
                return current
        return "another process"

    return db.write(work)


def release(db: Database, name: str, holder: str) -> None:
    db.write(lambda session: session.execute(
        sa.delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder)))


def held(db: Database, name: str, *, now: datetime) -> str | None:
    """Who holds `name` now (None: nobody, or an expired or vanished holder)."""
    with db.read() as session:
        lease = session.get(Lease, name)
        if lease is None or lease.expires_at <= now or holder_gone(lease.holder):
            return None
        return lease.holder
