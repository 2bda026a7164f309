"""The TUI on a million cases, as a terminal sees it: start-up, keys, memory.

    .venv/bin/python bench/tui_bench.py --db /tmp/bench/1m.db [--repeat N]

Each run launches the real `casedesk --db DB` (as CASEDESK_LOGIN=anna, a supervisor;
an empty config, or with --no-background one that turns the background scheduler off)
in a 160x40 pseudo-terminal (TERM=xterm-256color, LANG=C.UTF-8) and reads every byte
it writes, time-stamped. Beside it, in the same run, the floor: a
minimal Textual app (this file with --floor: a DataTable of 50 static rows) started the
same way. Printed: median and worst over the runs, in ms, and casedesk / floor.

- start-up: from launching the process to the first bytes of the expected top row
  (`#N ` of the newest updated active case, asked of the store, read-only).
- a key: from writing the key to the last byte of the burst it causes (and, "on
  screen", to the moment its marker arrived), once the bytes
  written since the key hold the expected marker (a case number or group heading that
  was not on screen before, computed from the store; none depends on the TUI's
  language) and 0.3 s have passed with no output. For the choice lists (`g` group,
  `o` sort) and the filter and search boxes: from the Enter that picks the option.
  PageDown and End are set against the same key on the floor; every step that loads
  a new list against the floor replacing its 50 rows (`r`). Among the steps: a search
  for a customer's surname, and going to a case by its number (`#`, the number,
  Enter) until its facts are on screen.
- the store beneath: fetching that case whole and that search, through the store and
  as raw SQL on the same file.
- peak memory: VmHWM of the process (/proc/PID/status) after the whole session.

The machine is shared: read the medians. A notification shown at start-up (a toast)
is waited out (about 10 s) before the keys are timed, so that its disappearing does
not redraw the screen in the middle of a step.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from ptyrun import ESCAPES, PtyRun  # noqa: E402

COLUMNS, LINES = 160, 40
QUIET = 0.3  # s of no output that ends a burst
DEADLINE = 30.0  # s for anything awaited
TOAST = "▌".encode()  # the left edge of a Textual notification
PGDN, END, HOME, DOWN, ENTER = "\x1b[6~", "\x1b[F", "\x1b[H", "\x1b[B", "\r"
UP = "\x1b[A"
BACKTAB = "\x1b[Z"  # shift+tab


# -- the floor: a minimal Textual app --------------------------------------------------


def run_floor() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Table(DataTable[str]):
        # Home and End to the first and last row, as in the case list (DataTable's own
        # are ctrl+home and ctrl+end; its home and end scroll sideways).
        BINDINGS = [("home", "scroll_top", "Top"), ("end", "scroll_bottom", "Bottom")]

    class Floor(App[None]):
        BINDINGS = [("r", "refill", "New rows"), ("q", "quit", "Quit")]
        fills = 0

        def compose(self) -> ComposeResult:
            yield Table(cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Nr", "Status", "Prio", "Kanal", "Tilldelad", "Uppdaterad",
                              "Titel", "Kontakt")
            self.action_refill()

        def action_refill(self) -> None:
            table, prefix = self.query_one(DataTable), f"F{self.fills}-"
            table.clear()
            table.add_rows([(f"{prefix}{i:04}", "Nytt", "Medel", "Support", "anna",
                             "26-11-23 16:51", f"Fråga om faktura {i}", "Eva Bergström")
                            for i in range(50)])
            self.fills += 1

    Floor().run()


# -- a program in a pseudo-terminal --------------------------------------------------------


class Terminal(PtyRun):
    """A command in a 160x40 pseudo-terminal; everything it wrote, time-stamped."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        super().__init__(argv, env=env, cwd=ROOT, columns=COLUMNS, lines=LINES)

    def wait(self, since: tuple[float, int], markers: tuple[str, ...] = (),
             what: str = "") -> tuple[float, float]:
        """Until the output since `since` holds every marker and then goes quiet:
        (when the last marker arrived, when the last byte arrived). With no markers:
        until quiet."""
        start, mark = since
        wanted = [m.encode() for m in markers]
        seen_at = None if wanted else start
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            with self.lock:
                chunks = self.chunks[mark:]
            if seen_at is None:
                buffer = b""
                for when, data in chunks:
                    buffer += data
                    text = ESCAPES.sub(b"", buffer)  # a line may come in pieces
                    if all(w in text for w in wanted):
                        seen_at = when
                        break
            last = chunks[-1][0] if chunks else start
            if seen_at is not None and time.monotonic() - max(last, start) >= QUIET:
                return seen_at, last
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        code = self.proc.poll()
        why = f"it exited ({code})" if code is not None else f"not within {DEADLINE:.0f} s"
        raise SystemExit(f"{what or markers}: not seen, {why}; its last output:\n"
                         f"{self.visible()[-1500:]}")

    def visible(self) -> str:
        return ESCAPES.sub(b" ", self.output()).decode("utf-8", "replace")

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]

    def close(self) -> None:
        self.send("q")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=DEADLINE)
        super().close()  # kills it if it did not quit


