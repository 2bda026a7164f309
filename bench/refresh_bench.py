"""How soon the TUI shows another process's change (the promise: within one second).

    .venv/bin/python bench/refresh_bench.py [--rounds N]

A demo database; the case overview running headless with its real poll interval;
another process (a writer subprocess) adds a customer message to a case low in the
list. Measured: the time from the writer's commit to the moment that case is at the
top of the list on screen. Printed against the baseline of the same run: the poll
interval, and one poll of the change feed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.db import Database  # noqa: E402
from store.demo import build_demo  # noqa: E402
from store.queries import CaseFilter  # noqa: E402
from store.service import CaseService  # noqa: E402
from tui.app import CasedeskApp  # noqa: E402
from tui.widgets.case_table import CaseTable  # noqa: E402

WRITER = """
import sys, time
from store.db import Database
from store.service import CaseService, MessageInput
service = CaseService(Database(sys.argv[1]), "bench")
for line in sys.stdin:
    service.add_message(int(line), MessageInput("Hej igen!"))
    print(time.time(), flush=True)
"""


def start_writer(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


async def measure(path: Path, rounds: int, poll: float,
                  writer: subprocess.Popen[str]) -> list[float]:
    app = CasedeskApp(lambda: CaseService(Database(path), "bench"), poll_seconds=poll)
    latencies = []
    async with app.run_test(size=(160, 40)) as pilot:
        await asyncio.sleep(1.5)  # the list is up, the first poll done
        table = app.query_one(CaseTable)
        lister = CaseService(Database(path), "bench")
        for _ in range(rounds):
            number = lister.list_cases(CaseFilter(limit=40))[30].number
            writer.stdin.write(f"{number}\n")  # type: ignore[union-attr]
            writer.stdin.flush()  # type: ignore[union-attr]
            committed = float(writer.stdout.readline())  # type: ignore[union-attr]
            deadline = time.time() + 10  # bounded: a miss is reported, not waited out
            while time.time() < deadline:
                row = table.window.get(0)
                if row is not None and row.number == number:
                    break
                await asyncio.sleep(0.005)
            else:
                raise SystemExit(f"case #{number} never reached the top of the list")
            latencies.append(time.time() - committed)
            await pilot.pause()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        db = Database(path)
        db.upgrade()
        build_demo(db, cases=3000, login="bench")
        poll = 0.5
        writer = start_writer(path)
        try:
            latencies = asyncio.run(measure(path, args.rounds, poll, writer))
        finally:
            writer.stdin.close()  # type: ignore[union-attr]
            writer.wait(10)
        service = CaseService(db, "bench")
        start = time.perf_counter()
        for _ in range(200):
            service.latest_change()
        one_poll = (time.perf_counter() - start) / 200
    median, worst = statistics.median(latencies), max(latencies)
    print(f"{args.rounds} changes by another process, 3,000-case database")
    print(f"seen on screen after: median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms "
          f"(promise: 1000 ms)")
    print(f"baseline: poll interval {poll * 1000:.0f} ms -> median/interval "
          f"{median / poll:.2f}, worst/interval {worst / poll:.2f}")
    print(f"one poll of the change feed: {one_poll * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
