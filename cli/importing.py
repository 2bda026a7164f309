"""`casedesk import`: a team's existing mail — an mbox, a Maildir, an IMAP folder —
into threaded cases, once (mail/importer.py). Supervisors only.

Mail and store imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.context import CliError, ctx_of
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from mail.importer import Importer, Source, Summary
    from mail.sources import Found

import_app = typer.Typer(help="Import a team's existing mail (years of it) as cases, once.",
                         no_args_is_help=True)

Channel = Annotated[str, typer.Option("--channel", metavar="CHANNEL",
                                             help="The email channel the cases go to.")]
Before = Annotated[str | None, typer.Option(
    "--before", metavar="DAY",
    help="Only mail dated before this day (YYYY-MM-DD): the poller takes the rest.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Read everything and say what would happen; write nothing.")]
KeepSolved = Annotated[bool, typer.Option(
    "--keep-solved", help="Old conversations become Solved from today (an answer reopens "
    "them; the lifecycle closes them), not Closed.")]
NoRules = Annotated[bool, typer.Option(
    "--no-rules", help="No triage: neither the built-in flags nor the team's rules.")]


@import_app.command("mbox")
def import_mbox(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        help="mbox files (mboxo or mboxrd).", metavar="MBOX", exists=True, dir_okay=False)],
    channel: Channel,
    sent: Annotated[list[Path] | None, typer.Option(
        "--sent", metavar="MBOX", help="An mbox of the team's sent mail: each becomes a reply.",
        exists=True, dir_okay=False)] = None,
    before: Before = None, dry_run: DryRun = False, keep_solved: KeepSolved = False,
    no_rules: NoRules = False,
) -> None:
    """Import mbox files (Thunderbird, mutt, an old helpdesk's export)."""
    from mail.sources import mbox_mails

    _from_files(ctx, "mbox", mbox_mails, lambda p: p.stat().st_size, "bytes", paths,
                sent or [], channel, before=before, dry_run=dry_run, keep_solved=keep_solved,
                no_rules=no_rules)


@import_app.command("maildir")
def import_maildir(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Maildir folders (with cur/ and new/).",
                                                metavar="MAILDIR",
                                                exists=True, file_okay=False)],
    channel: Channel,
    sent: Annotated[list[Path] | None, typer.Option(
        "--sent", metavar="MAILDIR",
        help="A Maildir of the team's sent mail: each becomes a reply.",
        exists=True, file_okay=False)] = None,
    before: Before = None, dry_run: DryRun = False, keep_solved: KeepSolved = False,
    no_rules: NoRules = False,
) -> None:
    """Import Maildir folders (Dovecot's, offlineimap's, mbsync's)."""
    from mail.sources import maildir_mails

    def count(folder: Path) -> int:
        return sum(len(list((folder / sub).iterdir())) for sub in ("cur", "new")
                   if (folder / sub).is_dir())

    _from_files(ctx, "maildir", maildir_mails, count, "mails", paths, sent or [], channel,
                before=before, dry_run=dry_run, keep_solved=keep_solved, no_rules=no_rules)


