"""What an agent's key may run: the rules of `casedesk ssh-session LOGIN`.

sshd runs a key's forced command whatever the client asked for, and hands over what
was asked in $SSH_ORIGINAL_COMMAND. Nothing asked: the TUI. Otherwise the words,
split as a shell would (a leading `casedesk` dropped), are casedesk's arguments — and
only those an agent may run from the server's account: the commands that go through
the store's permissions as that agent. A supervisor may run any casedesk command,
name another database or config, or act as another agent (`CASEDESK_LOGIN=bo …`).
Everything else — a shell, scp, sftp, a program of the server's — is refused.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from store.identity import LOGIN_ENV

# What an agent may run: the commands that act through the service as them — by name,
# each group's commands too. Not the ones that read or write the server's files (import,
# backup, rules check, doctor), run background work as the system (poll, send, tick,
# purge, daemon) or administer; and below, no option or argument that names a file.
AGENT_COMMANDS: dict[str, frozenset[str] | None] = {
    "cases": None, "ingest": None, "inbound": None, "audit": None, "report": None,
    "case": frozenset({"show", "create", "reply", "note", "status", "assign", "priority",
                       "customer-type", "labels", "title", "move", "watch", "workspace",
                       "related", "link", "merge", "split", "original"}),
    "quick-reply": frozenset({"list", "add", "edit", "remove"}),  # (the store: supervisors)
    "outbox": frozenset({"retry"}), "label": frozenset({"list", "add", "remove"}),
    "kb": frozenset({"suggest", "list"}), "agent": frozenset({"list"}),
    "channel": frozenset({"list", "signature"}),
}
# Options that name a file on the server (`case original -o PATH`): written or read as
# the service account, so never from an agent's key — standard output is theirs.
FILE_OPTIONS = frozenset({"-o", "--output", "--file"})
# The global options that take a value.
WITH_VALUE = frozenset({"--db", "--config"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class Refused(Exception):
    """What the key may not run; one line saying why."""


@dataclass(frozen=True)
class SessionCommand:
    args: list[str]  # casedesk's arguments; none: the TUI
    login: str  # whom they run as


def session_command(original: str | None, login: str, *, supervisor: bool,
                    login_from_client: str | None = None) -> SessionCommand:
    """The casedesk arguments `original` (the client's command) asks for, for the key
    of `login`; Refused when that key may not run them. `login_from_client`: a
    CASEDESK_LOGIN the session's environment brought (sshd's AcceptEnv)."""
    try:
        words = shlex.split(original or "")
    except ValueError as exc:
        raise Refused(f"cannot read the command ({exc})") from None
    acting = login
    if login_from_client:
        words.insert(0, f"{LOGIN_ENV}={login_from_client}")
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        if name != LOGIN_ENV:
            raise Refused(f"this key runs casedesk only: it cannot set {name}")
        if not supervisor:
            raise Refused(f"only a supervisor's key may act as another agent ({LOGIN_ENV})")
        acting = value
    if words and words[0] in ("casedesk", "casedesk.exe"):
        words = words[1:]
    command = _command_of(words)
    if command == "ssh-session":
        raise Refused("ssh-session is what the key runs; it cannot run it again")
    if supervisor:
        return SessionCommand(words, acting)
    for word in words:
        option = word.partition("=")[0]
        if option in WITH_VALUE:
            raise Refused(f"{option} is for supervisors: your key works the team's database")
        if option == "--read-all":
            raise Refused("--read-all is for supervisors")
        # (`-oPATH` and `-xo PATH` are -o too, as Click reads short options.)
        if option in FILE_OPTIONS or re.match(r"-[A-Za-z]*o", word) and word[1:2] != "-":
            raise Refused(f"{option if option.startswith('--') else '-o'} names a file on "
                          "the server: over SSH the output is yours (leave it out, and "
                          "redirect on your side)")
    if command is None:
        return SessionCommand(words, acting)
    rest = words[words.index(command) + 1:]
    leaves = AGENT_COMMANDS.get(command, frozenset())
    sub = _command_of(rest) if leaves else None
    if leaves is not None and (not leaves or sub is not None and sub not in leaves):
        what = f"{command} {sub}" if leaves else command
        raise Refused(f"{what!r} is not a casedesk command an agent's key may run "
                      "(administration is for supervisors)")
    if command == "ingest" and not set(rest) <= {"-", "-h", "--help"}:
        raise Refused("ingest reads standard input over SSH, not a file on the server: "
                      "`ssh … ingest < cases.jsonl`")
    return SessionCommand(words, acting)


def _without_values(words: list[str]) -> list[str]:
    """`words` without the values of global options (`--db URL`)."""
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in WITH_VALUE:
            skip = True
        else:
            kept.append(word)
    return kept


def _command_of(words: list[str]) -> str | None:
    """The first word that is not an option (nor an option's value)."""
    for word in _without_values(words):
        if not word.startswith("-"):
            return word
    return None
