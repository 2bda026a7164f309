"""`casedesk audit`: the audit log, who did what when (README, "The audit log").

Store imports happen inside the command, so `--help` is quick."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from cli.cases import case_number
from cli.context import CliError, ctx_of
from cli.output import emit_json, local
from tui.sanitize import clean_line

commands = typer.Typer()


def _since(text: str) -> date | datetime:
    """A date (from its midnight in the team's time zone) or a time with its zone."""
    try:
        return date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("a date such as 2026-12-01, or a time such as "
                                 "2026-12-01T08:00+01:00", param_hint="'--since'") from None


@commands.command("audit")
def audit(
    ctx: typer.Context,
    case: Annotated[int | None, typer.Option("--case", parser=case_number, metavar="NUMBER",
                                             help="One case's events.")] = None,
    agent: Annotated[str | None, typer.Option("--agent", metavar="LOGIN",
                                              help="What one login did.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE",
        help="From this date (midnight in the team's time zone) or time on.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 200,
    as_json: Annotated[bool, typer.Option(
        "--json", help="A list, newest first, of {id, at, actor, action, case, before, "
        "after} (with --reads: {at, login, case, via}).")] = False,
    reads: Annotated[bool, typer.Option(
        "--reads", help="The access log instead: who opened or showed which case "
        "(supervisors only).")] = False,
) -> None:
    """Who did what when, newest first: every change to a case (its status, assignee,
    labels, a reply, a merge …) and to the team. Supervisors read all of it; an agent,
    the events of the cases they may read. --reads: who read which case."""
    from store.audit_log import changed
    from store.errors import InvalidInput

    if reads:
        _reads(ctx, case, agent, limit, as_json)
        return

    try:
        events = ctx_of(ctx).service().audit_events(
            case=case, agent=agent, since=_since(since) if since else None, limit=limit)
    except InvalidInput as exc:
        raise CliError(str(exc)) from None
    if as_json:
        emit_json([{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                    "case": e.case, "before": e.before, "after": e.after} for e in events])
        return
    if not events:
        typer.echo("No events.")
    for e in events:
        number = f"#{e.case}" if e.case is not None else "-"
        typer.echo(f"{local(e.at)}  {clean_line(e.actor):<12} {e.action:<22} {number:<8} "
                   f"{clean_line(changed(e.before, e.after))}".rstrip())


def _reads(ctx: typer.Context, case: int | None, agent: str | None, limit: int,
           as_json: bool) -> None:
    from store.errors import InvalidInput

    try:
        found = ctx_of(ctx).service().case_reads(case=case, agent=agent, limit=limit)
    except InvalidInput as exc:
        raise CliError(str(exc)) from None
    if as_json:
        emit_json([{"at": r.at.isoformat(), "login": r.login, "case": r.case, "via": r.via}
                   for r in found])
        return
    if not found:
        typer.echo("No reads.")
    for r in found:
        typer.echo(f"{local(r.at)}  {clean_line(r.login):<12} read  #{r.case:<8} ({r.via})")