@import_app.command("imap")
def import_imap(
    ctx: typer.Context,
    mailbox: Annotated[str, typer.Option(
        "--mailbox", metavar="NAME", help="A [[mailbox]] of the config (its user name, or "
        "its channel): the server and the login.")],
    folder: Annotated[str, typer.Option("--folder", metavar="FOLDER",
                                                help="The folder to import.")] = "INBOX",
    channel: Annotated[str | None, typer.Option(
        "--channel", metavar="CHANNEL",
        help="The email channel the cases go to (default: the mailbox's).")]
    = None,
    sent_folder: Annotated[str | None, typer.Option(
        "--sent-folder", metavar="FOLDER",
        help="The folder of the team's sent mail: each becomes a reply.")]
    = None,
    before: Before = None, dry_run: DryRun = False, keep_solved: KeepSolved = False,
    no_rules: NoRules = False,
) -> None:
    """Import a folder of an IMAP server, read only: no flag is set, nothing moved."""
    from mail.importer import Source
    from mail.poller import PollError, connect, logout
    from mail.sources import imap_count, imap_mails

    c = ctx_of(ctx)
    boxes = [b for b in c.config.mailbox if mailbox in (b.username, b.channel, b.key)]
    if not boxes:
        raise CliError(f"no [[mailbox]] in the config has the user name or channel {mailbox!r}")
    box = boxes[0]
    cut = _day(before)
    try:
        client = connect(box)
        sent_client = connect(box) if sent_folder else None
    except PollError as exc:
        raise CliError(str(exc)) from None
    try:
        folders = [folder, *([sent_folder] if sent_folder else [])]
        total = sum(imap_count(client, f) for f in folders)
        sources = [Source(imap_mails(client, folder, before=cut))]
        if sent_client is not None and sent_folder:
            sources.append(Source(imap_mails(sent_client, sent_folder, before=cut), sent=True))
        _run(ctx, "imap", [f"{box.key.rsplit('/', 1)[0]}/{f}" for f in folders],
             channel or box.channel, sources, total, "mails", before=before,
             dry_run=dry_run, keep_solved=keep_solved, no_rules=no_rules)
    finally:
        for each in (client, sent_client):
            if each is not None:
                logout(each)


def _from_files(ctx: typer.Context, kind: str, read: Callable[[Path], Iterator[Found]],
                size: Callable[[Path], int], unit: str, paths: list[Path], sent: list[Path],
                channel: str, **how: Any) -> None:
    """An import of mail files (`read` each; `size` each in `unit`, for the progress)."""
    from mail.importer import Source

    sources = [Source(read(p)) for p in paths] + [Source(read(p), sent=True) for p in sent]
    _run(ctx, kind, [*paths, *sent], channel, sources, sum(size(p) for p in [*paths, *sent]),
         unit, **how)


def _run(ctx: typer.Context, kind: str, where: list[Path] | list[str], channel: str,
         sources: list[Source], total: int, unit: str, *, before: str | None,
         dry_run: bool, keep_solved: bool, no_rules: bool) -> None:
    from datetime import timedelta

    from mail.importer import ImportBusy, Importer, Options
    from store.service import CaseService

    c = ctx_of(ctx)
    db = c.open_db(triage=not no_rules)
    CaseService(db, c.login(db)).may_import()  # (refused: said by cli.main)
    system = CaseService.system(db)
    channels = system.list_channels()
    named = next((ch for ch in channels if ch.name.casefold() == channel.casefold()), None)
    if named is None or named.kind != "email":
        raise CliError(f"no email channel {channel!r}: "
                       f"`casedesk channel add {channel} --kind email --address …`")
    key = ("import:" + kind + ":" + " ".join(str(w) for w in where))[:300]
    options = Options(
        channel=named.name, key=key,
        ours=frozenset(ch.address.lower() for ch in channels if ch.address),
        before=_day(before), dry_run=dry_run, keep_solved=keep_solved,
        recent=timedelta(days=c.config.lifecycle.solved_days))
    importer = Importer(db, c.config.mail, options)
    try:
        summary = _with_progress(importer, sources, total, unit)
    except ImportBusy as exc:
        raise CliError(str(exc)) from None
    for line in summary.lines(dry_run=dry_run):
        typer.echo(clean_line(line))


def _with_progress(importer: Importer, sources: list[Source], total: int,
                   unit: str) -> Summary:
    """The import with a progress bar on the terminal: count, rate, time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    columns = [TextColumn("{task.fields[mails]} mails"), BarColumn(),
               TextColumn("{task.fields[rate]}/s"), TimeRemainingColumn()]
    if unit == "mails":
        columns.insert(2, MofNCompleteColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("import", total=total or None, mails=0, rate="0")
        started = datetime.now(UTC)

        def advance(done: int, mails: int) -> None:
            seconds = max((datetime.now(UTC) - started).total_seconds(), 1e-3)
            progress.update(task, completed=done, mails=mails, rate=f"{mails / seconds:.0f}")

        summary = importer.run(sources, advance)
        progress.update(task, completed=total)
        return summary


def _day(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise CliError(f"--before {value!r}: a day as YYYY-MM-DD") from None
