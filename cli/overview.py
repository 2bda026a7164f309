"""The case overview: the terminal UI on a terminal, every row as a line in a pipe;
and the background work a TUI runs beside itself, handed to it as a callable.

Store, scheduler and TUI imports happen inside, so `--help` is quick."""

from __future__ import annotations

import sys
from functools import partial
from typing import TYPE_CHECKING

import typer

from cli.context import Context
from cli.output import print_rows

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from store.db import Database



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


def background_work(context: Context,
                    db: Database) -> Callable[[threading.Event], None] | None:
    """What a TUI runs in the background ([scheduler] in_tui): by default on a personal
    database (SQLite, not shared with a group), never on a team's."""
    config = context.config
    wanted = config.scheduler.in_tui
    if wanted is None:
        wanted = db.is_sqlite and not config.store.share_with_group
    if not wanted:
        return None
    from cli.config import default_data_dir
    from scheduler.daemon import run_beside
    from store.private import Modes

    # `casedesk daemon` on the same config and database, in a process of its own: a
    # tick over a big database then never competes with the screen for the GIL.
    argv = [sys.executable, "-m", "cli"]
    if context.config_path is not None:
        argv += ["--config", str(context.config_path)]
    where = str(db.path) if db.path is not None else context.db_arg
    if where:
        argv += ["--db", where]
    return partial(run_beside, [*argv, "daemon"], log=default_data_dir() / "background.log",
                   modes=Modes.of(config.store.share_with_group))
