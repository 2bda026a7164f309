"""`casedesk doctor`'s questions to the mail servers: each [[mailbox]] (IMAP: connect,
TLS as configured, log in, its folders there) and [smtp] (connect, TLS as configured,
log in when it has a user). Each connects as the poller and the sender do
(mail/poller.py, mail/sender.py) but step by step, so that a failure says which step
failed and what the server said. `Probes` asks them all at once, each bounded by a
timeout."""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import threading
import time
from collections.abc import Callable, Sequence

import aiosmtplib
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mail.poller import logout
from mail.settings import MailboxSettings, SecretError, Server, SmtpSettings
from server.result import Result, failed, passed

GRACE = 1.0  # s past the timeout: a probe whose own socket timed out says so itself
REACH_FIX = ("check host, port and security (IMAP: ssl on 993, starttls on 143; SMTP: ssl on "
             "465, starttls on 587), that the server runs, and that this host may reach it")
TLS_FIX = ("check security (ssl, or starttls on the plain port) and, for a certificate of "
           "the server's own, cafile")
SECRET_FIXES = {
    "password_command": "run it as the account casedesk runs as (the daemon's User=) and make "
                        "it print the password",
    "oauth2_token_command": "run it as the account casedesk runs as (the daemon's User=) and "
                            "make it print a fresh token",
    "password_file": "make the file this account's, mode 0600, with the password on its "
                     "first line",
    "password_env": "set it where casedesk runs (the daemon's unit: Environment= or "
                    "EnvironmentFile=)",
}


class Progress:
    """Where a probe is: for one that runs out of time, the step that never ended."""

    def __init__(self) -> None:
        self.step, self.fix = "connecting", REACH_FIX

    def at(self, step: str, fix: str = REACH_FIX) -> None:
        self.step, self.fix = step, fix


class Probes:
    """Checks that talk to servers, each started at once in a thread of its own;
    `results` waits for them until the timeout (and a moment) has passed. The threads
    are daemons: one stuck past it is left behind, reported, and ends with the process."""

    def __init__(self, probes: Sequence[tuple[str, Callable[[Progress], Result]]],
                 timeout: float) -> None:
        self.timeout = timeout
        self._labels = [label for label, _ in probes]
        self._progress = [Progress() for _ in probes]
        self._found: list[Result | None] = [None] * len(probes)
        self._threads = [threading.Thread(target=self._run, args=(i, probe), daemon=True,
                                          name=f"doctor: {label}")
                         for i, (label, probe) in enumerate(probes)]
        self._deadline = time.monotonic() + timeout + GRACE
        for thread in self._threads:
            thread.start()

    def _run(self, i: int, probe: Callable[[Progress], Result]) -> None:
        try:
            self._found[i] = probe(self._progress[i])
        except Exception as exc:  # a library's surprise: said, not raised in a thread
            self._found[i] = failed(f"{self._labels[i]}: failed ({type(exc).__name__}: "
                                    f"{_said(exc)})", REACH_FIX)

    def results(self) -> list[Result]:
        for thread in self._threads:
            thread.join(max(0.0, self._deadline - time.monotonic()))
        return [found if found is not None else
                failed(f"{label}: no answer within {self.timeout:g} s ({progress.step})",
                       progress.fix)
                for label, found, progress in zip(self._labels, self._found, self._progress,
                                                  strict=True)]


def imap_mailbox(box: MailboxSettings, timeout: float,
                 progress: Progress | None = None) -> Result:
    """The mailbox's server reached, TLS as configured, the login taken, and the folder
    it reads (and the one it moves mail to) there."""
    label = f"mailbox {box.key}"
    progress = progress or Progress()
    if not box.username:
        return failed(f"{label}: no username", "give the [[mailbox]] a username and a "
                      "password: an IMAP server shows no mailbox without a login")
    secret, problem = _secret(box, label, progress)
    if problem is not None:
        return problem
    where = f"{box.host}:{box.port}"
    context = _context(box)
    progress.at(f"connecting to {where}")
    try:
        client = IMAPClient(box.host, port=box.port, ssl=box.security == "ssl",
                            ssl_context=context, timeout=timeout)
    except ssl.SSLError as exc:
        return failed(f"{label}: TLS with {where} failed", f"{TLS_FIX} (TLS said: {_said(exc)})")
    except (OSError, IMAPClientError) as exc:
        return _unreached(label, where, exc, timeout)
    folders = [box.folder]
    if box.after_ingest.startswith("move:"):
        folders.append(box.after_ingest.removeprefix("move:").strip())
    step = "STARTTLS"
    try:
        if box.security == "starttls":
            progress.at(step)
            client.starttls(context)
        step = "the login"
        progress.at(step)
        if box.oauth2:
            client.oauth2_login(box.username, secret or "")
        else:
            client.login(box.username, secret or "")
        step = "looking for its folders"
        progress.at(step)
        missing = [folder for folder in folders if not client.folder_exists(folder)]
        if missing:
            names = sorted(str(name) for _flags, _sep, name in client.list_folders())
            return failed(f"{label}: no folder {', '.join(missing)} on the server",
                          f"correct the [[mailbox]]'s folder or after_ingest, or create it "
                          f"(the server has {', '.join(names[:10]) or 'none'})")
    except ssl.SSLError as exc:
        return failed(f"{label}: TLS with {where} failed", f"{TLS_FIX} (TLS said: {_said(exc)})")
    except LoginError as exc:
        return failed(f"{label}: the server refused the login as {box.username}",
                      f"check the username, and the password its {_source(box)} gives (the "
                      f"server said: {_said(exc)})")
    except TimeoutError:
        return failed(f"{label}: no answer from {where} within {timeout:g} s at {step}",
                      REACH_FIX)
    except (OSError, IMAPClientError) as exc:
        return failed(f"{label}: {step} failed", f"{REACH_FIX} (the server said: {_said(exc)})")
    finally:
        logout(client)
    return passed(f"{label}: reached over {_how(box)}, logged in as {box.username}, "
                  f"{' and '.join(folders)} there")


