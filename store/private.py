"""Every file and folder casedesk creates — the database and its -wal/-shm, the
attachments beside it, the TUI's background log — is its owner's alone (0600/0700),
or its group's too with `[store] share_with_group` (0660/0770), whatever the umask.
An existing path is only ever tightened towards those modes, never loosened: a
database someone made read-only (0400) stays read-only.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Modes:
    """The file and folder modes the config asks for."""

    file: int
    dir: int

    @classmethod
    def of(cls, share_with_group: bool) -> Modes:
        return cls(*file_modes(share_with_group))


def file_modes(share_with_group: bool) -> tuple[int, int]:
    """(file mode, folder mode) for everything casedesk creates."""
    return (0o660, 0o770) if share_with_group else (0o600, 0o700)


def make_private_dir(path: Path, mode: int) -> None:
    """Create `path` (and missing parents) with exactly `mode`, whatever the umask."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=mode)
        except FileExistsError:
            continue
        os.chmod(d, mode)


def create_private_file(path: Path, mode: int) -> bool:
    """Create an empty `path` with exactly `mode` if it is missing; True if it was."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return True


def write_private_file(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` atomically with exactly `mode`. The temporary file's name
    is its own (two threads writing the same file never share one)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:  # writes all of it (os.write may write less)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_private_append(path: Path, modes: Modes) -> BinaryIO:
    """`path` opened to append (a log), its folder made if missing; a new file gets
    `modes.file`, an existing one loses what that mode does not allow."""
    make_private_dir(path.parent, modes.dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, modes.file)
    try:
        current = stat.S_IMODE(os.fstat(fd).st_mode)
        wanted = allowed(current, modes.file)
        if wanted != current:
            os.fchmod(fd, wanted)
        return os.fdopen(fd, "ab")
    except BaseException:
        os.close(fd)
        raise


def allowed(current: int, mode: int, *, is_dir: bool = False) -> int:
    """`current` narrowed to `mode`: bits beyond it go, none are added — except that
    a group-shared mode gives the group what the owner has (0600 → 0660, 0400 → 0440).
    A folder keeps its setgid and sticky bits (a shared folder's group depends on them)."""
    new = current & mode
    if mode & 0o070:
        new |= ((new & 0o700) >> 3) & mode
    if is_dir:
        new |= current & 0o3000
    return new


@dataclass(frozen=True)
class ModeChange:
    path: Path
    before: int
    after: int

    def describe(self) -> str:
        return f"{self.path}: mode {self.before:04o} -> {self.after:04o}"


def tighten(path: Path, modes: Modes, *, recursive: bool = False) -> list[ModeChange]:
    """Narrow `path` (a file or folder; with `recursive`, everything under a folder)
    to `modes`; returns what changed. Symbolic links and others' paths are left alone."""
    changes: list[ModeChange] = []
    try:
        st = path.lstat()
    except FileNotFoundError:
        return changes
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.geteuid():
        return changes
    is_dir = stat.S_ISDIR(st.st_mode)
    current = stat.S_IMODE(st.st_mode)
    wanted = allowed(current, modes.dir if is_dir else modes.file, is_dir=is_dir)
    if wanted != current:
        os.chmod(path, wanted)
        changes.append(ModeChange(path, current, wanted))
    if is_dir and recursive:
        for child in sorted(path.iterdir()):
            changes += tighten(child, modes, recursive=True)
    return changes
