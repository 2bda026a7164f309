"""The team server over real SSH: agents' keys added with `casedesk agent key add` log in
to a real sshd (tests/sshserver.py) with the real `ssh` client, as their agent and
nothing else (README, "A team server")."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from ptyrun import ESCAPES, PtyRun
from sshserver import session_pids

from server.keys import read_keys
from store.db import Database
from store.service import CaseService

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="sshd and a pty: Linux")

DEADLINE = 30.0  # seconds for each thing awaited
TITLES = {"Support": "Leveransen är sen", "Chat": "Chattfråga om kassan",
          "Telefon": "Samtal om fakturan"}


def wait_until(check: Callable[[], object], what: str, deadline: float = DEADLINE) -> None:
    until = time.monotonic() + deadline
    while not check():
        assert time.monotonic() < until, f"waited {deadline:.0f} s for {what}"
        time.sleep(0.05)


def visible(raw: bytes) -> str:
    return ESCAPES.sub(b"", raw).decode("utf-8", errors="replace")


def since(run: PtyRun, mark: int) -> str:
    """What `run` showed after its `mark`th chunk."""
    with run.lock:
        return visible(b"".join(data for _, data in run.chunks[mark:]))


@pytest.fixture
def cases(team) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A case in each channel; the Support one (anna's and bo's) the newest."""
    made = {}
    for channel, login in [("Telefon", "bo"), ("Chat", "anna"), ("Support", "anna")]:
        team.clock.advance(minutes=1)
        made[channel] = team.new_case(channel=channel, login=login, title=TITLES[channel])
    return made


@pytest.fixture
def keyed(ssh_account, client_keys: dict[str, Path]):  # type: ignore[no-untyped-def]
    """anna's, bo's and boss's keys in the account's authorized_keys."""
    for login in ("anna", "bo", "boss"):
        added = ssh_account.run("agent", "key", "add", login, f"{client_keys[login]}.pub")
        assert added.code == 0, added.err
    return ssh_account


def ssh(sshd, key: Path, *args: str, options: tuple[str, ...] = (),  # type: ignore[no-untyped-def]
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(sshd.ssh(key, *args, options=options), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})}, check=False)


def titles(out: str) -> set[str]:
    return {row["title"] for row in json.loads(out)}


def test_a_key_works_as_its_agent(engine: str, team, cases, keyed, sshd,  # type: ignore[no-untyped-def]
                                  client_keys: dict[str, Path]) -> None:
    """`ssh team@host cases --json` is that agent's list: their channels only (on
    PostgreSQL the account acts as them because a supervisor trusts it)."""
    anna = ssh(sshd, client_keys["anna"], "cases", "--json")
    assert anna.returncode == 0, anna.stderr + sshd.log[-2000:]
    assert titles(anna.stdout) == {TITLES["Support"], TITLES["Chat"]}
    bo = ssh(sshd, client_keys["bo"], "casedesk", "cases", "--json")  # `casedesk` or not
    assert titles(bo.stdout) == {TITLES["Support"], TITLES["Telefon"]}
    # What the client's environment says of the login changes nothing (sshd passes on
    # LANG and LC_* only; ssh-session would refuse it from an agent's key anyway).
    sent = ssh(sshd, client_keys["anna"], "cases", "--json",
               options=("-o", "SendEnv=CASEDESK_LOGIN"), env={"CASEDESK_LOGIN": "bo"})
    assert titles(sent.stdout) == {TITLES["Support"], TITLES["Chat"]}
    # A note written over SSH is anna's. (ssh joins the words with blanks; the server
    # splits them as a shell would: quoted words stay one.)
    wrote = ssh(sshd, client_keys["anna"], "case", "note", str(cases["Chat"]),
                "--text", "'Ringer upp i eftermiddag'")
    assert wrote.returncode == 0, wrote.stderr
    (note,) = [m for m in team.as_("boss").get_case(cases["Chat"]).messages
               if m.kind == "note"]
    assert (note.author, note.text) == ("Anna Berg", "Ringer upp i eftermiddag")


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("asked", "said"), [
    (["bash"], "'bash' is not a casedesk command"),
    (["bash", "-c", "id"], "'bash' is not a casedesk command"),
    # (`casedesk` first: ssh itself would take a leading option as its own.)
    (["casedesk", "--db", "/tmp/x.db", "cases"], "--db is for supervisors"),
    (["casedesk", "--read-all"], "--read-all is for supervisors"),
    (["CASEDESK_LOGIN=bo", "cases"], "only a supervisor's key may act as another agent"),
    (["agent", "add", "eve"], "'agent add' is not"),
    # Nothing that names a file on the server: it would be written or read as the
    # account (authorized_keys among them).
    (["case", "original", "1", "-o", ".ssh/authorized_keys"], "-o names a file on the server"),
    (["case", "original", "1", "-o.ssh/authorized_keys"], "-o names a file on the server"),
    (["ingest", "/etc/passwd"], "ingest reads standard input over SSH"),
    # Not refused, but a mistake said with its fix: ssh joins words with blanks.
    (["case", "note", "1", "--text", "Ringer kunden"], "a text with blanks is quoted twice"),
])
def test_what_an_agents_key_may_not_run_is_refused_in_one_line(
        keyed, sshd, client_keys: dict[str, Path], asked: list[str], said: str) -> None:  # type: ignore[no-untyped-def]
    ran = ssh(sshd, client_keys["anna"], *asked)
    assert ran.returncode != 0
    assert ran.stderr.strip().splitlines() == [ran.stderr.strip()]
    assert said in ran.stderr
    assert ran.stdout == ""
    assert not Path("/tmp/x.db").exists()
    assert [line.login for line in read_keys(keyed.keys)] == ["anna", "bo", "boss"]


