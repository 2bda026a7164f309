"""The `casedesk` command: for people and scripts alike.

Every command exits non-zero on any error with a one-line message and no
traceback. Untrusted text (titles, names, bodies) passes `tui.sanitize` before it
reaches the terminal; JSON output escapes the same characters.
Heavy imports (SQLAlchemy, Textual) happen inside the commands, so `--help` is quick.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from tui.sanitize import clean_block, clean_line

if TYPE_CHECKING:
    from store.db import Database
    from store.service import CaseService
    from store.views import CaseRow, CaseView
    from tui.config import Config

STATUS_HELP = "new escalated open parked waiting solved closed archived"
DEFAULT_LIMIT = 50  # as store.queries.DEFAULT_LIMIT (not imported: --help stays quick)


class CliError(Exception):
    """An error the user can act on; printed on one line."""


@dataclass
class Context:
    config_path: Path | None
    db_arg: str | None
    read_all: bool = False
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from tui.config import load_config

            self._config, _ = load_config(self.config_path)
        return self._config

    def database_url(self) -> str:
        if self.db_arg:
            return self.db_arg
        if self.config.store.url:
            return self.config.store.url
        from tui.config import default_data_dir

        return str(default_data_dir() / "casedesk.db")

    def open_db(self, *, check: bool = True, read_only: bool = False) -> Database:
        from store.db import Database

        store = self.config.store
        db = Database(self.database_url(), share_with_group=store.share_with_group,
                      files=store.files, read_only=read_only)
        if check:
            db.check_schema()
        return db

    def service(self) -> CaseService:
        from store.identity import current_login
        from store.service import CaseService

        if self.read_all:  # a supervisor's every-case look; anyone else is refused
            db = self.open_db(read_only=True)
            return CaseService.read_all(db, current_login(db))
        db = self.open_db()
        return CaseService(db, current_login(db))


app = typer.Typer(
    help="casedesk: the contact-center case system you work from a terminal.\n\n"
    "Without a command, opens the case overview.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
agent_app = typer.Typer(help="Agents: who works here.", no_args_is_help=True)
channel_app = typer.Typer(help="Channels: where cases come from.", no_args_is_help=True)
member_app = typer.Typer(help="Who belongs to a channel.", no_args_is_help=True)
case_app = typer.Typer(help="One case: show it, answer it, change it.", no_args_is_help=True)
app.add_typer(agent_app, name="agent")
app.add_typer(channel_app, name="channel")
channel_app.add_typer(member_app, name="member")
app.add_typer(case_app, name="case")


def ctx_of(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="The config file (default: $CASEDESK_CONFIG, then "
                     "the platform's config folder).", show_default=False),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="The database: a file path or an SQLAlchemy URL; wins over "
                     "the config.", show_default=False),
    ] = None,
    read_all: Annotated[
        bool,
        typer.Option("--read-all", help="Supervisors: every case of every channel, archived "
                     "ones too, read-only (nothing can be changed)."),
    ] = False,
) -> None:
    ctx.obj = Context(config, db, read_all)
    if read_all and ctx.invoked_subcommand is not None:
        raise CliError("--read-all opens the case overview: give it without a command")
    if ctx.invoked_subcommand is None:
        open_overview(ctx.obj)


def open_overview(context: Context) -> None:
    """The case overview in the terminal UI; printed as lines when not on a terminal."""
    from store.service import CaseFilter

    service = context.service()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Every row, a window at a time (by key): a pipe gets the whole list, not a
        # first window that looks like all of it.
        filters = CaseFilter(include_ended=context.read_all, limit=500)
        rows = service.list_cases(filters)
        if not rows:
            print_rows(rows)
        while rows:
            print_rows(rows)
            rows = service.list_cases(filters, after=rows[-1]) if len(rows) == 500 else []
        return
    from tui.app import CasedeskApp

    app = CasedeskApp(lambda: service, language=context.config.ui.language,
                      background=None if context.read_all
                      else background_work(context, service.db))
    app.run()
    if app.return_code:  # the app crashed (Textual printed why): say so to the shell
        raise typer.Exit(app.return_code)


def background_work(context: Context, db: Database):  # type: ignore[no-untyped-def]
    """What a TUI runs in the background ([scheduler] in_tui): by default on a personal
    database (SQLite, not shared with a group), never on a team's."""
    config = context.config
    wanted = config.scheduler.in_tui
    if wanted is None:
        wanted = db.is_sqlite and not config.store.share_with_group
    if not wanted:
        return None
    from functools import partial

    from scheduler.daemon import run_beside
    from store.private import Modes
    from tui.config import default_data_dir

    # `casedesk daemon` on the same config and database, in a process of its own: a
    # tick over a big database then never competes with the screen for the GIL.
    argv = [sys.executable, "-m", "tui.cli"]
    if context.config_path is not None:
        argv += ["--config", str(context.config_path)]
    where = str(db.path) if db.path is not None else context.db_arg
    if where:
        argv += ["--db", where]
    return partial(run_beside, [*argv, "daemon"], log=default_data_dir() / "background.log",
                   modes=Modes.of(config.store.share_with_group))


