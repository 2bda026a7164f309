"""The team server as its service account sees it: the usual team (tests/conftest.py) with
the account running the tests as a supervisor (on PostgreSQL also trusted to act as any
agent), a config naming the database and an authorized_keys file, `casedesk` run
in-process as that account, and a real sshd that logs the account in by key."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sshserver import SshServer, make_key, running_sshd

from cli.main import main
from store.identity import os_login


@dataclass
class Ran:
    code: int
    out: str
    err: str


@dataclass
class Server:
    """The service account's set-up: its config and authorized_keys, and `run` for
    `casedesk --config CONFIG ARGS…` in this process."""

    config: Path
    keys: Path
    url: str
    account: str
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str, stdin: str | None = None) -> Ran:
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
        self.capsys.readouterr()
        try:
            main(["--config", str(self.config), *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdin = sys.__stdin__
        out = self.capsys.readouterr()
        return Ran(code, out.out, out.err)


@pytest.fixture
def service_account(team, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> Server:  # type: ignore[no-untyped-def]
    return _set_up(team, engine, tmp_path, monkeypatch, capsys,
                   tmp_path / "home" / ".ssh" / "authorized_keys")


@pytest.fixture
def ssh_account(team, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str], sshd: SshServer) -> Server:  # type: ignore[no-untyped-def]
    """`service_account` whose authorized_keys is the one the test sshd reads."""
    sshd.authorized_keys.unlink(missing_ok=True)
    return _set_up(team, engine, tmp_path, monkeypatch, capsys, sshd.authorized_keys)


def _set_up(team, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
            capsys: pytest.CaptureFixture[str], keys: Path) -> Server:
    monkeypatch.delenv("CASEDESK_CONFIG", raising=False)
    monkeypatch.delenv("CASEDESK_LOGIN", raising=False)
    monkeypatch.delenv("SSH_ORIGINAL_COMMAND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    account = os_login()
    boss = team.as_("boss")
    boss.add_agent(account, name="Tjänstekontot", supervisor=True)
    if engine == "postgresql":
        boss.set_trust(account, trusted=True)
    url = team.db.url.render_as_string(hide_password=False)
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{url}"\n\n[server]\nauthorized_keys = "{keys}"\n')
    return Server(config, keys, url, account, capsys)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One sshd per test process; each test points it at its own authorized_keys by
    writing the file it reads (`SshServer.authorized_keys`)."""
    folder = tmp_path_factory.mktemp("sshd")
    # Sessions keep casedesk's own folders in the test's, not in the account's home.
    with running_sshd(folder, environment={
            "XDG_DATA_HOME": str(folder / "data-home"),
            "XDG_CONFIG_HOME": str(folder / "config-home")}) as server:
        yield server


@pytest.fixture(scope="session")
def client_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An SSH key pair for each person of the team (the private key's path)."""
    folder = tmp_path_factory.mktemp("client-keys")
    keys = {}
    for login in ("anna", "bo", "boss", "eve"):
        make_key(folder / login, f"{login}@laptop")
        keys[login] = folder / login
    return keys
