"""The TUI's memory over a day of work: paging a million cases, and an hour of changes.

    .venv/bin/python bench/memory_bench.py --db /tmp/bench/1m.db \
        [--soak-db demo.db --soak-minutes 60] [--no-paging]

The real `casedesk --db DB` (CASEDESK_LOGIN=anna, a supervisor; an empty config, so on
this personal database the TUI also does the background work) in a 160x45
pseudo-terminal, and beside it, in the same run, the floor: a bare Textual app with a
50-row table (bench/tui_bench.py --floor), driven by the same keys. Memory is the
process's resident set (VmRSS in /proc/PID/status), in MB.

- paging: after start-up; after PageDown through the whole default view (to its last
  case, on screen) and Home back to the first; after ten End/Home jumps.
- soak (`--soak-db`, a copy of it is used): a writer process makes one change every
  second — a note, a status change, a new case, in turn — while the TUI shows the
  list; RSS every minute, compared with its value after five minutes. The floor
  redraws its table (`r`) every second meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from ptyrun import ESCAPES, PtyRun  # noqa: E402

COLUMNS, LINES = 160, 45
PAGE = LINES - 4  # the rows PageDown moves: the table less its heading and borders
QUIET = 0.3
DEADLINE = 60.0
PGDN, END, HOME = "\x1b[6~", "\x1b[F", "\x1b[H"
STEP_QUIET = 0.05  # s of quiet after each PageDown: every page is drawn (and its rows
# asked for) before the next key, as when an agent reads their way down

WRITER = """
import itertools, random, sys, time
from store.db import Database
from store.inputs import ContactInput
from store.queries import CaseFilter
from store.service import CaseService
db = Database(sys.argv[1])
anna = CaseService(db, "anna")
numbers = [r.number for r in anna.list_cases(CaseFilter(limit=500))]
pick = random.Random(7)
for turn in itertools.count():
    number = pick.choice(numbers)
    try:
        if turn % 3 == 0:
            anna.note(number, f"Notering {turn}: kunden ringde igen.")
        elif turn % 3 == 1:
            status = anna.get_case(number).status
            anna.set_status(number, "open" if status in ("waiting", "solved") else "waiting")
        else:
            numbers.append(anna.create_case(
                channel="Support", title=f"Ny fråga {turn}",
                contact=ContactInput(name=f"Kund {turn}", email=f"kund{turn}@example.se")))
    except Exception as exc:  # a case another rule refuses: the next one
        print("skipped:", exc, flush=True)
    print(turn, flush=True)
    time.sleep(float(sys.argv[2]))
