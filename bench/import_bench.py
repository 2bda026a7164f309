"""`casedesk import mbox` against the stdlib parse floor over the same file, same run.

    .venv/bin/python bench/import_bench.py [--mails 100000]

Writes an mbox of realistic mail (bench/mail_bench.py's: plain, HTML, a PDF attached,
Swedish and English, one in four answering the mail before it), then times:
- the floor: the stdlib reading the same file (`mailbox.mbox`) and parsing each mail
  with `email.message_from_bytes(policy=default)` and its text, as the mail bench's
  baseline does — what any import must at least do;
- `casedesk import mbox` as a whole process (start-up included) into a new SQLite
  database, its rate as a ratio to the floor's (the import parses on every core, the
  floor on one), and its peak memory: the largest process's, and the import's and its
  parsing workers' together (their proportional set sizes, sampled every 0.1 s).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import mailbox
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "mail"), str(ROOT / "bench")]

from mail_bench import realistic  # noqa: E402
from old_mail import mbox_bytes  # noqa: E402

import store.identity  # noqa: E402
from store.db import Database  # noqa: E402
from store.service import CaseService, bootstrap  # noqa: E402


def write_mbox(path: Path, n: int) -> None:
    with path.open("wb") as file:
        for start in range(0, n, 1000):
            file.write(mbox_bytes([realistic(i) for i in range(start, min(n, start + 1000))]))


def floor(path: Path) -> float:
    start = time.perf_counter()
    for msg in mailbox.mbox(path, create=False):
        parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        if body is not None:
            body.get_content()
    return time.perf_counter() - start


def new_database(directory: Path) -> Path:
    path = directory / "bench.db"
    db = Database(path)
    db.upgrade()
    login = store.identity.os_login()
    bootstrap(db, login)
    CaseService(db, login).add_channel("Support", kind="email", address="support@example.com")
    db.dispose()
    return path


def import_process(db: Path, mbox: Path, directory: Path) -> tuple[float, int, int, str]:
    """(seconds, the largest process's peak resident set, the peak of the resident
    sets of the import and its parsing workers together (proportional, sampled), its summary)."""
    config = directory / "config.toml"
    config.write_text(f'[store]\nurl = "{db}"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config)}
    start = time.perf_counter()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "casedesk"), "import", "mbox",
                             str(mbox), "--channel", "Support"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    together = 0
    while proc.poll() is None:
        together = max(together, tree_rss(proc.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"import failed: {err}")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return elapsed, largest, together, out.strip()


def tree_rss(pid: int) -> int:
    """The memory of a process and its descendants now: their proportional set sizes
    (a page a forked worker still shares with the import counts once, not twice)."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # ended meanwhile
        return total
    return total + sum(tree_rss(int(child)) for child in children)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mails", type=int, default=100_000)
    args = parser.parse_args()
    n = args.mails
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        mbox = directory / "support.mbox"
        write_mbox(mbox, n)
        size = mbox.stat().st_size
        print(f"{n} mails, an mbox of {size / 1e6:.0f} MB")
        base = floor(mbox)
        seconds, largest, together, summary = import_process(new_database(directory), mbox,
                                                             directory)
        print("  " + summary.replace("\n", "\n  "))
        print(f"  {'':44} {'mails/s':>9} {'vs floor':>9}")
        for name, took in [("stdlib mailbox.mbox + parse + text (floor)", base),
                           ("casedesk import mbox, whole process", seconds)]:
            print(f"  {name:44} {n / took:9.0f} {base / took:9.2f}")
        print(f"  peak memory: {largest / 1e6:.0f} MB the largest process, "
              f"{together / 1e6:.0f} MB the import and its parsing workers together")


if __name__ == "__main__":
    main()
