"""One scheduler tick on a big database next to a single SQL UPDATE doing the same
transitions, in the same run.

    .venv/bin/python bench/tick_bench.py --db 1m.db [--due 10000] [--floor-db COPY2]

Picks the moment at which exactly `--due` solved cases have been solved for the
solved period, times the bare UPDATEs that close and archive them (rolled back), then
one `Scheduler.tick` at that moment (committed: closed, with an event, an audit record
and a change-feed row each). The store's service levels are set before the timing (a
changed policy recomputes every open case's due times once). With --floor-db, a second
copy of the same database, the bare UPDATEs are also timed committed there: on a big
file the commit (the pages written to the WAL) is most of the work.
CHANGES THE DATABASES: run it on copies.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scheduler.jobs import Scheduler, archive_cutoff, close_cutoff
from scheduler.settings import LifecycleSettings
from store.db import Database
from store.service import CaseService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--floor-db", type=Path, help="a second copy: the floor committed")
    args = parser.parse_args()
    settings = LifecycleSettings(timezone="Europe/Stockholm")
    conn = sqlite3.connect(args.db, isolation_level=None)
    total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    nth = conn.execute("SELECT solved_at FROM cases WHERE status = 'solved' ORDER BY solved_at "
                       "LIMIT 1 OFFSET ?", (args.due - 1,)).fetchone()
    if nth is None:
        raise SystemExit(f"fewer than {args.due} solved cases")
    solved_at = datetime.fromisoformat(nth[0]).replace(tzinfo=UTC)
    now = solved_at + timedelta(days=settings.solved_days, microseconds=1)
    cutoff = close_cutoff(now, settings).replace(tzinfo=None).isoformat(sep=" ")
    due = conn.execute("SELECT count(*) FROM cases WHERE status = 'solved' AND solved_at < ?",
                       (cutoff,)).fetchone()[0]

    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    night = archive_cutoff(now, settings).astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    conn.execute("BEGIN IMMEDIATE")
    start = time.perf_counter()
    # The same two moves as the tick: archive what closed before last night, close
    # what was solved long enough (in the tick's order: close first, then archive).
    raw = conn.execute(
        "UPDATE cases SET status = 'closed', closed_at = ?, version = version + 1 "
        "WHERE status = 'solved' AND solved_at < ?", (stamp, cutoff)).rowcount
    raw_archived = conn.execute(
        "UPDATE cases SET status = 'archived', archived_at = ?, version = version + 1 "
        "WHERE status = 'closed' AND closed_at < ?", (stamp, night)).rowcount
    baseline = time.perf_counter() - start
    conn.execute("ROLLBACK")
    conn.close()
    committed = None
    if args.floor_db:
        conn = sqlite3.connect(args.floor_db, isolation_level=None)
        conn.execute("PRAGMA synchronous = NORMAL")  # as the store commits a tick
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE cases SET status = 'closed', closed_at = ?, version = version + 1 "
                     "WHERE status = 'solved' AND solved_at < ?", (stamp, cutoff))
        conn.execute("UPDATE cases SET status = 'archived', archived_at = ?, "
                     "version = version + 1 WHERE status = 'closed' AND closed_at < ?",
                     (stamp, night))
        conn.execute("COMMIT")
        committed = time.perf_counter() - start
        conn.close()

    db = Database(args.db)
    CaseService.system(db, clock=lambda: now).set_sla_policy(settings.sla,
                                                            settings.zone_name())
    start = time.perf_counter()
    report = Scheduler(db, settings).tick(now)
    ours = time.perf_counter() - start
    print(f"{total:,} cases, {due:,} due to close at {now.isoformat(timespec='seconds')}")
    moved = len(report.closed) + len(report.archived)
    print(f"  bare SQL UPDATEs (rolled back)   {raw:>7,} closed {raw_archived:>7,} archived  "
          f"{baseline * 1000:8.0f} ms")
    if committed is not None:
        print(f"  bare SQL UPDATEs (committed)     {'':>31}{committed * 1000:8.0f} ms")
    print(f"  casedesk tick (committed)        {len(report.closed):>7,} closed "
          f"{len(report.archived):>7,} archived  {ours * 1000:8.0f} ms   ratio "
          f"{ours / baseline:.1f}  ({ours / moved * 1e6:.0f} µs a case, with its event, "
          "audit record and change-feed row)")
    if committed is not None:
        print(f"  against the committed floor: ratio {ours / committed:.1f}")


if __name__ == "__main__":
    main()
