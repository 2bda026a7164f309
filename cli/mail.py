"""Mail from the command line: the pollers and the sender (continuously or once),
what became of every fetched mail, and the outbox.

Mail and store imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from cli.context import CliError, ctx_of
from tui.sanitize import clean_line

commands = typer.Typer()
outbox_app = typer.Typer(help="Replies on their way out by mail.", invoke_without_command=True)


@commands.command()
def poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Ingest what is there now, then exit.")]
    = False,
) -> None:
    """Read the configured mailboxes ([[mailbox]] in the config) into cases: continuously
    (IMAP IDLE where the server has it), or once."""
    from mail.poller import Poller, PollError, PollResult


    c = ctx_of(ctx)
    boxes = c.config.mailbox
    if not boxes:
        raise CliError("no [[mailbox]] in the config: see config.example.toml")
    db = c.open_db()
    pollers = [Poller(db, box, c.config.mail, lease_seconds=c.config.scheduler.lease_seconds)
               for box in boxes]
    try:
        if once:
            for poller in pollers:
                typer.echo(clean_line(poller.poll_once().describe()))
            return
        for poller in pollers:
            poller.check()  # before any thread: a mistake stops the command, said once
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        def show(result: PollResult) -> None:
            if result.fetched:
                typer.echo(clean_line(result.describe()))

        threads = [threading.Thread(target=p.run, args=(stop,), kwargs={"on_result": show},
                                    name=p.mailbox.key, daemon=True) for p in pollers]
        for thread in threads:
            thread.start()
        try:
            while any(t.is_alive() for t in threads):
                for thread in threads:
                    thread.join(timeout=1)
        except KeyboardInterrupt:
            stop.set()
    except PollError as exc:
        raise CliError(str(exc)) from None


@commands.command()
def send(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")]
    = False,
) -> None:
    """Send the outbox's replies through the [smtp] server of the config: continuously
    (every few seconds), or once."""
    from mail.sender import Sender, SendError

    c = ctx_of(ctx)
    if c.config.smtp is None:
        raise CliError("no [smtp] in the config: see config.example.toml")
    sender = Sender(c.open_db(), c.config.smtp)
    try:
        if once:
            typer.echo(sender.send_once().describe())
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        try:
            sender.run(stop, on_result=lambda r: typer.echo(r.describe()))
        except KeyboardInterrupt:
            stop.set()
    except SendError as exc:
        raise CliError(str(exc)) from None


@commands.command()
def inbound(
    ctx: typer.Context,
    outcome: Annotated[list[str] | None, typer.Option(
        "--outcome", help="Only these: ingested duplicate quarantined bounce logged.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
) -> None:
    """The newest fetched mails and what became of each (supervisors): nothing is
    skipped without a trace."""
    rows = ctx_of(ctx).service().inbound(tuple(outcome or ()), limit)
    if not rows:
        typer.echo("No fetched mail.")
    for r in rows:
        case = f"#{r.case}" if r.case else "-"
        typer.echo(f"{r.received_at.astimezone():%Y-%m-%d %H:%M}  {r.outcome:<11} {case:<8} "
                   f"{clean_line(r.mailbox)} uid {r.uid}  {r.size} bytes  "
                   f"{clean_line(r.reason)}".rstrip())


@outbox_app.callback()
def outbox_list(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(
        "--state", help="Only these states: queued sending sent failed unknown.")] = None,
) -> None:
    """The outbox: each mail's number, state, case, recipient and last error."""
    if ctx.invoked_subcommand is not None:
        return
    mails = ctx_of(ctx).service().outbox(tuple(state or ()))
    if not mails:
        typer.echo("The outbox is empty.")
    for m in mails:
        error = f"  {clean_line(m.last_error)}" if m.last_error else ""
        typer.echo(f"{m.id:>6}  {m.state:<8} #{m.case:<7} {clean_line(m.to_addr)}  "
                   f"{m.created_at.astimezone():%Y-%m-%d %H:%M}  {m.attempts} tries{error}")


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    mail: Annotated[int, typer.Argument(help="The outbox mail's number (see `casedesk outbox`).")],
) -> None:
    """Send a failed mail, or one whose outcome is unknown, again (check first that the
    customer did not get it)."""
    ctx_of(ctx).service().outbox_requeue(mail)
    typer.echo(f"Outbox mail {mail} is queued again.")