# -- what to expect on screen, from the store ------------------------------------------


def expectations(db_path: str) -> dict[str, object]:
    from store.db import Database
    from store.queries import CaseFilter
    from store.service import CaseService

    db = Database(f"sqlite:///file:{Path(db_path).absolute()}?mode=ro&uri=true")
    service = CaseService(db, "anna")
    flat = [r.number for r in service.list_cases(CaseFilter(limit=100))]
    found = [r.number for r in service.list_cases(CaseFilter(search="faktura", limit=LINES))]
    by_contact = service.group_counts(CaseFilter(), "contact", limit=1)[0]
    by_status = service.group_counts(CaseFilter(), "status")[0]  # few: all
    page = LINES - 4  # the table: 40 lines less header and footer, less 2 (CaseTable)
    e: dict[str, object] = {
        "total": service.count_cases(CaseFilter(include_ended=True)),
        "shown": service.count_cases(CaseFilter()),
        "top": flat[0], "page1": flat[page], "page2": flat[2 * page],
        "last": service.list_cases(CaseFilter(limit=1), from_end=True)[-1].number,
        # (the first waiting case not on the screen already)
        "waiting": next(r.number for r in service.list_cases(
            CaseFilter(statuses=("waiting",), limit=LINES + 1)) if r.number not in flat[:LINES]),
        "contact": f"▸ {by_contact.label} ({by_contact.count})",
        "status": f"({by_status.count})",  # beside "▾ Nytt" (or "▾ New": LANG decides)
        "title": service.list_cases(CaseFilter(sort="title", ascending=True,
                                               limit=1))[0].number,
        # The first hit not on the screen before the search (the newest cases).
        "found": next(n for n in found if n not in flat[:LINES]),
    }
    # Go to a case by number: one far down the list, its facts' heading the marker.
    far = service.get_case(int(str(e["last"])))
    e["goto"], e["goto_head"] = far.number, f"#{far.number}  {far.title[:12]}"
    # A customer found by name: the surname of a contact of a case far down the list.
    e["name"] = far.contact.name.split()[-1].lower()
    named = [r.number for r in service.list_cases(CaseFilter(search=str(e["name"]),
                                                             limit=LINES))]
    e["named"] = next(n for n in named if n not in flat[:LINES])
    # A marker must not be on the screen before its key (the newest cases are).
    assert not {e["last"], e["waiting"], e["title"]} & set(flat[:LINES]), e
    return e


def case_steps(e: dict[str, object]) -> list[tuple[str, list[str], str, tuple[str, ...]]]:
    """(name, keys sent before — each awaited, the timed key, markers it must show)."""
    def n(key: str) -> str:
        return f"#{e[key]} "

    return [
        ("PageDown (cursor to the bottom)", [], PGDN, (n("page1"),)),
        ("PageDown (a page further)", [], PGDN, (n("page2"),)),
        ("End", [], END, (n("last"),)),
        # The filter: tick Väntar (the fifth status box; the first has the focus),
        # then back round to "Visa".
        ("filter: status Väntar", ["f", "\t" * 4, " ", BACKTAB * 6], ENTER,
         (n("waiting"),)),
        ("clear filters (x)", [], "x", (n("top"),)),
        ("group by Kontakt", ["g", DOWN * 4], ENTER, (str(e["contact"]),)),
        # A choice opens on the present one: up to "Ingen gruppering" / "Uppdaterad".
        ("no grouping", ["g", UP * 4], ENTER, (n("top"),)),
        ("group by Status", ["g", DOWN * 2], ENTER, ("▾", str(e["status"]))),
        ("sort by Titel", ["g", UP * 2, ENTER, "o", DOWN * 2], ENTER, (n("title"),)),
        ("search “faktura”", ["o", UP * 2, ENTER, "/", "faktura"], ENTER,
         (n("found"), "“faktura”")),
        ("search a customer's surname", ["\x1b", "/", str(e["name"])], ENTER,
         (n("named"),)),
        ("go to # (the case on screen)", ["\x1b", "#", str(e["goto"])], ENTER,
         (str(e["goto_head"]),)),
    ]


def store_times(db_path: str, e: dict[str, object], repeat: int) -> list[tuple[str, float,
                                                                              float]]:
    """The same two look-ups through the store and as raw SQL, in ms (median)."""
    import sqlite3

    from store.db import Database
    from store.queries import CaseFilter
    from store.search import fts_query
    from store.service import CaseService

    service = CaseService(Database(f"sqlite:///file:{Path(db_path).absolute()}?mode=ro"
                                   "&uri=true"), "anna")
    raw = sqlite3.connect(f"file:{Path(db_path).absolute()}?mode=ro", uri=True)

    def ms(work: object) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            work()  # type: ignore[operator]
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    number, name = int(str(e["goto"])), str(e["name"])
    return [
        ("a case by number, whole", ms(lambda: service.get_case(number)), ms(lambda: (
            raw.execute("SELECT * FROM cases WHERE id = ?", (number,)).fetchall(),
            raw.execute("SELECT * FROM message WHERE case_id = ? ORDER BY created_at, id",
                        (number,)).fetchall()))),
        (f"search “{name}” (40 hits)", ms(lambda: service.list_cases(
            CaseFilter(search=name, limit=LINES))), ms(lambda: raw.execute(
                "SELECT rowid FROM case_fts WHERE case_fts MATCH ? ORDER BY rowid DESC "
                "LIMIT ?", (fts_query(name), LINES)).fetchall())),
    ]