"""


class Terminal(PtyRun):
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        super().__init__(argv, env=env, cwd=ROOT, columns=COLUMNS, lines=LINES)

    def wait(self, markers: tuple[str, ...] = (), since: int | None = None,
             what: str = "", quiet: float = QUIET) -> None:
        """Until the output since chunk `since` holds every marker, then goes quiet."""
        with self.lock:
            mark = len(self.chunks) if since is None else since
        wanted = [m.encode() for m in markers]
        end = time.monotonic() + DEADLINE
        seen = not wanted
        while time.monotonic() < end:
            with self.lock:
                chunks = self.chunks[mark:]
            if not seen:
                text = ESCAPES.sub(b"", b"".join(data for _, data in chunks))
                seen = all(w in text for w in wanted)
            last = chunks[-1][0] if chunks else 0.0
            if seen and chunks and time.monotonic() - last >= quiet:
                return
            if seen and not chunks and time.monotonic() - end + DEADLINE >= quiet * 20:
                return  # the key changed nothing on screen (the end of the list)
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise SystemExit(f"{what or markers}: not seen; its last output:\n"
                         f"{ESCAPES.sub(b' ', self.output()).decode('utf-8', 'replace')[-1500:]}")

    def keys(self, keys: str, markers: tuple[str, ...] = (), what: str = "",
             quiet: float = QUIET) -> None:
        _, mark = self.send(keys)
        self.wait(markers, mark, what, quiet)

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]

    def close(self) -> None:
        self.send("q")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=DEADLINE)
        super().close()


def expectations(db_path: str) -> dict[str, int]:
    from store.db import Database
    from store.queries import CaseFilter
    from store.service import CaseService

    db = Database(f"sqlite:///file:{Path(db_path).absolute()}?mode=ro&uri=true")
    service = CaseService(db, "anna")
    e = {"top": service.list_cases(CaseFilter(limit=1))[0].number,
         "last": service.list_cases(CaseFilter(limit=1), from_end=True)[-1].number,
         "shown": service.count_cases(CaseFilter())}
    db.dispose()
    return e


def paging(casedesk: Terminal, floor: Terminal, e: dict[str, int]) -> list[tuple[str, float,
                                                                                  float]]:
    """(step, casedesk RSS, floor RSS) after each step."""
    seen = [("started", casedesk.rss_mb(), floor.rss_mb())]
    last = f"#{e['last']} ".encode()
    pages = 0
    while pages < 2 * e["shown"] / PAGE:  # until the last case is on screen
        _, mark = casedesk.send(PGDN)
        casedesk.wait((), mark, f"PageDown {pages}", STEP_QUIET)
        floor.keys(PGDN, what=f"floor PageDown {pages}", quiet=STEP_QUIET)
        pages += 1
        with casedesk.lock:
            drawn = b"".join(data for _, data in casedesk.chunks[mark:])
        if last in ESCAPES.sub(b"", drawn):
            break
    else:
        raise SystemExit(f"the last case never showed after {pages:,} PageDowns")
    seen.append((f"PageDown ×{pages:,} to the end", casedesk.rss_mb(), floor.rss_mb()))
    casedesk.keys(HOME, (f"#{e['top']} ",), "Home")
    floor.keys(HOME)
    seen.append(("Home", casedesk.rss_mb(), floor.rss_mb()))
    for _ in range(10):
        casedesk.keys(END, (f"#{e['last']} ",), "End")
        casedesk.keys(HOME, (f"#{e['top']} ",), "Home")
        floor.keys(END)
        floor.keys(HOME)
    seen.append(("End/Home ×10", casedesk.rss_mb(), floor.rss_mb()))
    return seen


def soak(casedesk: Terminal, floor: Terminal, db: Path, minutes: float,
         every: float) -> list[tuple[str, float, float]]:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(every)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    seen = [("0 min", casedesk.rss_mb(), floor.rss_mb())]
    try:
        start = time.monotonic()
        minute = 1
        while minute <= minutes:
            time.sleep(max(0.0, start + minute * 60 - time.monotonic()))
            if writer.poll() is not None:
                raise SystemExit("the writer stopped")
            seen.append((f"{minute} min", casedesk.rss_mb(), floor.rss_mb()))
            print(*seen[-1], flush=True)
            floor.send("r")
            minute += 1
    finally:
        writer.terminate()
        out, _ = writer.communicate(timeout=30)
    changes = sum(1 for line in out.splitlines() if line.isdigit())
    skipped = sum(1 for line in out.splitlines() if line.startswith("skipped"))
    seen.append((f"{changes:,} changes ({skipped} refused)", math.nan, math.nan))
    return seen


def report(title: str, seen: list[tuple[str, float, float]], base: int) -> None:
    print(f"\n{title}: RSS in MB (change against '{seen[base][0]}')")
    print(f"{'':34}{'casedesk':>10}{'change':>8}{'floor':>9}{'change':>8}")
    for name, ours, theirs in seen:
        if math.isnan(ours):
            print(name)
            continue
        print(f"{name:<34}{ours:>10.1f}{ours - seen[base][1]:>+8.1f}{theirs:>9.1f}"
              f"{theirs - seen[base][2]:>+8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="the 1,000,000-case demo (`casedesk demo --cases "
                        "1000000 --no-tui`), for paging")
    parser.add_argument("--no-paging", action="store_true")
    parser.add_argument("--soak-db", help="a demo database for the soak (a copy is used)")
    parser.add_argument("--soak-minutes", type=float, default=60)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between changes")
    args = parser.parse_args()
    # Stopped from outside (a `timeout`): the terminals' programs go too, not left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "config.toml"
        config.write_text("", encoding="utf-8")
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   COLUMNS=str(COLUMNS), LINES=str(LINES), CASEDESK_CONFIG=str(config),
                   CASEDESK_LOGIN="anna", XDG_DATA_HOME=home)
        floor_argv = [sys.executable, str(ROOT / "bench" / "tui_bench.py"), "--floor"]

        def start(db: str) -> tuple[Terminal, Terminal, dict[str, int]]:
            # The jobs due now done first, so that the TUI's own background work does
            # not move the cases expected on screen.
            subprocess.run([str(Path(sys.executable).with_name("casedesk")), "--db", db,
                            "tick"], env=env, check=True, stdout=subprocess.DEVNULL)
            e = expectations(db)
            casedesk = Terminal([str(Path(sys.executable).with_name("casedesk")), "--db", db],
                                env)
            casedesk.wait((f"#{e['top']} ",), 0, "the first rows")
            floor = Terminal(floor_argv, env)
            floor.wait(("F0-0000",), 0, "the floor's rows")
            time.sleep(11)  # a start-up notification's 10 s, then its redraw
            casedesk.wait()
            return casedesk, floor, e

        if args.db and not args.no_paging:
            casedesk, floor, e = start(args.db)
            try:
                seen = paging(casedesk, floor, e)
            finally:
                casedesk.close()
                floor.close()
            report(f"paging {args.db}: {e['shown']:,} cases in the default view, "
                   f"{COLUMNS}x{LINES}", seen, 0)
        if args.soak_db:
            copy = Path(home) / "soak.db"
            shutil.copyfile(args.soak_db, copy)
            casedesk, floor, _ = start(str(copy))
            try:
                seen = soak(casedesk, floor, copy, args.soak_minutes, args.every)
            finally:
                casedesk.close()
                floor.close()
            report(f"soak: {args.soak_minutes:g} min, a change every {args.every:g} s",
                   seen, min(5, len(seen) - 2))


if __name__ == "__main__":
    main()
