"""The TUI over SSH against the same TUI run locally, and many sessions at once.

    .venv/bin/python bench/ssh_bench.py [--cases 3000] [--repeat 10] [--sessions 20]

A demo database in a temporary folder, a real sshd on loopback (tests/sshserver.py; run
as the account the bench runs as, which owns the database) with an agent's key added
by `casedesk agent key add`, and the real `ssh -tt` in a 160x40 pseudo-terminal
(TERM=xterm-256color, LANG=C.UTF-8). Measured in the same run:

- a key to the screen: `?` until the keys panel's text is there and the output has been
  quiet for 0.3 s, then `?` again to hide it — casedesk started locally in the same
  pseudo-terminal, and over ssh: ms from the key to the marker (and to the last byte),
  ssh / local.
- sessions at once: `--sessions` TUIs over ssh (the same key), each casedesk process's
  memory on the server (PSS: its share of what the processes share; and RSS), against
  one alone; the same key in one of them while all are open; and a change made by
  another process (a case created through the store) until it is on every screen — the
  slowest screen — against one session alone.

The machine is shared: read the medians.
"""

from __future__ import annotations

import argparse
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

from sshserver import SshServer, make_key, running_sshd, session_pids  # noqa: E402
from tui_bench import COLUMNS, LINES, Terminal  # noqa: E402  (a pty, and waits on it)

from store.db import Database  # noqa: E402
from store.service import CaseService, ContactInput, MessageInput  # noqa: E402

MARKER = "Watch"  # in the keys panel only (the footer leaves `w` out)
AGENT = "anna"  # a supervisor of the demo


def key_times(term: Terminal, repeat: int) -> tuple[list[float], list[float]]:
    """`?` shown and hidden `repeat` times: ms to the marker, ms to the last byte."""
    to_marker, to_quiet = [], []
    for _ in range(repeat):
        sent = term.send("?")
        seen, last = term.wait(sent, (MARKER,))
        to_marker.append((seen - sent[0]) * 1000)
        to_quiet.append((last - sent[0]) * 1000)
        term.wait(term.send("?"))
    return to_marker, to_quiet


def started(term: Terminal, top: str) -> None:
    term.wait((term.launched, 0), (top,))
    time.sleep(0.5)
    term.wait((time.monotonic(), len(term.chunks)))


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) of process `pid`, MB."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = int(re.search(r"^Pss:\s+(\d+) kB", text, re.M)[1])  # type: ignore[index]
    rss = int(re.search(r"^Rss:\s+(\d+) kB", text, re.M)[1])  # type: ignore[index]
    return pss / 1024, rss / 1024


def change_seen(db: Database, terms: list[Terminal], n: int) -> float:
    """A case created by another process; ms until the slowest screen shows it."""
    title = f"Bench-{n}-{os.getpid()}"
    marks = [(t, len(t.chunks)) for t in terms]
    created = time.monotonic()
    CaseService(db, AGENT).create_case(channel="Support", title=title,
                                       contact=ContactInput(name="Bench", email="b@example.se"),
                                       messages=[MessageInput("bench")])
    slowest = 0.0
    for term, mark in marks:
        seen, _ = term.wait((created, mark), (title,))
        slowest = max(slowest, seen - created)
    return slowest * 1000


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"{statistics.median(values):8.0f}{p90:8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    casedesk = str(Path(sys.executable).with_name("casedesk"))
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        home = Path(folder)
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
        env.pop("CASEDESK_LOGIN", None)
        db_path = home / "team.db"
        with running_sshd(home / "sshd", environment={
                "XDG_DATA_HOME": str(home / "data"),
                "XDG_CONFIG_HOME": str(home / "config")}) as sshd:
            config = home / "config.toml"
            config.write_text(f'[store]\nurl = "{db_path}"\n\n[scheduler]\nin_tui = false\n\n'
                              f'[server]\nauthorized_keys = "{sshd.authorized_keys}"\n')
            subprocess.run([casedesk, "--config", str(config), "demo", "--no-tui",
                            "--db", str(db_path), "--cases", str(args.cases)], env=env,
                           check=True, capture_output=True)
            key = make_key(home / "id_agent", "bench")
            subprocess.run([casedesk, "--config", str(config), "agent", "key", "add", AGENT,
                            str(key)], env=env, check=True, capture_output=True)
            db = Database(db_path)
            top = f"#{CaseService(db, AGENT).list_cases()[0].number} "
            run(args, sshd, home / "id_agent", casedesk, config, env, db, top)


def run(args: argparse.Namespace, sshd: SshServer, key: Path, casedesk: str, config: Path,
        env: dict[str, str], db: Database, top: str) -> None:
    local_env = {**env, "CASEDESK_LOGIN": AGENT}
    over_ssh = sshd.ssh(key, tty=True)
    # One alone: locally, then over ssh.
    local = Terminal([casedesk, "--config", str(config)], local_env)
    try:
        started(local, top)
        local_marker, local_quiet = key_times(local, args.repeat)
    finally:
        local.close()
    alone = Terminal(over_ssh, env)
    try:
        started(alone, top)
        ssh_marker, ssh_quiet = key_times(alone, args.repeat)
        (pid,) = session_pids()
        one_pss, one_rss = memory_mb(pid)
        one_change = [change_seen(db, [alone], n) for n in range(args.repeat)]
    finally:
        alone.close()
    # Many at once.
    many: list[Terminal] = []
    try:
        for _ in range(args.sessions):  # one after another, as people log in
            many.append(Terminal(over_ssh, env))
            started(many[-1], top)
        pids = session_pids()
        assert len(pids) == args.sessions, pids
        memory = [memory_mb(pid) for pid in pids]
        many_marker, many_quiet = key_times(many[0], args.repeat)
        many_change = [change_seen(db, many, 100 + n) for n in range(args.repeat)]
    finally:
        for term in many:
            term.close()

    print(f"casedesk over ssh on loopback; a demo of {args.cases:,} cases; {COLUMNS}x{LINES} "
          f"pty; {args.repeat} rounds; {os.cpu_count()} cores; ms (median, p90)")
    print(f"{'':44}{'median':>8}{'p90':>8}")
    rows = [("key to marker, local", local_marker), ("key to marker, ssh", ssh_marker),
            ("key to last byte, local", local_quiet), ("key to last byte, ssh", ssh_quiet),
            (f"key to marker, ssh, {args.sessions} sessions open", many_marker),
            (f"key to last byte, ssh, {args.sessions} open", many_quiet),
            ("a change on screen, 1 session", one_change),
            (f"a change on every screen, {args.sessions} sessions", many_change)]
    for name, values in rows:
        print(f"{name:<44}{describe(values)}")
    median = statistics.median
    print(f"\nssh / local: key to marker {median(ssh_marker) / median(local_marker):.2f}, "
          f"to last byte {median(ssh_quiet) / median(local_quiet):.2f}")
    print(f"{args.sessions} open / 1 (ssh): key to marker "
          f"{median(many_marker) / median(ssh_marker):.2f}; a change on every screen "
          f"{median(many_change) / median(one_change):.2f}")
    pss = [m[0] for m in memory]
    rss = [m[1] for m in memory]
    print(f"memory per session, MB: one alone PSS {one_pss:.0f} RSS {one_rss:.0f}; "
          f"{args.sessions} at once PSS median {median(pss):.0f} (all {sum(pss):.0f}), "
          f"RSS median {median(rss):.0f}; PSS {args.sessions} / 1: "
          f"{median(pss) / one_pss:.2f}")


if __name__ == "__main__":
    main()
