"""The scheduler from the command line: one tick (cron), the retention purge, and
the daemon that runs the pollers, the sender and the scheduler together.

Scheduler, mail and store imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import UTC, datetime
from typing import Annotated

import typer

from cli.context import CliError, ctx_of
from tui.sanitize import clean_line

commands = typer.Typer()


def _when(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{text!r} is not a time like 2026-03-01T02:00+01:00") from None
    if when.tzinfo is None:
        raise CliError(f"{text!r} needs a time zone (like +01:00 or Z)")
    return when


@commands.command()
def tick(
    ctx: typer.Context,
    now: Annotated[str | None, typer.Option(
        "--now", help="Run as if at this time (ISO 8601 with a zone): the moves are real.")]
    = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only say what would happen; change nothing.")] = False,
) -> None:
    """Run every due job of the scheduler once (auto-close, archive, retention, SLA
    marks, the outbox's due mail), and say what it did: for cron. With --dry-run (and
    --now) it says what would happen then, changing nothing."""
    from scheduler.jobs import Scheduler, SchedulerBusy

    c = ctx_of(ctx)
    # Smaller batches (tests of an interrupted tick) — each commits on its own.
    batch = int(os.environ.get("CASEDESK_TICK_BATCH", "5000"))
    db = c.open_db()
    try:
        report = Scheduler(db, c.config.lifecycle).tick(_when(now), batch=batch,
                                                        dry_run=dry_run)
    except SchedulerBusy as exc:
        raise CliError(str(exc)) from None
    typer.echo(report.describe())
    if c.config.smtp is not None and now is None and not dry_run:
        # The outbox's due retries are due jobs too (cron, without a daemon).
        from mail.sender import Sender, SendError

        try:
            typer.echo(Sender(db, c.config.smtp).send_once().describe())
        except SendError as exc:
            typer.echo(f"outbox: {exc}")


@commands.command()
def purge(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would go.")]
    = False,
    now: Annotated[str | None, typer.Option("--now", help="As if at this time.")] = None,
) -> None:
    """Purge archived cases older than [lifecycle] retention_days (see the config)."""
    from scheduler.jobs import Scheduler, SchedulerBusy

    c = ctx_of(ctx)
    days = c.config.lifecycle.retention_days
    if days is None:
        raise CliError("no retention policy: set [lifecycle] retention_days in the config")
    scheduler = Scheduler(c.open_db(), c.config.lifecycle)
    when = _when(now)
    if dry_run:
        found = scheduler.preview_purge(when)
        files, size = sum(p.files for p in found), sum(p.bytes for p in found)
        typer.echo(f"{len(found)} archived cases are older than {days:g} days and would go, "
                   f"with {files} stored files ({size / 1e6:.1f} MB):")
        for p in found:
            contact = ", and its contact" if p.contact_removed else ""
            typer.echo(f"  #{p.number}  archived {p.archived_at.astimezone():%Y-%m-%d}  "
                       f"{p.messages} messages, {p.files} files{contact}")
        return
    try:
        purged = scheduler.purge(when)
    except SchedulerBusy as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"Purged {len(purged)} cases.")


@commands.command()
def daemon(
    ctx: typer.Context,
    print_unit: Annotated[bool, typer.Option(
        "--print-unit", help="Print a systemd service unit that runs this daemon as it "
        "would run here (this login, this config), and exit.")] = False,
) -> None:
    """The team server's background work in one process: the mailboxes' pollers, the
    outbox's sender and the scheduler (every minute). Stop it with Ctrl-C or SIGTERM.
    On several hosts sharing a PostgreSQL database, one polls each mailbox and the
    others stand by ([scheduler] lease_seconds)."""
    from mail.poller import PollError
    from scheduler.daemon import Daemon

    c = ctx_of(ctx)
    if print_unit:
        from cli.unit import unit_text

        typer.echo(unit_text(c), nl=False)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = c.config
    work = Daemon(c.open_db(), lifecycle=config.lifecycle, mailboxes=config.mailbox,
                  mail=config.mail, smtp=config.smtp,
                  report=lambda text: typer.echo("\n".join(map(clean_line, text.splitlines()))),
                  lease_seconds=config.scheduler.lease_seconds)
    from store.leases import host_name

    # Said at start and at the end, so that a service's journal shows it ran.
    say = work.report
    boxes = ", ".join(box.key for box in config.mailbox) or "no mailbox"
    say(f"casedesk daemon on {host_name()} (pid {os.getpid()}): polling {boxes}; "
        + (f"sending through {config.smtp.host}:{config.smtp.port}; " if config.smtp
           else "no [smtp]: replies to email cases wait in the outbox; ")
        + "the scheduler every minute")
    try:
        work.run(stop)
    except KeyboardInterrupt:
        stop.set()
    except PollError as exc:
        raise CliError(str(exc)) from None
    say("casedesk daemon stopped")
