"""The `[[mailbox]]`, `[smtp]` and `[mail]` sections of the config, and the secrets
they name: never in the file itself — from a command (like mutt's), a 0600 file or
an environment variable."""

from __future__ import annotations

import ipaddress
import os
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mail.mime import Limits

Security = Literal["ssl", "starttls", "none"]


class SecretError(Exception):
    """A password or token could not be had; the message says from where and why."""


class Credentials(BaseModel):
    """How to log in: a password from one of three places, or an OAuth2 token."""

    model_config = ConfigDict(extra="forbid", strict=True)

    username: str | None = Field(default=None, description="The login name.")
    password_command: str | None = Field(
        default=None, description="A command whose first output line is the password.")
    password_file: str | None = Field(
        default=None, description="A file (mode 0600) holding the password.")
    password_env: str | None = Field(
        default=None, description="An environment variable holding the password.")
    oauth2_token_command: str | None = Field(
        default=None, description="A command printing an OAuth2 access token (XOAUTH2: "
        "Gmail, Microsoft 365); used instead of a password.")

    @model_validator(mode="after")
    def _one_secret(self) -> Credentials:
        given = [k for k in ("password_command", "password_file", "password_env",
                             "oauth2_token_command") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of {', '.join(given)}, not several")
        if given and not self.username:
            raise ValueError(f"{given[0]} needs a username")
        return self

    @property
    def oauth2(self) -> bool:
        return self.oauth2_token_command is not None

    def secret(self) -> str | None:
        """The password or token, read now (None: no login)."""
        if self.password_command or self.oauth2_token_command:
            command = self.oauth2_token_command or self.password_command or ""
            return _from_command(command)
        if self.password_file:
            return _from_file(Path(self.password_file).expanduser())
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise SecretError(f"the environment variable {self.password_env} is not set")
            return value
        return None


def _from_command(command: str) -> str:
    try:
        done = subprocess.run(shlex.split(command), capture_output=True, timeout=60,
                              check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise SecretError(f"the command `{command}` could not run: {exc}") from None
    if done.returncode != 0:
        raise SecretError(f"the command `{command}` failed (exit {done.returncode}): "
                          f"{done.stderr.decode(errors='replace').strip()[:200]}")
    lines = done.stdout.decode(errors="replace").splitlines()
    if not lines or not lines[0].strip():
        raise SecretError(f"the command `{command}` printed nothing")
    return lines[0].strip()


def _from_file(path: Path) -> str:
    try:
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise SecretError(f"{path} is readable by others: chmod 600 it")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"cannot read {path}: {exc.strerror}") from None
    value = text.splitlines()[0].strip() if text.strip() else ""
    if not value:
        raise SecretError(f"{path} is empty")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server(Credentials):
    host: str = Field(description="The server's name or address.")
    port: int = Field(ge=1, le=65535, description="The port.")
    security: Security = Field(description="ssl | starttls | none (none: loopback only).")
    cafile: str | None = Field(
        default=None, description="A CA certificate file to trust besides the system's "
        "(a server with a certificate of its own).")

    @model_validator(mode="after")
    def _plain_only_on_loopback(self) -> Server:
        if self.security == "none" and not _is_loopback(self.host):
            raise ValueError(f"security = \"none\" sends passwords and mail in clear text: "
                             f"only for a server on this machine, not {self.host!r}")
        return self


class MailboxSettings(Server):
    """One support address's IMAP mailbox, feeding an email channel."""

    channel: str = Field(description="The email channel its mail becomes cases in.")
    port: int = Field(default=993, ge=1, le=65535, description="The port.")
    security: Security = Field(default="ssl", description="ssl | starttls | none.")
    folder: str = Field(default="INBOX", description="The folder to read.")
    after_ingest: str = Field(
        default="seen", description='"seen" (flag \\Seen) or "move:Folder" (move it there).')

    @field_validator("after_ingest")
    @classmethod
    def _after(cls, value: str) -> str:
        if value == "seen" or (value.startswith("move:") and value[5:].strip()):
            return value
        raise ValueError(f'use "seen" or "move:Folder", not {value!r}')

    @property
    def key(self) -> str:
        """The mailbox's name in the store: its UIDs mean something only here."""
        return f"{self.username or ''}@{self.host}:{self.port}/{self.folder}"


class SmtpSettings(Server):
    """Where replies are sent."""

    port: int = Field(default=587, ge=1, le=65535, description="The port.")
    security: Security = Field(default="starttls", description="ssl | starttls | none.")


class MailSettings(BaseModel):
    """How mail is handled, whatever the mailbox."""

    model_config = ConfigDict(extra="forbid", strict=True)

    max_attachment_mb: float = Field(
        default=25, gt=0, description="Attachments larger than this are not stored on the "
        "case (a note says so); the original mail, kept whole, still has them.")
    max_mail_mb: float = Field(
        default=50, gt=0, description="A mail larger than this is not fetched whole: its "
        "headers make its case, which says so; the mail stays on the server.")
    max_attachments_mb: float = Field(
        default=100, gt=0, description="The attachments of one mail together: past this "
        "the rest are left in the original mail, as above.")
    max_parts: int = Field(
        default=Limits.max_parts, ge=1, le=100_000,
        description="MIME parts read of one mail; the rest is left in the original mail, "
        "and the case says so (a mail of 20,000 tiny parts would otherwise cost 20,000 "
        "files and minutes of the database).")
    max_depth: int = Field(
        default=Limits.max_depth, ge=1, le=1000,
        description="How deep parts nested in parts are read.")
    list_mail: Literal["case", "log"] = Field(
        default="case", description='Mail from lists and bulk senders: "case" (a case '
        'flagged as such, never acknowledged) or "log" (kept and logged, on no case).')
    acknowledge: bool = Field(
        default=False, description="Answer the first mail of a new case with its number "
        "(never to automatic mail, lists or bounces).")
    acknowledge_language: Literal["sv", "en"] = Field(
        default="sv", description="The language of that answer.")
    acknowledge_text: str | None = Field(
        default=None, description="Its text instead of the built-in one; {number} and "
        "{title} are filled in.")


ACKNOWLEDGEMENTS = {
    "sv": "Hej!\n\nTack för ditt mejl. Vi har tagit emot det som ärende #{number} ({title}) "
          "och återkommer så snart vi kan. Svara på det här mejlet om du vill lägga till "
          "något.\n\nDet här är ett automatiskt svar.",
    "en": "Hello,\n\nThank you for your mail. We have received it as case #{number} "
          "({title}) and will get back to you as soon as we can. Reply to this mail to add "
          "anything.\n\nThis is an automatic reply.",
}


def limits(settings: MailSettings) -> Limits:
    """What one mail may cost to read, as the settings say."""
    return Limits(max_parts=settings.max_parts, max_depth=settings.max_depth,
                  max_attachment_bytes=int(settings.max_attachment_mb * 1_000_000),
                  max_total_bytes=int(settings.max_attachments_mb * 1_000_000))


def acknowledgement(settings: MailSettings) -> str | None:
    """The acknowledgement's text, or None when acknowledgements are off."""
    if not settings.acknowledge:
        return None
    return settings.acknowledge_text or ACKNOWLEDGEMENTS[settings.acknowledge_language]
