"""What one hostile mail costs the poller, next to a plain mail measured in the same run.

    .venv/bin/python bench/mime_bomb_bench.py [--parts 20000] [--depth 50]

Against a throw-away Dovecot (tests/mailservers.py), each case in a fresh SQLite
database (attachments in files beside it, as on a laptop or a team server), the poll
in a process of its own while a colleague's process writes notes in a loop:
- a plain mail with two attachments (the baseline);
- a mail of --parts tiny MIME parts, read with the limits switched off (as casedesk
  read every mail before it had limits) and with the default limits;
- a mail nested --depth levels deep, with the default limits.
For each: the poll's wall time, its process's peak memory (ru_maxrss), the longest
write transaction (BEGIN IMMEDIATE to commit: how long the lock is held), the
attachment rows and files it made, and the colleague's notes meanwhile (p50, p99 and
the longest wait), each with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "mail")]

from mailservers import Dovecot, Mailbox  # noqa: E402
from test_limits import many_parts, nested  # noqa: E402

from mail.poller import Poller  # noqa: E402
from mail.settings import MailboxSettings, MailSettings  # noqa: E402
from store.db import Database  # noqa: E402
from store.service import CaseService, ContactInput, bootstrap  # noqa: E402

UNLIMITED = {"max_parts": 100_000, "max_depth": 1000}


def _poll(url: str, box: Mailbox, limits: dict[str, int], out: multiprocessing.Queue) -> None:
    holds: list[float] = []
    original = Database.write

    def timed(self, work, **options):  # type: ignore[no-untyped-def]
        started: list[float] = []

        def inner(session):  # type: ignore[no-untyped-def]
            started.append(time.perf_counter())  # BEGIN IMMEDIATE is done: the lock is ours
            return work(session)

        try:
            return original(self, inner, **options)
        finally:
            if started:
                holds.append(time.perf_counter() - started[-1])

    Database.write = timed  # type: ignore[method-assign]
    os.environ["BENCH_IMAP_PASSWORD"] = box.password
    mailbox = MailboxSettings(channel="Support", host=box.host, port=box.port,
                              security="none", username=box.user,
                              password_env="BENCH_IMAP_PASSWORD")
    try:
        settings = MailSettings(**limits)  # type: ignore[arg-type]
    except Exception:  # a casedesk without limits: measured as it is
        settings = MailSettings()
    poller = Poller(Database(url), mailbox, settings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = poller.poll_once()
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put({"wall": wall, "peak_mb": peak / 1024, "start_mb": before / 1024,
             "hold": max(holds), "outcome": result.describe()})


def _colleague(url: str, number: int, stop: multiprocessing.Event,
               out: multiprocessing.Queue) -> None:
    anna = CaseService(Database(url), "anna")
    waits: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        anna.note(number, f"anteckning {len(waits)}")
        waits.append(time.perf_counter() - started)
    out.put(waits)


def run(dovecot: Dovecot, raw: bytes, limits: dict[str, int]) -> dict[str, float | str]:
    folder = Path(tempfile.mkdtemp(prefix="bomb-"))
    db = Database(folder / "casedesk.db")
    db.upgrade()
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_agent("anna")
    boss.add_channel("Support", kind="email", address="support@example.se")
    boss.set_membership("Support", "anna", member=True)
    number = boss.create_case(channel="Support", contact=ContactInput(name="K"), title="T")
    box = dovecot.new_mailbox()
    dovecot.append(box.user, "INBOX", raw)
    url = db.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    stop, notes, polls = ctx.Event(), ctx.Queue(), ctx.Queue()
    colleague = ctx.Process(target=_colleague, args=(url, number, stop, notes))
    colleague.start()
    time.sleep(1)  # its start-up (imports) is not what is measured
    poll = ctx.Process(target=_poll, args=(url, box, limits, polls))
    poll.start()
    measured = polls.get(timeout=3600)
    poll.join()
    stop.set()
    waits = sorted(notes.get(timeout=120))
    colleague.join()
    import sqlalchemy as sa

    with db.read() as session:
        rows = session.scalar(sa.text("SELECT count(*) FROM attachment"))
    files = sum(1 for p in (folder / "casedesk.db.files").rglob("*") if p.is_file()) \
        if (folder / "casedesk.db.files").exists() else 0
    return {**measured, "rows": rows, "files": files, "notes": len(waits),
            "p50": statistics.median(waits), "p99": waits[int(len(waits) * 0.99) - 1]
            if len(waits) > 1 else waits[-1], "max": waits[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=20_000)
    parser.add_argument("--depth", type=int, default=50)
    args = parser.parse_args()
    bomb = many_parts(args.parts)
    cases = [
        ("plain mail, 2 attachments (base)", many_parts(3), {}),
        (f"{args.parts} parts, no limits", bomb, UNLIMITED),
        (f"{args.parts} parts, default limits", bomb, {}),
        (f"{args.depth} levels deep, defaults", nested(args.depth), {}),
    ]
    print(f"a mail of {args.parts} parts: {len(bomb) / 1e6:.1f} MB\n")
    print(f"{'mail':<34} {'wall s':>7} {'×base':>6} {'peak MB':>8} {'lock s':>7} "
          f"{'rows':>6} {'files':>6} {'notes':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    base = None
    with Dovecot() as dovecot:
        run(dovecot, many_parts(3), {})  # warm-up: Dovecot's first login and the OS caches
        for name, raw, limits in cases:
            r = run(dovecot, raw, limits)
            base = base or r
            print(f"{name:<34} {r['wall']:>7.2f} {r['wall'] / base['wall']:>6.1f} "
                  f"{r['peak_mb']:>8.0f} {r['hold']:>7.2f} {r['rows']:>6} {r['files']:>6} "
                  f"{r['notes']:>6} {r['p50'] * 1000:>7.1f} {r['p99'] * 1000:>7.1f} "
                  f"{r['max'] * 1000:>7.0f}", flush=True)
            print(f"{'':<34} {r['outcome']}", flush=True)


if __name__ == "__main__":
    main()
