"""The case-list queries on a big database: our store layer against the same SQL run raw.

    .venv/bin/python bench/store_bench.py [--db PATH] [--cases N] [--pg URL] [--repeat N]

--db: an SQLite database built by `casedesk demo --cases 1000000 --no-tui` (built there
if missing, with --cases). --pg: a PostgreSQL URL holding the same cases (see
`casedesk copy`); its figures are printed beside SQLite's.
For each query: the median time through `CaseService` (a unit of work: session, actor
and permissions, the query, rows turned into views), the median of the same main
statement through the driver alone (sqlite3 / psycopg), and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.db import Database  # noqa: E402
from store.identity import os_login  # noqa: E402
from store.queries import CaseFilter  # noqa: E402
from store.service import CaseService  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm the caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


class Capture:
    """The statements a call sends to the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sent: list[tuple[str, Any]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        self.sent.append((statement, parameters))

    def main_statement(self, fn: Callable[[], Any]) -> tuple[str, Any]:
        self.sent.clear()
        sa.event.listen(self.db.engine, "before_cursor_execute", self)
        try:
            fn()
        finally:
            sa.event.remove(self.db.engine, "before_cursor_execute", self)
        # The query that reads the cases (the others resolve the actor and names).
        reading = [s for s in self.sent if "FROM cases" in s[0] or "FROM case_" in s[0]]
        return max(reading, key=lambda s: len(s[0]))


def raw_runner(db: Database, statement: str, params: Any) -> Callable[[], Any]:
    if db.is_sqlite:
        import sqlite3

        conn = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True)
        return lambda: conn.execute(statement, params).fetchall()
    import psycopg

    url = db.url.set(drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    return lambda: conn.execute(statement, params).fetchall()


def queries(service: CaseService, deep_row: Any) -> dict[str, Callable[[], Any]]:
    support = CaseFilter(channel="Support", include_ended=True)
    return {
        "first page, one channel, by last updated": lambda: service.list_cases(support),
        "first page, default view": lambda: service.list_cases(CaseFilter()),
        "keyset page deep in the list": lambda: service.list_cases(
            CaseFilter(include_ended=True), after=deep_row),
        "last page (End)": lambda: service.list_cases(CaseFilter(include_ended=True),
                                                      from_end=True),
        "group counts by status": lambda: service.group_counts(CaseFilter(), "status"),
        "group counts by channel": lambda: service.group_counts(CaseFilter(), "channel"),
        "group counts by assignee": lambda: service.group_counts(CaseFilter(), "assignee"),
        "search, common word (faktura)": lambda: service.list_cases(
            CaseFilter(search="faktura", include_ended=True)),
        "search, rare word (dimmer)": lambda: service.list_cases(
            CaseFilter(search="dimmer", include_ended=True)),
    }


def measure(db: Database, repeat: int) -> dict[str, tuple[float, float]]:
    service = CaseService(db, os_login())
    total = service.count_cases(CaseFilter(include_ended=True))
    # A row half-way down the whole list, found by walking windows of 5,000.
    row, seen = None, 0
    while seen < total // 2:
        window = service.list_cases(CaseFilter(include_ended=True, limit=5000), after=row)
        row, seen = window[-1], seen + len(window)
    capture = Capture(db)
    results = {}
    for name, fn in queries(service, row).items():
        # Seen through a new service: one that has run a list sends its statement
        # to the driver itself (store/case_pages.py), past SQLAlchemy's events.
        statement, params = capture.main_statement(
            queries(CaseService(db, os_login()), row)[name])
        ours = timed(fn, repeat)
        raw = timed(raw_runner(db, statement, params), repeat)
        results[name] = (ours, raw)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(Path.home() / ".local/share/casedesk/demo-1m.db"))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pg", help="a PostgreSQL URL with the same cases")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if not Path(args.db).exists():
        print(f"building {args.db} with {args.cases} cases…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "cli", "demo", "--db", args.db, "--cases",
                        str(args.cases), "--no-tui"], check=True, cwd=ROOT)
    engines = {"SQLite": Database(args.db)}
    if args.pg:
        engines["PostgreSQL"] = Database(args.pg)
    results = {name: measure(db, args.repeat) for name, db in engines.items()}
    count = CaseService(engines["SQLite"], os_login()).count_cases(CaseFilter(include_ended=True))
    print(f"{count:,} cases; median of {args.repeat} runs; ms; ratio = store layer / raw driver")
    header = f"{'query':<42}" + "".join(f"{e + ' store':>20}{'raw':>9}{'ratio':>7}"
                                          for e in results)
    print(header)
    for name in next(iter(results.values())):
        line = f"{name:<42}"
        for engine in results:
            ours, raw = results[engine][name]
            line += f"{ours:>20.2f}{raw:>9.2f}{ours / raw:>7.1f}"
        print(line)


if __name__ == "__main__":
    main()
