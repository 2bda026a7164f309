"""`casedesk import` as a supervisor runs it: the summary, the refusals, a run killed
with SIGKILL and run again (exactly once), and the progress bar on a terminal. (An
IMAP folder through the config's mailbox: tests/mail/test_import.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from old_mail import US, days_ago, history, write_mbox, written
from ptyrun import ESCAPES, PtyRun
from test_ingest_errors import casedesk

import store.identity
from store.models import Case, InboundMail, Message

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEDESK_LOGIN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


@pytest.fixture
def config(team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """A config naming the team's database, whoever runs casedesk a supervisor in it."""
    return config_for(team, tmp_path, monkeypatch, supervisor=True)


def config_for(team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *,  # type: ignore[no-untyped-def]
               supervisor: bool) -> Path:
    team.as_("boss").add_agent(store.identity.os_login(), name="Runner", supervisor=supervisor)
    url = team.db.url.render_as_string(hide_password=False)
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "{url}"\n')
    monkeypatch.setenv("CASEDESK_CONFIG", str(path))
    return path


def count(team, what: sa.ColumnElement[bool] | None = None, table: type = Message) -> int:  # type: ignore[no-untyped-def]
    query = sa.select(sa.func.count()).select_from(table)
    with team.db.read() as session:
        return session.scalar(query.where(what) if what is not None else query) or 0


def test_an_import_says_what_it_did(team, config: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    old = history()
    inbox = write_mbox(tmp_path / "inbox.mbox", old.inbox)
    sent = write_mbox(tmp_path / "sent.mbox", old.sent)
    code, out, err = casedesk(capsys, "import", "mbox", str(inbox), "--sent", str(sent),
                              "--channel", "support")
    assert code == 0, err
    assert "10 mails read: 10 messages on cases (3 of them the team's replies)" in out
    assert "5 new cases, 5 mails joined a thread" in out
    assert "statuses: 5 closed" in out  # (March's mail, months ago)
    code, out, _ = casedesk(capsys, "import", "mbox", str(inbox), "--channel", "Support")
    assert code == 0
    assert "7 already stored (an earlier import, or the poller): skipped" in out
    assert count(team, None, Case) == 5


def test_a_dry_run_writes_nothing(team, config: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    inbox = write_mbox(tmp_path / "inbox.mbox", history().inbox)
    code, out, _ = casedesk(capsys, "import", "mbox", str(inbox), "--channel", "Support",
                            "--dry-run")
    assert code == 0
    assert "7 would be messages on cases" in out
    assert count(team, None, Case) == count(team, None, InboundMail) == 0


def test_no_rules_skips_triage(team, config: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    outage = written("Kim <kim@example.se>", US, "Allt ligger nere", "Sajten är nere, akut!",
                     days_ago(1), "<x1@example.se>")
    path = write_mbox(tmp_path / "a.mbox", [outage])
    code, _, err = casedesk(capsys, "import", "mbox", str(path), "--channel", "Support",
                            "--no-rules")
    assert code == 0, err
    with team.db.read() as session:
        found = session.execute(sa.select(Case.priority, Case.flags)).one()
    assert tuple(found) == ("medium", 0)


def test_mistakes_are_said(team, config: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    inbox = write_mbox(tmp_path / "inbox.mbox", history().inbox)
    code, _, err = casedesk(capsys, "import", "mbox", str(inbox), "--channel", "Chat")
    assert code == 1
    assert "no email channel 'Chat'" in err
    code, _, err = casedesk(capsys, "import", "mbox", str(tmp_path / "nowhere.mbox"),
                            "--channel", "Support")
    assert code == 2
    assert "does not exist" in err
    code, _, err = casedesk(capsys, "import", "mbox", str(inbox), "--channel", "Support",
                            "--before", "mars")
    assert code == 1
    assert "--before 'mars': a day as YYYY-MM-DD" in err
    assert count(team, None, Case) == 0


def test_only_a_supervisor_imports(team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    config_for(team, tmp_path, monkeypatch, supervisor=False)
    inbox = write_mbox(tmp_path / "inbox.mbox", history().inbox)
    code, _, err = casedesk(capsys, "import", "mbox", str(inbox), "--channel", "Support")
    assert code == 1
    assert "only a supervisor can import mail" in err
    assert count(team, None, Case) == 0


MAILS = 1500


def running(argument: str) -> list[int]:
    """The processes with `argument` on their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # ended meanwhile
            continue
    return found


def test_an_import_killed_anywhere_and_run_again_takes_each_mail_once(
        team, config: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mails = [written(f"Kund {i} <kund{i}@example.se>", US, f"Ärende {i}",
                     f"Meddelande nummer {i}.", days_ago(40 - i / 50), f"<m{i}@example.se>")
             for i in range(MAILS)]
    inbox = write_mbox(tmp_path / "big.mbox", mails)
    command = [sys.executable, "-m", "cli", "import", "mbox", str(inbox), "--channel", "Support"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while count(team, None, InboundMail) == 0 and first.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)  # after the first commit, before the last
    first.wait()
    done_before = count(team, None, InboundMail)
    assert 0 < done_before < MAILS, f"killed too late: {done_before} imported"
    # Its parsing workers (started once it had read a thousand mails) end with it.
    deadline = time.monotonic() + 10
    while running(str(inbox)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(str(inbox)) == []

    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{done_before} already stored" in second.stdout
    with team.db.read() as session:
        texts = list(session.scalars(sa.select(Message.text).where(Message.kind == "customer")))
        digests = list(session.scalars(sa.select(InboundMail.sha256)))
        statuses = set(session.scalars(sa.select(Case.status)))
    assert sorted(texts) == sorted(f"Meddelande nummer {i}." for i in range(MAILS))
    assert len(digests) == len(set(digests)) == MAILS
    assert count(team, None, Case) == MAILS
    # The killed run's cases were settled by the second: all of it is long over.
    assert statuses == {"closed"}


def test_a_terminal_sees_the_progress(team, config: Path, tmp_path: Path) -> None:
    inbox = write_mbox(tmp_path / "inbox.mbox", history().inbox)
    run = PtyRun([sys.executable, "-m", "cli", "import", "mbox", str(inbox), "--channel",
                  "Support"], cwd=ROOT, env={**os.environ, "TERM": "xterm-256color"},
                 columns=100, lines=30)
    try:
        run.proc.wait(timeout=60)
    finally:
        run.close()
    screen = ESCAPES.sub(b"", run.output()).decode()
    assert "7 mails" in screen  # the bar's count
    assert "/s" in screen  # its rate
    assert "7 mails read" in screen  # and the summary after it
