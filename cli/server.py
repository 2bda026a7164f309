"""The team server from the command line: agents' SSH keys (`agent key …`), the
forced command a key runs (`ssh-session LOGIN`), and which OS accounts may act as
any agent (`server trust …`). README, "A team server", tells the set-up.

Store and server imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import CliError, Context, ctx_of
from cli.output import emit_json
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from store.service import CaseService

commands = typer.Typer()
key_app = typer.Typer(help="Agents' SSH keys: each key logs in to casedesk as its agent.",
                      no_args_is_help=True)
server_app = typer.Typer(help="The team server: which OS accounts may act as any agent.",
                         no_args_is_help=True)


@dataclass(frozen=True)
class SshSession:
    """Handed to the casedesk command that `ssh-session` runs (cli.main.root)."""

    login: str


def casedesk_program(context: Context) -> list[str]:
    """This casedesk as a command another process can run: its absolute path, with the
    global options this one was given (a key's forced command, a systemd unit)."""
    here = Path(sys.argv[0])
    if here.name != "casedesk" or not here.exists():
        # `python -m cli`: the console script beside the interpreter, or on PATH.
        beside = Path(sys.executable).parent / "casedesk"
        found = beside if beside.exists() else shutil.which("casedesk")
        if found is None:
            raise CliError("cannot find the casedesk command to run: install casedesk "
                           "(pip install .) so that `casedesk` is on PATH")
        here = Path(found)
    words = [str(here.absolute())]
    if context.config_path is not None:
        words += ["--config", str(context.config_path.expanduser().absolute())]
    if context.db_arg:
        path = Path(context.db_arg).expanduser()
        local = "://" not in context.db_arg and not context.db_arg.startswith("file:")
        words += ["--db", str(path.absolute()) if local else context.db_arg]
    return words


def _supervisor(context: Context) -> CaseService:
    service = context.service()
    if not service.whoami().is_supervisor:
        raise CliError("only a supervisor manages agents' keys")
    return service


def _keys_path(context: Context) -> Path:
    return context.config.server.keys_path()


@key_app.command("add")
def key_add(
    ctx: typer.Context, login: str,
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="The agent's public key "
                                        "(id_ed25519.pub); - reads it from stdin.")],
) -> None:
    """Let the agent LOGIN in with their SSH key: one line in the service account's
    authorized_keys ([server] authorized_keys) that runs casedesk as them."""
    from server.keys import KeysError, add_key, parse_public_key

    context = ctx_of(ctx)
    service = _supervisor(context)
    agent = next((a for a in service.list_agents() if a.login == login.strip()), None)
    if agent is None:
        raise CliError(f"there is no agent {login!r} (see `casedesk agent list`)")
    if not agent.is_active:
        raise CliError(f"{agent.login} is deactivated: activate them first")
    try:
        text = sys.stdin.read() if file == "-" else Path(file).expanduser().read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None
    path = _keys_path(context)
    try:
        key = parse_public_key(text)
        added = add_key(path, casedesk_program(context), agent.login, key)
    except KeysError as exc:
        raise CliError(str(exc)) from None
    if added:
        typer.echo(f"Added {agent.login}'s key {key.fingerprint} to {path}: "
                   f"`ssh {_account()}@HOST` opens casedesk as {agent.login}.")
    else:
        typer.echo(f"{agent.login}'s key {key.fingerprint} is already in {path}.")


@key_app.command("list")
def key_list(ctx: typer.Context,
             as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every agent's key in the service account's authorized_keys."""
    from server.keys import KeysError, read_keys

    context = ctx_of(ctx)
    _supervisor(context)
    try:
        lines = [line for line in read_keys(_keys_path(context)) if line.login]
    except KeysError as exc:
        raise CliError(str(exc)) from None
    rows = [{"login": line.login, "fingerprint": line.key.fingerprint,
             "type": line.key.key_type,
             "comment": line.key.comment.removeprefix(f"casedesk:{line.login}").strip(),
             "line": line.number} for line in lines]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['login']:<16} {row['fingerprint']}  {row['type']:<12} "
                   f"{clean_line(str(row['comment']))}")


@key_app.command("remove")
def key_remove(ctx: typer.Context, login: str,
               fingerprint: Annotated[str | None, typer.Argument(
                   help="Only this key (SHA256:…, as `agent key list` shows it).")] = None,
               ) -> None:
    """Take the agent LOGIN's keys (or one of them) out of authorized_keys."""
    context = ctx_of(ctx)
    _supervisor(context)
    removed = remove_agent_keys(context, login.strip(), fingerprint)
    if not removed:
        raise CliError(f"{login} has no key" + (f" {fingerprint}" if fingerprint else "")
                       + f" in {_keys_path(context)}")
    typer.echo(f"Removed {len(removed)} key{'s' if len(removed) != 1 else ''} of {login}.")


def remove_agent_keys(context: Context, login: str, fingerprint: str | None = None) -> list[str]:
    """The fingerprints of `login`'s keys taken out of authorized_keys."""
    from server.keys import KeysError, remove_keys

    try:
        return [line.key.fingerprint
                for line in remove_keys(_keys_path(context), login, fingerprint)]
    except KeysError as exc:
        raise CliError(str(exc)) from None


def _account() -> str:
    from store.identity import os_login

    return os_login()


@commands.command("ssh-session", hidden=True)
def ssh_session(ctx: typer.Context, login: str) -> None:
    """The forced command of an agent's key (`agent key add` writes it): the TUI as
    LOGIN, or the casedesk command the client asked for ($SSH_ORIGINAL_COMMAND)."""
    from server.session import Refused, session_command
    from store.identity import LOGIN_ENV

    context = ctx_of(ctx)
    # Whatever the client's environment brought, the key says who this is.
    from_client = os.environ.pop(LOGIN_ENV, None)
    context.acting_as = login
    me = context.service().whoami()
    try:
        if from_client and not me.is_supervisor:
            raise Refused(f"only a supervisor's key may act as another agent ({LOGIN_ENV})")
        command = session_command(os.environ.get("SSH_ORIGINAL_COMMAND"), me.login,
                                  supervisor=me.is_supervisor)
    except Refused as exc:
        raise CliError(str(exc)) from None
    from cli.main import app  # (cli.main imports this module)

    globals_ = casedesk_program(context)[1:]
    app(args=[*globals_, *command.args], prog_name="casedesk", standalone_mode=False,
        obj=SshSession(command.login))


@server_app.command("trust")
def server_trust(ctx: typer.Context, account: str) -> None:
    """Let the OS account ACCOUNT act as any agent (supervisors only): the service
    account whose keys' forced commands name the agent. Kept in the database."""
    trusted = ctx_of(ctx).service().set_trust(account, trusted=True)
    typer.echo(f"Trusted accounts: {', '.join(trusted)}.")


@server_app.command("untrust")
def server_untrust(ctx: typer.Context, account: str) -> None:
    """Stop trusting the OS account ACCOUNT (supervisors only)."""
    trusted = ctx_of(ctx).service().set_trust(account, trusted=False)
    typer.echo(f"Trusted accounts: {', '.join(trusted) or 'none'}.")


@server_app.command("trusted")
def server_trusted(ctx: typer.Context,
                   as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The OS accounts that may act as any agent."""
    trusted = ctx_of(ctx).service().trusted_accounts()
    if as_json:
        emit_json(trusted)
    else:
        typer.echo("\n".join(trusted) if trusted else "No account is trusted: on SQLite the "
                   "owner of the database file may act as any agent, on PostgreSQL nobody.")
