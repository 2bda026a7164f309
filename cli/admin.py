"""Setting casedesk up: the database (init, copy, demo), agents, channels and their
members, and the team's quick replies.

Store and config imports happen inside the commands, so `--help` is quick."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.context import CliError, ctx_of
from cli.output import emit_json, read_text
from cli.overview import open_overview
from tui.sanitize import clean_block, clean_line

commands = typer.Typer()
agent_app = typer.Typer(help="Agents: who works here.", no_args_is_help=True)
channel_app = typer.Typer(help="Channels: where cases come from.", no_args_is_help=True)
member_app = typer.Typer(help="Who belongs to a channel.", no_args_is_help=True)
channel_app.add_typer(member_app, name="member")
quick_app = typer.Typer(help="Quick replies: the team's canned answers.", no_args_is_help=True)


@commands.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database; the login running it becomes the first supervisor."""
    from cli.config import default_data_dir
    from store.identity import os_login
    from store.private import tighten
    from store.service import CaseService, bootstrap

    context = ctx_of(ctx)
    db = context.open_db(check=False)
    before, after = db.upgrade(tighten=False)
    # Existing files narrowed to the modes the config asks for (never loosened), said
    # one line each; casedesk's own data folder and log too.
    data = default_data_dir()
    for change in [*db.tighten_files(), *tighten(data, db.modes),
                   *tighten(data / "background.log", db.modes)]:
        typer.echo(f"Tightened {clean_line(change.describe())}.")
    where = db.path or db.url.render_as_string(hide_password=True)
    if before is None:
        typer.echo(f"Created the database {where} (schema {after}).")
    elif before != after:
        typer.echo(f"Upgraded the database {where} from schema {before} to {after}.")
    else:
        typer.echo(f"The database {where} is up to date (schema {after}).")
    login = os_login()
    if bootstrap(db, login):
        typer.echo(f"You ({login}) are its first supervisor. Next: `casedesk channel add`, "
                   "`casedesk agent add`.")
    # The service levels every process gives new cases live in the store; the
    # scheduler keeps them in step with the config from here on.
    lifecycle = context.config.lifecycle
    CaseService.system(db).set_sla_policy(lifecycle.sla, lifecycle.zone_name())


@commands.command()
def demo(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="Where to build it (default: demo.db "
                                           "in the platform's data folder).")] = None,
    cases: Annotated[int, typer.Option("--cases", min=1, help="How many cases.")] = 3000,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Build it and stop.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 1,
) -> None:
    """Build a demo database with realistic cases (you are a supervisor in it) and open it."""
    from rich.progress import Progress

    from cli.config import default_data_dir
    from store.db import Database, is_demo_database, remove_database_files
    from store.demo import build_demo
    from store.identity import os_login

    context = ctx_of(ctx)
    path = Path(db or context.db_arg or default_data_dir() / "demo.db").expanduser()
    if path.exists():
        # Rebuilding replaces the file: never do that to a real team's database.
        if not is_demo_database(path):
            raise CliError(f"{path} exists and is not a demo database: give another --db")
        remove_database_files(path)
    database = Database(path)
    database.upgrade()
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("Building the demo cases", total=cases)
        def show(done: int, total: int) -> None:
            # After the last batch comes the search index: say so while the bar is full.
            what = "Building the search index" if done >= total else "Building the demo cases"
            progress.update(task, completed=done, total=total, description=what)

        summary = build_demo(database, cases=cases, login=os_login(), seed=seed, progress=show)
    typer.echo(
        f"Built {path}: {summary.cases} cases, {summary.messages} messages, "
        f"{summary.contacts} contacts, {summary.agents} agents, {summary.channels} channels.",
        err=True,
    )
    context.db_arg = str(path)
    if not no_tui:
        open_overview(context)


@commands.command()
def copy(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The target: an SQLAlchemy URL "
                                    "(postgresql://user@host/db) or a file path.")],
) -> None:
    """Copy this database, whole, into an empty one — e.g. onto the team's PostgreSQL.

    Case numbers, conversations, attachments, audit and settings come along; the
    target is created or upgraded first and must hold no cases.
    """
    from store.db import Database
    from store.transfer import copy_database

    context = ctx_of(ctx)
    source = context.open_db()
    target = Database(to, share_with_group=context.config.store.share_with_group)
    counts = copy_database(source, target, progress=lambda table, n: typer.echo(
        f"  {table}: {n:,} rows", err=True) if n % 100_000 == 0 else None)
    typer.echo(f"Copied {counts.get('cases', 0):,} cases and {counts.get('message', 0):,} "
               f"messages into {target.location}.")