FLOOR_STEPS: list[tuple[str, list[str], str, tuple[str, ...]]] = [
    ("PageDown", [], PGDN, ("F0-0049",)),  # scrolls a page: the last rows show
    ("End", [HOME], END, ("F0-0049",)),
    ("new list", [], "r", ("F1-0000",)),
]
FLOOR_OF = {"PageDown": "PageDown", "End": "End"}  # the rest: the floor's "new list"


ON_SCREEN = "on screen: "  # (a step's time to its marker, kept beside its last byte)


def session(argv: list[str], env: dict[str, str], first: str,
            steps: list[tuple[str, list[str], str, tuple[str, ...]]],
            times: dict[str, list[float]]) -> None:
    """One launch: start-up, the steps, peak memory; the times in ms into `times`."""
    term = Terminal(argv, env)
    try:
        seen, _ = term.wait((term.launched, 0), (first,), "the first rows")
        times.setdefault("start-up to first rows", []).append((seen - term.launched) * 1000)
        if TOAST in term.output():
            time.sleep(max(0.0, seen + 10.5 - time.monotonic()))  # its 10 s timeout
            term.wait((time.monotonic(), 0))
        for name, before, key, markers in steps:
            for keys in before:
                term.wait(term.send(keys), what=f"{name}: {keys!r}")
            sent = term.send(key)
            shown, last = term.wait(sent, markers, name)
            times.setdefault(name, []).append((last - sent[0]) * 1000)
            times.setdefault(ON_SCREEN + name, []).append((shown - sent[0]) * 1000)
        times.setdefault("peak RSS (VmHWM), MB", []).append(term.peak_rss_mb())
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a database built by `casedesk demo "
                        "--cases 1000000 --no-tui`, at the schema this casedesk needs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-background", action="store_true", help="the TUI without its "
                        "background scheduler ([scheduler] in_tui = false): the screen alone")
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        run_floor()
        return
    if not args.db:
        parser.error("--db is required")
    e = expectations(args.db)
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "config.toml"
        config.write_text("[scheduler]\nin_tui = false\n" if args.no_background else "",
                          encoding="utf-8")
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   COLUMNS=str(COLUMNS), LINES=str(LINES), CASEDESK_CONFIG=str(config),
                   CASEDESK_LOGIN="anna")
        casedesk = [str(Path(sys.executable).with_name("casedesk")), "--db", args.db]
        floor = [sys.executable, str(Path(__file__).resolve()), "--floor"]
        ours: dict[str, list[float]] = {}
        base: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            session(casedesk, env, f"#{e['top']} ", case_steps(e), ours)
            session(floor, env, "F0-0000", FLOOR_STEPS, base)
    print(f"casedesk on {args.db}: {e['total']:,} cases, {e['shown']:,} in the default view; "
          f"{COLUMNS}x{LINES} pty; {args.repeat} runs; ms (memory: MB)")
    print(f"{'':34}{'casedesk':>10}{'worst':>8}{'floor':>9}{'worst':>8}{'ratio':>7}  floor step"
          f"{'on screen':>12}{'floor':>7}{'ratio':>7}")
    for name, values in ours.items():
        if name.startswith(ON_SCREEN):
            continue
        if name.startswith(("start-up", "peak")):
            floor_name = name
        else:
            floor_name = next((v for k, v in FLOOR_OF.items() if name.startswith(k)),
                              "new list")
        fl = base[floor_name]
        median, floor_median = statistics.median(values), statistics.median(fl)
        step = f"{'' if floor_name == name else floor_name}"
        shown = ours.get(ON_SCREEN + name)
        if shown:  # the hits (or the step's marker) on screen, before the burst ends
            on, floor_on = statistics.median(shown), statistics.median(
                base[ON_SCREEN + floor_name])
            step = f"{step:<11}{on:>12.0f}{floor_on:>7.0f}{on / floor_on:>7.1f}"
        print(f"{name:<34}{median:>10.0f}{max(values):>8.0f}{floor_median:>9.0f}"
              f"{max(fl):>8.0f}{median / floor_median:>7.1f}  {step}")
    print(f"\n{'the store beneath, ms':34}{'store':>10}{'raw SQL':>9}{'ratio':>7}")
    for name, through, raw in store_times(args.db, e, max(args.repeat, 5)):
        print(f"{name:<34}{through:>10.1f}{raw:>9.1f}{through / raw:>7.1f}")


if __name__ == "__main__":
    main()
