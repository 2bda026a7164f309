"""Every lease as it stands, for `casedesk doctor` (server/doctor.py): plain values,
each with whether its holder is a process of this host that is gone (store/leases.py
says what a lease is and when it is taken over)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from store.db import Database
from store.leases import holder_gone
from store.models import Lease


@dataclass(frozen=True)
class LeaseState:
    name: str  # "scheduler", "send", "poll:…" (a mailbox's)
    holder: str  # host:pid:token
    expires_at: datetime
    gone: bool  # a process of this host that no longer runs


def lease_states(db: Database) -> list[LeaseState]:
    """Every lease row, by name."""
    with db.read() as session:
        rows = session.execute(sa.select(col(Lease.name), col(Lease.holder),
                                         col(Lease.expires_at)).order_by(col(Lease.name))).all()
    return [LeaseState(name, holder, expires, holder_gone(holder))
            for name, holder, expires in rows]