def smtp_server(smtp: SmtpSettings, timeout: float, progress: Progress | None = None) -> Result:
    """The SMTP server reached, TLS as configured, and the login taken (when it has a
    user): as far as the sender goes before it hands over a mail."""
    label = f"SMTP {smtp.host}:{smtp.port}"
    progress = progress or Progress()
    secret, problem = _secret(smtp, label, progress)
    if problem is not None:
        return problem
    progress.at(f"connecting to {smtp.host}:{smtp.port}")
    return asyncio.run(_smtp(smtp, secret, label, progress, seconds=timeout))


async def _smtp(smtp: SmtpSettings, secret: str | None, label: str, progress: Progress, *,
                seconds: float) -> Result:
    where = f"{smtp.host}:{smtp.port}"
    client = aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, use_tls=smtp.security == "ssl",
                             start_tls=smtp.security == "starttls", tls_context=_context(smtp),
                             timeout=seconds)
    try:
        await client.connect()  # with EHLO, and STARTTLS as configured
    except ssl.SSLError as exc:
        return failed(f"{label}: TLS failed", f"{TLS_FIX} (TLS said: {_said(exc)})")
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, OSError) as exc:
        if isinstance(exc.__cause__, ssl.SSLError):  # how aiosmtplib hands a TLS failure on
            return failed(f"{label}: TLS failed", f"{TLS_FIX} (TLS said: {_said(exc.__cause__)})")
        return _unreached(label, where, exc, seconds)
    except aiosmtplib.SMTPResponseException as exc:
        return failed(f"{label}: the server refused the connection",
                      f"{REACH_FIX} (the server said: {exc.code} {exc.message})")
    except aiosmtplib.SMTPException as exc:  # e.g. no STARTTLS offered
        return failed(f"{label}: the connection failed", f"{TLS_FIX} (it said: {_said(exc)})")
    progress.at("the login")
    try:
        if smtp.username and smtp.oauth2:
            await client.auth_xoauth2(smtp.username, secret or "")
        elif smtp.username:
            await client.login(smtp.username, secret or "")
    except aiosmtplib.SMTPAuthenticationError as exc:
        return failed(f"{label}: the server refused the login as {smtp.username}",
                      f"check the username, and the password its {_source(smtp)} gives (the "
                      f"server said: {exc.code} {exc.message})")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return failed(f"{label}: the login as {smtp.username} failed",
                      "check security (servers take logins over TLS) and the port (587 for "
                      "starttls); a relay that needs no login takes no username (it said: "
                      f"{_said(exc)})")
    finally:
        try:
            await client.quit()
        except Exception:  # gone already
            client.close()
    login = f", logged in as {smtp.username}" if smtp.username else " (no login configured)"
    return passed(f"{label}: reached over {_how(smtp)}{login}")


def _secret(server: Server, label: str,
            progress: Progress) -> tuple[str | None, Result | None]:
    """The password or token, or the ✗ saying why there is none."""
    source = _source(server)
    progress.at(f"waiting for its {source}", "make it print the password at once, without "
                "asking: casedesk runs it with no terminal, as the daemon's User=")
    try:
        return server.secret(), None
    except SecretError as exc:
        return None, failed(f"{label}: its {source} gave no password: "
                            f"{str(exc).rstrip(': ')}",
                            SECRET_FIXES.get(source, "see config.example.toml"))


def _source(server: Server) -> str:
    for name in SECRET_FIXES:
        if getattr(server, name) is not None:
            return name
    return "settings"


def _context(server: Server) -> ssl.SSLContext:
    return (ssl.create_default_context(cafile=server.cafile) if server.cafile
            else ssl.create_default_context())


def _how(server: Server) -> str:
    return {"ssl": "TLS", "starttls": "STARTTLS", "none": "plain text (this machine)"}[
        server.security]


def _unreached(label: str, where: str, exc: BaseException, timeout: float) -> Result:
    if isinstance(exc, TimeoutError):
        return failed(f"{label}: no answer from {where} within {timeout:g} s", REACH_FIX)
    return failed(f"{label}: cannot reach {where} ({_said(exc)})", REACH_FIX)


def _said(exc: BaseException) -> str:
    """The words of an error: a server's, or the system's (b'…' unwrapped, as imaplib
    hands them over)."""
    code = next((e.errno for e in (exc, exc.__cause__) if isinstance(e, OSError) and e.errno
                 and not isinstance(e, ssl.SSLError)), None)  # (an SSLError's is OpenSSL's)
    if isinstance(exc, ssl.SSLError):
        text = getattr(exc, "verify_message", None) or exc.reason or str(exc)
    elif code is not None:  # (aiosmtplib wraps the system's error in words of its own)
        text = os.strerror(code)
    else:
        text = str(exc)
    text = " ".join(text.split())
    quoted = re.fullmatch(r"b(['\"])(.*)\1", text)
    return (quoted.group(2) if quoted else text) or type(exc).__name__
