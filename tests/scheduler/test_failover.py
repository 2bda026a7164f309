"""More than one host: two `casedesk daemon` processes, each a "host" of its own
(CASEDESK_HOST), on one PostgreSQL database and one real Dovecot mailbox. One polls,
the other stands by; the one that polls is killed with SIGKILL, and the other takes
over once its lease runs out. Every delivered mail becomes exactly one message: none
lost, none twice."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import sqlalchemy as sa
from children import die_with_parent  # tests/ is on sys.path
from mailservers import Dovecot, Mailbox

from store.db import Database

LEASE_SECONDS = 3  # [scheduler] lease_seconds: a take-over within seconds
WAVE = 10  # mails delivered at a time


def casedesk() -> list[str]:
    """The console script people run (beside this Python in the virtualenv)."""
    script = Path(sys.executable).parent / "casedesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


class Host:
    """`casedesk daemon` as a host of its own; what it says goes to a file (a pipe
    nobody reads would fill and stop it)."""

    def __init__(self, name: str, config: Path, password: str, folder: Path) -> None:
        self.name = name
        self.log = folder / f"{name}.log"
        self.killed = False
        env = {**os.environ, "CASEDESK_HOST": name, "IMAP_PASSWORD": password}
        env.pop("CASEDESK_CONFIG", None)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [*casedesk(), "--config", str(config), "daemon"], env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGKILL))

    def said(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.killed = True
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def deliver(dovecot: Dovecot, box: Mailbox, numbers: range) -> None:
    client = dovecot.client(box.user)
    try:
        for i in numbers:
            msg = EmailMessage()
            msg["From"] = f"Kund {i} <kund{i}@example.se>"
            msg["To"] = "support@example.com"
            msg["Subject"] = f"Ärende {i}"
            msg["Message-ID"] = make_msgid(domain="example.se")
            msg.set_content(f"Meddelande nummer {i}.")
            client.append("INBOX", msg.as_bytes())
    finally:
        client.logout()


def rows(db: Database, query: str) -> list:  # type: ignore[type-arg]
    with db.read() as session:
        return list(session.execute(sa.text(query)).scalars())


def wait_until(condition, what: str, hosts: dict[str, Host], seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        ended = [h.name for h in hosts.values() if not h.killed and h.process.poll() is not None]
        if ended or time.monotonic() > deadline:
            said = "\n".join(f"--- {h.name}:\n{h.said()[-3000:]}" for h in hosts.values())
            why = f"{', '.join(ended)} ended" if ended else "gave up"
            pytest.fail(f"{why} waiting for {what}\n{said}")
        time.sleep(0.1)


def test_when_the_polling_daemon_is_killed_the_other_takes_over(
        pg_team_url: str, dovecot: Dovecot, tmp_path: Path) -> None:
    box = dovecot.new_mailbox()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\nurl = "{pg_team_url}"\n\n[scheduler]\nlease_seconds = {LEASE_SECONDS}\n\n'
        f'[[mailbox]]\nchannel = "Support"\nhost = "{box.host}"\nport = {box.port}\n'
        f'security = "none"\nusername = "{box.user}"\npassword_env = "IMAP_PASSWORD"\n')
    db = Database(pg_team_url)
    hosts: dict[str, Host] = {}
    polls = "SELECT holder FROM lease WHERE name LIKE 'poll:%'"
    uids = "SELECT uid FROM inbound_mail"
    try:
        for name in ("host-a", "host-b"):
            hosts[name] = Host(name, config, box.password, tmp_path)
        deliver(dovecot, box, range(WAVE))
        wait_until(lambda: len(rows(db, uids)) == WAVE, "the first mails", hosts)
        (holder,) = rows(db, polls)
        active = holder.partition(":")[0]
        (standby,) = set(hosts) - {active}
        assert holder.startswith(f"{active}:{hosts[active].process.pid}:")
        wait_until(lambda: f"another daemon ({holder}) polls " in hosts[standby].said(),
                   "the other daemon to stand by", hosts)

        deliver(dovecot, box, range(WAVE, 2 * WAVE))  # on their way in as it dies
        hosts[active].kill()
        deliver(dovecot, box, range(2 * WAVE, 3 * WAVE))
        wait_until(lambda: len(rows(db, uids)) >= 3 * WAVE, "the other daemon's take-over",
                   hosts)
        wait_until(lambda: all("\\Seen" in m.flags for m in dovecot.messages(box.user)),
                   "every mail flagged on the server", hosts)

        assert hosts[standby].process.poll() is None, hosts[standby].said()
        (holder,) = rows(db, polls)
        assert holder.startswith(f"{standby}:{hosts[standby].process.pid}:")
        assert "took over polling" in hosts[standby].said()
        taken = rows(db, uids)
        assert len(taken) == len(set(taken)) == 3 * WAVE  # no mail twice
        texts = rows(db, "SELECT text FROM message WHERE kind = 'customer'")
        assert sorted(texts) == sorted(f"Meddelande nummer {i}." for i in range(3 * WAVE))
        assert rows(db, "SELECT count(*) FROM cases") == [3 * WAVE]

        # Stopped as systemd stops it: at once, cleanly, its lease let go.
        hosts[standby].process.send_signal(signal.SIGTERM)
        assert hosts[standby].process.wait(timeout=30) == 0, hosts[standby].said()
        assert rows(db, polls) == []
    finally:
        for host in hosts.values():
            with contextlib.suppress(Exception):
                host.stop()
        db.dispose()
