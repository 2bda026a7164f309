"""The case overview: the terminal UI on a terminal, every row as a line in a pipe;
and the background work a TUI runs in a thread, handed to it as a callable.

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



def fewer_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives a thread that allocates an arena of its own (up to 8 per core): the
    TUI's thread workers and background parts leave memory spread over many half-used
    arenas that the process never hands back. Two hold what a TUI needs, with less
    growth over a day (README, "Memory"). Elsewhere (not glibc): nothing to do."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c") if sys.platform == "linux" else None
    try:
        libc = ctypes.CDLL(name or "", use_errno=True) if name else None
    except OSError:
        libc = None
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is not None:
        mallopt(-8, arenas)  # M_ARENA_MAX (malloc.h)


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

    fewer_malloc_arenas()
    app = CasedeskApp(lambda: service, language=context.config.ui.language,
                      background=None if context.read_all or not context.background
                      else background_work(context, service.db),
                      over_ssh=context.acting_as is not None)
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
    from scheduler.daemon import Daemon, run_within
    from store.private import Modes

    def daemon(report: Callable[[str], None]) -> Daemon:
        # `casedesk daemon`'s work on the TUI's own database and config.
        return Daemon(db, lifecycle=config.lifecycle, mailboxes=config.mailbox,
                      mail=config.mail, smtp=config.smtp, report=report,
                      lease_seconds=config.scheduler.lease_seconds)

    return partial(run_within, daemon, log=default_data_dir() / "background.log",
                   modes=Modes.of(config.store.share_with_group))
