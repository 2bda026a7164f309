"""A throw-away mail server for the tests: a real Dovecot (IMAP).

`Dovecot().start()` writes a config of its own into a fresh temporary directory (nothing from
/etc/dovecot is read) and runs `dovecot -F` on 127.0.0.1 with two free ports: `port` (plain
IMAP, STARTTLS offered) and `ssl_port` (implicit TLS). The certificate is made at start by a
test CA (`cafile`). Users live in a passwd-file (PLAIN/LOGIN); XOAUTH2 and OAUTHBEARER go through
Dovecot's oauth2 passdb, which asks a token-introspection endpoint this module runs on loopback
(`register_token`). Mail is Maildir in the temporary directory. `stop()` ends every process and
removes the directory; it is also registered with atexit, and on Linux the master gets a SIGTERM
if the Python process dies.

Dovecot runs "rootless": every process of it, the mail processes included, runs as one
unprivileged user — the current one, or under root the `dovecot` system user the Debian package
creates (Dovecot never accesses mail as root). `scripts/test-servers` installs the package.

The SMTP server is in tests/smtpserver.py. Any failure raises MailServerError: the tests
never skip.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import itertools
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qs

from children import Throwaway, die_with_parent, free_port
from imapclient import IMAPClient

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
Security = Literal["none", "starttls", "ssl"]


class MailServerError(RuntimeError):
    """A test mail server could not be found, started or used."""



def live_processes(pgid: int) -> list[int]:
    """The processes of process group `pgid` that are not zombies (Linux: /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)"
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _tmp_base() -> str | None:
    """/tmp when the usual place is too long for Unix sockets (108 bytes) or not searchable
    by others (root's TMPDIR, when Dovecot runs as `dovecot`)."""
    base = Path(tempfile.gettempdir()).resolve()
    if len(str(base)) > 60 or any(not os.stat(p).st_mode & 0o001 for p in (base, *base.parents)):
        return "/tmp"
    return None


# -- certificates ------------------------------------------------------------------------------

_OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class Certificate:
    """A server certificate for localhost/127.0.0.1 and the CA that signed it."""

    cafile: Path
    certfile: Path
    keyfile: Path

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only the test CA."""
        return ssl.create_default_context(cafile=str(self.cafile))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certfile, self.keyfile)
        return context


def make_certificate(directory: Path) -> Certificate:
    """A CA and a server certificate signed by it (a CA, not one self-signed leaf: Python 3.13's
    default context is X509-strict). P-256 keys: the three openssl runs take ~20 ms."""
    if shutil.which("openssl") is None:
        raise MailServerError("openssl is not installed. Run ./scripts/test-servers.")
    config = directory / "openssl.cnf"
    config.write_text(_OPENSSL_CONFIG)
    cert = Certificate(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for argv in (
        ["req", "-x509", "-config", config, "-extensions", "ca", *newkey, "-subj",
         "/CN=casedesk test CA", "-days", "30", "-keyout", directory / "ca.key",
         "-out", cert.cafile],
        ["req", "-new", "-config", config, *newkey, "-keyout", cert.keyfile,
         "-out", directory / "cert.csr"],
        ["x509", "-req", "-in", directory / "cert.csr", "-CA", cert.cafile, "-CAkey",
         directory / "ca.key", "-set_serial", str(secrets.randbits(63)), "-days", "30",
         "-extfile", config, "-extensions", "server", "-out", cert.certfile],
    ):
        result = subprocess.run(["openssl", *map(str, argv)], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, check=False, timeout=30)
        if result.returncode != 0:
            raise MailServerError(f"openssl {argv[0]} failed: {result.stderr.strip()}")
    return cert


# -- Dovecot -----------------------------------------------------------------------------------


class Message(NamedTuple):
    uid: int
    flags: tuple[str, ...]
    raw: bytes


@dataclass(frozen=True)
class Mailbox:
    """One user's credentials on a Dovecot test server."""

    user: str
    password: str
    host: str
    port: int
    ssl_port: int
    cafile: Path


