"""The team's triage rules: `casedesk rules check` (README, "Triage rules").

Store and config imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import CliError, ctx_of
from tui.sanitize import clean_line

rules_app = typer.Typer(help="Triage rules: how new cases are routed and prioritised.",
                        no_args_is_help=True)


@rules_app.command("check")
def rules_check(ctx: typer.Context, file: Annotated[Path | None, typer.Option(
        "--file", help="The rules file to check (default: the config's [triage] rules).")
        ] = None) -> None:
    """Check a rules file against the store: each problem as `rule 'NAME': what is wrong`.
    Exit 1 on an error (the file would not be used); warnings alone exit 0."""
    context = ctx_of(ctx)
    path = file or context.rules_path()
    if path is None:
        raise CliError("no rules file: name one with --file, or set [triage] rules in the "
                       "config")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read it: {exc}") from None
    count, problems = context.service().check_rules(text)
    for problem in problems:
        kind = "error" if problem.error else "warning"
        typer.echo(f"{clean_line(str(path))}: {kind}: {clean_line(str(problem))}")
    errors = sum(p.error for p in problems)
    if errors:
        raise typer.Exit(1)
    typer.echo(f"{clean_line(str(path))}: {count} rule{'s' if count != 1 else ''}, "
               f"{len(problems)} warning{'s' if len(problems) != 1 else ''}: it can be used.")
