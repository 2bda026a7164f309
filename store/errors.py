"""The errors the store raises. Each carries a message an agent can act on; the CLI
prints it on one line and exits non-zero, the TUI shows it."""


class StoreError(Exception):
    """Anything the store refuses or cannot do."""


class NotFound(StoreError):
    """No such case, agent, channel, contact or message."""


class Forbidden(StoreError):
    """The actor may not see or do this."""


class ReadOnly(Forbidden):
    """A change asked of a store opened to read only (`casedesk --read-all`)."""

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


def describe_validation(exc: Exception) -> str:
    """A pydantic ValidationError as one line: each problem with its dotted key."""
    problems = []
    for err in exc.errors():  # type: ignore[attr-defined]
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown key {key!r}")
        elif err["type"] == "missing":
            problems.append(f"missing {key!r}")
        else:
            problems.append(f"{key}: {err['msg']}" if key else err["msg"])
    return "; ".join(problems)