_DOVECOT_CONFIG = """\
# Written by tests/mailservers.py; /etc/dovecot is not read.
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
protocols = imap
listen = {host}
ssl = yes
ssl_cert = <{tmp}/cert.pem
ssl_key = <{tmp}/key.pem
# Tests log in without TLS on the plain port.
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_verbose = yes
# A failed login is answered at once (default: after 2 s, then up to 15 s per IP).
auth_failure_delay = 0
# Rootless: every process, the mail processes too, runs as this one user.
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
# The `dovecot` system user's uid is below the default first_valid_uid (500).
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
# IDLE learns of new mail through inotify; where none is left (128 instances a user, shared
# with everything else on the machine) it looks every 30 s. Tests need to know sooner.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  mechanisms = plain login
  # A file per user: Dovecot stats a passwd-file for changes at most once a second.
  args = scheme=PLAIN username_format=%u {tmp}/users/%u
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {tmp}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = home={tmp}/mail/%u allow_all_users=yes
}}
# No chroot: that needs root. No auth penalty either (see auth_failure_delay).
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {ssl_port}
    ssl = yes
  }}
}}
"""

# Dovecot 2.3's oauth2 passdb: POST token=… to the introspection URL; the answer must say
# active=true and name the user who logs in.
_OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


class _Introspection(ThreadingHTTPServer):
    """RFC 7662-style token introspection on loopback: the tokens the test registered."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _IntrospectionHandler)
        self.tokens: dict[str, str] = {}  # token -> user
        self.requests = 0
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,),
                                       name="introspection", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/introspect"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _IntrospectionHandler(BaseHTTPRequestHandler):
    server: _Introspection

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        user = self.server.tokens.get((form.get("token") or [""])[0])
        self.server.requests += 1
        body = json.dumps({"active": True, "username": user} if user else {"active": False})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no request lines on stderr


class Dovecot(Throwaway):
    """One throw-away Dovecot; `start()`, `add_user()`/`new_mailbox()`, `stop()`."""

    def __init__(self) -> None:
        if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
            raise MailServerError(
                "Dovecot is not installed (no `dovecot` in PATH). Run ./scripts/test-servers "
                "(as root it installs the Debian package 'dovecot-imapd'; otherwise: "
                "sudo apt-get install dovecot-imapd)."
            )
        self.binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        self.doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        self.host = HOST
        self.port = 0
        self.ssl_port = 0
        self.tmpdir: Path | None = None
        self.certificate: Certificate | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._introspection: _Introspection | None = None
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()
        self._user_numbers = itertools.count(1)
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam("dovecot")
            except KeyError:
                raise MailServerError(
                    "Running as root, the test Dovecot runs as the 'dovecot' system user, and "
                    "there is none. Run ./scripts/test-servers (it installs 'dovecot-imapd')."
                ) from None
        else:
            self._run_as = pwd.getpwuid(os.getuid())

    # -- paths ------------------------------------------------------------------------------

    @property
    def cafile(self) -> Path:
        """The CA certificate a client trusts to verify this server."""
        assert self.certificate is not None, "not started"
        return self.certificate.cafile

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "dovecot.log"

    @property
    def config(self) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / "dovecot.conf"

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Dovecot:
        if self._process is not None:
            return self
        began = time.monotonic()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="casedesk-imap-", dir=_tmp_base()))
        atexit.register(self.stop)
        try:
            self.certificate = make_certificate(self.tmpdir)
            self._introspection = _Introspection()
            (self.tmpdir / "oauth2.conf.ext").write_text(
                _OAUTH2_CONFIG.format(url=self._introspection.url))
            (self.tmpdir / "dovecot.log").write_text("")
            for name in ("run", "state", "mail", "users"):
                (self.tmpdir / name).mkdir()
            for _attempt in range(3):  # another process may take a free port before us
                self.port, self.ssl_port = free_port(), free_port()
                self._write_config()
                self._chown_tree()
                if self._launch(deadline=began + START_TIMEOUT):
                    break
            else:
                raise MailServerError(self._failure("no free ports after 3 tries"))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Every Dovecot process ended and the temporary directory removed; safe twice."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None:
            # SIGKILL to the master's whole process group (every Dovecot process is in it): the
            # data is thrown away, and a clean shutdown takes 1-5 s with clients connected.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            deadline = time.monotonic() + 5  # the others take a moment to die
            while live_processes(process.pid) and time.monotonic() < deadline:
                time.sleep(0.005)
        if self._introspection is not None:
            self._introspection.close()
            self._introspection = None
        tmpdir, self.tmpdir = self.tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


    # -- users and tokens -------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Adds a user who logs in with PLAIN/LOGIN, or changes the password (that takes up
        to a second: Dovecot looks at a passwd-file's mtime and size at most once a second)."""
        if not re.fullmatch(r"[\w+@-][\w.+@-]*", name) or any(c in password for c in ":\r\n"):
            raise ValueError(f"not a usable test user/password: {name!r}")
        path = self._path("users") / name
        new = path.with_name(f".{name}.new")
        new.write_text(f"{name}:{{PLAIN}}{password}\n")
        self._chown(new)
        with self._lock:
            self._passwords[name] = password
            old = path.stat() if path.exists() else None
            new.replace(path)
            if old is not None:  # a later second, and an mtime Dovecot has not seen
                os.utime(path, ns=(old.st_atime_ns, max(old.st_mtime_ns, time.time_ns())
                                   + 1_000_000_000))
                time.sleep(1.01 - time.time() % 1)

    def new_mailbox(self, domain: str = "example.com") -> Mailbox:
        """A new user (user1@…, user2@…) with a random password and an empty INBOX."""
        user = f"user{next(self._user_numbers)}@{domain}"
        password = secrets.token_urlsafe(12)
        self.add_user(user, password)
        return Mailbox(user, password, self.host, self.port, self.ssl_port, self.cafile)

    def register_token(self, user: str, token: str) -> None:
        """`token` is a valid OAuth2 access token for `user` from now on."""
        assert self._introspection is not None, "not started"
        self._introspection.tokens[token] = user

    def revoke_token(self, token: str) -> None:
        assert self._introspection is not None, "not started"
        self._introspection.tokens.pop(token, None)

    @property
    def introspection_requests(self) -> int:
        """How often Dovecot asked the introspection endpoint."""
        assert self._introspection is not None, "not started"
        return self._introspection.requests

    # -- clients and mail -------------------------------------------------------------------

    def connect(self, security: Security = "none", timeout: float = 10) -> IMAPClient:
        """An IMAPClient connected (not logged in), verifying the certificate with `cafile`."""
        assert self.certificate is not None, "not started"
        context = self.certificate.client_context()
        if security == "ssl":
            return IMAPClient(self.host, self.ssl_port, ssl=True, ssl_context=context,
                              timeout=timeout)
        client = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        if security == "starttls":
            client.starttls(context)
        return client

    def client(self, user: str, security: Security = "none") -> IMAPClient:
        """An IMAPClient logged in as `user` (added with `add_user`)."""
        client = self.connect(security)
        client.login(user, self._passwords[user])
        return client

    def append(self, user: str, folder: str, raw: bytes,
               flags: tuple[str, ...] | list[str] = ()) -> int:
        """APPENDs `raw` to `folder` (created if missing) as `user`; returns its UID."""
        with contextlib.closing(_Session(self.client(user))) as session:
            if not session.imap.folder_exists(folder):
                session.imap.create_folder(folder)
            response = session.imap.append(folder, raw, flags=flags)
        match = re.search(rb"\[APPENDUID \d+ (\d+)\]", response)
        if match is None:
            raise MailServerError(f"APPEND without APPENDUID: {response!r}")
        return int(match.group(1))

    def messages(self, user: str, folder: str = "INBOX") -> list[Message]:
        """Every message in `folder`, by UID: (uid, flags, raw bytes). Sets no \\Seen."""
        with contextlib.closing(_Session(self.client(user))) as session:
            session.imap.select_folder(folder, readonly=True)
            uids = session.imap.search("ALL")
            fetched = session.imap.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
        return [Message(uid, tuple(_text(f) for f in data[b"FLAGS"]), data[b"BODY[]"])
                for uid, data in sorted(fetched.items())]

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        with contextlib.closing(_Session(self.client(user))) as session:
            return int(session.imap.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset_uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """Gives `folder` a new UIDVALIDITY, its messages kept; returns the new value.

        What a server does after its mailbox index is rebuilt: every UID a client stored for
        the folder is void. A session that has the folder selected is dropped at its next
        command ("IMAP session state is inconsistent, please relogin")."""
        old = self.uidvalidity(user, folder)
        new = old + 1
        self._doveadm("mailbox", "update", "-u", user, "--uid-validity", str(new), folder)
        if (now := self.uidvalidity(user, folder)) != new:
            raise MailServerError(f"UIDVALIDITY of {user}/{folder} is {now}, not {new}")
        return new

    def kill_connections(self, user: str = "*") -> None:
        """Disconnects every IMAP session of `user` (a mask; default: everyone's), and
        returns once they are gone (a kick only asks the sessions to end)."""
        self._doveadm("kick", user, ok=(0, 68))  # 68: nobody was connected
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sessions = self._doveadm("who", "-1", user, ok=(0, 68)).splitlines()[1:]
            if not any(line.strip() for line in sessions):
                return
            time.sleep(0.02)
        raise MailServerError(f"the sessions of {user} were still there 10 s after a kick")

    # -- internals --------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        assert self.tmpdir is not None, "not started"
        return self.tmpdir / name

    def _write_config(self) -> None:
        assert self.tmpdir is not None
        self.config.write_text(_DOVECOT_CONFIG.format(
            tmp=self.tmpdir, host=self.host, port=self.port, ssl_port=self.ssl_port,
            user=self._run_as.pw_name, group=grp.getgrgid(self._run_as.pw_gid).gr_name,
            uid=self._run_as.pw_uid, gid=self._run_as.pw_gid,
        ))

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)

    def _chown_tree(self) -> None:
        assert self.tmpdir is not None
        for path in (self.tmpdir, *self.tmpdir.rglob("*")):
            self._chown(path)

    def _user_kwargs(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        return {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}

    def _env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
                "HOME": str(self.tmpdir), "USER": self._run_as.pw_name, "LANG": "C.UTF-8"}

    def _launch(self, *, deadline: float) -> bool:
        """Starts the master and waits for the IMAP greeting. False: a port was taken."""
        with self.logfile.open("ab") as log:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.config)], cwd=self.tmpdir, env=self._env(),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGTERM),  # Dovecot's shutdown
                **self._user_kwargs(),
            )
        while True:
            if self._process.poll() is not None:
                code, self._process = self._process.returncode, None
                if "Address already in use" in self._log_tail(5):
                    return False
                raise MailServerError(self._failure(f"dovecot exited with code {code}"))
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as s:
                    if s.recv(100).startswith(b"* OK"):
                        socket.create_connection((self.host, self.ssl_port), timeout=2).close()
                        return True
            except OSError as error:
                if time.monotonic() > deadline:
                    raise MailServerError(self._failure(
                        f"no IMAP greeting after {START_TIMEOUT:.0f} s ({error})")) from None
                time.sleep(0.01)

    def _doveadm(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        result = subprocess.run(
            [self.doveadm, "-c", str(self.config), *args], cwd=self.tmpdir, env=self._env(),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, check=False,
            **self._user_kwargs(),
        )
        if result.returncode not in ok:
            raise MailServerError(f"doveadm {' '.join(args)} failed with exit code "
                                  f"{result.returncode}: {(result.stdout + result.stderr).strip()}")
        return result.stdout

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(encoding="utf-8", errors="replace")
        except (OSError, AssertionError):
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _failure(self, what: str) -> str:
        return (f"The Dovecot test server ({self.binary}, ports {self.port}/{self.ssl_port}) "
                f"did not start: {what}. Last lines of its log:\n{self._log_tail()}")


class _Session:
    """An IMAPClient that `close()` logs out (or just drops, if the server is gone)."""

    def __init__(self, imap: IMAPClient) -> None:
        self.imap = imap

    def close(self) -> None:
        try:
            self.imap.logout()
        except Exception:
            with contextlib.suppress(Exception):
                self.imap.shutdown()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
