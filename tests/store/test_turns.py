"""Writers take turns in the order they came (store/turns.py), and a writer killed
while it has its turn lets the next one go on at once. SQLite only: PostgreSQL's row
locks queue by themselves."""

from __future__ import annotations

import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import forked  # tests/ is on sys.path
import pytest
import sqlalchemy as sa

from store.db import Database

pytestmark = pytest.mark.sqlite_only

# A writer in a process of its own: waits for its turn (a busy timeout of ten minutes:
# only the turn handed over can let it go on), then writes its name, then maybe sleeps.
WRITER = """
import sys, time
import sqlalchemy as sa
from store.db import Database
db = Database(sys.argv[1], busy_timeout_ms=600_000)
def work(session):
    session.execute(sa.text("INSERT INTO setting (key, value) VALUES (:k, :v)"),
                    {"k": "order-" + sys.argv[2], "v": str(time.time_ns())})
    print("writing", flush=True)
    if sys.argv[3] == "hold":
        time.sleep(3600)
db.write(work)
print("done", flush=True)
"""


def start(path: Path, name: str, hold: bool = False) -> tuple[BaseProcess, Path, Path]:
    """The writer `name`, started; the file it prints to, and the one for its error."""
    out, error = path.with_name(f"{name}.out"), path.with_name(f"{name}.error")
    return forked.start(WRITER, str(path), name, "hold" if hold else "go", out=out,
                        error=error), out, error


def tickets(path: Path) -> int:
    raw = (path.with_name(path.name + ".writers") / "ticket").read_bytes()
    return int.from_bytes(raw, "little")


def until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for `condition` (a guard against hanging, not a measure of speed)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_writers_go_in_the_order_they_came_and_a_killed_one_lets_the_next_go(db) -> None:
    path = db.path
    holder, said, _ = start(path, "a", hold=True)
    until(lambda: said.exists() and said.read_text() == "writing\n",
          "a writes")  # its turn, and SQLite's lock, held
    waiting = []
    for drawn, name in enumerate("bcd", start=2):  # each draws its ticket before the next
        waiting.append(start(path, name))
        until(lambda want=drawn: tickets(path) == want, f"{name} draws a ticket")
    holder.kill()  # SIGKILL, mid-transaction: rolled back, turn let go
    holder.join()
    for proc, out, error in waiting:
        wrong = forked.ended(proc, error)
        assert not wrong, wrong
        assert out.read_text() == "writing\ndone\n"
    with db.read() as session:
        rows = dict(session.execute(sa.text(
            "SELECT key, value FROM setting WHERE key LIKE 'order-%'")).all())
    assert "order-a" not in rows  # the killed one's write is gone
    assert sorted(rows, key=lambda k: int(rows[k])) == ["order-b", "order-c", "order-d"]


def test_threads_of_one_process_take_turns_too(db: Database) -> None:
    from together import run_together

    def write(n: int):  # type: ignore[no-untyped-def]
        return lambda: db.write(lambda s: s.execute(sa.text(
            "INSERT INTO setting (key, value) VALUES (:k, '')"), {"k": f"t{n}"}))

    assert run_together([write(n) for n in range(16)]) == []
    with db.read() as session:
        assert session.execute(sa.text(
            "SELECT count(*) FROM setting WHERE key LIKE 't%'")).scalar_one() == 16


def test_a_slot_still_held_a_round_later_never_stops_the_queue(tmp_path: Path) -> None:
    from store.turns import SLOTS, Turns

    turns = Turns(tmp_path / "q.writers", 0o600, 0o700)
    stuck = turns.wait(1)  # a writer stopped mid-way, its slot held
    assert stuck is not None
    for _ in range(SLOTS - 1):  # a round of writers after it: each goes in turn
        Turns.done(turns.wait(0.01))  # type: ignore[arg-type]
    # The next ticket's slot is the stuck one's: no turn, SQLite's wait instead.
    assert turns.wait(0.01) is None
    Turns.done(stuck)
    mine = turns.wait(1)
    assert mine is not None  # the queue goes on
    Turns.done(mine)
    import stat

    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "q.writers").iterdir()} == {0o600}
