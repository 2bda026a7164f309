"""A demo case's plan: its lines and moves in time order, the events and status times
of a move by the store's own rules, and the status a plan gives its case at a time
(store/demo/generate.py makes the plans).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from store import events, status_change, triage
from store.demo.contacts import Contact
from store.lifecycle import ActorKind, check_transition
from store.statuses import Status

if TYPE_CHECKING:
    from store.demo.clock import Clock

SOLVED_DAYS = 7  # a solved case closes after this many days (the lifecycle's default)

# Message kinds, and who wrote a line of a plan.
_CUSTOMER, _AI, _REPLY, _NOTE, _EVENT = "customer", "ai", "reply", "note", "event"
_BY_CUSTOMER, _BY_SYSTEM, _BY_AI = -1, -2, -3
SYSTEM_AUTHOR = "system"
Planned = tuple[int, str, int, "str | tuple[str, str]", str, "str | None", "int | None",
                "int | None"]
# The case's status times, in the order the `cases` rows hold them (store/demo/build.py).
_STAMPED = ("solved_at", "resolved_at", "closed_at", "archived_at")
# The newest cases, held back until the last batch so that the work in hand at `now` can
# be seen whole before they are written.
HELD = 64


# Events and a status change's times by the store's own rules (store/status_change.py),
# worked out once per distinct move.
@cache
def _moved(start: str, end: str, why: str = "") -> tuple[str, str]:
    days = {"days": SOLVED_DAYS} if why == "solved-for" else {}
    what = status_change.event(Status(start), Status(end), why, **days)
    return what.kind, what.stored()


@cache
def _assigned(login: str) -> tuple[str, str]:
    what = events.event("assigned", login=login)
    return what.kind, what.stored()


@cache
def _stamps(start: str, end: str) -> tuple[tuple[str, bool], ...]:
    """(column, set or cleared) of a move, as `status_change.stamps` says."""
    found = status_change.stamps(Status(start), Status(end), True)
    return tuple((column, bool(found[column])) for column in _STAMPED if column in found)
AI_AUTHOR = "AI-agent"

Rows = dict[str, list[tuple[object, ...]]]


@dataclass
class _Case:
    """One case's plan and what its rows are made from."""

    i: int
    plan: list[Planned]
    status: str  # at `now`
    night: int | None  # the night whose on-call agent finished it
    ctx: dict[str, object]
    contact: Contact
    title: str
    ch_name: str
    priority: str
    labels: str
    colleagues: list[int]
    related: bool
    escalated: bool


def _status_at(plan: Sequence[Planned], escalated: bool, now: int) -> str:
    """The status a plan gives its case at `now`."""
    status = "escalated" if escalated else "new"
    for t, _, _, _, _, new_status, _, _ in plan:
        if t > now:
            break
        if new_status is not None:
            status = new_status
    return status


def _kept_in(plan: list[Planned], escalated: bool, status: Status, now: int) -> list[Planned]:
    """The plan of a case that has `status` at `now`: up to the step that would have
    taken it out of that status after it last came to it by `now` (the step, and all
    after it, not taken yet). Unchanged if the case never had the status by then."""
    if status in (Status.NEW, Status.ESCALATED):  # since it was created, until assigned
        if status != ("escalated" if escalated else "new"):
            return plan
        return plan[:next((k for k, p in enumerate(plan) if p[5] or p[6] is not None),
                          len(plan))]
    came = None
    for k, p in enumerate(plan):
        if p[0] > now:
            break
        if p[5] == status:
            came = k
    if came is None:
        return plan
    at = plan[came][0]
    return plan[:next((k for k in range(came, len(plan)) if plan[k][0] > at), len(plan))]


def closed_by_hand(clock: Clock, rnd: random.Random, now: int, supervisors: list[int],
                   you: int, cases: list[_Case], counts: Counter[str]) -> None:
    """No case closed since the last archive run (a small team's quiet night or
    weekend): a supervisor closed the newest solved one of `cases` by hand, the last
    time the team was at work (at night: on call)."""
    check_transition(Status.SOLVED, Status.CLOSED, ActorKind.SUPERVISOR)
    begin, end = clock.last_at_work(now)
    at = max(begin, end - int(rnd.random() * 15 * 60))
    others = [n for n in supervisors if n != you] or [you]
    closer = others[int(rnd.random() * len(others))]
    for case in reversed(cases):
        done = [p for p in case.plan if p[0] <= now]
        if case.status == "solved" and counts["solved"] > 1 and done[-1][0] <= at:
            case.plan = [*done, (at, _EVENT, closer, _moved("solved", "closed"), "",
                                 "closed", None, None)]
            case.status = "closed"
            counts["solved"] -= 1
            counts["closed"] += 1
            return


def flagged_rows(title: str, text: str, mid: int, number: int, when: str
                 ) -> tuple[list[tuple[object, ...]], triage.Assessment]:
    """Triage on a case's first message, as the store does it: the `flagged` events'
    message rows (numbered on from `mid`, at `when`) and what was found."""
    found = triage.assess(triage.BUILT_IN, title, text)
    rows: list[tuple[object, ...]] = []
    for values in found.events():
        event = events.event("flagged", **values)
        rows.append((mid + len(rows) + 1, number, _EVENT, None, SYSTEM_AUTHOR, "", "", when,
                     number, event.kind, event.stored()))
    return rows, found
