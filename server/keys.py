"""Agents' SSH keys in the service account's authorized_keys file.

Each key casedesk adds is one line whose forced command names the agent:

    command="/abs/casedesk ssh-session anna",restrict,pty ssh-ed25519 AAAA… casedesk:anna laptop

sshd runs that command whatever the client asked for, so the key is the identity
(README, "A team server"). Every other line of the file is left as it is, byte for
byte; the file is rewritten whole (a temporary file renamed over it, mode 0600) under
a lock on its folder, so two supervisors adding keys at once lose neither.

A small parser of our own: the lines we need to read are few in kind (a key, maybe
after options), and the libraries that parse them either pull in a cryptography
stack or have a single release.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import os
import re
import shlex
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# The key types sshd accepts for a user's key (no DSA: OpenSSH turned it off).
KEY_TYPES = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
})
SESSION = "ssh-session"  # the casedesk command a key's forced command runs
OPTIONS = "restrict,pty"  # nothing but a terminal: no forwarding, no agent, no X11
MARK = "casedesk:"  # how the comment of casedesk's lines begins


class KeysError(ValueError):
    """A key or a key file casedesk cannot use; the message says why."""


@dataclass(frozen=True)
class PublicKey:
    key_type: str
    blob: str  # base64, as in the file
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` prints it: SHA256 of the key's bytes, base64, no padding."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class KeyLine:
    """A line of authorized_keys that holds a key."""

    number: int  # 1-based
    key: PublicKey
    command: str | None  # the forced command (command="…"), unquoted
    login: str | None  # the agent, when the forced command is casedesk's ssh-session

    @property
    def program(self) -> str | None:
        """The forced command's program, e.g. /opt/casedesk/.venv/bin/casedesk."""
        words = _words(self.command or "")
        return words[0] if words else None


