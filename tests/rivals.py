"""A wall clock for the scheduler's lease on which every step of a tick takes a
while, and another scheduler tries to take the lease at each step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store import leases
from store.db import Database


class RivalClock:
    """Read once when the tick takes the lease and once at each renewal; from the
    second read on, `rival` asks for the lease at that moment first (what it was
    told is in `refused`: the holder, or None when it got it)."""

    def __init__(self, db: Database, step: timedelta, rival: str = "elsewhere:1:b") -> None:
        self.db, self.step, self.rival = db, step, rival
        self.start = datetime.now(UTC)
        self.reads: list[datetime] = []
        self.refused: list[str | None] = []

    def __call__(self) -> datetime:
        moment = self.start + self.step * len(self.reads)
        if self.reads:
            self.refused.append(leases.acquire(self.db, "scheduler", self.rival, now=moment))
        self.reads.append(moment)
        return moment
