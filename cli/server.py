"""The team server from the command line: agents' SSH keys (`agent key …`), the
forced command a key runs (`ssh-session LOGIN`), and which OS accounts may act as
any agent (`server trust …`). README, "A team server", tells the set-up.

Store and server imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click import exceptions as click  # typer carries its own copy of Click

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


def _supervisor(context: Context) -> CaseService:
    """The service, for a supervisor running as the service account: the keys go into
    that account's authorized_keys, and its forced commands act as the agents."""
    from store.identity import os_login, why_may_act_as_others

    service = context.service()
    if not service.whoami().is_supervisor:
        raise CliError("only a supervisor manages agents' keys")
    if why_may_act_as_others(service.db) is None:
        raise CliError(f"agents' keys are the service account's: run this as the account that "
                       f"owns the database (or one `casedesk server trust {os_login()}` names), "
                       f"not as {os_login()}")
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
        added = add_key(path, context.invocation(), agent.login, key)
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
        command = session_command(os.environ.get("SSH_ORIGINAL_COMMAND"), me.login,
                                  supervisor=me.is_supervisor, login_from_client=from_client)
    except Refused as exc:
        raise CliError(str(exc)) from None
    from cli.main import app  # (cli.main imports this module)

    # The forced command's own global options (authorized_keys), then the client's.
    given = (["--config", str(context.config_path)] if context.config_path else []) + (
        ["--db", context.db_arg] if context.db_arg else [])
    try:
        app(args=[*given, *command.args], prog_name="casedesk", standalone_mode=False,
            obj=SshSession(command.login))
    except click.UsageError as exc:
        if "extra argument" in exc.message:  # ssh joined the words: the server split them
            exc.message += (" — over SSH a text with blanks is quoted twice, as for a shell "
                            "on the server: --text \"'Ringer i eftermiddag'\"")
        raise


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
