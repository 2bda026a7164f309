"""Cases from the command line: list them, show one, create, answer and change it,
and ingest them from other systems as JSON Lines.

Store imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer

from cli.context import CliError, ctx_of
from cli.output import (
    case_json,
    emit_json,
    print_case,
    print_rows,
    read_text,
    reader_may_leave,
    row_json,
)
from store import numbers, statuses
from tui.sanitize import clean_line

STATUS_HELP = statuses.help_text()
DEFAULT_LIMIT = 50  # as store.queries.DEFAULT_LIMIT (not imported: --help stays quick)


def case_number(text: str) -> int:
    """A case number as people write it: `2940` or `#2940`."""
    number = numbers.case_number(text)
    if number is None:
        raise typer.BadParameter(numbers.HINT)
    return number


CaseNumber = Annotated[int, typer.Argument(parser=case_number, metavar="NUMBER")]
IntoCase = Annotated[int, typer.Option("--into", parser=case_number, metavar="NUMBER",
                                       help="The case that stays.")]

commands = typer.Typer()
case_app = typer.Typer(help="One case: show it, answer it, change it.", no_args_is_help=True)


@commands.command()
def cases(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option("--status", help=f"Repeatable: {STATUS_HELP}"
                                                     ". Default: all but closed and archived.")
                      ] = None,
    channel: Annotated[str | None, typer.Option("--channel")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="A login, me or none.")
                        ] = None,
    search: Annotated[str | None, typer.Option("--search", help="Words in titles, "
                                               "conversations, the contact's name, email or "
                                               "phone, or a case number; fakt* for "
                                               "prefixes.")] = None,
    flag: Annotated[str | None, typer.Option("--flag", help="Only cases triage marked so: "
                                             "urgent or frustrated.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = DEFAULT_LIMIT,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List cases, newest updated first (newest first when searching)."""
    from store.service import CaseFilter

    rows = ctx_of(ctx).service().list_cases(CaseFilter(
        statuses=tuple(status or ()), channel=channel, assignee=assignee, search=search,
        flag=flag, limit=limit,
    ))
    if as_json:
        with reader_may_leave():
            emit_json([row_json(r) for r in rows])
    else:
        print_rows(rows, empty="No cases match." if search else "No cases.")


