"""Child processes that must not outlive the one that started them: the test suite's
own PostgreSQL, Dovecot and sshd servers; and what those throw-away servers share (a
free loopback port, `with server:`)."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import signal
import socket
import sys
from collections.abc import Callable
from typing import Self

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` for `subprocess.Popen`: on Linux the child gets `sig` when the
    thread that started it ends (PR_SET_PDEATHSIG); elsewhere None (nothing to do)."""
    if sys.platform != "linux":
        return None
    try:
        # Looked up here: loading a library in the forked child of a threaded process
        # can deadlock.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return functools.partial(_set_death_signal, prctl, int(sig))


def _set_death_signal(prctl: Callable[..., int], sig: int) -> None:  # pragma: no cover
    # Runs in the forked child: a failure here must not stop the child starting.
    with contextlib.suppress(Exception):
        prctl(PR_SET_PDEATHSIG, sig)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (another process may take it before the server
    binds it: the servers try again on another)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Throwaway:
    """A test server for a block: `with Server() as server:` starts and stops it."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

