"""The metrics screen's first paint over a big demo database (README, "Metrics"): from
the key `6` to the figures and plots on screen, against the store calls it makes,
timed bare in the same run.

    .venv/bin/python bench/metrics_screen_bench.py /tmp/demo-1m.db [--rounds 3]

The app runs headless (Textual's test driver) at 160×45, the demo's last 30 days. The
screen makes its reads side by side (two connections), the bare calls one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from store.db import Database  # noqa: E402
from store.identity import os_login  # noqa: E402
from store.service import CaseService  # noqa: E402
from tui.app import CasedeskApp  # noqa: E402
from tui.screens.metrics import MetricsScreen  # noqa: E402


def bare(service: CaseService) -> float:
    start = time.perf_counter()
    service.report(by="agent", time_in_status=False)
    service.report(by="week", time_in_status=False)
    service.metrics_series()
    service.list_agents()
    service.list_channels()
    return time.perf_counter() - start


async def paint(path: Path, now: datetime) -> float:
    app = CasedeskApp(lambda: CaseService(Database(path), os_login(), clock=lambda: now),
                      poll_seconds=0, language="sv")
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(10):  # the lists first: their reading is not the screen's
            await app.workers.wait_for_complete()
            await pilot.pause()
        start = time.perf_counter()
        await pilot.press("6")
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        while screen.end is None:  # set when the figures are read and shown
            await pilot.pause(0.005)
        await pilot.pause()  # drawn
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = Database(args.db)
    with db.engine.connect() as conn:
        newest = conn.exec_driver_sql("SELECT max(created_at) FROM cases").scalar_one()
    now = datetime.fromisoformat(str(newest)).replace(tzinfo=UTC) + timedelta(minutes=1)
    service = CaseService(db, os_login(), clock=lambda: now)
    best = {"bare": float("inf"), "paint": float("inf")}
    for _ in range(args.rounds):
        best["bare"] = min(best["bare"], bare(service))
        best["paint"] = min(best["paint"], asyncio.run(paint(args.db, now)))
    print(f"{args.db.name}: the store calls of the metrics screen, bare: "
          f"{best['bare'] * 1e3:.0f} ms")
    print(f"the metrics screen, key to first paint:  {best['paint'] * 1e3:.0f} ms "
          f"(ratio {best['paint'] / best['bare']:.2f})")


if __name__ == "__main__":
    main()
