"""The team's triage rules and labels: `casedesk rules check`, `casedesk label …`
(README, "Triage rules").

Store and config imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import CliError, ctx_of
from cli.output import emit_json
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


label_app = typer.Typer(help="Labels: the team's short list (once it has any, a case takes "
                        "no other).", no_args_is_help=True)


@label_app.command("add")
def label_add(ctx: typer.Context, name: str) -> None:
    """Add a label to the team's list (supervisors only)."""
    added = ctx_of(ctx).service().add_label(name)
    typer.echo(f"Added the label {clean_line(added)!r}.")


@label_app.command("list")
def label_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option(
        "--json", help="A list of {name, cases}.")] = False) -> None:
    """The team's labels, each with how many cases carry it."""
    labels = ctx_of(ctx).service().labels()
    if as_json:
        emit_json([{"name": name, "cases": count} for name, count in labels])
        return
    if not labels:
        typer.echo("No labels yet: any label may be used (`casedesk label add` starts the list).")
    for name, count in labels:
        typer.echo(f"{clean_line(name)}  ({count} case{'s' if count != 1 else ''})")


@label_app.command("remove")
def label_remove(ctx: typer.Context, name: str) -> None:
    """Take a label off the list (supervisors only): no case gets it any more; the cases
    that carry it keep it."""
    kept = ctx_of(ctx).service().remove_label(name)
    typer.echo(f"Removed the label {clean_line(name.strip())!r}"
               + (f"; {kept} case{'s' if kept != 1 else ''} keep it." if kept else "."))