@case_app.command("show")
def case_show(ctx: typer.Context, number: CaseNumber,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The case and its whole conversation."""
    view = ctx_of(ctx).service().get_case(number, read="json" if as_json else "show")
    if as_json:
        emit_json(case_json(view))
    else:
        print_case(view)


@case_app.command("create")
def case_create(
    ctx: typer.Context,
    channel: Annotated[str, typer.Option("--channel")],
    title: Annotated[str, typer.Option("--title")],
    name: Annotated[str, typer.Option("--name", help="The contact's name.")] = "",
    email: Annotated[str, typer.Option("--email")] = "",
    phone: Annotated[str, typer.Option("--phone")] = "",
    text: Annotated[str, typer.Option("--text", help="The customer's first message "
                                      "(- reads standard input).")] = "",
    priority: Annotated[str | None, typer.Option("--priority")] = None,
) -> None:
    """Create a case for a contact (found by email or phone, or added)."""
    from store.service import ContactInput, MessageInput

    body = read_text(text)
    number = ctx_of(ctx).service().create_case(
        channel=channel, contact=ContactInput(name=name, email=email, phone=phone), title=title,
        messages=[MessageInput(body)] if body.strip() else [], priority=priority,
    )
    typer.echo(f"Created case #{number}.")


@case_app.command("reply")
def case_reply(
    ctx: typer.Context,
    number: CaseNumber,
    text: Annotated[str, typer.Option("--text", help="The answer (- reads standard input).")],
    status: Annotated[str | None, typer.Option("--status", help="Set in the same step: open, "
                                               "waiting, parked, solved.")] = None,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Answer the customer (by email on an email case: queued in the outbox)."""
    written = read_text(text)
    message = ctx_of(ctx).service().reply(number, written, status=status,
                                          expected_version=if_version)
    typer.echo(f"Replied on #{number} (message {message.id})"
               + (f"; the case is now {status}." if status else "."))
    _tell_masked(written, message.text)


@case_app.command("note")
def case_note(
    ctx: typer.Context,
    number: CaseNumber,
    text: Annotated[str, typer.Option("--text", help="The note; @login mentions a colleague "
                                      "(- reads standard input).")],
    status: Annotated[str | None, typer.Option("--status")] = None,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Write an internal note (never sent to the customer)."""
    written = read_text(text)
    message = ctx_of(ctx).service().note(number, written, status=status,
                                         expected_version=if_version)
    mentioned = f"; mentioned {', '.join(message.mentions)}" if message.mentions else ""
    typer.echo(f"Noted on #{number} (message {message.id}){mentioned}.")
    _tell_masked(written, message.text)


def _tell_masked(written: str, stored: str) -> None:
    """Sensitive numbers in what an agent wrote were masked (store/privacy): say so."""
    from store.privacy.mask import notice

    told = notice(written, stored)
    if told:
        typer.echo(f"Note: {told}.", err=True)


@case_app.command("status")
def case_status(
    ctx: typer.Context, number: CaseNumber,
    status: Annotated[str, typer.Argument(help=STATUS_HELP)],
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Set the status (the lifecycle decides what is allowed)."""
    row = ctx_of(ctx).service().set_status(number, status, expected_version=if_version)
    typer.echo(f"#{row.number} is {row.status}.")


@case_app.command("assign")
def case_assign(
    ctx: typer.Context, number: CaseNumber,
    login: Annotated[str, typer.Argument(help="A login, me, or none to unassign.")],
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Assign the case to an agent."""
    row = ctx_of(ctx).service().assign(number, None if login == "none" else login,
                                       expected_version=if_version)
    typer.echo(f"#{row.number} is assigned to {row.assignee}." if row.assignee
               else f"#{row.number} is unassigned.")


@case_app.command("priority")
def case_priority(
    ctx: typer.Context, number: CaseNumber,
    priority: Annotated[str, typer.Argument(help="high, medium or low")],
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Set the priority."""
    row = ctx_of(ctx).service().set_priority(number, priority, expected_version=if_version)
    typer.echo(f"#{row.number} has priority {row.priority}.")


@case_app.command("customer-type")
def case_customer_type(
    ctx: typer.Context, number: CaseNumber,
    kind: Annotated[str, typer.Argument(
        metavar="TYPE", help="new, existing or internal; derived: as the store finds it "
        "(internal from the team's domains, existing with earlier cases)")],
) -> None:
    """Set the customer type of the case's contact: new, existing or internal
    (supervisors; triage rules read it as customer_type)."""
    value = ctx_of(ctx).service().set_customer_type(
        number, None if kind.strip().lower() == "derived" else kind)
    typer.echo(f"#{number}: the customer is {value}"
               + (" (derived)." if kind.strip().lower() == "derived" else "."))


@case_app.command("labels")
def case_labels(
    ctx: typer.Context, number: CaseNumber,
    labels: Annotated[list[str] | None, typer.Argument(help="The labels (none: clear them).")
                      ] = None,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Set the labels."""
    row = ctx_of(ctx).service().set_labels(number, labels or [], expected_version=if_version)
    typer.echo(f"#{row.number} labels: {clean_line(', '.join(row.labels)) or '-'}.")


@case_app.command("title")
def case_title(ctx: typer.Context, number: CaseNumber, title: str,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Change the title."""
    row = ctx_of(ctx).service().rename(number, title, expected_version=if_version)
    typer.echo(f"#{row.number}: {clean_line(row.title)}")


@case_app.command("move")
def case_move(ctx: typer.Context, number: CaseNumber, channel: str,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Move the case to another channel."""
    row = ctx_of(ctx).service().move_channel(number, channel, expected_version=if_version)
    typer.echo(f"#{row.number} is in {clean_line(row.channel)}.")


@case_app.command("watch")
def case_watch(ctx: typer.Context, number: CaseNumber,
               off: Annotated[bool, typer.Option("--off", help="Stop watching.")] = False
               ) -> None:
    """Watch a case (follow it even when someone else handles it)."""
    ctx_of(ctx).service().set_watch(number, watching=not off)
    typer.echo(f"{'Not watching' if off else 'Watching'} #{number}.")


@case_app.command("workspace")
def case_workspace(ctx: typer.Context, number: CaseNumber,
                   remove: Annotated[bool, typer.Option("--remove")] = False) -> None:
    """Add the case to your workspace (or remove it)."""
    ctx_of(ctx).service().set_in_workspace(number, present=not remove)
    typer.echo(f"#{number} {'removed from' if remove else 'added to'} your workspace.")


@case_app.command("related")
def case_related(ctx: typer.Context, number: CaseNumber,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Other cases of the same contact, and linked cases."""
    rows = ctx_of(ctx).service().related(number)
    if as_json:
        with reader_may_leave():
            emit_json([row_json(r) for r in rows])
    else:
        print_rows(rows)


@case_app.command("link")
def case_link(ctx: typer.Context, number: CaseNumber, other: CaseNumber) -> None:
    """Link two related cases."""
    ctx_of(ctx).service().link(number, other)
    typer.echo(f"#{number} and #{other} are linked.")


@case_app.command("merge")
def case_merge(ctx: typer.Context, number: CaseNumber,
               into: IntoCase) -> None:
    """Merge case NUMBER into another; its conversation moves, its number stays findable."""
    survivor = ctx_of(ctx).service().merge(number, into)
    typer.echo(f"#{number} is merged into #{survivor}.")


@case_app.command("split")
def case_split(ctx: typer.Context,
               message: Annotated[int, typer.Argument(help="The message id (case show).")],
               title: Annotated[str | None, typer.Option("--title")] = None) -> None:
    """Move one message into a new case for the same contact, linked to the old one."""
    number = ctx_of(ctx).service().split(message, title=title)
    typer.echo(f"Message {message} is now case #{number}.")


@commands.command()
def ingest(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="JSON Lines file, or - for standard input.")] = "-",
) -> None:
    """Create cases and add messages from JSON Lines (chat, phone, forms, AI agents).

    A new case: {"channel": NAME, "contact": {"name", "email", "phone"}, "title": …,
    "messages": [{"from": "customer"|"agent"|"ai", "text": …, "at": ISO-TIME?}],
    "escalated": true?}. A message on a case: {"case": NUMBER, "message": {…}}.
    Either may carry "id": the source system's id, which makes the line taken once
    (run again, it says "already taken as #N" and changes nothing).
    """
    from store.ingest import ingest_lines

    service = ctx_of(ctx).service()
    try:
        stream = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot read {file}: {exc.strerror}") from None
    taken = bad = 0
    stopped = None
    with stream:
        # Each result is printed as its line is committed: whatever stops the run,
        # what was taken has been said.
        for r in ingest_lines(service, stream):
            if r.error:
                bad += 1
                typer.echo(f"line {r.line}: {clean_line(r.error)}", err=True)
                if r.exception is not None and os.environ.get("CASEDESK_DEBUG"):
                    traceback.print_exception(r.exception, file=sys.stderr)
                if r.stop:
                    stopped = r.line
            elif r.already:
                taken += 1
                typer.echo(f"line {r.line}: already taken as #{r.case}")
            elif r.landing is not None:
                taken += 1
                typer.echo(f"line {r.line}: {r.landing.said}")
            else:
                taken += 1
                typer.echo(f"line {r.line}: created #{r.case}")
    if stopped is not None:
        typer.echo(f"Stopped at line {stopped}: every further line would fail the same way. "
                   f"{taken} lines were taken before it; run it again once that is "
                   "mended (lines with an id are not taken twice).", err=True)
        raise typer.Exit(1)
    if bad:
        typer.echo(f"{bad} of {taken + bad} lines were not taken.", err=True)
        raise typer.Exit(1)