@pytest.mark.sqlite_only
def test_no_file_copy_and_no_forwarding(keyed, sshd, client_keys: dict[str, Path],  # type: ignore[no-untyped-def]
                                        tmp_path: Path) -> None:
    key = client_keys["anna"]
    common = ["-F", "/dev/null", "-i", str(key), "-o", "StrictHostKeyChecking=no",
              "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
              "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"]
    target = tmp_path / "copied"
    for legacy in ([], ["-O"]):  # scp over sftp (the default), and the old protocol
        copy = subprocess.run(["scp", *common, *legacy, "-P", str(sshd.port), __file__,
                               f"{sshd.account}@127.0.0.1:{target}"], capture_output=True,
                              text=True, timeout=60, check=False)
        assert copy.returncode != 0
        assert not target.exists()
    # A remote forward is refused outright.
    remote = ssh(sshd, key, options=("-N", "-o", "ExitOnForwardFailure=yes",
                                     "-R", f"0:127.0.0.1:{sshd.port}"))
    assert remote.returncode != 0
    # A local forward's listener is the client's own; what goes through it is refused:
    # the connection ends without a byte from the far side (sshd's banner, were it open).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        local = s.getsockname()[1]
    client = subprocess.Popen(sshd.ssh(key, options=(
        "-N", "-L", f"{local}:127.0.0.1:{sshd.port}")), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        connection = None

        def connected() -> bool:
            nonlocal connection
            try:
                connection = socket.create_connection(("127.0.0.1", local), timeout=10)
            except OSError:
                return False
            return True

        wait_until(connected, "the forward's listener")
        assert connection is not None
        with connection:
            connection.settimeout(DEADLINE)
            assert connection.recv(64) == b""
    finally:
        client.kill()
        client.wait()
    assert "refused local port forward" in sshd.log


@pytest.mark.sqlite_only
def test_a_supervisors_key_may_read_all_and_act_as_another(cases, keyed, sshd,  # type: ignore[no-untyped-def]
                                                           client_keys: dict[str, Path]) -> None:
    # No terminal: the rows as lines.
    every = ssh(sshd, client_keys["boss"], "casedesk", "--read-all")
    assert every.returncode == 0, every.stderr
    for title in TITLES.values():
        assert title in every.stdout
    as_anna = ssh(sshd, client_keys["boss"], "CASEDESK_LOGIN=anna", "cases", "--json")
    assert titles(as_anna.stdout) == {TITLES["Support"], TITLES["Chat"]}


# -- the TUI over SSH ------------------------------------------------------------------


@pytest.fixture
def terminals(sshd, client_keys: dict[str, Path], tmp_path: Path) -> Iterator[  # type: ignore[no-untyped-def]
        Callable[[str, str], PtyRun]]:
    """`open(login, LANG)`: that agent's TUI over `ssh -tt` in a pseudo-terminal."""
    opened: list[PtyRun] = []

    def open_(login: str, lang: str) -> PtyRun:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TERM": "xterm-256color",
               "LANG": lang}
        run = PtyRun(sshd.ssh(client_keys[login], tty=True, options=("-o", "SendEnv=LANG")),
                     env=env, cwd=tmp_path, columns=150, lines=40)
        opened.append(run)
        return run

    yield open_
    for run in opened:
        run.close()


