"""The `casedesk` command: for people and scripts alike.

Every command exits non-zero on any error with a one-line message and no
traceback. Heavy imports (SQLAlchemy, Textual) happen inside the commands, so
`--help` is quick.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from typer._click import exceptions as click  # typer carries its own copy of Click

from cli import (
    admin,
    audit,
    cases,
    doctor,
    importing,
    knowledge,
    mail,
    privacy,
    report,
    scheduler,
    server,
    triage,
)
from cli.context import CliError, Context
from cli.overview import open_overview
from store.errors import StoreError, describe_failure
from tui.sanitize import clean_line

app = typer.Typer(
    help="casedesk: the contact-center case system you work from a terminal.\n\n"
    "Without a command, opens the case overview.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# The top-level commands first, then the groups: the order `--help` lists them in.
app.add_typer(admin.commands)
app.add_typer(cases.commands)
app.add_typer(mail.commands)
app.add_typer(scheduler.commands)
app.add_typer(doctor.commands)
app.add_typer(audit.commands)
app.add_typer(privacy.backup_commands)
app.add_typer(report.commands)
app.add_typer(server.commands)
app.add_typer(admin.agent_app, name="agent")
admin.agent_app.add_typer(server.key_app, name="key")
app.add_typer(admin.channel_app, name="channel")
app.add_typer(cases.case_app, name="case")
app.add_typer(admin.quick_app, name="quick-reply")
app.add_typer(mail.outbox_app, name="outbox")
app.add_typer(triage.rules_app, name="rules")
app.add_typer(triage.label_app, name="label")
app.add_typer(knowledge.kb_app, name="kb")
app.add_typer(importing.import_app, name="import")
app.add_typer(privacy.privacy_app, name="privacy")
app.add_typer(privacy.contact_app, name="contact")
app.add_typer(server.server_app, name="server")


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="The config file (default: $CASEDESK_CONFIG, then "
                     "the platform's config folder).", show_default=False),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="The database: a file path or an SQLAlchemy URL; wins over "
                     "the config.", show_default=False),
    ] = None,
    read_all: Annotated[
        bool,
        typer.Option("--read-all", help="Supervisors: every case of every channel, archived "
                     "ones too, read-only (nothing can be changed)."),
    ] = False,
) -> None:
    # Run by `ssh-session` for an agent's key: as them, with no background work.
    session = ctx.obj if isinstance(ctx.obj, server.SshSession) else None
    ctx.obj = Context(config, db, read_all, acting_as=session.login if session else None,
                      background=session is None)
    if read_all and ctx.invoked_subcommand is not None:
        raise CliError("--read-all opens the case overview: give it without a command")
    if ctx.invoked_subcommand is None:
        open_overview(ctx.obj)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"casedesk: {clean_line(message)}", err=True)
    raise SystemExit(code)


def _write_reads() -> None:
    """The access log's reads this command noted, written before it ends (loaded only
    if a case was read: `--help` stays quick)."""
    reads = sys.modules.get("store.reads")
    if reads is not None:
        reads.flush_all()


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command and turn every error into one line."""
    try:
        try:
            code = app(args=argv, prog_name="casedesk", standalone_mode=False)
        finally:
            _write_reads()
    except click.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())  # `casedesk case` alone: its help
        raise SystemExit(2) from None
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "casedesk"
        fail(f"{exc.format_message()} (see `{where} --help`)", 2)
    except click.ClickException as exc:
        fail(exc.format_message())
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        fail("interrupted", 130)
    except SystemExit:
        raise
    except CliError as exc:
        fail(str(exc))
    except Exception as exc:  # one line in words, never a traceback, SQL or data
        # Imported here, not above: the config's models would slow `--help` down.
        from cli.config import ConfigError

        if isinstance(exc, ConfigError):
            fail(str(exc))
        if os.environ.get("CASEDESK_DEBUG") and not isinstance(exc, StoreError):
            raise
        fail(describe_failure(exc).text)
    raise SystemExit(code if isinstance(code, int) else 0)
