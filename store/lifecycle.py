"""The case lifecycle (the README's table of statuses) as an explicit state machine.

Pure: who may move a case from which status to which. The service applies the
result (timestamps, audit, the system event in the conversation).
"""

from __future__ import annotations

from enum import StrEnum

from store.errors import InvalidInput, TransitionError
from store.statuses import ANSWER_ORDER, AWAITING_AGENT, Status


class ActorKind(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"  # the scheduler and the poller
    AI = "ai"  # an AI agent, through ingest


S = Status
HUMAN = frozenset({ActorKind.AGENT, ActorKind.SUPERVISOR})
WORKING = (S.OPEN, S.PARKED, S.WAITING, S.SOLVED)

# (from, to) -> the actors who may make that move.
TRANSITIONS: dict[tuple[Status, Status], frozenset[ActorKind]] = {}
for _start in (S.NEW, S.ESCALATED, S.OPEN, S.PARKED, S.WAITING):
    for _end in WORKING:
        if _end != _start:
            # A human always has the last word: an AI agent never sets solved.
            TRANSITIONS[(_start, _end)] = (
                HUMAN if _end == S.SOLVED else HUMAN | {ActorKind.AI}
            )
# A customer reply (made by the poller or ingest as `system`) reopens a waiting case.
TRANSITIONS[(S.WAITING, S.OPEN)] = HUMAN | {ActorKind.AI, ActorKind.SYSTEM}
TRANSITIONS[(S.SOLVED, S.OPEN)] = HUMAN | {ActorKind.SYSTEM}
TRANSITIONS[(S.SOLVED, S.CLOSED)] = frozenset({ActorKind.SYSTEM, ActorKind.SUPERVISOR})
TRANSITIONS[(S.CLOSED, S.ARCHIVED)] = frozenset({ActorKind.SYSTEM})



def initial_status(*, escalated: bool) -> Status:
    """A case is created as new, or as escalated when an AI agent hands it over."""
    return S.ESCALATED if escalated else S.NEW


def parse_status(text: str) -> Status:
    try:
        return Status(text.strip().lower())
    except ValueError:
        names = " ".join(s.value for s in Status)
        raise InvalidInput(f"unknown status {text!r}: use one of {names}") from None


def check_transition(start: Status, end: Status, actor: ActorKind) -> None:
    """Raise `TransitionError` saying why unless `actor` may move `start` → `end`."""
    if start == end:
        return
    allowed = TRANSITIONS.get((start, end))
    if allowed is None:
        mine = tuple(e.value for e in allowed_targets(start, actor))
        anyone = tuple(sorted({e.value for (s, e) in TRANSITIONS if s == start}))
        if mine:
            reason, targets, where = "pick-another", mine, f"you can make it {', '.join(mine)}"
        elif anyone:
            reason, targets = "scheduler-moves-it", anyone
            where = f"only the scheduler moves it on (to {', '.join(anyone)})"
        else:
            reason, targets = "final", ()
            where = "it is final: a customer reply starts a new case"
        raise TransitionError(f"a case that is {start.value} cannot become {end.value}: {where}",
                              start=start.value, end=end.value, reason=reason, targets=targets)
    if actor not in allowed:
        if end == S.SOLVED and actor == ActorKind.AI:
            reason, why = ("ai-cannot-solve",
                           "an AI agent cannot solve a case: a human has the last word")
        elif end == S.CLOSED:
            reason, why = ("who-closes", "only the scheduler (after the solved period) or a "
                           "supervisor closes a case")
        elif end == S.ARCHIVED:
            reason, why = ("who-archives",
                           "only the scheduler archives a case (the night after it closed)")
        else:
            reason, why = "not-for-you", f"not allowed for {actor.value}"
        raise TransitionError(f"{start.value} → {end.value} refused: {why}", start=start.value,
                              end=end.value, reason=reason)


def allowed_targets(start: Status, actor: ActorKind) -> list[Status]:
    """The statuses `actor` may move a `start` case to (for menus)."""
    return [e for (s, e), who in TRANSITIONS.items() if s == start and actor in who]


def work_begins(start: Status) -> Status | None:
    """Where a case goes once an agent takes it, it is assigned (by anyone, a triage
    rule too) or an agent answers it: a case waiting for an agent opens (README.md's
    statuses: New is waiting to be assigned, Open is an agent at work). A consequence of
    that act, not a choice: whoever may do the act moves the case."""
    return S.OPEN if start in AWAITING_AGENT else None


def answer_targets(start: Status, actor: ActorKind) -> list[Status]:
    """The statuses `actor` may set on a `start` case while answering it: those of
    `statuses.ANSWER_ORDER` it may move the case to, or that it already has (no move)."""
    allowed = set(allowed_targets(start, actor)) | {start}
    return [s for s in ANSWER_ORDER if s in allowed]
