"""`casedesk report --by week` over a big demo database, against its bare SQL in the
same run (README, "Metrics").

    .venv/bin/python bench/report_bench.py /tmp/demo-1m.db [--rounds 3]

Measures the report through the service (what the command does after start-up), the
very statements it ran replayed one after the other through the bare sqlite3 driver (no
SQLAlchemy, no service: the aggregates alone), and the whole command in a fresh process.
The service reads the time in status on a second connection beside the rest, so it may
take less than the bare statements in a row. Rounds alternate; the best of each is kept.
The period is the demo's last 30 days.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from store.db import Database  # noqa: E402
from store.identity import os_login  # noqa: E402
from store.service import CaseService  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--by", default="week")
    args = parser.parse_args()
    db = Database(args.db)
    with db.engine.connect() as conn:  # the demo's "now": its newest case
        newest = conn.exec_driver_sql("SELECT max(created_at) FROM cases").scalar_one()
    now = datetime.fromisoformat(str(newest)).replace(tzinfo=UTC) + timedelta(minutes=1)
    service = CaseService(db, os_login(), clock=lambda: now)
    end = now.date() + timedelta(days=1)
    first = end - timedelta(days=30)

    ran: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("WITH", "SELECT")):
            ran.append((statement, parameters))

    best = {"service": float("inf"), "bare": float("inf"), "command": float("inf")}
    report = None
    for _ in range(args.rounds):
        ran.clear()
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        start = time.perf_counter()
        report = service.report(first=first, end=end, by=args.by)
        best["service"] = min(best["service"], time.perf_counter() - start)
        sa.event.remove(db.engine, "before_cursor_execute", keep)
        bare = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        start = time.perf_counter()
        for statement, parameters in ran:
            bare.execute(statement, parameters).fetchall()  # type: ignore[arg-type]
        best["bare"] = min(best["bare"], time.perf_counter() - start)
        bare.close()
        start = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/casedesk"), "--db", str(args.db), "report",
                        "--from", first.isoformat(), "--to", end.isoformat(), "--by", args.by,
                        "--json"], check=True, capture_output=True,
                       env={**os.environ, "CASEDESK_CONFIG": os.devnull})
        best["command"] = min(best["command"], time.perf_counter() - start)
    assert report is not None
    print(f"{args.db.name}: report {first} – {end} --by {args.by}: {report.total.cases} "
          f"cases, {len(report.rows)} rows, backlog {report.backlog.total}, "
          f"{len(ran)} statements")
    print(f"bare SQL (sqlite3, the same statements): {best['bare'] * 1e3:.0f} ms")
    print(f"the report through the service:          {best['service'] * 1e3:.0f} ms "
          f"(ratio {best['service'] / best['bare']:.2f}, aim ≤ 2 and under one second)")
    print(f"`casedesk report` in a new process:       {best['command'] * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
