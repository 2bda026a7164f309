"""`casedesk poll --once` killed with SIGKILL in the middle of 500 mails, then run
again: every mail is on a case exactly once, and the killed poller's lease does not
hold the second run up."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail

pytestmark = pytest.mark.sqlite_only

MAILS = 500


def poll_once(config: Path, password: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CASEDESK_CONFIG": str(config), "IMAP_PASSWORD": password}
    return subprocess.Popen([sys.executable, "-m", "cli", "poll", "--once"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def ingested(db: Path) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM inbound_mail").fetchone()[0]


def test_a_killed_poller_loses_and_doubles_nothing(team, dovecot: Dovecot, mailbox: Mailbox,
                                                   tmp_path: Path) -> None:
    client = dovecot.client(mailbox.user)
    for i in range(MAILS):
        client.append("INBOX", mail(sender=f"Kund {i} <kund{i}@example.se>",
                                    subject=f"Ärende {i}", text=f"Meddelande nummer {i}."))
    client.logout()
    db = team.db.path
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\nurl = "{db}"\n\n[[mailbox]]\nchannel = "Support"\nhost = "{mailbox.host}"\n'
        f'port = {mailbox.port}\nsecurity = "none"\nusername = "{mailbox.user}"\n'
        'password_env = "IMAP_PASSWORD"\n')
    first = poll_once(config, mailbox.password)
    deadline = time.monotonic() + 60
    while ingested(db) == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)  # after the first commit, before the last
    first.wait()
    done_before = ingested(db)
    assert 0 < done_before < MAILS, f"killed too late: {done_before} ingested"

    second = poll_once(config, mailbox.password)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()
    assert f"{MAILS - done_before} mails" in out.decode()

    with sqlite3.connect(db) as conn:
        uids = [u for (u,) in conn.execute("SELECT uid FROM inbound_mail ORDER BY uid")]
        texts = [t for (t,) in conn.execute(
            "SELECT text FROM message WHERE kind = 'customer' ORDER BY id")]
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert len(uids) == len(set(uids)) == MAILS
    assert sorted(texts) == sorted(f"Meddelande nummer {i}." for i in range(MAILS))
    assert cases == MAILS
    assert all("\\Seen" in m.flags for m in dovecot.messages(mailbox.user))


def test_poll_says_what_is_missing(team, mailbox: Mailbox, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{team.db.path}"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config)}
    done = subprocess.run([sys.executable, "-m", "cli", "poll"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "no [[mailbox]] in the config" in done.stderr
    config.write_text(
        f'[store]\nurl = "{team.db.path}"\n\n[[mailbox]]\nchannel = "Nope"\n'
        f'host = "{mailbox.host}"\nport = {mailbox.port}\nsecurity = "none"\n')
    done = subprocess.run([sys.executable, "-m", "cli", "poll"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "names the channel 'Nope', which does not exist" in done.stderr
    assert "Traceback" not in done.stderr
