"""Where passwords and tokens come from: never the config file itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mail.settings import MailboxSettings, SecretError


def box(**secret: str) -> MailboxSettings:
    return MailboxSettings(channel="Support", host="imap.example.com",
                           username="support@example.com", **secret)  # type: ignore[arg-type]


def test_a_password_from_a_command_a_file_or_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert box(password_command="printf 'hemligt\\nrest'").secret() == "hemligt"
    secret = tmp_path / "pw"
    secret.write_text("ur-fil\n")
    secret.chmod(0o600)
    assert box(password_file=str(secret)).secret() == "ur-fil"
    monkeypatch.setenv("IMAP_PW", "ur-miljön")
    assert box(password_env="IMAP_PW").secret() == "ur-miljön"
    assert box().secret() is None


def test_each_way_says_what_went_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pw"
    secret.write_text("x")
    secret.chmod(0o644)
    with pytest.raises(SecretError, match="readable by others: chmod 600"):
        box(password_file=str(secret)).secret()
    with pytest.raises(SecretError, match="cannot read"):
        box(password_file=str(tmp_path / "missing")).secret()
    with pytest.raises(SecretError, match="failed \\(exit 3\\): nope"):
        box(password_command="sh -c 'echo nope >&2; exit 3'").secret()
    with pytest.raises(SecretError, match="printed nothing"):
        box(password_command="true").secret()
    with pytest.raises(SecretError, match="could not run"):
        box(password_command="no-such-command-here").secret()
    monkeypatch.delenv("IMAP_PW", raising=False)
    with pytest.raises(SecretError, match="IMAP_PW is not set"):
        box(password_env="IMAP_PW").secret()


def test_one_way_at_a_time_and_only_with_a_username() -> None:
    with pytest.raises(ValidationError, match="give one of password_command, password_env"):
        box(password_command="x", password_env="Y")
    with pytest.raises(ValidationError, match="needs a username"):
        MailboxSettings(channel="Support", host="imap.example.com", password_env="Y")
    with pytest.raises(ValidationError, match='use "seen" or "move:Folder"'):
        box(after_ingest="delete")
