"""Mail in and out against real servers, next to baselines measured in the same run.

    .venv/bin/python bench/mail_bench.py [--sizes 1000 10000] [--idle 10] [--send 1000]

Starts a throw-away Dovecot and an aiosmtpd (tests/mailservers.py), fills a mailbox
with realistic mails (plain, HTML, multipart with a PDF, Swedish and English, and
one in four a reply to the mail before it, quoting), and prints, for each size:
- imapclient fetching the mails alone (BODY.PEEK[] in batches of 100);
- that plus `email.message_from_bytes(policy=default)` and the text of each — the
  stdlib parser, the real floor of any ingest;
- `casedesk poll --once` as a whole process (start-up included) into a new SQLite
  database, and the poller's ingest alone in this process;
with each rate's ratio to the second baseline. Then the time from a mail's APPEND
to its case existing under IDLE (Dovecot notifies after ~0.5 s), and the outbox
send rate over one SMTP connection next to aiosmtplib sending the same mails raw.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "mail")]

from mailservers import Dovecot, Mailbox  # noqa: E402
from samples import mail  # noqa: E402
from smtpserver import SmtpServer  # noqa: E402

from mail.poller import Poller  # noqa: E402
from mail.sender import SENT_BATCH, Sender  # noqa: E402
from mail.settings import MailboxSettings, MailSettings, SmtpSettings  # noqa: E402
from store.db import Database  # noqa: E402
from store.service import CaseService, bootstrap  # noqa: E402

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 60  # ~15 kB
TEXTS = [
    ("Fakturan stämmer inte", "Hej!\n\nJag har fått en faktura på 1 249 kr men mitt abonnemang "
     "kostar 999 kr i månaden. Kan ni titta på det?\n\nMed vänliga hälsningar\nKarin"),
    ("Can't log in", "Hi,\n\nSince this morning the app says my password is wrong, although "
     "I reset it twice. Order number 55123.\n\nThanks,\nJames"),
    ("Leveransen är sen", "Hej, paketet skulle komma i tisdags men spårningen har stått "
     "still i fyra dagar. Vad händer?\n\n/Olle"),
]
QUOTE = ("\n\nDen 3 mars 2026 kl. 10:12 skrev Nordljus Support <support@example.com>:\n"
         "> Hej! Tack för ditt mejl. Vi har tittat på ärendet och återkommer inom kort.\n"
         "> Med vänlig hälsning, Anna\n")


def realistic(i: int) -> bytes:
    """Three new cases in four mails; the fourth answers the mail before it (its
    In-Reply-To), quoting our answer, as a customer's mail client does."""
    subject, text = TEXTS[i % len(TEXTS)]
    sender = f"Kund {i} <kund{i % 400}@example.se>"
    own_id = f"<bench.{i}@example.se>"
    kind = i % 4
    if kind == 0:
        return mail(sender=sender, subject=subject, text=text, message_id=own_id)
    if kind == 1:
        html = "<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")) + \
            "<table><tr><td>Order</td><td>55123</td></tr></table></body></html>"
        return mail(sender=sender, subject=subject, text=None, html=html, message_id=own_id)
    if kind == 2:
        return mail(sender=sender, subject=subject, text=text, message_id=own_id,
                    attachments=[("faktura.pdf", PDF, "application/pdf")])
    earlier = f"<bench.{i - 1}@example.se>"
    return mail(sender=sender, subject="SV: " + subject, text="Tack, det fungerar nu!" + QUOTE,
                message_id=own_id, headers={"In-Reply-To": earlier, "References": earlier})


def fill(dovecot: Dovecot, box: Mailbox, n: int) -> None:
    client = dovecot.client(box.user)
    for i in range(n):
        client.append("INBOX", realistic(i))
    client.logout()


def new_database(directory: Path) -> Path:
    path = directory / "bench.db"
    db = Database(path)
    db.upgrade()
    bootstrap(db, "bench")
    CaseService(db, "bench").add_channel("Support", kind="email", address="support@example.com")
    db.dispose()
    return path


def fetch_only(dovecot: Dovecot, box: Mailbox, parse: bool) -> float:
    client = dovecot.client(box.user)
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    start = time.perf_counter()
    for i in range(0, len(uids), 100):
        for data in client.fetch(uids[i:i + 100], ["BODY.PEEK[]"]).values():
            if parse:
                msg = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
                body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
                if body is not None:
                    body.get_content()
    elapsed = time.perf_counter() - start
    client.logout()
    return elapsed


def box_settings(box: Mailbox) -> MailboxSettings:
    return MailboxSettings(channel="Support", host=box.host, port=box.port, security="none",
                           username=box.user, password_env="BENCH_IMAP_PASSWORD")


def poll_process(db: Path, box: Mailbox, directory: Path) -> float:
    config = directory / "config.toml"
    config.write_text(f'[store]\nurl = "{db}"\n\n[[mailbox]]\nchannel = "Support"\n'
                      f'host = "{box.host}"\nport = {box.port}\nsecurity = "none"\n'
                      f'username = "{box.user}"\npassword_env = "BENCH_IMAP_PASSWORD"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config), "BENCH_IMAP_PASSWORD": box.password}
    start = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "casedesk"), "poll", "--once"], env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"poll --once failed: {done.stderr}")
    print(f"    {done.stdout.strip()}")
    return elapsed


