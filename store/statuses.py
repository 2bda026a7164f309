"""A case's statuses and the sets of them every part asks about, in one place.

The lifecycle (who may move a case from which status to which) is `store/lifecycle.py`;
this module only names the statuses and groups them. ARCHITECTURE.md has the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Status(StrEnum):
    """Case statuses, in lifecycle order; the identifiers used on the command line and
    in JSON."""

    NEW = "new"
    ESCALATED = "escalated"
    OPEN = "open"
    PARKED = "parked"
    WAITING = "waiting"
    SOLVED = "solved"
    CLOSED = "closed"
    ARCHIVED = "archived"


S = Status
# Closed and archived: final; a customer who writes again starts a new case.
ENDED = frozenset({S.CLOSED, S.ARCHIVED})
# Still being worked on: what a list shows unless asked for ended cases too.
ACTIVE = tuple(s for s in Status if s not in ENDED)
# Not yet solved: an agent's open work (the supervisor's tallies, the demo's workspaces).
UNSOLVED = tuple(s for s in ACTIVE if s != S.SOLVED)
# Past the service-level clocks: no due time is shown or marked.
SLA_DONE = frozenset({S.SOLVED, *ENDED})
# Waiting for an agent (New: "waiting to be assigned"): taking the case,
# its being assigned, or an agent's reply or note makes it Open (README.md's table).
AWAITING_AGENT = frozenset({S.NEW, S.ESCALATED})
# A customer's message reopens a case in these (on an ended one it starts a new case).
REOPENED_BY_CUSTOMER = frozenset({S.WAITING, S.SOLVED})
# What an answer (a reply or a note) may set in the same step, in the order an agent
# picks from (README.md, "The terminal UI": ctrl+s); the lifecycle says which of them.
ANSWER_ORDER = (S.WAITING, S.PARKED, S.SOLVED, S.OPEN)
# The status sort's rank: counting down, so newest-first order shows the lifecycle.
RANK = {s: len(Status) - 1 - i for i, s in enumerate(Status)}


def values(statuses: Iterable[Status]) -> list[str]:
    return [s.value for s in statuses]


def sql_in(statuses: Iterable[Status]) -> str:
    """`status IN ('a', 'b')` as literal SQL, for partial indexes the planner must match."""
    wanted = set(statuses)
    return "status IN (" + ", ".join(f"'{s.value}'" for s in Status if s in wanted) + ")"


def rank_sql() -> str:
    """RANK as a literal SQL expression (the expression index of the status sort)."""
    ranks = " ".join(f"WHEN '{s.value}' THEN {n}" for s, n in RANK.items() if n)
    return f"(CASE status {ranks} ELSE 0 END)"


def help_text() -> str:
    return " ".join(s.value for s in Status)
