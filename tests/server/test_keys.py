"""Agents' SSH keys in the service account's authorized_keys (`casedesk agent key …`),
and who may act as another agent (README, "A team server")."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from sshserver import make_key

from server.keys import SESSION, parse_line, parse_public_key, read_keys
from server.session import Refused, session_command
from store.errors import Forbidden
from store.identity import current_login, trusted_accounts

# A line of the account's own (an admin's key, with options of its own) that casedesk
# must leave exactly as it is.
OWN = ('from="10.0.0.0/8",command="echo \\"hi, there\\"",no-pty ssh-ed25519 '
       'AAAAC3NzaC1lZDI1NTE5AAAAIBm3xQyW0UskRjSs9Dv8Zl6cNd1i0mXYXUuSoG1pFRpL admin@desk')


@pytest.fixture
def pubkeys(tmp_path: Path) -> dict[str, Path]:
    return {login: make_key(tmp_path / f"id_{login}", f"{login}@laptop")
            for login in ("anna", "bo")}


@pytest.mark.sqlite_only
def test_a_key_becomes_one_forced_command_line_and_nothing_else_moves(
        service_account, pubkeys: dict[str, Path]) -> None:
    keys = service_account.keys
    keys.parent.mkdir(mode=0o755, parents=True)
    keys.write_text(f"# the admin's own\n{OWN}\n\n")
    keys.chmod(0o644)

    added = service_account.run("agent", "key", "add", "anna", str(pubkeys["anna"]))
    assert added.code == 0, added.err
    key = parse_public_key(pubkeys["anna"].read_text())
    assert key.fingerprint in added.out

    lines = keys.read_text().splitlines()
    assert lines[:3] == ["# the admin's own", OWN, ""]  # byte for byte
    assert len(lines) == 4
    line = lines[3]
    casedesk = parse_line(line)
    assert casedesk is not None
    assert casedesk.login == "anna"
    assert casedesk.key.fingerprint == key.fingerprint
    # command="<absolute casedesk> … ssh-session anna",restrict,pty <key> casedesk:anna …
    assert line.startswith('command="/')
    assert f' {SESSION} anna",restrict,pty ssh-ed25519 {key.blob} casedesk:anna anna@laptop' \
        in line
    assert casedesk.program is not None
    assert os.access(casedesk.program, os.X_OK)
    assert Path(casedesk.program).name == "casedesk"
    assert f"--config {service_account.config}" in (casedesk.command or "")
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600  # written anew, as sshd wants it
    assert not list(keys.parent.glob(".authorized_keys.casedesk-*"))  # no temporary left


@pytest.mark.sqlite_only
def test_the_ssh_folder_is_made_private(service_account, pubkeys: dict[str, Path]) -> None:
    assert not service_account.keys.parent.exists()
    assert service_account.run("agent", "key", "add", "bo", "-",
                               stdin=pubkeys["bo"].read_text()).code == 0
    assert stat.S_IMODE(service_account.keys.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(service_account.keys.stat().st_mode) == 0o600


@pytest.mark.sqlite_only
def test_one_key_is_one_identity(service_account, pubkeys: dict[str, Path]) -> None:
    run = service_account.run
    assert run("agent", "key", "add", "anna", str(pubkeys["anna"])).code == 0
    again = run("agent", "key", "add", "anna", str(pubkeys["anna"]))
    assert again.code == 0
    assert "already" in again.out
    other = run("agent", "key", "add", "bo", str(pubkeys["anna"]))
    assert other.code == 1
    assert "already" in other.err
    assert "for anna" in other.err
    assert "one key, one identity" in other.err
    # A key the account already has for something else is refused too.
    service_account.keys.write_text(service_account.keys.read_text() + OWN + "\n")
    own = Path(service_account.keys.parent / "own.pub")
    own.write_text("ssh-ed25519" + OWN.split(" ssh-ed25519", 1)[1])
    refused = run("agent", "key", "add", "bo", str(own))
    assert refused.code == 1
    assert "not casedesk's" in refused.err
    assert [line.login for line in read_keys(service_account.keys)] == ["anna", None]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("text", "said"), [
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n",
     "private key"),
    ("ssh-ed25519 not-base64!! x\n", "damaged"),
    ("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIBm3xQyW0UskRjSs9Dv8Zl6cNd1i0mXYXUuSoG1pFRpL x\n",
     "its data is 'ssh-ed25519'"),
    ("hello\n", "not an SSH public key"),
])
def test_what_is_not_a_public_key_is_refused_in_words(service_account, text: str,
                                                      said: str) -> None:
    ran = service_account.run("agent", "key", "add", "anna", "-", stdin=text)
    assert ran.code == 1
    assert said in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert not service_account.keys.exists()


@pytest.mark.sqlite_only
def test_keys_are_listed_removed_and_go_with_a_deactivation(
        service_account, pubkeys: dict[str, Path], tmp_path: Path) -> None:
    run = service_account.run
    second = make_key(tmp_path / "anna2", "anna@phone")
    for login, path in [("anna", pubkeys["anna"]), ("anna", second), ("bo", pubkeys["bo"])]:
        assert run("agent", "key", "add", login, str(path)).code == 0
    listed = json.loads(run("agent", "key", "list", "--json").out)
    assert [(row["login"], row["comment"]) for row in listed] == [
        ("anna", "anna@laptop"), ("anna", "anna@phone"), ("bo", "bo@laptop")]

    phone = parse_public_key(second.read_text()).fingerprint
    assert run("agent", "key", "remove", "anna", phone).code == 0
    assert [r["fingerprint"] for r in json.loads(run("agent", "key", "list", "--json").out)
            if r["login"] == "anna"] == [parse_public_key(pubkeys["anna"].read_text()).fingerprint]
    gone = run("agent", "key", "remove", "anna", phone)
    assert gone.code == 1
    assert "has no key" in gone.err

    deactivated = run("agent", "deactivate", "bo")
    assert deactivated.code == 0
    assert "removed 1 SSH key" in deactivated.out
    assert [line.login for line in read_keys(service_account.keys)] == ["anna"]
    refused = run("agent", "key", "add", "bo", str(pubkeys["bo"]))
    assert refused.code == 1
    assert "deactivated" in refused.err
    assert run("agent", "activate", "bo").code == 0
    assert run("agent", "key", "add", "bo", str(pubkeys["bo"])).code == 0


@pytest.mark.sqlite_only
def test_two_supervisors_adding_keys_at_once_lose_neither(service_account,
                                                          tmp_path: Path) -> None:
    from server.keys import add_key

    pairs = [(f"id_{i}", make_key(tmp_path / f"id_{i}", f"k{i}")) for i in range(12)]
    start = threading.Barrier(len(pairs))

    def add(index: int, path: Path) -> None:
        start.wait()
        add_key(service_account.keys, ["/usr/bin/casedesk"], "anna" if index % 2 else "bo",
                parse_public_key(path.read_text()))

    threads = [threading.Thread(target=add, args=(i, p)) for i, (_, p) in enumerate(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(read_keys(service_account.keys)) == len(pairs)


@pytest.mark.sqlite_only
def test_only_a_supervisor_manages_keys(service_account, pubkeys: dict[str, Path],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_LOGIN", "anna")  # the account owns the file: may pretend
    ran = service_account.run("agent", "key", "add", "anna", str(pubkeys["anna"]))
    assert ran.code == 1
    assert "supervisor" in ran.err
    assert not service_account.keys.exists()


def test_acting_as_another_agent_needs_the_owner_or_trust(team, engine: str,
                                                          service_account) -> None:
    """SQLite: the file's owner may; PostgreSQL: an account a supervisor trusts may
    (the fixture trusts the test's account there), and nobody else."""
    account = service_account.account
    assert current_login(team.db, requested="anna") == "anna"
    if engine == "postgresql":
        assert trusted_accounts(team.db) == [account]
        ran = service_account.run("server", "untrust", account)
        assert ran.code == 0, ran.err
        with pytest.raises(Forbidden, match="server trust"):
            current_login(team.db, requested="anna")
        assert service_account.run("server", "trust", account).code == 0
        assert current_login(team.db, requested="anna") == "anna"
    else:
        assert trusted_accounts(team.db) == []  # owning the file is enough
    # Trust is a supervisor's to give, and names an account of this host.
    with pytest.raises(Forbidden):
        team.as_("anna").set_trust(account, trusted=True)
    unknown = service_account.run("server", "trust", "no-such-account-here")
    assert unknown.code == 1
    assert "no account" in unknown.err
    actions = [event.action for event in team.as_("boss").audit_events(limit=20)]
    if engine == "postgresql":  # each change of trust is audited
        assert actions[:3] == ["server.trust", "server.untrust", "server.trust"]


@pytest.mark.parametrize(("asked", "supervisor", "args", "login"), [
    (None, False, [], "anna"),
    ("", False, [], "anna"),
    ("cases --json", False, ["cases", "--json"], "anna"),
    ("casedesk cases --json", False, ["cases", "--json"], "anna"),
    ("case note 5 --text 'hej då'", False, ["case", "note", "5", "--text", "hej då"], "anna"),
    ("agent list", False, ["agent", "list"], "anna"),
    ("--read-all", True, ["--read-all"], "boss"),
    ("CASEDESK_LOGIN=bo cases", True, ["cases"], "bo"),
    ("--db /tmp/x init", True, ["--db", "/tmp/x", "init"], "boss"),
])
def test_what_a_key_may_run(asked: str | None, supervisor: bool, args: list[str],
                            login: str) -> None:
    me = "boss" if supervisor else "anna"
    command = session_command(asked, me, supervisor=supervisor)
    assert (command.args, command.login) == (args, login)


@pytest.mark.parametrize(("asked", "said"), [
    ("bash", "'bash' is not a casedesk command"),
    ("scp -t .", "'scp' is not"),
    ("internal-sftp", "is not a casedesk command"),
    ("--db /tmp/x cases", "--db is for supervisors"),
    ("--config=/tmp/c.toml cases", "--config is for supervisors"),
    ("--read-all", "--read-all is for supervisors"),
    ("CASEDESK_LOGIN=bo cases", "only a supervisor's key may act as another agent"),
    ("PATH=/tmp casedesk cases", "cannot set PATH"),
    ("init", "'init' is not"),
    ("agent add eve", "'agent add' is not"),
    ("channel member add Chat anna", "'channel member' is not"),
    ("import mbox /etc/shadow --channel Support", "'import' is not"),
    ("backup /tmp/x", "'backup' is not"),
    ("ssh-session boss", "cannot run it again"),
    ("case original 5 -o .ssh/authorized_keys", "-o names a file on the server"),
    ("case original 5 --output=/tmp/x", "--output names a file on the server"),
    ("ingest /etc/passwd", "ingest reads standard input over SSH"),
    ("case original 5 -o~/.ssh/authorized_keys", "-o names a file on the server"),
    ("case original 5 -ho /tmp/x", "-o names a file on the server"),
    ("ingest -- -x", "ingest reads standard input over SSH"),
    ("case bogus 5", "'case bogus' is not"),
    ("cases 'unclosed", "cannot read the command"),
])
def test_what_an_agents_key_may_not_run(asked: str, said: str) -> None:
    with pytest.raises(Refused) as refused:
        session_command(asked, "anna", supervisor=False)
    assert said in str(refused.value)


def test_a_login_the_clients_environment_brings_is_a_supervisors_only() -> None:
    """sshd passes on what its AcceptEnv names: CASEDESK_LOGIN, should it ever, counts as
    a `CASEDESK_LOGIN=` in the command."""
    with pytest.raises(Refused, match="only a supervisor's key"):
        session_command("cases", "anna", supervisor=False, login_from_client="bo")
    assert session_command("cases", "boss", supervisor=True,
                           login_from_client="bo").login == "bo"

