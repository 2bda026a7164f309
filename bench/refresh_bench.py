"""How soon the TUI shows another process's change (the aim: within 150 ms).

    .venv/bin/python bench/refresh_bench.py [--rounds N]

A demo database; the TUI running headless with its real poll interval; another
process (a writer subprocess) makes a change. Measured, from the writer's commit to
the moment the screen shows it:
- overview: a customer message to a case low in the list, until it is at the top;
- workspace: the same in the agent's workspace view (`2`);
- presence: a colleague starts writing a reply in the case on show, until the bar
  above it says so.
Printed against the baseline of the same run: the poll interval, and one poll of
the change feed and one look of the change watch (store/watch.py), which the TUI takes
every 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.widgets import Static  # noqa: E402

from store.db import Database  # noqa: E402
from store.demo import build_demo  # noqa: E402
from store.queries import CaseFilter  # noqa: E402
from store.service import CaseService  # noqa: E402
from tui.app import CasedeskApp  # noqa: E402

try:  # (absent before the watch: the same bench measures the code before it)
    from store.watch import ChangeWatch
    from tui.app import WATCH_SECONDS
except ImportError:
    ChangeWatch, WATCH_SECONDS = None, 0.0  # type: ignore[assignment,misc]
from tui.widgets.case_table import CaseTable  # noqa: E402

WRITER = """
import sys, time
from store.db import Database
from store.service import CaseService, MessageInput
db = Database(sys.argv[1])
# A customer's message as the poller or ingest adds one (unread in every workspace).
service, colleague = CaseService.system(db), CaseService(db, "anna")
for line in sys.stdin:
    what, number = line.split()
    if what == "message":
        service.add_message(int(number), MessageInput("Hej igen!"))
    else:
        colleague.set_presence(int(number), "replying")
    print(time.time(), flush=True)
"""


def start_writer(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def change(writer: subprocess.Popen[str], what: str, number: int) -> float:
    """Have the other process make the change; the time it committed."""
    writer.stdin.write(f"{what} {number}\n")  # type: ignore[union-attr]
    writer.stdin.flush()  # type: ignore[union-attr]
    return float(writer.stdout.readline())  # type: ignore[union-attr]


async def until(shown: Callable[[], bool], what: str) -> float:
    deadline = time.time() + 10  # bounded: a miss is reported, not waited out
    while time.time() < deadline:
        if shown():
            return time.time()
        await asyncio.sleep(0.005)
    raise SystemExit(f"never shown: {what}")


async def measure(path: Path, rounds: int, poll: float,
                  writer: subprocess.Popen[str]) -> dict[str, list[float]]:
    app = CasedeskApp(lambda: CaseService(Database(path), "bench"), poll_seconds=poll)
    latencies: dict[str, list[float]] = {"overview": [], "workspace": [], "presence": []}
    lister = CaseService(Database(path), "bench")
    async with app.run_test(size=(160, 40)) as pilot:
        await asyncio.sleep(1.5)  # the list is up, the first poll done
        for view, key in (("overview", "1"), ("workspace", "2")):
            await pilot.press(key)
            await asyncio.sleep(1)
            table = app.screen.query_one(CaseTable)  # (each view is a screen of its own)
            for _ in range(rounds):
                filters = CaseFilter(limit=40, workspace="me" if view == "workspace" else None)
                rows = lister.list_cases(filters)
                number = rows[min(30, len(rows) - 1)].number
                committed = change(writer, "message", number)
                seen = await until(lambda n=number, t=table: getattr(t.window.get(0), "number",
                                                                     None) == n,
                                   f"#{number} on top of the {view}")
                latencies[view].append(seen - committed)
                await pilot.pause()
        bar = app.screen.query_one("#presence", Static)
        cases = [r.number for r in lister.list_cases(CaseFilter(channel="Support", limit=rounds))]
        for number in cases:
            app.lists.side.load_case(number)
            await until(lambda n=number: (app.lists.shown is not None
                                          and app.lists.shown.number == n),
                        f"#{number} open")
            await asyncio.sleep(0.3)
            committed = change(writer, "presence", number)
            seen = await until(lambda: bar.has_class("-shown"), "the presence bar")
            latencies["presence"].append(seen - committed)
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
        watch = ChangeWatch(db) if ChangeWatch is not None else None
        start = time.perf_counter()
        for _ in range(2000):
            if watch is not None:
                watch.changed()
        one_look = (time.perf_counter() - start) / 2000
        if watch is not None:
            watch.close()
    print(f"{args.rounds} changes by another process each, 3,000-case database; "
          f"poll interval {poll * 1000:.0f} ms (the baseline); the change watch every "
          f"{WATCH_SECONDS * 1000:.0f} ms; aim: 150 ms")
    print(f"{'view':<10} {'median ms':>10} {'worst ms':>9} {'median/poll':>12} {'worst/poll':>11}")
    for view, times in latencies.items():
        median, worst = statistics.median(times), max(times)
        print(f"{view:<10} {median * 1000:>10.0f} {worst * 1000:>9.0f} {median / poll:>12.2f} "
              f"{worst / poll:>11.2f}")
    print(f"one poll of the change feed: {one_poll * 1e6:.0f} µs; one look of the change "
          f"watch: {one_look * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