@pytest.mark.sqlite_only
def test_the_tui_over_ssh_is_the_agents_and_a_dropped_line_loses_nothing(
        team, cases, keyed, sshd, terminals) -> None:  # type: ignore[no-untyped-def]
    number = cases["Support"]
    anna = terminals("anna", "sv_SE.UTF-8")
    wait_until(lambda: all(text in visible(anna.output()) for text in (
        TITLES["Support"], "Avsluta")), "anna's list, in Swedish")
    screen = visible(anna.output())
    assert "casedesk — anna" in screen  # as anna,
    assert TITLES["Chat"] in screen  # her channels' cases,
    assert TITLES["Telefon"] not in screen  # and no other's
    assert "Avsluta" in screen  # in Swedish, as her LANG asks
    # The window resized on the client: sent on by ssh, the screen drawn anew for it.
    mark = len(anna.chunks)
    fcntl.ioctl(anna.master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
    # (As a terminal window does; the pty is not the client's controlling terminal, so
    # the kernel would not.)
    os.kill(anna.proc.pid, signal.SIGWINCH)
    wait_until(lambda: "casedesk — anna" in since(anna, mark), "the screen drawn anew")
    bo = terminals("bo", "en_US.UTF-8")
    wait_until(lambda: "Quit" in visible(bo.output()), "bo's list, in English")
    assert TITLES["Chat"] not in visible(bo.output())

    # Both open the newest case (the top row): each sees the other there.
    anna.send("\r")
    bo.send("\r")
    wait_until(lambda: "Anna Berg has the case open" in visible(bo.output()),
               "anna's presence on bo's screen")
    wait_until(lambda: "Bo Ek har ärendet öppet" in visible(anna.output()),
               "bo's presence on anna's screen")

    # Anna writes a reply; the line drops (the client killed) before she sends it.
    _, mark = anna.send("r")
    # Typed once the composer has the focus (its keys in the footer): before, the keys
    # would go to the list.
    wait_until(lambda: "Skicka" in since(anna, mark), "the composer")
    _, mark = anna.send("Hej Karin, vi har")
    # Killed as soon as the text is on her screen: within the second the TUI waits
    # before it keeps a draft, so the hang-up is what keeps it.
    wait_until(lambda: "vi har" in since(anna, mark), "the text on her screen")
    assert session_pids("anna")
    os.killpg(anna.proc.pid, signal.SIGKILL)
    wait_until(lambda: not session_pids("anna"), "anna's session to end on the server")
    service = CaseService(Database(team.db.url), "anna")
    assert [d.text for d in service.drafts()] == ["Hej Karin, vi har"]
    # Gone from the case at once: her entry removed, not left to expire (bo's TUI,
    # renewing its own every 5 s, would clear it only 15 s after her last renewal).
    with team.db.read() as session:
        assert session.execute(sa.text(
            "SELECT count(*) FROM presence JOIN agent ON agent.id = presence.agent_id "
            "WHERE agent.login = 'anna'")).scalar() == 0
    assert not team.as_("bo").present(number)
    team.as_("bo").note(number, "Inget lås kvar")  # the database is not held by anyone

    # A TUI of a key runs none of the daemon's work (no poller per session); on a
    # personal database it would, and say so in this log.
    assert not (sshd.folder / "data-home" / "casedesk" / "background.log").exists()

    # She logs in again: the draft is back in its case.
    again = terminals("anna", "sv_SE.UTF-8")
    wait_until(lambda: f"osända utkast i #{number}" in visible(again.output()),
               "the draft said on the way back")
