"""`casedesk daemon --print-unit`: a systemd service for the daemon as it runs here
(this login, this casedesk, this config and database), hardened as far as it still
works: it writes only its database's folder, the files folder and the data folder,
reaches IMAP, SMTP and PostgreSQL, and may run a `password_command` (README, "A team
server").

Store imports happen inside, so `--help` is quick."""

from __future__ import annotations

import os
import pwd
import re
from pathlib import Path

from cli.context import CliError, Context

DESCRIPTION = "casedesk: mail in and out, and the scheduler"
HARDENING = (
    "NoNewPrivileges=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes", "ProtectControlGroups=yes", "ProtectClock=yes",
    "ProtectHostname=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    "RestrictNamespaces=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    "LockPersonality=yes", "SystemCallArchitectures=native")
_PLAIN = re.compile(r"[\w/.,:@+=-]+")


def unit_text(context: Context) -> str:
    """The unit, or a CliError saying what cannot be written into one."""
    from store.db import sqlite_file, to_url
    from store.leases import HOST_ENV, host_name

    config = context.config  # (read now: a broken config is said as it always is)
    store = config.store
    args = context.invocation()
    url = to_url(context.database_url())
    args.append("daemon")

    writes: list[Path] = []
    if url.get_backend_name() == "sqlite":
        writes.append(sqlite_file(url)[0].parent)  # its -wal, turns and files beside it
    if store.files:
        writes.append(Path(store.files).expanduser().absolute())
    from cli.config import default_data_dir

    writes.append(default_data_dir())
    writes = _outermost(writes)

    local_pg = url.get_backend_name() == "postgresql" and url.host in (
        None, "", "localhost", "127.0.0.1", "::1")
    servers = [*config.mailbox, *([config.smtp] if config.smtp else [])]
    commands = any(s.password_command or s.oauth2_token_command for s in servers)
    relative = _relative(store.files) or (not context.db_arg and _relative(store.url))

    lines = [
        "# Written by `casedesk daemon --print-unit`. Installed as",
        "# /etc/systemd/system/casedesk.service, it starts with",
        "#   sudo systemctl daemon-reload && sudo systemctl enable --now casedesk",
        "[Unit]",
        f"Description={DESCRIPTION}",
        "After=network-online.target" + (" postgresql.service" if local_pg else ""),
        "Wants=network-online.target",
        "",
        "[Service]",
        f"User={pwd.getpwuid(os.getuid()).pw_name}",
        "Environment=PYTHONUNBUFFERED=1",  # its reports reach the journal as they happen
    ]
    if os.environ.get(HOST_ENV):
        lines.append(f"Environment={_word(f'{HOST_ENV}={host_name()}')}")
    if os.environ.get("XDG_DATA_HOME"):  # the data folder, as here
        lines.append(f"Environment={_word('XDG_DATA_HOME=' + os.environ['XDG_DATA_HOME'])}")
    if commands:  # a password_command found as here
        lines.append(f"Environment={_word('PATH=' + os.environ.get('PATH', os.defpath))}")
    if relative:  # the config's relative paths, read from the same folder
        lines.append(f"WorkingDirectory={_line(os.getcwd()).replace('%', '%%')}")  # whole
    lines += [
        f"ExecStart={' '.join(_word(a, dollars=True) for a in args)}",
        "Restart=on-failure",
        "RestartSec=5",
        f"UMask={'0007' if store.share_with_group else '0077'}",
        "",
        "# Hardening (systemd.exec(5)).",
        *HARDENING,
    ]
    # A private /tmp or /dev would hide a database kept there.
    if not any(_under(p, Path("/tmp")) or _under(p, Path("/var/tmp")) for p in writes):
        lines.append("PrivateTmp=yes")
    if not any(_under(p, Path("/dev")) for p in writes):
        lines.append("PrivateDevices=yes")
    if commands:
        lines += ["# A password_command or oauth2_token_command may write into the home",
                  "# folder (gpg's lock files, a refreshed token): only /usr, /boot and /etc",
                  "# are read-only.",
                  "ProtectSystem=full"]
    else:
        lines += ["ProtectSystem=strict", "ProtectHome=read-only"]
    lines += [f"ReadWritePaths={_word(('' if p.exists() else '-') + str(p))}" for p in writes]
    lines += ["", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def _word(text: str, *, dollars: bool = False) -> str:
    """`text` as one word of a unit file: quoted and escaped as systemd reads it back
    (`%` is a specifier everywhere, `$` a variable in a command line)."""
    escaped = _line(text).replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if dollars:
        escaped = escaped.replace("$", "$$")
    return escaped if _PLAIN.fullmatch(text) else f'"{escaped}"'


def _line(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise CliError(f"{text!r} holds a control character: it cannot be written into a "
                       "unit file")
    return text


def _relative(text: str | None) -> bool:
    """Whether the config names a file the daemon finds from its working folder."""
    from store.db import to_url

    if text and "://" in text:
        url = to_url(text)
        text = url.database if url.get_backend_name() == "sqlite" else None
    return bool(text) and not str(text).startswith("file:") \
        and not Path(str(text)).expanduser().is_absolute()


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _outermost(paths: list[Path]) -> list[Path]:
    """`paths` without repeats and without those inside another of them."""
    unique = list(dict.fromkeys(paths))
    return [p for p in unique if not any(o != p and _under(p, o) for o in unique)]
