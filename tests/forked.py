"""Child processes for the tests about several processes at once (writers taking turns,
a backup while others write, a change made in another process).

Each child is forked from a server that has imported casedesk already (the stdlib's
multiprocessing forkserver, started once per test process): it starts in milliseconds
instead of spending ~1.3 s of CPU importing SQLAlchemy and the store anew, as a new
interpreter does. It is still a process of its own: its own connections and locks, a
pid that SIGKILL ends. Tests of the `casedesk` program itself (its start, its
arguments, its exit) run the real program instead.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import tempfile
import traceback
from multiprocessing.process import BaseProcess
from pathlib import Path

from children import die_with_parent

CONTEXT = multiprocessing.get_context("forkserver")
# What the server imports once, so that its children need not. (This sets it for the
# test process's one forkserver, whoever else uses it.)
CONTEXT.set_forkserver_preload(["sqlalchemy", "store.db", "store.service"])


def start(code: str, *argv: str, out: Path | None = None,
          error: Path | None = None) -> BaseProcess:
    """`python -c code argv…` in a child process, started. What it prints goes to
    `out` (line by line), an exception's traceback to `error`, when given (the server's
    own output is whatever the test that started it had). An exception ends it with
    exit code 1. A daemon: one still running when the test process ends is ended, and
    one whose test process was killed gets SIGKILL."""
    child = CONTEXT.Process(target=_run, args=(code, argv, out, error), daemon=True)
    child.start()
    return child


def ended(child: BaseProcess, error: Path | None = None, timeout: float = 60) -> str:
    """Wait for `child` (killed if it outlasts `timeout`): "" if it succeeded, else what
    went wrong, for an assertion's message."""
    child.join(timeout)
    if child.exitcode is None:
        child.kill()
        child.join()
        return f"still running after {timeout} s: killed"
    if child.exitcode == 0:
        return ""
    said = error.read_text() if error is not None and error.exists() else ""
    return f"exit code {child.exitcode}\n{said}"


def run(code: str, *argv: str, timeout: float = 60) -> None:
    """`code` in a child process, to its end; it must succeed."""
    with tempfile.TemporaryDirectory() as directory:
        error = Path(directory) / "error"
        wrong = ended(start(code, *argv, error=error), error, timeout)
        assert not wrong, wrong


def _run(code: str, argv: tuple[str, ...], out: Path | None, error: Path | None) -> None:
    # The forkserver ends with the test process; this child with the forkserver.
    hook = die_with_parent(signal.SIGKILL)
    if hook is not None:
        hook()
    sys.argv = ["-c", *argv]
    if out is not None:
        sys.stdout = out.open("w", buffering=1, encoding="utf-8")
    try:
        exec(compile(code, "<child>", "exec"), {"__name__": "__main__"})
    except Exception:
        if error is not None:
            error.write_text(traceback.format_exc())
        raise