# -- output ---------------------------------------------------------------------


def emit_json(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=_json_default)
    # JSON escapes C0 controls itself; escape what terminals act on beyond them.
    text = "".join(_json_escape(ch) if ch != "\n" and clean_line(ch) != ch else ch for ch in text)
    typer.echo(text)


def _json_escape(ch: str) -> str:
    """A character as a JSON \\u escape (a surrogate pair beyond the BMP)."""
    units = ch.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}"
                   for i in range(0, len(units), 2))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")


def row_json(row: CaseRow) -> dict[str, Any]:
    return {
        "number": row.number, "title": row.title, "status": row.status,
        "channel": row.channel, "contact": row.contact, "assignee": row.assignee,
        "priority": row.priority, "labels": list(row.labels),
        "created_at": row.created_at, "updated_at": row.updated_at, "version": row.version,
        "sla": {"first_response_due": row.first_response_due,
                "first_response_at": row.first_response_at,
                "resolution_due": row.resolution_due, "resolved_at": row.resolved_at,
                "next_due": row.sla_due, "state": row.sla_state or "ok",
                "events": list(row.sla_events)},
    }


def case_json(view: CaseView) -> dict[str, Any]:
    return {
        "number": view.number, "title": view.title, "status": view.status,
        "channel": view.channel, "channel_kind": view.channel_kind,
        "contact": {
            "name": view.contact.name, "email": view.contact.email, "phone": view.contact.phone,
            "customer_type": view.contact.customer_type, "tier": view.contact.tier,
        },
        "assignee": view.assignee, "priority": view.priority, "labels": list(view.labels),
        "version": view.version, "created_at": view.created_at, "updated_at": view.updated_at,
        "first_response_at": view.first_response_at, "solved_at": view.solved_at,
        "closed_at": view.closed_at, "archived_at": view.archived_at,
        "merged_into": view.merged_into, "watchers": list(view.watchers),
        "related": list(view.related),
        "messages": [
            {
                "id": m.id, "kind": m.kind, "author": m.author, "text": m.text,
                "created_at": m.created_at, "flags": list(m.flags),
                "mentions": list(m.mentions), "origin_case": m.origin_case,
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size,
                     "sha256": a.sha256}
                    for a in m.attachments
                ],
            }
            for m in view.messages
        ],
    }


