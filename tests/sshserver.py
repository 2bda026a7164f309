"""A throw-away OpenSSH server for the team-server tests: Debian's `sshd` on 127.0.0.1 and
a free port, with a host key, a config and an authorized_keys file of its own (the
system's /etc/ssh is not read). It logs in only the account running the tests, by key,
as a team server's service account would be logged in; `ssh()` is the real client's
command line for it. Installed by ./scripts/test-servers when missing."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from children import die_with_parent, free_port

HOST = "127.0.0.1"
SSHD = "/usr/sbin/sshd"  # an absolute path: sshd re-executes itself


class SshServerError(RuntimeError):
    """The test SSH server could not be found or started."""


def make_key(path: Path, comment: str) -> Path:
    """A new ed25519 key pair at `path` (and path.pub); the public key's path."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                    "-f", str(path)], check=True, capture_output=True)
    return path.with_name(path.name + ".pub")


@dataclass
class SshServer:
    folder: Path
    port: int
    account: str
    authorized_keys: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        return (self.folder / "sshd.log").read_text(errors="replace")

    def ssh(self, key: Path, *args: str, tty: bool = False,
            options: Sequence[str] = ()) -> list[str]:
        """The real client's command line: `key`'s identity only, no config, no known
        hosts, no password prompts."""
        return ["ssh", "-F", "/dev/null", "-i", str(key), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
                *(["-tt"] if tty else ["-T"]), *options, f"{self.account}@{HOST}", *args]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_sshd(folder: Path, *, environment: dict[str, str]) -> Iterator[SshServer]:
    """sshd on a free loopback port until the block ends. `environment`: what every
    session gets besides the client's LANG/LC_* (SetEnv), e.g. where casedesk's data
    folder is."""
    if not os.path.exists(SSHD) or shutil.which("ssh") is None:
        raise SshServerError("sshd or ssh is not installed. Run ./scripts/test-servers.")
    account = pwd.getpwuid(os.getuid()).pw_name
    folder.mkdir(parents=True, exist_ok=True)
    host_key = folder / "host_ed25519"
    make_key(host_key, "casedesk test host")
    keys = folder / "ssh" / "authorized_keys"
    if os.getuid() == 0:
        # Root's sshd wants its privilege-separation folder (Debian's package makes it
        # at boot, which a container may not have had).
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    for _ in range(3):  # a free port may be taken before sshd binds it: try another
        port = free_port()
        config = folder / "sshd_config"
        config.write_text("\n".join([
            f"Port {port}", f"ListenAddress {HOST}", f"HostKey {host_key}",
            f"PidFile {folder / 'sshd.pid'}", f"AuthorizedKeysFile {keys}",
            # The test's folders live under a world-writable /tmp or /dev/shm.
            "StrictModes no", "UsePAM no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password", f"AllowUsers {account}",
            "AcceptEnv LANG LC_*",
            "SetEnv " + " ".join(f"{k}={v}" for k, v in environment.items()),
            "PrintMotd no", "PrintLastLog no", "LogLevel VERBOSE", "",
        ]))
        log = (folder / "sshd.log").open("wb")
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   preexec_fn=die_with_parent())  # noqa: PLW1509
        log.close()
        server = SshServer(folder, port, account, keys, process)
        if _listening(server):
            break
        server.stop()
    else:
        raise SshServerError(f"sshd did not start:\n{server.log}")
    try:
        yield server
    finally:
        server.stop()


def _listening(server: SshServer, deadline: float = 20.0) -> bool:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if server.process is not None and server.process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((HOST, server.port), 1) as s:
            return s.recv(8).startswith(b"SSH-")
        time.sleep(0.05)
    return False


def session_pids(login: str | None = None) -> list[int]:
    """The casedesk processes sshd runs for keys (`casedesk … ssh-session LOGIN`): of
    `login`'s key, or of every key (not the shell sshd may start one with)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ssh-session" in words and (login is None or words[-2:] == [login.encode(), b""]):
            found.append(int(cmdline.parent.name))
    return found

