"""A command in a pseudo-terminal and every byte it writes there, time-stamped: how the
terminal tests and bench/tui_bench.py see casedesk as a terminal does. POSIX only."""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

# Every escape sequence a terminal would act on (CSI, OSC ended by BEL or ST, and the
# two-byte ESC sequences).
ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-~])")


class PtyRun:
    """`argv` in a `columns` x `lines` pseudo-terminal, in a session of its own (so its
    whole process group can be killed); a thread reads what it writes into `chunks`."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | str,
                 columns: int, lines: int) -> None:
        # POSIX only: imported here, so that a test importing this module is still
        # collected (and skipped) elsewhere.
        import fcntl
        import pty
        import termios

        master, slave = pty.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
            self.launched = time.monotonic()
            self.proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave,
                                         env=dict(env), cwd=cwd, start_new_session=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # the child's copy keeps the terminal open
        self.master = master
        self.chunks: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            with self.lock:
                self.chunks.append((time.monotonic(), data))

    def output(self) -> bytes:
        """Everything written so far."""
        with self.lock:
            return b"".join(data for _, data in self.chunks)

    def send(self, keys: str | bytes) -> tuple[float, int]:
        """Write keys; (when, how many chunks had been read before)."""
        with self.lock:
            mark = len(self.chunks)
            os.write(self.master, keys.encode() if isinstance(keys, str) else keys)
            return time.monotonic(), mark

    def close(self) -> None:
        """Kill the command's process group if it still runs, close the terminal and
        wait for the reader (the rest of the output)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: pgid == pid
            self.proc.wait()
        os.close(self.master)
        self.reader.join(timeout=5)
