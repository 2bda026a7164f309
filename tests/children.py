"""Child processes that must not outlive the one that started them: the test suite's
own PostgreSQL and Dovecot servers."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import signal
import sys
from collections.abc import Callable

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
