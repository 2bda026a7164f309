"""Privacy's costs, each against its floor in the same run (README, "Privacy").

    .venv/bin/python bench/privacy_bench.py [--db PATH] [--mails 3000] [--erase 1000]
                                            [--only ingest,mask,erase,backup]

- ingest: mail taken by `receive_mail` in batches of 100 (5 % carry a card number or a
  personnummer) with masking on, against masking off, fresh databases, alternating,
  three rounds each; ratio = time on / time off (aim ≤ 1.1).
- mask: `privacy mask` (the history masked in batches, every pass) over --db — a
  database built by `casedesk demo --cases 1000000 --no-tui` (built there if missing) —
  against a raw sqlite3 scan of the same columns; the mark is reset first, so it is the
  whole run.
- erase: `contact erase` of a contact with --erase cases (two messages each) among
  ten times as many others, its dry run beside it.
- backup: `casedesk backup` of --db while 8 writer processes write (a note each,
  in turn): their p99 write time during the backup against the same writers without
  one, in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.db import Database  # noqa: E402
from store.privacy import Privacy  # noqa: E402
from store.service import (  # noqa: E402
    CaseService,
    ContactInput,
    MailInput,
    MessageInput,
    bootstrap,
)

TEXT = ("Hej! Jag har fått en faktura som inte stämmer, beloppet är dubbelt mot förra "
        "månaden och jag har inte ändrat något i mitt abonnemang. Kan ni titta på det? "
        "Ordernummer 4452-1187. Tack på förhand, med vänliga hälsningar\n") * 3


def new_db(folder: Path, name: str, privacy: Privacy) -> Database:
    db = Database(folder / name, privacy=privacy)
    db.upgrade()
    bootstrap(db, "bench")
    CaseService(db, "bench").add_channel("Support", kind="email", address="support@example.com")
    return db


def mails(n: int) -> list[MailInput]:
    out = []
    for i in range(n):
        extra = (" Kortet 4111 1111 1111 1111." if i % 40 == 0 else
                 " Mitt personnummer 19800101-0001." if i % 40 == 20 else "")
        text = f"{TEXT}{extra} ({i})"
        raw = (f"From: k{i}@example.se\r\nSubject: Faktura {i}\r\nMessage-ID: <b{i}@x>\r\n"
               f"\r\n{text}\r\n").encode()
        out.append(MailInput(uid=i + 1, raw=raw, subject=f"Faktura {i}", sender_name=f"K {i}",
                             message=MessageInput(text, sender_address=f"k{i}@example.se",
                                                  mail_message_id=f"<b{i}@x>")))
    return out


def ingest(n: int) -> None:
    batch = mails(n)
    times: dict[str, list[float]] = {"on": [], "off": []}
    for round_ in range(3):
        for name in (("on", "off") if round_ % 2 == 0 else ("off", "on")):
            with tempfile.TemporaryDirectory() as folder:
                db = new_db(Path(folder), "b.db", Privacy() if name == "on" else Privacy(mask=()))
                system = CaseService.system(db)
                start = time.perf_counter()
                for i in range(0, n, 100):
                    system.receive_mail("INBOX", "Support", 1, batch[i:i + 100])
                times[name].append(time.perf_counter() - start)
                db.dispose()
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    print(f"ingest {n} mails: masking off {n / off:,.0f}/s, on {n / on:,.0f}/s; "
          f"ratio {on / off:.3f} (aim ≤ 1.1)")


def demo(path: Path) -> None:
    if not path.exists():
        print(f"building {path} (casedesk demo --cases 1000000)…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "cli", "demo", "--db", str(path), "--cases",
                        "1000000", "--no-tui"], check=True, cwd=ROOT)


def mask(path: Path) -> None:
    from store.identity import os_login
    from store.privacy.history import MASKED_THROUGH

    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM setting WHERE key = ?", (MASKED_THROUGH,))
    raw.commit()
    # The floor: every text the passes read, read raw (messages, titles, fields,
    # outgoing mail, audit values).
    start = time.perf_counter()
    count = sum(1 for _ in raw.execute("SELECT id, text, event_params FROM message"))
    for sql in ("SELECT id, title FROM cases", "SELECT case_id, value FROM case_field",
                "SELECT id, subject, body FROM outbox",
                "SELECT id, before, after FROM audit_event"):
        sum(1 for _ in raw.execute(sql))
    floor = time.perf_counter() - start
    raw.close()
    db = Database(path)
    service = CaseService(db, os_login())
    start = time.perf_counter()
    dry = service.mask_history(dry_run=True)
    dry_time = time.perf_counter() - start
    start = time.perf_counter()
    masked = batches = 0
    while True:
        run = service.mask_history()
        masked, batches = masked + run.messages, batches + 1
        if run.done:
            break
    took = time.perf_counter() - start
    db.dispose()
    print(f"privacy mask over {count:,} messages and every title, field, outgoing mail "
          f"and audit value: {took:.1f} s in {batches} batches ({masked} messages masked); "
          f"its dry run {dry_time:.1f} s ({dry.messages} would be); raw scan of the same "
          f"{floor:.2f} s; ratio {took / floor:.1f}")


def erase(cases: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = new_db(Path(folder), "e.db", Privacy())
        boss = CaseService(db, "bench")
        boss.add_channel("Chat", kind="chat")
        boss.set_membership("Chat", "bench", member=True)
        for i in range(cases * 11):
            who = "karin@example.se" if i % 11 == 0 else f"k{i}@example.se"
            boss.create_case(channel="Chat", contact=ContactInput(email=who), title=f"Fråga {i}",
                             messages=[MessageInput(TEXT), MessageInput("Tack!")])
        start = time.perf_counter()
        plan = boss.erase_contact("karin@example.se", dry_run=True)
        dry = time.perf_counter() - start
        start = time.perf_counter()
        done = boss.erase_contact("karin@example.se")
        took = time.perf_counter() - start
        db.dispose()
    assert len(plan.cases) == len(done.cases) == cases
    print(f"erase a contact with {cases} cases ({done.messages} messages) among "
          f"{cases * 10:,} others: {took * 1000:,.0f} ms; dry run {dry * 1000:,.0f} ms")


def writer(path: str, login: str, number: int, stop: float, go: float,
           out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    db = Database(path)
    service = CaseService(db, login)
    while time.time() < go:
        time.sleep(0.001)
    times = []
    while time.time() < stop:
        start = time.perf_counter()
        service.note(number, "En anteckning")
        times.append(time.perf_counter() - start)
        time.sleep(0.02)
    db.dispose()
    out.put(times)


def writers_phase(path: Path, numbers: list[int], seconds: float,
                  during: bool) -> tuple[list[float], float]:
    from store.backup import backup
    from store.identity import os_login

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    go = time.time() + 3
    procs = [ctx.Process(target=writer, args=(str(path), os_login(), n, go + seconds, go, out))
             for n in numbers]
    for p in procs:
        p.start()
    took = 0.0
    if during:
        while time.time() < go + 1:
            time.sleep(0.01)
        target = path.with_name("backup-bench.db")
        target.unlink(missing_ok=True)
        shutil.rmtree(path.with_name("backup-bench.db.files"), ignore_errors=True)
        start = time.perf_counter()
        backup(Database(path), target)
        took = time.perf_counter() - start
        target.unlink()
        shutil.rmtree(path.with_name("backup-bench.db.files"), ignore_errors=True)
    times = [t for _ in procs for t in out.get()]
    for p in procs:
        p.join()
    return times, took


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)] * 1000


def backup_while_writing(path: Path) -> None:
    from store.identity import os_login

    db = Database(path)
    service = CaseService(db, os_login())
    numbers = [r.number for r in service.list_cases(
        __import__("store.queries", fromlist=["CaseFilter"]).CaseFilter(limit=8))]
    db.dispose()
    size = os.path.getsize(path) / 1e9
    quiet, _ = writers_phase(path, numbers, 12, during=False)
    busy, took = writers_phase(path, numbers, max(12, 0), during=True)
    print(f"backup of {size:.1f} GB while 8 writers write: {took:.1f} s; writers' p99 "
          f"{p99(busy):.0f} ms during it vs {p99(quiet):.0f} ms without "
          f"({len(busy)} and {len(quiet)} writes); ratio {p99(busy) / p99(quiet):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(Path.home() / ".local/share/casedesk/demo-1m.db"))
    parser.add_argument("--mails", type=int, default=3000)
    parser.add_argument("--erase", type=int, default=1000)
    parser.add_argument("--only", default="ingest,mask,erase,backup")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "ingest" in only:
        ingest(args.mails)
    if "erase" in only:
        erase(args.erase)
    if only & {"mask", "backup"}:
        demo(Path(args.db))
    if "backup" in only:
        backup_while_writing(Path(args.db))
    if "mask" in only:
        mask(Path(args.db))


if __name__ == "__main__":
    main()
