"""`casedesk privacy mask`, `casedesk contact erase|export` and `casedesk case
original`: customers' data (README, "Privacy").

Store imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from cli.cases import CaseNumber, case_app
from cli.context import CliError, ctx_of
from cli.output import emit_json

privacy_app = typer.Typer(help="Customers' sensitive numbers in the stored history.",
                          no_args_is_help=True)
contact_app = typer.Typer(help="One customer's data: erase it, or write it all out.",
                          no_args_is_help=True)

Who = Annotated[str | None, typer.Argument(
    metavar="EMAIL|PHONE", help="The customer's address or phone number.", show_default=False)]
ContactId = Annotated[int | None, typer.Option("--contact", metavar="ID",
                                               help="The contact by its id instead.")]


def _found(found: Counter[str]) -> str:
    from store.privacy.mask import describe

    return describe(found) or "no sensitive numbers"


@privacy_app.command("mask")
def privacy_mask(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be masked; "
                                          "change nothing.")] = False,
) -> None:
    """Mask the sensitive numbers the config's [privacy] mask names in what was stored
    before: messages, titles, form fields, the search index (and the original mail,
    with keep_raw = "masked"). In batches, each committed with its place: run it again
    after an interruption and it goes on where it stopped. Supervisors only."""
    service = ctx_of(ctx).service()
    if dry_run:
        run = service.mask_history(dry_run=True)
        typer.echo(f"Would mask {_found(run.found)} in {run.messages} messages, "
                   f"{run.titles} titles, {run.fields} form fields and {run.other} "
                   "other rows (nothing changed).")
        return
    total, messages, titles, fields, other = Counter[str](), 0, 0, 0, 0
    while True:
        run = service.mask_history()
        total += run.found
        messages, titles = messages + run.messages, titles + run.titles
        fields, other = fields + run.fields, other + run.other
        print(f"… {run.step} {run.through}: {messages + titles + fields + other} rows "
              "masked so far", file=sys.stderr)
        if run.done:
            break
    typer.echo(f"Masked {_found(total)} in {messages} messages, {titles} titles, "
               f"{fields} form fields and {other} other rows.")


def _who(who: str | None, contact: int | None) -> str | int:
    if (who is None) == (contact is None):
        raise CliError("name the customer: an address, a phone number, or --contact ID")
    return contact if contact is not None else who  # type: ignore[return-value]


@contact_app.command("erase")
def contact_erase(
    ctx: typer.Context, who: Who = None, contact: ContactId = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go; "
                                          "change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Erase one customer (GDPR art. 17): their cases with every message, attachment,
    original mail and mail sent to them; in a case someone else wrote in too, only
    their messages. One audit record says who erased contact #id, with no personal
    data. Supervisors only; there is no undo."""
    service = ctx_of(ctx).service()
    target = _who(who, contact)
    plan = service.erase_contact(target, dry_run=True)
    typer.echo(f"Contact {', '.join(f'#{c}' for c in plan.contacts)}: "
               f"{len(plan.cases)} cases go whole"
               + (f" ({', '.join(f'#{n}' for n in plan.cases[:20])}"
                  f"{' …' if len(plan.cases) > 20 else ''})" if plan.cases else "")
               + f", their part of {len(plan.shared)} shared; {plan.messages} messages, "
               f"{plan.attachments} attachments, {plan.originals} original mails, "
               f"{plan.outbox} outgoing mails.")
    if dry_run:
        return
    if not yes and not typer.confirm("Erase all of it for good?", default=False):
        raise CliError("nothing erased")
    done = service.erase_contact(target)
    typer.echo(f"Erased: {len(done.cases)} cases, {done.messages} messages.")


@contact_app.command("export")
def contact_export(
    ctx: typer.Context, who: Who = None, contact: ContactId = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON (the only form so far).")
                       ] = True,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE",
                                                help="Write it here (mode 0600).")] = None,
) -> None:
    """Everything held about one customer (GDPR art. 15, "Vilka uppgifter har ni om
    mig?"): the contact, their cases and messages, attachments by name and size, mail
    sent to them. Supervisors only; the export itself is audited."""
    service = ctx_of(ctx).service()
    if output is not None:
        ctx_of(ctx).refuse_server_files(service)
    extract = service.export_contact(_who(who, contact))
    if output is None:
        emit_json(extract)
        return
    import json

    from store.private import write_private_file

    write_private_file(output, (json.dumps(extract, ensure_ascii=False, indent=2) + "\n")
                       .encode(), 0o600)
    typer.echo(f"Wrote {len(extract['cases'])} cases to {output}.")


@case_app.command("original")
def case_original(
    ctx: typer.Context, number: CaseNumber,
    message: Annotated[int | None, typer.Option(
        "--message", metavar="ID", help="Which message (default: the first that came "
        "by mail).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE",
                                                help="Write it here (mode 0600).")] = None,
) -> None:
    """The original mail a message came as, byte for byte, to a file or a pipe (never
    to the terminal: a stranger's bytes could drive it). Supervisors only, unless the
    config keeps originals masked ([privacy] keep_raw = "masked"). A read in the
    access log."""
    if output is None and sys.stdout.isatty():
        raise CliError("the original mail is not shown on a terminal: pipe it "
                       "(| less, > mail.eml) or use --output FILE")
    service = ctx_of(ctx).service()
    if output is not None:
        ctx_of(ctx).refuse_server_files(service)
    if message is None:
        view = service.get_case(number)
        message = next((m.id for m in view.messages if m.kind == "customer"), None)
        if message is None:
            raise CliError(f"case #{number} has no customer message")
    raw = service.original_mail(message)
    if output is not None:
        from store.private import write_private_file

        write_private_file(output.expanduser(), raw, 0o600)
        typer.echo(f"Wrote the original of message {message} to {output}.")
        return
    sys.stdout.buffer.write(raw)
    sys.stdout.buffer.flush()


backup_commands = typer.Typer()


@backup_commands.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A new file for the copy.")],
) -> None:
    """A consistent copy of the database while agents work: on SQLite one database
    file (open it with `casedesk --db PATH` or sqlite3) and its attachments in
    PATH.files/; on PostgreSQL a pg_dump custom-format file and its row counts in
    PATH.counts.json. Mode 0600. Supervisors only."""
    from store.backup import backup as make

    context = ctx_of(ctx)
    context.service().may_back_up()
    copy = make(context.open_db(), path.expanduser())
    rows = sum(copy.counts.values())
    typer.echo(f"Backed up {copy.counts.get('cases', 0)} cases ({rows} rows"
               + (f", {copy.files} files" if copy.files else "") + f") to {copy.path}.")
    if copy.missing:
        typer.echo(f"Note: {copy.missing} attachment files went while it ran (purged).",
                   err=True)


@backup_commands.command("restore")
def restore(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A backup made by "
                                         "`casedesk backup`.")],
    to: Annotated[str, typer.Option("--to", metavar="TARGET", help="A new SQLite file, or "
                                    "the URL of an empty PostgreSQL database.")],
) -> None:
    """Put a backup into a new database, checked (integrity, every table's row count)
    before it says done. Then point the config's [store] url at it."""
    from store.backup import restore as put_back

    copy = put_back(path.expanduser(), to)
    typer.echo(f"Restored {copy.counts.get('cases', 0)} cases "
               f"({sum(copy.counts.values())} rows"
               + (f", {copy.files} files" if copy.files else "")
               + "); integrity and row counts checked.")
