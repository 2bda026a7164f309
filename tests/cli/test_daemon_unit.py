"""`casedesk daemon --print-unit`: a systemd service for the daemon as it runs here,
read back key by key and checked by systemd's own `systemd-analyze verify` (which
also checks that ExecStart names a program that is there)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "casedesk"  # the console script people run
ANALYZE = shutil.which("systemd-analyze")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Nothing of the developer's own config, data or host name."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CASEDESK_CONFIG", "CASEDESK_HOST", "XDG_CONFIG_HOME")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data home")
    return env


def print_unit(argv: list[str], env: dict[str, str], cwd: Path | None = None
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*argv, "daemon", "--print-unit"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def keys(unit: str) -> dict[str, list[str]]:
    """`Section.Key` → its values, in order (a key may be given more than once)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in unit.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(f"{section}.{key}", []).append(value)
    return found


def verify(unit: str, folder: Path) -> None:
    """systemd's own check, where this machine has systemd."""
    if ANALYZE is None:
        return
    path = folder / "casedesk.service"
    path.write_text(unit)
    done = subprocess.run([ANALYZE, "verify", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert path.name not in done.stdout + done.stderr  # not even a warning


def under(path: Path, folder: str) -> bool:
    return path.is_relative_to(folder)


def test_a_unit_for_a_database_here(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "conf dir 100%$x"  # a space, a specifier, a variable
    folder.mkdir()
    (tmp_path / "db").mkdir()
    config = folder / "config.toml"
    config.write_text(
        f'[store]\nurl = "{tmp_path}/db/casedesk.db"\nfiles = "{tmp_path}/files"\n\n'
        '[[mailbox]]\nchannel = "Support"\nhost = "imap.example.com"\nport = 993\n'
        'security = "ssl"\nusername = "support@example.com"\npassword_env = "IMAP"\n')
    done = print_unit([str(SCRIPT), "--config", str(config)],
                      {**env, "CASEDESK_HOST": "host-a"})
    assert done.returncode == 0, done.stderr
    unit = keys(done.stdout)
    assert unit["Unit.Description"] == ["casedesk: mail in and out, and the scheduler"]
    assert unit["Unit.After"] == ["network-online.target"]
    assert unit["Unit.Wants"] == ["network-online.target"]
    assert unit["Service.User"] == [pwd.getpwuid(os.getuid()).pw_name]
    escaped = str(config).replace("%", "%%").replace("$", "$$")
    assert unit["Service.ExecStart"] == [f'{SCRIPT.resolve()} --config "{escaped}" daemon']
    assert "CASEDESK_HOST=host-a" in unit["Service.Environment"]
    assert f'"XDG_DATA_HOME={tmp_path}/data home"' in unit["Service.Environment"]
    assert unit["Service.Restart"] == ["on-failure"]
    assert unit["Service.UMask"] == ["0077"]
    # It writes the database's folder, the files folder and the data folder; the two
    # that are not there yet are marked so ("-": systemd starts it all the same).
    assert unit["Service.ReadWritePaths"] == [
        f"{tmp_path}/db", f"-{tmp_path}/files", f'"-{tmp_path}/data home/casedesk"']
    assert unit["Service.ProtectSystem"] == ["strict"]
    assert unit["Service.ProtectHome"] == ["read-only"]
    assert unit["Service.RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    for key in ("NoNewPrivileges", "ProtectKernelTunables", "ProtectKernelModules",
                "ProtectControlGroups", "LockPersonality", "RestrictSUIDSGID"):
        assert unit[f"Service.{key}"] == ["yes"], key
    # A private /tmp or /dev would hide a database kept there (the tests' may be).
    assert ("Service.PrivateTmp" in unit) == (not under(tmp_path, "/tmp"))
    assert ("Service.PrivateDevices" in unit) == (not under(tmp_path, "/dev"))
    assert unit["Install.WantedBy"] == ["multi-user.target"]
    verify(done.stdout, tmp_path)


def test_a_unit_for_a_team_on_postgresql_with_a_password_command(
        tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\nshare_with_group = true\n\n[[mailbox]]\nchannel = "Support"\n'
        'host = "imap.example.com"\nport = 993\nsecurity = "ssl"\n'
        'username = "support@example.com"\npassword_command = "pass show casedesk/imap"\n')
    url = "postgresql://casedesk@127.0.0.1/casedesk"
    done = print_unit([str(SCRIPT), "--config", str(config), "--db", url],
                      {**env, "PATH": "/opt/tools/bin:/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    unit = keys(done.stdout)
    assert unit["Unit.After"] == ["network-online.target postgresql.service"]
    assert unit["Service.ExecStart"] == [
        f"{SCRIPT.resolve()} --config {config} --db {url} daemon"]
    assert unit["Service.UMask"] == ["0007"]  # [store] share_with_group
    # The command runs as here (found on this PATH), and may write into the home
    # folder: the file system is read-only only where the system lives.
    assert "PATH=/opt/tools/bin:/usr/bin:/bin" in unit["Service.Environment"]
    assert unit["Service.ProtectSystem"] == ["full"]
    assert "Service.ProtectHome" not in unit
    assert unit["Service.ReadWritePaths"] == [f'"-{tmp_path}/data home/casedesk"']
    assert "CASEDESK_HOST" not in done.stdout
    verify(done.stdout, tmp_path)


def test_python_m_cli_names_the_console_script_and_keeps_a_relative_path(
        tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "work 100%"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text('[store]\nurl = "here/casedesk.db"\n')  # from the working folder
    done = print_unit([sys.executable, "-m", "cli", "--config", str(config)], env,
                      cwd=folder)
    assert done.returncode == 0, done.stderr
    unit = keys(done.stdout)
    escaped = str(config).replace("%", "%%")
    assert unit["Service.ExecStart"] == [f'{SCRIPT} --config "{escaped}" daemon']
    assert unit["Service.WorkingDirectory"] == [f"{tmp_path}/work 100%%"]  # taken whole
    assert f'"-{tmp_path}/work 100%%/here"' in unit["Service.ReadWritePaths"]
    verify(done.stdout, tmp_path)


@pytest.mark.parametrize(("args", "said"), [
    (["--db", "postgresql://casedesk:s3cret@db.example.com/casedesk"],
     "casedesk: --db holds a password, which must not be written into a command line (a "
     "unit file, authorized_keys; `ps` shows it): put the URL in [store] url of the config, "
     "or the password in ~/.pgpass\n"),
    (["--db", "/srv/line\nbreak.db"],
     "casedesk: '/srv/line\\nbreak.db' holds a control character: it cannot be written "
     "into a unit file\n"),
])
def test_what_cannot_go_into_a_unit_is_refused_in_one_line(
        env: dict[str, str], args: list[str], said: str) -> None:
    done = print_unit([str(SCRIPT), *args], env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == said
    assert "s3cret" not in done.stderr