# -- agents and channels ------------------------------------------------------------


@agent_app.command("add")
def agent_add(
    ctx: typer.Context,
    login: str,
    name: Annotated[str, typer.Option("--name", help="Full name.")] = "",
    email: Annotated[str, typer.Option("--email")] = "",
    supervisor: Annotated[bool, typer.Option("--supervisor", help="Sees and administers "
                                             "everything.")] = False,
    ai: Annotated[bool, typer.Option("--ai", help="An AI agent's login (for ingest): it hands "
                                     "cases over and never solves one.")] = False,
) -> None:
    """Add an agent (supervisors only). LOGIN is their operating-system login."""
    agent = ctx_of(ctx).service().add_agent(login, name=name, email=email,
                                            supervisor=supervisor, ai=ai)
    role = " (supervisor)" if agent.is_supervisor else " (AI agent)" if ai else ""
    typer.echo(f"Added {agent.login}{role}.")


@agent_app.command("list")
def agent_list(ctx: typer.Context,
               as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every agent, with their channels."""
    agents = ctx_of(ctx).service().list_agents()
    if as_json:
        emit_json([a.__dict__ for a in agents])
        return
    for a in agents:
        role = "supervisor" if a.is_supervisor else "agent"
        active = "" if a.is_active else " (deactivated)"
        typer.echo(f"{a.login:<16} {clean_line(a.name):<24} {role:<10} "
                   f"{clean_line(', '.join(a.channels)) or '-'}{active}")


@agent_app.command("deactivate")
def agent_deactivate(ctx: typer.Context, login: str) -> None:
    """Deactivate an agent (supervisors only): they can no longer log in or act, their
    SSH keys are taken out of authorized_keys; their history stays."""
    from cli.server import remove_agent_keys
    from store.identity import why_may_act_as_others

    context = ctx_of(ctx)
    service = context.service()
    agent = service.set_active(login, active=False)
    if why_may_act_as_others(service.db) is None:
        # Not the service account: its authorized_keys is not this account's file. The
        # keys no longer let them in (a deactivated agent is refused), but they stay.
        typer.echo(f"Deactivated {agent.login}. Their SSH keys, if any, are the service "
                   f"account's: remove them as that account (`casedesk agent key remove "
                   f"{agent.login}`).")
        return
    keys = remove_agent_keys(context, agent.login)
    typer.echo(f"Deactivated {agent.login}" + (
        f" and removed {len(keys)} SSH key{'s' if len(keys) != 1 else ''}." if keys else "."))


@agent_app.command("activate")
def agent_activate(ctx: typer.Context, login: str) -> None:
    """Activate a deactivated agent again (supervisors only); their keys are added anew
    with `casedesk agent key add`."""
    agent = ctx_of(ctx).service().set_active(login, active=True)
    typer.echo(f"Activated {agent.login}.")


@channel_app.command("add")
def channel_add(
    ctx: typer.Context,
    name: str,
    kind: Annotated[str, typer.Option("--kind", help="email, chat, phone or form.")],
    address: Annotated[str, typer.Option("--address", help="The support address (email).")] = "",
) -> None:
    """Add a channel (supervisors only)."""
    channel = ctx_of(ctx).service().add_channel(name, kind=kind, address=address)
    typer.echo(f"Added the {channel.kind} channel {clean_line(channel.name)}.")


@channel_app.command("list")
def channel_list(ctx: typer.Context,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every channel, with its members."""
    channels = ctx_of(ctx).service().list_channels()
    if as_json:
        emit_json([c.__dict__ for c in channels])
        return
    for c in channels:
        typer.echo(f"{clean_line(c.name):<20} {c.kind:<6} {clean_line(c.address) or '-':<28} "
                   f"{', '.join(c.members) or '-'}")


@channel_app.command("signature")
def channel_signature(
    ctx: typer.Context, name: str,
    text: Annotated[str | None, typer.Option(
        "--text", help="The signature (- reads stdin; \"\" removes it): a few lines under "
        "every mail the channel sends, e.g. who you are and how the sender's data is "
        "handled.")] = None,
) -> None:
    """Show or set (supervisors only) the signature of the channel NAME."""
    service = ctx_of(ctx).service()
    if text is None:
        channel = next((c for c in service.list_channels()
                        if c.name.casefold() == name.strip().casefold()), None)
        if channel is None:
            raise CliError(f"there is no channel {clean_line(name)!r}")
        typer.echo(clean_block(channel.signature) if channel.signature
                   else f"{clean_line(channel.name)} has no signature.")
        return
    channel = service.set_signature(name, read_text(text))
    typer.echo(f"{clean_line(channel.name)}: " + (
        f"the signature is {len(channel.signature.splitlines())} line"
        f"{'s' if len(channel.signature.splitlines()) != 1 else ''}."
        if channel.signature else "no signature."))


@member_app.command("add")
def member_add(ctx: typer.Context, channel: str, login: str) -> None:
    """Make LOGIN a member of CHANNEL (supervisors only)."""
    view = ctx_of(ctx).service().set_membership(channel, login, member=True)
    typer.echo(f"{clean_line(view.name)}: {', '.join(view.members)}")


@member_app.command("remove")
def member_remove(ctx: typer.Context, channel: str, login: str) -> None:
    """Remove LOGIN from CHANNEL (supervisors only)."""
    view = ctx_of(ctx).service().set_membership(channel, login, member=False)
    typer.echo(f"{clean_line(view.name)}: {', '.join(view.members) or '(no members)'}")


# -- quick replies -------------------------------------------------------------------


_VARIABLES_HELP = ("The answer (- reads stdin); {kontakt.förnamn}, {kontakt.namn}, "
                   "{ärende.nummer}, {agent.namn}, {kanal.namn} are filled in (or in English: "
                   "{contact.first_name} …), {markör} is where the cursor goes.")


_ENGLISH_HELP = ("Its English version (- reads stdin), for a customer who writes English; "
                 "the same variables.")


@quick_app.command("add")
def quick_add(ctx: typer.Context, title: str,
              text: Annotated[str, typer.Option("--text", help=_VARIABLES_HELP)],
              english: Annotated[str | None, typer.Option("--english", help=_ENGLISH_HELP)
                                 ] = None) -> None:
    """Add a quick reply (supervisors only)."""
    ctx_of(ctx).service().add_quick_reply(
        title, read_text(text), english=read_text(english) if english is not None else None)
    typer.echo(f"Added the quick reply {clean_line(title)!r}.")


@quick_app.command("edit")
def quick_edit(ctx: typer.Context, title: str,
               text: Annotated[str | None, typer.Option("--text", help=_VARIABLES_HELP)] = None,
               new_title: Annotated[str | None, typer.Option("--title",
                                                             help="A new title.")] = None,
               english: Annotated[str | None, typer.Option(
                   "--english", help=_ENGLISH_HELP + ' "" removes it.')] = None,
               ) -> None:
    """Change a quick reply's text, title or English version (supervisors only)."""
    if text is None and new_title is None and english is None:
        raise CliError("nothing to change: give --text, --english or --title")
    ctx_of(ctx).service().edit_quick_reply(
        title, text=read_text(text) if text is not None else None, new_title=new_title,
        english=read_text(english) if english else english)
    typer.echo(f"Changed the quick reply {clean_line(new_title or title)!r}.")


@quick_app.command("remove")
def quick_remove(ctx: typer.Context, title: str) -> None:
    """Remove a quick reply (supervisors only)."""
    ctx_of(ctx).service().remove_quick_reply(title)
    typer.echo(f"Removed the quick reply {clean_line(title)!r}.")


@quick_app.command("list")
def quick_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option(
        "--json", help="A list of {title, text, english}, the variables as written "
        "(english: null when there is no English version).")] = False) -> None:
    """Every quick reply, as written."""
    replies = ctx_of(ctx).service().quick_reply_list()
    if as_json:
        emit_json([{"title": r.title, "text": r.text, "english": r.english} for r in replies])
        return
    for r in replies:
        typer.echo(f"{clean_line(r.title)}\n" + _indented(r.text) + (
            "\n  English:\n" + _indented(r.english) if r.english else ""))


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in clean_block(text).split("\n"))