def parse_public_key(text: str) -> PublicKey:
    """An agent's public key as `ssh-keygen` writes it: `TYPE BASE64 [COMMENT]`."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines and "PRIVATE KEY" in lines[0]:
        raise KeysError("that is a private key: give the public one (the .pub file)")
    if len(lines) != 1:
        raise KeysError("give one public key: a line like 'ssh-ed25519 AAAA… name'")
    words = lines[0].split(None, 2)
    if len(words) < 2 or words[0] not in KEY_TYPES:
        raise KeysError("not an SSH public key: expected a line like 'ssh-ed25519 AAAA… name' "
                        f"(a key of type {', '.join(sorted(KEY_TYPES))})")
    return _checked(words[0], words[1], words[2] if len(words) > 2 else "")


def _checked(key_type: str, blob: str, comment: str) -> PublicKey:
    try:
        raw = base64.b64decode(blob, validate=True)
        (size,) = struct.unpack(">I", raw[:4])
        inner = raw[4:4 + size].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError):
        raise KeysError("the key's data is damaged (not the base64 ssh-keygen writes)") from None
    if inner != key_type:
        raise KeysError(f"the key says it is {key_type} but its data is {inner!r}")
    return PublicKey(key_type, blob, _one_line(comment))


def read_keys(path: Path) -> list[KeyLine]:
    """Every line of the file that holds a key (a missing file holds none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise KeysError(f"cannot read {path}: {exc.strerror or exc}") from None
    found = []
    for number, line in enumerate(text.split("\n"), 1):  # as sshd reads it: by \n alone
        parsed = parse_line(line, number)
        if parsed is not None:
            found.append(parsed)
    return found


def parse_line(line: str, number: int = 1) -> KeyLine | None:
    """A line of authorized_keys, or None for a comment, a blank or a line sshd would
    not read either."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    options = ""
    if text.split(None, 1)[0] not in KEY_TYPES:
        options, text = _split_options(text)
    words = text.split(None, 2)
    if len(words) < 2 or words[0] not in KEY_TYPES:
        return None
    try:
        key = _checked(words[0], words[1], words[2] if len(words) > 2 else "")
    except KeysError:
        return None
    command = _option(options, "command")
    return KeyLine(number, key, command, _login_of(command))


def _split_options(text: str) -> tuple[str, str]:
    """The options before the key: up to the first blank outside double quotes."""
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and quoted and text[i + 1:i + 2] == '"':
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c in " \t" and not quoted:
            return text[:i], text[i:].strip()
        i += 1
    return text, ""


def _option(options: str, name: str) -> str | None:
    match = re.search(rf'(?:^|,){name}="((?:[^"\\]|\\.)*)"', options, re.IGNORECASE)
    return match.group(1).replace('\\"', '"') if match else None


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return []


def _login_of(command: str | None) -> str | None:
    words = _words(command or "")
    if SESSION in words[1:-1]:
        return words[words.index(SESSION) + 1]
    return None


def _one_line(text: str) -> str:
    """A comment kept on the line: printable characters only (no line breaks)."""
    return "".join(c for c in text if c.isprintable()).strip()


def forced_command(program: Sequence[str], login: str) -> str:
    """The command a key of `login` is forced to: casedesk (with its global options)
    and `ssh-session LOGIN`, quoted for the shell sshd runs it with."""
    words = [*program, SESSION, login]
    for word in words:
        if '"' in word or "\\" in word or not word.isprintable():
            raise KeysError(f"{word!r} cannot go into a forced command (quotes, backslashes "
                            "or control characters)")
    return " ".join(shlex.quote(word) for word in words)


def key_line(program: Sequence[str], login: str, key: PublicKey) -> str:
    comment = f"{MARK}{login}" + (f" {key.comment}" if key.comment else "")
    return (f'command="{forced_command(program, login)}",{OPTIONS} '
            f"{key.key_type} {key.blob} {comment}")


def add_key(path: Path, program: Sequence[str], login: str, key: PublicKey) -> bool:
    """Add `login`'s key. False when that very line's key is already `login`'s; a key
    that is already in the file for anyone or anything else is refused."""
    with _locked(path) as lines:
        for line in (parse_line(text, n) for n, text in enumerate(lines, 1)):
            if line is None or line.key.fingerprint != key.fingerprint:
                continue
            if line.login == login:
                return False
            whose = f"for {line.login}" if line.login else "as a key that is not casedesk's"
            raise KeysError(f"that key ({key.fingerprint}) is already in {path} {whose} "
                            f"(line {line.number}): one key, one identity")
        lines.append(key_line(program, login, key))
        return True


def remove_keys(path: Path, login: str, fingerprint: str | None = None) -> list[KeyLine]:
    """Take `login`'s keys out (only the one with `fingerprint`, if given); the lines
    taken out."""
    wanted = fingerprint if fingerprint is None or fingerprint.startswith("SHA256:") \
        else "SHA256:" + fingerprint
    if not path.exists():
        return []
    with _locked(path) as lines:
        removed, kept = [], []
        for number, text in enumerate(lines, 1):
            line = parse_line(text, number)
            if line is not None and line.login == login and wanted in (None, line.key.fingerprint):
                removed.append(line)
            else:
                kept.append(text)
        lines[:] = kept
        return removed


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[list[str]]:
    """The file's lines to change in place, written back atomically on success, under
    a lock on its folder (created 0700, as sshd wants it). Lines are split at \n alone
    and every other byte of them kept; a link is followed to the file it names."""
    if path.is_symlink():
        path = path.resolve()
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            before = path.read_bytes().decode("utf-8", errors="surrogateescape")
        except FileNotFoundError:
            before = ""
        ended = before.endswith("\n")
        lines = (before[:-1] if ended else before).split("\n") if before else []
        last = lines[-1] if lines else None
        yield lines
        # A last line of the file's own keeps its missing end of line; a new one ends.
        after = "\n".join(lines) + ("\n" if lines and (ended or lines[-1] is not last)
                                     else "")
        if after != before:
            _write_atomically(path, after, fd)
    finally:
        os.close(fd)  # (and with it the lock)


def _write_atomically(path: Path, text: str, folder_fd: int) -> None:
    temporary = path.with_name(f".{path.name}.casedesk-{os.getpid()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
        os.fsync(folder_fd)  # the rename itself survives a crash
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise KeysError(f"cannot write {path}: {exc.strerror or exc}") from None