def local(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else "-"


def print_rows(rows: list[CaseRow]) -> None:
    if not rows:
        typer.echo("No cases.")
        return
    for r in rows:
        typer.echo(
            f"#{r.number:<7} {r.status:<9} {r.priority:<6} {clean_line(r.channel)[:16]:<16} "
            f"{clean_line(r.assignee or '-'):<10} {local(r.updated_at)}  "
            f"{clean_line(r.title)}  — {clean_line(r.contact)}"
        )


def print_case(view: CaseView) -> None:
    c = view.contact
    lines = [
        f"#{view.number}  {clean_line(view.title)}",
        f"  status     {clean_line(view.status)}" + (f" (merged into #{view.merged_into})"
                                         if view.merged_into else ""),
        f"  channel    {clean_line(view.channel)} ({view.channel_kind})",
        f"  contact    {clean_line(c.name)} <{clean_line(c.email or '-')}> "
        f"{clean_line(c.phone)} {clean_line(c.customer_type)}/{clean_line(c.tier)}",
        f"  assignee   {clean_line(view.assignee or '-')}",
        f"  priority   {view.priority}",
        f"  labels     {clean_line(', '.join(view.labels) or '-')}",
        f"  watchers   {clean_line(', '.join(view.watchers)) or '-'}",
        f"  related    {' '.join(f'#{n}' for n in view.related) or '-'}",
        f"  created    {local(view.created_at)}   updated {local(view.updated_at)}"
        f"   version {view.version}",
        "",
    ]
    marks = {"customer": "<<", "ai": "AI", "reply": ">>", "note": "## INTERNAL NOTE",
             "event": "--"}
    for m in view.messages:
        extra = f" [{clean_line(', '.join(m.flags))}]" if m.flags else ""
        head = f"{marks.get(m.kind, m.kind)} {clean_line(m.signed)}, {local(m.created_at)}" \
               f" (message {m.id}){extra}"
        if m.kind == "event":
            lines.append(f"-- {local(m.created_at)} {clean_line(m.author)}: {clean_line(m.text)}")
            continue
        lines.append(head)
        lines.extend("   " + line for line in clean_block(m.text).split("\n"))
        lines.extend(f"   [attachment] {clean_line(a.filename)} ({a.size} bytes)"
                     for a in m.attachments)
        lines.append("")
    typer.echo("\n".join(lines).rstrip())


def read_text(text: str) -> str:
    """`-` reads the text from standard input."""
    return sys.stdin.read() if text == "-" else text


# -- set-up ----------------------------------------------------------------------


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database; the login running it becomes the first supervisor."""
    from store.identity import os_login
    from store.private import tighten
    from store.service import CaseService, bootstrap
    from tui.config import default_data_dir

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


@app.command()
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

    from store.db import Database, is_demo_database, remove_database_files
    from store.demo import build_demo
    from store.identity import os_login
    from tui.config import default_data_dir

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


@app.command()
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


quick_app = typer.Typer(help="Quick replies: the team's canned answers.", no_args_is_help=True)
app.add_typer(quick_app, name="quick-reply")


@quick_app.command("add")
def quick_add(ctx: typer.Context, title: str,
              text: Annotated[str, typer.Option("--text", help="The answer; {namn} becomes the "
                                                "contact's first name (- reads stdin).")]
              ) -> None:
    """Add a quick reply (supervisors only)."""
    ctx_of(ctx).service().add_quick_reply(title, read_text(text))
    typer.echo(f"Added the quick reply {clean_line(title)!r}.")


@quick_app.command("list")
def quick_list(ctx: typer.Context) -> None:
    """Every quick reply."""
    for title, text in ctx_of(ctx).service().quick_replies():
        typer.echo(f"{clean_line(title)}\n" + "\n".join("    " + line for line in
                                                          clean_block(text).split("\n")))


# -- cases ----------------------------------------------------------------------------


@app.command()
def cases(
    ctx: typer.Context,
    status: Annotated[list[str] | None, typer.Option("--status", help=f"Repeatable: {STATUS_HELP}"
                                                     ". Default: all but closed and archived.")
                      ] = None,
    channel: Annotated[str | None, typer.Option("--channel")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="A login, me or none.")
                        ] = None,
    search: Annotated[str | None, typer.Option("--search", help="Words in titles and "
                                               "conversations; fakt* for prefixes.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = DEFAULT_LIMIT,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List cases, newest updated first (newest first when searching)."""
    from store.service import CaseFilter

    rows = ctx_of(ctx).service().list_cases(CaseFilter(
        statuses=tuple(status or ()), channel=channel, assignee=assignee, search=search,
        limit=limit,
    ))
    if as_json:
        emit_json([row_json(r) for r in rows])
    else:
        print_rows(rows)


@case_app.command("show")
def case_show(ctx: typer.Context, number: int,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The case and its whole conversation."""
    view = ctx_of(ctx).service().get_case(number)
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
    number: int,
    text: Annotated[str, typer.Option("--text", help="The answer (- reads standard input).")],
    status: Annotated[str | None, typer.Option("--status", help="Set in the same step: open, "
                                               "waiting, parked, solved.")] = None,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Answer the customer (by email on an email case: queued in the outbox)."""
    message = ctx_of(ctx).service().reply(number, read_text(text), status=status,
                                          expected_version=if_version)
    typer.echo(f"Replied on #{number} (message {message.id})"
               + (f"; the case is now {status}." if status else "."))


@case_app.command("note")
def case_note(
    ctx: typer.Context,
    number: int,
    text: Annotated[str, typer.Option("--text", help="The note; @login mentions a colleague "
                                      "(- reads standard input).")],
    status: Annotated[str | None, typer.Option("--status")] = None,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Write an internal note (never sent to the customer)."""
    message = ctx_of(ctx).service().note(number, read_text(text), status=status,
                                         expected_version=if_version)
    mentioned = f"; mentioned {', '.join(message.mentions)}" if message.mentions else ""
    typer.echo(f"Noted on #{number} (message {message.id}){mentioned}.")


@case_app.command("status")
def case_status(
    ctx: typer.Context, number: int, status: Annotated[str, typer.Argument(help=STATUS_HELP)],
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Set the status (the lifecycle decides what is allowed)."""
    row = ctx_of(ctx).service().set_status(number, status, expected_version=if_version)
    typer.echo(f"#{row.number} is {row.status}.")


@case_app.command("assign")
def case_assign(
    ctx: typer.Context, number: int,
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
    ctx: typer.Context, number: int,
    priority: Annotated[str, typer.Argument(help="high, medium or low")],
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Set the priority."""
    row = ctx_of(ctx).service().set_priority(number, priority, expected_version=if_version)
    typer.echo(f"#{row.number} has priority {row.priority}.")


@case_app.command("labels")
def case_labels(
    ctx: typer.Context, number: int,
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
def case_title(ctx: typer.Context, number: int, title: str,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Change the title."""
    row = ctx_of(ctx).service().rename(number, title, expected_version=if_version)
    typer.echo(f"#{row.number}: {clean_line(row.title)}")


@case_app.command("move")
def case_move(ctx: typer.Context, number: int, channel: str,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the case is still at this version (see case show); "
        "otherwise nothing changes and the exit status is 1.")] = None,
) -> None:
    """Move the case to another channel."""
    row = ctx_of(ctx).service().move_channel(number, channel, expected_version=if_version)
    typer.echo(f"#{row.number} is in {clean_line(row.channel)}.")


@case_app.command("watch")
def case_watch(ctx: typer.Context, number: int,
               off: Annotated[bool, typer.Option("--off", help="Stop watching.")] = False
               ) -> None:
    """Watch a case (follow it even when someone else handles it)."""
    ctx_of(ctx).service().set_watch(number, watching=not off)
    typer.echo(f"{'Not watching' if off else 'Watching'} #{number}.")


@case_app.command("workspace")
def case_workspace(ctx: typer.Context, number: int,
                   remove: Annotated[bool, typer.Option("--remove")] = False) -> None:
    """Add the case to your workspace (or remove it)."""
    ctx_of(ctx).service().set_in_workspace(number, present=not remove)
    typer.echo(f"#{number} {'removed from' if remove else 'added to'} your workspace.")


@case_app.command("related")
def case_related(ctx: typer.Context, number: int,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Other cases of the same contact, and linked cases."""
    rows = ctx_of(ctx).service().related(number)
    if as_json:
        emit_json([row_json(r) for r in rows])
    else:
        print_rows(rows)


@case_app.command("link")
def case_link(ctx: typer.Context, number: int, other: int) -> None:
    """Link two related cases."""
    ctx_of(ctx).service().link(number, other)
    typer.echo(f"#{number} and #{other} are linked.")


@case_app.command("merge")
def case_merge(ctx: typer.Context, number: int,
               into: Annotated[int, typer.Option("--into", help="The case that stays.")]
               ) -> None:
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


@app.command()
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
                    import traceback

                    traceback.print_exception(r.exception, file=sys.stderr)
                if r.stop:
                    stopped = r.line
            elif r.already:
                taken += 1
                typer.echo(f"line {r.line}: already taken as #{r.case}")
            else:
                taken += 1
                typer.echo(f"line {r.line}: {'created' if r.created else 'added to'} #{r.case}")
    if stopped is not None:
        typer.echo(f"Stopped at line {stopped}: every further line would fail the same way. "
                   f"{taken} lines were taken before it; run it again once that is "
                   "mended (lines with an id are not taken twice).", err=True)
        raise typer.Exit(1)
    if bad:
        typer.echo(f"{bad} of {taken + bad} lines were not taken.", err=True)
        raise typer.Exit(1)


# -- running it -----------------------------------------------------------------------


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"casedesk: {clean_line(message)}", err=True)
    raise SystemExit(code)


# -- mail ------------------------------------------------------------------------


@app.command()
def poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Ingest what is there now, then exit.")]
    = False,
) -> None:
    """Read the configured mailboxes ([[mailbox]] in the config) into cases: continuously
    (IMAP IDLE where the server has it), or once."""
    import logging
    import threading

    from mail.poller import Poller, PollError

    c = ctx_of(ctx)
    boxes = c.config.mailbox
    if not boxes:
        raise CliError("no [[mailbox]] in the config: see config.example.toml")
    db = c.open_db()
    pollers = [Poller(db, box, c.config.mail) for box in boxes]
    try:
        if once:
            for poller in pollers:
                typer.echo(clean_line(poller.poll_once().describe()))
            return
        for poller in pollers:
            poller.check()  # before any thread: a mistake stops the command, said once
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        threads = [threading.Thread(target=p.run, args=(stop,), kwargs={
            "on_result": lambda r: r.fetched and typer.echo(clean_line(r.describe()))},
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


@app.command()
def send(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")]
    = False,
) -> None:
    """Send the outbox's replies through the [smtp] server of the config: continuously
    (every few seconds), or once."""
    import logging
    import threading

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


@app.command()
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


# -- the scheduler ------------------------------------------------------------------


def _when(text: str | None) -> datetime:
    from datetime import UTC

    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{text!r} is not a time like 2026-03-01T02:00+01:00") from None
    if when.tzinfo is None:
        raise CliError(f"{text!r} needs a time zone (like +01:00 or Z)")
    return when


@app.command()
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


@app.command()
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
        typer.echo(f"{len(found)} archived cases are older than {days:g} days and would go:")
        for p in found:
            contact = ", and its contact" if p.contact_removed else ""
            typer.echo(f"  #{p.number}  archived {p.archived_at.astimezone():%Y-%m-%d}  "
                       f"{p.messages} messages{contact}")
        return
    try:
        purged = scheduler.purge(when)
    except SchedulerBusy as exc:
        raise CliError(str(exc)) from None
    typer.echo(f"Purged {len(purged)} cases.")


@app.command()
def daemon(ctx: typer.Context) -> None:
    """The team server's background work in one process: the mailboxes' pollers, the
    outbox's sender and the scheduler (every minute). Stop it with Ctrl-C or SIGTERM."""
    import logging
    import signal
    import threading

    from mail.poller import PollError
    from scheduler.daemon import Daemon

    c = ctx_of(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = c.config
    work = Daemon(c.open_db(), lifecycle=config.lifecycle, mailboxes=config.mailbox,
                  mail=config.mail, smtp=config.smtp,
                  report=lambda text: typer.echo("\n".join(map(clean_line, text.splitlines()))))
    try:
        work.run(stop)
    except KeyboardInterrupt:
        stop.set()
    except PollError as exc:
        raise CliError(str(exc)) from None


outbox_app = typer.Typer(help="Replies on their way out by mail.", invoke_without_command=True)
app.add_typer(outbox_app, name="outbox")


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


def main(argv: list[str] | None = None) -> None:
    """The console script: run the command and turn every error into one line."""
    from typer._click import exceptions as click  # typer carries its own copy of Click

    from tui.config import ConfigError

    try:
        code = app(args=argv, prog_name="casedesk", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())  # `casedesk case` alone: its help
        raise SystemExit(2) from None
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "casedesk"
        fail(f"{exc.format_message()} (see `{where} --help`)", 2)
    except click.ClickException as exc:
        fail(exc.format_message())
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        fail("interrupted", 130)
    except SystemExit:
        raise
    except (CliError, ConfigError) as exc:
        fail(str(exc))
    except Exception as exc:  # one line in words, never a traceback, SQL or data
        from store.errors import StoreError, describe_failure

        if os.environ.get("CASEDESK_DEBUG") and not isinstance(exc, StoreError):
            raise
        fail(describe_failure(exc).text)
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
