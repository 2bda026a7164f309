"""A throw-away SMTP server for the tests (aiosmtpd).

`SmtpServer().start()` runs an aiosmtpd server on 127.0.0.1 (a free port) that records every
message it accepts and answers the next commands with a reply the test chose (`fail_next`);
AUTH and STARTTLS on request. Any failure raises MailServerError: the tests never skip.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import re
import shutil
import tempfile
import threading
import warnings
from collections import deque
from pathlib import Path
from typing import Any, Literal, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from children import Throwaway, free_port
from mailservers import (
    HOST,
    START_TIMEOUT,
    Certificate,
    MailServerError,
    make_certificate,
)

# aiosmtpd warns on every connection when AUTH goes without TLS; on loopback that is the point.
warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)

class Received(NamedTuple):
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


class _Handler:
    """Records accepted messages; answers queued replies first (aiosmtpd's handler hooks)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.replies: dict[str, deque[str]] = {"MAIL": deque(), "RCPT": deque(), "DATA": deque()}
        # How many of the next MAIL/RCPT/DATA commands end with the connection closed.
        self.drops: dict[str, int] = {"MAIL": 0, "RCPT": 0, "DATA": 0}
        self.lock = threading.Lock()
        # Set: DATA is recorded, then answered only when it is cleared (a client that
        # dies waiting for the answer has handed its mail over).
        self.hold = threading.Event()
        self.hold_from: int | None = None  # hold once this many mails are taken
        self.tokens: dict[str, str] = {}  # XOAUTH2: token -> user

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """XOAUTH2 (Gmail, Microsoft 365): "user=U^Aauth=Bearer T^A^A", base64."""
        try:
            fields = dict(part.split("=", 1) for part in base64.b64decode(
                args[1]).decode().split("\x01") if "=" in part)
        except (IndexError, ValueError):
            return AuthResult(success=False, handled=False)
        token = fields.get("auth", "").removeprefix("Bearer ")
        with self.lock:
            ok = self.tokens.get(token) == fields.get("user")
        return AuthResult(success=ok, handled=False)

    def _queued(self, command: str) -> str | None:
        with self.lock:
            queue = self.replies[command]
            return queue.popleft() if queue else None

    def _drop(self, command: str, server: SMTP) -> bool:
        with self.lock:
            if not self.drops[command]:
                return False
            self.drops[command] -= 1
        assert server.transport is not None
        server.transport.close()  # no answer: the client sees the connection break
        return True

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if reply := self._queued("MAIL"):
            return reply
        if self._drop("MAIL", server):
            return "421 4.3.0 Closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if reply := self._queued("RCPT"):
            return reply
        if self._drop("RCPT", server):
            return "421 4.3.0 Closing"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        if reply := self._queued("DATA"):
            return reply
        raw = envelope.original_content or b""
        with self.lock:
            self.received.append(Received(envelope.mail_from or "", list(envelope.rcpt_tos), raw))
            if self.hold_from is not None and len(self.received) >= self.hold_from:
                self.hold.set()
        if self._drop("DATA", server):  # taken, and the answer never comes
            return "421 4.3.0 Closing"
        while self.hold.is_set():  # noqa: ASYNC110 - released from another thread
            await asyncio.sleep(0.01)
        return "250 2.0.0 Message accepted for delivery"


class SmtpServer(Throwaway):
    """aiosmtpd on 127.0.0.1; `received` lists what it accepted, `fail_next` injects errors.

    `auth=(user, password)` requires AUTH PLAIN/LOGIN with those credentials (after STARTTLS
    if `starttls=True`, which offers STARTTLS with a certificate from `cafile`'s CA).
    `smtputf8=True` offers SMTPUTF8 (addresses with letters outside ASCII)."""

    def __init__(self, *, auth: tuple[str, str] | None = None, starttls: bool = False,
                 smtputf8: bool = False) -> None:
        self.host = HOST
        self.port = 0
        self.auth = auth
        self.starttls = starttls
        self.smtputf8 = smtputf8
        self.tmpdir: Path | None = None
        self.certificate: Certificate | None = None
        self._handler = _Handler()
        self._controller: Controller | None = None

    @property
    def cafile(self) -> Path:
        assert self.certificate is not None, "started without starttls"
        return self.certificate.cafile

    @property
    def received(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def fail_next(self, command: Literal["MAIL", "RCPT", "DATA"], reply: str,
                  times: int = 1) -> None:
        """Answers the next `times` MAIL/RCPT/DATA commands with `reply`, e.g.
        "451 4.3.0 Try again later" or "550 5.1.1 No such user"."""
        if not re.fullmatch(r"[45]\d\d [ -~]*", reply):
            raise ValueError(f"not an SMTP error reply: {reply!r}")
        with self._handler.lock:
            self._handler.replies[command].extend([reply] * times)

    def drop_next(self, command: Literal["MAIL", "RCPT", "DATA"], times: int = 1) -> None:
        """Closes the connection at the next `times` MAIL/RCPT/DATA commands, unanswered;
        at DATA only after the mail is taken (and recorded in `received`)."""
        with self._handler.lock:
            self._handler.drops[command] += times

    def register_token(self, user: str, token: str) -> None:
        """Accept `token` for `user` with AUTH XOAUTH2."""
        with self._handler.lock:
            self._handler.tokens[token] = user

    def hold_answers(self, hold: bool = True, *, from_mail: int | None = None) -> None:
        """Take mails but keep the client waiting for the answer, until released; with
        `from_mail` N, from the Nth mail taken on."""
        self._handler.hold_from = from_mail if hold else None
        if hold and from_mail is None:
            self._handler.hold.set()
        elif not hold:
            self._handler.hold.clear()

    def start(self) -> SmtpServer:
        if self._controller is not None:
            return self
        atexit.register(self.stop)
        try:
            kwargs: dict[str, Any] = {"enable_SMTPUTF8": self.smtputf8}
            if self.starttls:
                self.tmpdir = Path(tempfile.mkdtemp(prefix="casedesk-smtp-"))
                self.certificate = make_certificate(self.tmpdir)
                kwargs["tls_context"] = self.certificate.server_context()
            if self.auth:  # over TLS when STARTTLS is offered, as real servers do
                kwargs.update(authenticator=self._authenticate, auth_required=True,
                              auth_require_tls=self.starttls)
            for _attempt in range(3):  # another process may take the free port before us
                self.port = free_port()
                controller = Controller(self._handler, hostname=self.host, port=self.port,
                                        server_hostname="localhost", ready_timeout=START_TIMEOUT,
                                        **kwargs)
                try:
                    controller.start()  # returns once the server answered a connection
                except OSError:
                    continue
                self._controller = controller
                break
            else:
                raise MailServerError("the SMTP test server found no free port after 3 tries")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        atexit.unregister(self.stop)
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        tmpdir, self.tmpdir = self.tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        assert self.auth is not None
        ok = (mechanism in ("PLAIN", "LOGIN") and isinstance(auth_data, LoginPassword)
              and (auth_data.login, auth_data.password)
              == (self.auth[0].encode(), self.auth[1].encode()))
        return AuthResult(success=ok, handled=False)
