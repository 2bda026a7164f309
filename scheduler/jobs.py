"""The scheduler's jobs: auto-close, archive, retention — each idempotent, each
set-wise in the store, one process at a time (a lease with expiry: a crashed
holder is replaced). Time is given, never read here, so every rule is tested at
its boundaries without waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from scheduler.settings import LifecycleSettings
from store import leases
from store.db import Database
from store.service import CaseService, Purged

LEASE = "scheduler"
LEASE_TTL = timedelta(minutes=10)


class SchedulerBusy(Exception):
    """Another process runs the scheduler now."""


@dataclass
class TickReport:
    at: datetime
    dry_run: bool = False
    closed: list[int] = field(default_factory=list)
    archived: list[int] = field(default_factory=list)
    purged: list[int] = field(default_factory=list)
    sla: dict[str, list[int]] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"tick at {self.at.isoformat(timespec='seconds')}"
                 + (" (dry run: nothing was changed; this would happen):" if self.dry_run
                    else ":")]
        for what, numbers in (("closed", self.closed), ("archived", self.archived),
                              ("purged", self.purged)):
            shown = ", ".join(f"#{n}" for n in numbers[:20])
            more = f" and {len(numbers) - 20} more" if len(numbers) > 20 else ""
            lines.append(f"  {what}: {len(numbers)}" + (f" ({shown}{more})" if numbers else ""))
        for marker, numbers in self.sla.items():
            if numbers:
                lines.append(f"  SLA {marker}: {len(numbers)} ("
                             + ", ".join(f"#{n}" for n in numbers[:20]) + ")")
        return "\n".join(lines)

    @property
    def anything(self) -> bool:
        return bool(self.closed or self.archived or self.purged
                    or any(self.sla.values()))


def close_cutoff(now: datetime, settings: LifecycleSettings) -> datetime:
    """Cases solved before this instant are closed now: solved `solved_days` ago or
    longer (the bound is exclusive, hence the microsecond)."""
    return now - timedelta(days=settings.solved_days) + timedelta(microseconds=1)


def archive_cutoff(now: datetime, settings: LifecycleSettings) -> datetime:
    """Cases closed before this instant are archived now: a case is archived at the
    archive hour of the first date after the date it closed, in the team's zone —
    so every case closed on a date up to the last one whose next archive hour has
    passed. Local dates and midnights come from the zone, so a daylight-saving night
    is neither skipped nor doubled."""
    zone = settings.zone()
    local = now.astimezone(zone)
    today = local.date()
    passed = local >= _at(today, time(settings.archive_hour), zone)
    # The newest closing date already due: yesterday once today's hour has passed.
    newest = today - timedelta(days=1 if passed else 2)
    return _at(newest + timedelta(days=1), time(0), zone)


def _at(day: date, moment: time, zone: tzinfo) -> datetime:
    """That wall-clock time on that day in `zone` (an hour skipped by daylight saving
    means the instant the clocks jump)."""
    return datetime.combine(day, moment, tzinfo=zone)


class Scheduler:
    def __init__(self, db: Database, settings: LifecycleSettings, *,
                 holder: str | None = None,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db = db
        self.settings = settings
        self.holder = holder or leases.holder_name()
        # The lease runs on real time, not on the tick's `now`: `tick --now` in the
        # past must not write a lease that has already expired.
        self.wall_clock = wall_clock

    def tick(self, now: datetime, *, batch: int = 5000, dry_run: bool = False) -> TickReport:
        """Every due job once, as if at `now`. Refused while another process runs
        them (the lease); each batch commits on its own, so a tick killed midway is
        completed by the next one. `dry_run`: what would be done, nothing changed — so
        without the lease, beside a running scheduler."""
        if dry_run:
            return self._run(now, batch, dry_run=True)
        with self._lease():
            return self._run(now, batch, dry_run=False)

    def purge(self, now: datetime) -> list[int]:
        """The retention job alone."""
        with self._lease():
            if self.settings.retention_days is None:
                return []
            service = CaseService.system(self.db, clock=lambda: now)
            before = now - timedelta(days=self.settings.retention_days)
            return self._drain(lambda: [p.number for p in service.purge(before)])

    def renew(self) -> None:
        """Keep the lease for another LEASE_TTL; a tick that outlived it and was
        replaced stops here (what it committed is done, the rest is the other's)."""
        other = leases.acquire(self.db, LEASE, self.holder, now=self.wall_clock(),
                               ttl=LEASE_TTL)
        if other is not None:
            raise SchedulerBusy(f"the scheduler is running in another process ({other})")

    @contextmanager
    def _lease(self) -> Iterator[None]:
        self.renew()
        try:
            yield
        finally:
            leases.release(self.db, LEASE, self.holder)

    def _drain(self, step: Callable[[], list[int]]) -> list[int]:
        """Run a batched job until it has nothing left, renewing the lease between
        batches."""
        done: list[int] = []
        while batch := step():
            done += batch
            self.renew()
        return done

    def _drain_sla(self, step: Callable[[], dict[str, list[int]]]) -> dict[str, list[int]]:
        """`_drain` for the SLA marks: the numbers by marker, every marker named."""
        found: dict[str, list[int]] = {}

        def flat() -> list[int]:
            marked = step()
            for marker, numbers in marked.items():
                found.setdefault(marker, []).extend(numbers)
            return [n for numbers in marked.values() for n in numbers]

        self._drain(flat)
        return {marker: sorted(numbers) for marker, numbers in found.items()}

    def _run(self, now: datetime, batch: int, dry_run: bool) -> TickReport:
        service = CaseService.system(self.db, clock=lambda: now)
        report = TickReport(now, dry_run=dry_run)
        if dry_run:
            limit = 10_000_000
            report.closed = service.advance("solved", "closed", limit=limit, dry_run=True,
                                            since_before=close_cutoff(now, self.settings))
            report.archived = service.advance("closed", "archived", limit=limit,
                                              dry_run=True,
                                              since_before=archive_cutoff(now, self.settings))
            report.purged = [p.number for p in self.preview_purge(now)]
            report.sla = service.record_sla(now, limit=limit, dry_run=True)
            return report
        # The service levels every process applies to new cases live in the store.
        service.set_sla_policy(self.settings.sla, self.settings.zone_name())
        report.closed = self._drain(lambda: service.advance(
            "solved", "closed", since_before=close_cutoff(now, self.settings),
            why="solved-for", days=f"{self.settings.solved_days:g}", limit=batch))
        report.archived = self._drain(lambda: service.advance(
            "closed", "archived", since_before=archive_cutoff(now, self.settings),
            why="night-after-close", limit=batch))
        if self.settings.retention_days is not None:
            before = now - timedelta(days=self.settings.retention_days)
            report.purged = self._drain(lambda: [p.number for p in service.purge(before)])
        report.sla = self._drain_sla(lambda: service.record_sla(now, limit=batch))
        return report

    def preview_purge(self, now: datetime) -> list[Purged]:
        """What the retention policy would purge now (nothing is done)."""
        if self.settings.retention_days is None:
            return []
        service = CaseService.system(self.db, clock=lambda: now)
        return service.purge(now - timedelta(days=self.settings.retention_days),
                             dry_run=True, limit=1_000_000)

