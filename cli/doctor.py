"""`casedesk doctor`: whether a team server's set-up works, one line per check.

The checks are server/doctor.py's; here the config is read (a config that does not
load is one ✗ line, not an error) and each result printed as it comes.

Config, server and store imports happen inside the command, so `--help` is quick."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import ctx_of
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from server.result import Result

commands = typer.Typer()


@commands.command()
def doctor(
    ctx: typer.Context,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Seconds each mail server (and the database server) "
        "has to answer; they are asked all at once.")] = 10.0,
    min_free: Annotated[float, typer.Option(
        "--min-free", min=0, help="GB a disk that holds casedesk's data must have free.")]
    = 1.0,
    min_free_percent: Annotated[float, typer.Option(
        "--min-free-percent", min=0, max=100, help="… and this share of it, in percent.")]
    = 5.0,
) -> None:
    """Check the set-up of a team server, one line per check, ✓ or ✗ and the fix: the
    config, the database and its schema, the modes of casedesk's files, the config and
    the SSH keys, each mailbox and the SMTP server (connected and logged in), the daemon,
    the agents' keys in authorized_keys, and disk space. Changes nothing. Exits 1 when
    any check failed."""
    from cli.config import ConfigError, config_path, default_data_dir, load_config
    from server.doctor import Setup, run

    context = ctx_of(ctx)
    setup = Setup(config_path(context.config_path)[0], timeout=timeout,
                  min_free_bytes=int(min_free * 1e9), min_free_share=min_free_percent / 100)
    try:
        config, _file = load_config(context.config_path)
    except ConfigError as exc:
        setup = replace(setup, config_error=str(exc))
    else:
        setup = replace(setup, database_url=context.database_url(),
                        share_with_group=config.store.share_with_group, files=config.store.files,
                        data_dir=default_data_dir(), mailboxes=config.mailbox, smtp=config.smtp,
                        keys_path=config.server.keys_path())
    results = []
    for result in run(setup):
        results.append(result)
        typer.echo(line(result))
    failed = sum(not r.ok and not r.skipped for r in results)
    skipped = sum(r.skipped for r in results)
    if not failed and not skipped:
        typer.echo(f"All {len(results)} checks passed.")
        return
    typer.echo(f"{failed} of {len(results)} checks failed"
               + (f", {skipped} skipped" if skipped else "") + ": see the ✗ lines.")
    raise typer.Exit(1)


def line(result: Result) -> str:
    """`✓ what`, `✗ what — fix`, or `- what: skipped (why)`: one line, whatever the
    servers and files said."""
    if result.ok:
        return clean_line(f"✓ {result.what}")
    if result.skipped:
        return clean_line(f"- {result.what}: skipped ({result.fix})")
    return clean_line(f"✗ {result.what} — {result.fix}")
