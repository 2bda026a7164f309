"""Many writers at once on one SQLite file: throughput, write latency and lock errors,
next to one writer alone, in the same run.

    .venv/bin/python bench/writers_bench.py [--writers 2,8,32] [--ops 40] [--shared 4]

For each N in --writers: a fresh SQLite database in a temporary folder (one chat
channel, N agents in it, a case of each agent's own and --shared cases everyone
writes in), then N processes (spawned), each its own agent, released together, each
doing --ops writes through `CaseService`: a reply, a note, a status change (its own
case, open → waiting → parked → open: always allowed), in turn; replies and notes go
round its own case and the shared ones. Each write is timed (perf_counter). A
`store.db.Busy` or an sqlite3 "database is locked" is a lock error the user would
see; anything else (a TransitionError included) is another error. The baseline: the
same work by ONE such process alone, on a fresh database too; each row's throughput
and p50 are given as a ratio to it. At the end every database is counted: each reply
and note that succeeded is there, by its author, and each status change has its event.
Exits 1 on any lock error, and on anything lost.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from store.db import Busy, Database  # noqa: E402
from store.errors import TransitionError  # noqa: E402
from store.service import CaseService, ContactInput, bootstrap  # noqa: E402

CHANNEL = "Chat"
# Its own case goes round these, from `new` (new → open first): each step is allowed
# to an agent from the one before, so a status change is never refused.
CYCLE = ("open", "waiting", "parked")


@dataclass
class Outcome:
    """What one writer process did."""

    login: str
    latencies: list[float] = field(default_factory=list)  # seconds, the successful writes
    replies: int = 0
    notes: int = 0
    statuses: int = 0
    lock_errors: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    setup_error: str = ""


def is_lock_error(exc: BaseException) -> bool:
    """Busy, or SQLite's "database is locked" however it got here (wrapped or not)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Busy):
            return True
        if isinstance(seen, sa.exc.OperationalError | sqlite3.OperationalError) and (
                "database is locked" in str(seen).lower()):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def writer(path: str, login: str, own: int, shared: list[int], ops: int,
           ready: multiprocessing.Queue, go: multiprocessing.Event,  # type: ignore[type-arg]
           results: multiprocessing.Queue,  # type: ignore[type-arg]
           finish: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    out = Outcome(login)
    try:
        service = CaseService(Database(path), login)
        service.whoami()  # connected, imports done: only the writes are timed
        # Warm, as a TUI is after its first minutes: each kind of write once (its
        # statements compiled), before the others are released; not counted.
        service.note(own, f"{login} warm")
        service.reply(own, f"{login} warm")
        service.set_status(own, CYCLE[0])
        # (In the database too: counted at the end.)
        out.notes, out.replies, out.statuses = 1, 1, 1
    except Exception as exc:  # said to the parent, which reports it
        out.setup_error = f"{type(exc).__name__}: {exc}"
        ready.put(login)
        results.put(out)
        return
    ready.put(login)
    go.wait()
    cases = [own, *shared]
    step = 1
    for i in range(ops):
        kind = i % 3
        number = cases[(i // 3) % len(cases)]
        start = time.perf_counter()
        try:
            if kind == 0:
                service.reply(number, f"{login} svar {i}")
            elif kind == 1:
                service.note(number, f"{login} anteckning {i}")
            else:
                service.set_status(own, CYCLE[step % len(CYCLE)])
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
            if is_lock_error(exc):
                out.lock_errors.append(text)
            elif isinstance(exc, TransitionError):
                out.other_errors.append("conflict, not a lock: " + text)
            else:
                out.other_errors.append(text)
            continue
        out.latencies.append(time.perf_counter() - start)
        if kind == 0:
            out.replies += 1
        elif kind == 1:
            out.notes += 1
        else:
            out.statuses += 1
            step += 1
    results.put(out)
    # Alive until every writer is done: 32 interpreters ending at once on two cores
    # would take the CPU from the writes still timed.
    finish.wait(600)


@dataclass
class Row:
    writers: int
    ops: int  # attempted
    ok: int
    wall: float
    p50: float  # ms
    p99: float  # ms
    worst: float  # ms
    lock_errors: int
    other_errors: int
    lost: list[str]
    samples: list[str]

    @property
    def throughput(self) -> float:
        return self.ok / self.wall if self.wall else 0.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`, in ms."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1] * 1000


def build(folder: Path, writers: int, shared: int) -> tuple[str, list[str], dict[str, int],
                                                            list[int]]:
    path = str(folder / "casedesk.db")
    db = Database(path)
    db.upgrade()
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_channel(CHANNEL, kind="chat")
    logins = [f"agent{i:02d}" for i in range(writers)]
    own = {}
    for login in logins:
        boss.add_agent(login)
        boss.set_membership(CHANNEL, login, member=True)
        own[login] = boss.create_case(channel=CHANNEL, contact=ContactInput(name=f"K {login}"),
                                      title=f"{login}s ärende")
    common = [boss.create_case(channel=CHANNEL, contact=ContactInput(name=f"Delad {i}"),
                               title=f"Delat ärende {i}") for i in range(shared)]
    db.dispose()
    return path, logins, own, common


def count(path: str, outcomes: list[Outcome], own: dict[str, int]) -> list[str]:
    """What is missing (or extra) in the database against what the writers did."""
    lost = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for o in outcomes:
            for kind, done in (("reply", o.replies), ("note", o.notes)):
                there = conn.execute(
                    "SELECT count(*) FROM message JOIN agent ON agent.id = message.author_agent_id"
                    " WHERE agent.login = ? AND message.kind = ?", (o.login, kind)).fetchone()[0]
                if there != done:
                    lost.append(f"{o.login}: {done} {kind} written, {there} in the database")
            events = conn.execute(
                "SELECT count(*) FROM message WHERE case_id = ? AND kind = 'event' "
                "AND event_kind = 'status'", (own[o.login],)).fetchone()[0]
            if events != o.statuses:
                lost.append(f"{o.login}: {o.statuses} status changes, {events} events")
            status = conn.execute("SELECT status FROM cases WHERE id = ?",
                                  (own[o.login],)).fetchone()[0]
            expected = CYCLE[(o.statuses - 1) % len(CYCLE)] if o.statuses else "new"
            if status != expected:
                lost.append(f"{o.login}: its case is {status}, not {expected}")
    finally:
        conn.close()
    return lost


def run(writers: int, ops: int, shared: int) -> Row:
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="writers-bench-") as tmp:
        path, logins, own, common = build(Path(tmp), writers, shared)
        ready, results, go, finish = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Event()
        procs = [ctx.Process(target=writer, args=(path, login, own[login], common, ops, ready,
                                                  go, results, finish)) for login in logins]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=300)
        start = time.perf_counter()
        go.set()
        outcomes = [results.get(timeout=600) for _ in procs]
        wall = time.perf_counter() - start
        finish.set()
        for p in procs:
            p.join(timeout=60)
        lost = count(path, outcomes, own)
    latencies = [t for o in outcomes for t in o.latencies]
    lock_errors = sum(len(o.lock_errors) for o in outcomes)
    other = sum(len(o.other_errors) for o in outcomes) + sum(bool(o.setup_error)
                                                             for o in outcomes)
    samples = [f"{o.login}: {e}" for o in outcomes
               for e in ([o.setup_error] if o.setup_error else []) + o.lock_errors
               + o.other_errors][:5]
    return Row(writers, writers * ops, len(latencies), wall, percentile(latencies, 50),
               percentile(latencies, 99), percentile(latencies, 100), lock_errors, other,
               lost, samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="2,8,32",
                        help="how many writer processes, comma-separated (default 2,8,32)")
    parser.add_argument("--ops", type=int, default=40, help="writes per process (default 40)")
    parser.add_argument("--shared", type=int, default=4,
                        help="cases every writer replies and notes in (default 4)")
    args = parser.parse_args()
    counts = [int(n) for n in args.writers.split(",") if n.strip()]
    if not counts or min(counts) < 1 or args.ops < 1:
        parser.error("--writers and --ops must be positive")

    print(f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; {args.ops} writes a process "
          "(reply, note, status change in turn)")
    baseline = run(1, args.ops, args.shared)
    rows = [run(n, args.ops, args.shared) for n in counts]
    header = (f"{'writers':>7} {'ops':>6} {'ok':>6} {'wall s':>7} {'ops/s':>7} {'p50 ms':>7} "
              f"{'p99 ms':>7} {'max ms':>7} {'lock err':>8} {'other err':>9} {'ops/s ×base':>11} "
              f"{'p50 ×base':>9}")
    print(header)
    print("-" * len(header))
    for label, r in [("1 base", baseline), *((str(r.writers), r) for r in rows)]:
        print(f"{label:>7} {r.ops:>6} {r.ok:>6} {r.wall:>7.2f} {r.throughput:>7.0f} "
              f"{r.p50:>7.1f} {r.p99:>7.1f} {r.worst:>7.0f} {r.lock_errors:>8} {r.other_errors:>9} "
              f"{r.throughput / baseline.throughput:>11.2f} {r.p50 / baseline.p50:>9.2f}")
    bad = False
    for r in (baseline, *rows):
        for s in r.samples:
            print(f"  {r.writers} writers, error: {s}")
        for s in r.lost:
            print(f"  {r.writers} writers, LOST: {s}")
        bad = bad or r.lock_errors > 0 or bool(r.lost)
    print("nothing lost: every reply, note and status change that succeeded is in its "
          "database" if not any(r.lost for r in (baseline, *rows))
          else "SOMETHING WAS LOST (above)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
