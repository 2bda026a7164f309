"""The errors the store raises. Each carries a message an agent can act on; the CLI
prints it on one line and exits non-zero, the TUI shows it.

`describe_failure` says any exception in words on one line — never a database
driver's text, which carries the SQL statement and its parameters (customers' names,
addresses, messages): the CLI and ingest's per-line handler both use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError



class StoreError(Exception):
    """Anything the store refuses or cannot do."""

    # Whether every further write would meet it too (a batch stops at it).
    lasting = False


class NotFound(StoreError):
    """No such case, agent, channel, contact or message."""


class Forbidden(StoreError):
    """The actor may not see or do this."""


class Deactivated(StoreError):
    """The actor's agent was deactivated: nothing more for them, anywhere (not a
    Forbidden, which a screen may take in its stride: this ends a TUI)."""

    lasting = True


class Unseen(NotFound, Forbidden):
    """A thing an agent may not see, or that does not exist: one answer for both, so
    that case numbers of other channels cannot be probed (store.permissions.unseen)."""


class ReadOnly(Forbidden):
    """A change asked of a store opened to read only (`casedesk --read-all`)."""

    lasting = True

    def __init__(self) -> None:
        super().__init__("read-all mode only reads: nothing was changed (start casedesk "
                         "without --read-all to change cases)")


class TransitionError(StoreError):
    """A status change the lifecycle does not allow. Besides the English message it
    says why as a `reason` (one of REASONS) with the statuses involved, so that a
    screen can say it in its own language."""

    REASONS = ("pick-another", "scheduler-moves-it", "final", "ai-cannot-solve",
               "who-closes", "who-archives", "not-for-you")

    def __init__(self, message: str, *, start: str, end: str, reason: str,
                 targets: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.start, self.end, self.reason, self.targets = start, end, reason, targets


class Conflict(StoreError):
    """The case changed since the actor last saw it; reload and try again."""

    def __init__(self, case_number: int, seen: int, current: int) -> None:
        super().__init__(
            f"case #{case_number} was changed by someone else since you opened it "
            f"(version {seen}, now {current}): reload it and try again"
        )
        self.case_number = case_number
        self.seen = seen
        self.current = current


class InvalidInput(StoreError):
    """A value the store cannot take (empty title, unknown status, …)."""


class UnknownLogin(StoreError):
    """The operating-system login running casedesk is not an agent here."""

    lasting = True


def describe_validation(exc: ValidationError) -> str:
    """A pydantic ValidationError as one line: each problem with its dotted key."""
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown key {key!r}")
        elif err["type"] == "missing":
            problems.append(f"missing {key!r}")
        else:
            problems.append(f"{key}: {err['msg']}" if key else err["msg"])
    return "; ".join(problems)


@dataclass(frozen=True)
class Failure:
    """An exception in words: one line with no SQL, no parameters and no row values."""

    text: str
    lasting: bool  # every further write would fail the same way


DEBUG_HINT = "CASEDESK_DEBUG=1 shows the detail"

# SQLite's primary result codes and PostgreSQL's SQLSTATEs (or their classes), in words.
_READ_ONLY = ("the database is read-only: nothing was changed (casedesk may read it but not "
              "write it: check the permissions of the database file and its folder, or of "
              "the database role)")
_BUSY = ("the database is busy (another program holds its lock); nothing was changed: "
         "try again")
_CANNOT_OPEN = ("the database cannot be opened: check that the file and its folder exist "
                "and are readable and writable by you")
_UNREACHABLE = "the database server cannot be reached or refused the login"
_FULL = "the disk holding the database is full; nothing was changed"
_IO = "the disk holding the database failed to read or write (an I/O error)"
_DAMAGED = "the database file is damaged, or not a database"
_DENIED = "the database role casedesk logs in as may not do this (permission denied)"
_SCHEMA = ("the database's tables are not the ones this casedesk expects: run `casedesk "
           "init` (make a backup first)")
_RULE = "the database refused the change: it breaks one of the database's rules ({})"

_SQLITE = {
    "SQLITE_READONLY": (_READ_ONLY, True), "SQLITE_BUSY": (_BUSY, True),
    "SQLITE_LOCKED": (_BUSY, True), "SQLITE_CANTOPEN": (_CANNOT_OPEN, True),
    "SQLITE_PERM": (_CANNOT_OPEN, True), "SQLITE_AUTH": (_CANNOT_OPEN, True),
    "SQLITE_FULL": (_FULL, True), "SQLITE_IOERR": (_IO, True),
    "SQLITE_CORRUPT": (_DAMAGED, True), "SQLITE_NOTADB": (_DAMAGED, True),
}
_POSTGRESQL = {
    "25006": (_READ_ONLY, True), "55P03": (_BUSY, True), "40P01": (_BUSY, True),
    "42501": (_DENIED, True), "53100": (_FULL, True), "58030": (_IO, True),
    "42P01": (_SCHEMA, True), "42703": (_SCHEMA, True), "3D000": (_UNREACHABLE, True),
    "08": (_UNREACHABLE, True), "28": (_UNREACHABLE, True), "57": (_UNREACHABLE, True),
    "53": ("the database server is out of resources (memory, connections)", True),
}


def describe_failure(exc: BaseException) -> Failure:
    """`exc` in words an agent can act on; its full text only with CASEDESK_DEBUG=1
    (the caller's business)."""
    if isinstance(exc, StoreError):
        return Failure(str(exc), type(exc).lasting)
    import sqlalchemy as sa

    if isinstance(exc, sa.exc.DBAPIError):
        return _database_failure(exc)
    if isinstance(exc, OSError):
        import errno

        lasting = exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM,
                                errno.EIO, errno.EDQUOT)
        where = f": {exc.filename}" if exc.filename else ""
        return Failure(f"{exc.strerror or 'cannot use a file'}{where}", lasting)
    return Failure(f"unexpected {type(exc).__name__} ({DEBUG_HINT})", False)


def said_of(exc: BaseException, *own: type[BaseException]) -> str:
    """`exc` on one line for a log or a report: its own text when it is one of `own`
    (errors whose message is written for the agent, as the poller's), else in
    `describe_failure`'s words."""
    return str(exc) if isinstance(exc, own) else describe_failure(exc).text


def _database_failure(exc: BaseException) -> Failure:
    import sqlalchemy as sa

    orig = getattr(exc, "orig", None)
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):  # SQLITE_READONLY, SQLITE_IOERR_WRITE, …
        for code, (text, lasting) in _SQLITE.items():
            if name == code or name.startswith(code + "_"):
                return Failure(text, lasting)
        if name.startswith("SQLITE_CONSTRAINT"):
            return Failure(_RULE.format(name.removeprefix("SQLITE_").lower()), False)
        if "no such table" in str(orig) or "no such column" in str(orig):
            return Failure(_SCHEMA, True)
        code = name
    else:
        state = getattr(orig, "sqlstate", None) or ""
        for key in (state, state[:2]):
            if key in _POSTGRESQL:
                text, lasting = _POSTGRESQL[key]
                return Failure(text, lasting)
        if state.startswith("23"):
            return Failure(_RULE.format(type(orig).__name__), False)
        code = state or type(orig).__name__
    lasting = isinstance(exc, sa.exc.OperationalError)
    return Failure(f"the database failed ({code}); nothing was changed ({DEBUG_HINT})",
                   lasting)