def reset_seen(dovecot: Dovecot, box: Mailbox) -> None:
    client = dovecot.client(box.user)
    client.select_folder("INBOX")
    client.remove_flags(client.search(["ALL"]), [b"\\Seen"], silent=True)
    client.logout()


def ingest_rates(dovecot: Dovecot, n: int) -> None:
    box = dovecot.new_mailbox()
    os.environ["BENCH_IMAP_PASSWORD"] = box.password
    fill(dovecot, box, n)
    fetch = min(fetch_only(dovecot, box, parse=False) for _ in range(2))
    parse = min(fetch_only(dovecot, box, parse=True) for _ in range(2))
    with tempfile.TemporaryDirectory() as tmp:
        process = poll_process(new_database(Path(tmp)), box, Path(tmp))
    reset_seen(dovecot, box)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(new_database(Path(tmp)))
        start = time.perf_counter()
        Poller(db, box_settings(box), MailSettings()).poll_once()
        inproc = time.perf_counter() - start
        db.dispose()
    floor = n / parse
    print(f"\n{n} mails")
    print(f"  {'':42} {'mails/s':>9} {'vs parse':>9}")
    for name, seconds in [("imapclient fetch alone", fetch),
                          ("fetch + stdlib parse + text (baseline)", parse),
                          ("casedesk poll --once, whole process", process),
                          ("Poller.poll_once in process", inproc)]:
        print(f"  {name:42} {n / seconds:9.0f} {n / seconds / floor:9.2f}")


def idle_latency(dovecot: Dovecot, repeat: int) -> None:
    box = dovecot.new_mailbox()
    os.environ["BENCH_IMAP_PASSWORD"] = box.password
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(new_database(Path(tmp)))
        service = CaseService(db, "bench")
        poller = Poller(db, box_settings(box), MailSettings())
        stop = threading.Event()
        runner = threading.Thread(target=poller.run, args=(stop,), daemon=True)
        runner.start()
        time.sleep(1)  # connected and idling
        seen = []
        for i in range(repeat):
            before = service.count_cases()
            start = time.perf_counter()
            # 4 * i: always a new mail (every fourth one answers the one before: no new case)
            dovecot.append(box.user, "INBOX", realistic(4 * i))
            while service.count_cases() == before:
                time.sleep(0.002)
            seen.append(time.perf_counter() - start)
        stop.set()
        runner.join(timeout=5)
        db.dispose()
    print(f"\nIDLE: APPEND to case, {repeat} mails: median {statistics.median(seen) * 1000:.0f} "
          f"ms, worst {max(seen) * 1000:.0f} ms (Dovecot notifies after ~500 ms)")


def send_rate(n: int, rounds: int = 3) -> None:
    """The outbox's rate against aiosmtplib's, in `rounds` rounds one after the other
    (each: `n` replies queued, sent by the outbox, then the same mails raw), the
    median of each: this machine's speed drifts over a minute."""
    ours_times, raw_times, sent = [], [], 0
    with SmtpServer() as server, tempfile.TemporaryDirectory() as tmp:
        db = Database(new_database(Path(tmp)))
        agent = CaseService(db, "bench")
        from store.service import ContactInput, MessageInput

        for r in range(rounds):
            for i in range(n):
                number = agent.create_case(
                    channel="Support", title=f"Ärende {r}-{i}", contact=ContactInput(
                        name=f"Kund {i}", email=f"kund{i}@example.se"),
                    messages=[MessageInput("Hej")])
                agent.reply(number, "Tack för ditt mejl! Vi återkommer i dag.\n\n"
                            "Med vänlig hälsning")
            before = len(server.received)
            start = time.perf_counter()
            result = Sender(db, SmtpSettings(host=server.host, port=server.port,
                                             security="none")).send_once()
            ours_times.append((time.perf_counter() - start) / sum(result.outcomes.values()))
            sent += sum(result.outcomes.values())
            raw = [m.raw for m in server.received[before:]]
            raw_times.append(asyncio.run(_raw_send(server, raw)) / len(raw))
        db.dispose()
    ours, baseline = statistics.median(ours_times), statistics.median(raw_times)
    print(f"\nOutbox, {sent} replies over one connection in {rounds} rounds: {1 / ours:.0f}/s "
          f"(claims of 100, marked sent up to {SENT_BATCH} at a time); aiosmtplib alone "
          f"{1 / baseline:.0f}/s; ratio {baseline / ours:.2f} (rounds: "
          + ", ".join(f"{b / o:.2f}" for o, b in zip(ours_times, raw_times, strict=True)) + ")")


async def _raw_send(server: SmtpServer, raw: list[bytes]) -> float:
    import aiosmtplib

    client = aiosmtplib.SMTP(hostname=server.host, port=server.port)
    await client.connect()
    begin = time.perf_counter()
    for data in raw:
        await client.sendmail("support@example.com", ["kund@example.se"], data)
    elapsed = time.perf_counter() - begin
    await client.quit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--idle", type=int, default=10)
    parser.add_argument("--send", type=int, default=1000)
    args = parser.parse_args()
    with Dovecot() as dovecot:
        for n in args.sizes:
            ingest_rates(dovecot, n)
        if args.idle:
            idle_latency(dovecot, args.idle)
    if args.send:
        send_rate(args.send)


if __name__ == "__main__":
    main()
