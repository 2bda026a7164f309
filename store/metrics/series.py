"""The metrics screen's series, day by day over a report's period (README, "Metrics"):
cases created and solved, the backlog at each day's end — the backlog at the period's
start, then each day's new cases less its solves plus its reopenings — and how the
period's first responses spread. SQL per series, the same on both engines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from store.metrics.figures import Scope, backlog
from store.metrics.period import Period
from store.metrics.sql import bucket, json_text, seconds_between
from store.models import Case, Message
from store.statuses import Status
from store.tables import table_of

HOUR = 3600.0
# How soon the first responses came: up to each bound (seconds), the rest beyond.
SPREAD = (("<1h", HOUR), ("1-4h", 4 * HOUR), ("4-8h", 8 * HOUR), ("8-24h", 24 * HOUR),
          ("1-3d", 72 * HOUR), (">3d", None))


@dataclass(frozen=True)
class Series:
    days: list[date]
    created: list[int]
    solved: list[int]  # times a case became Solved, that day
    backlog: list[int]  # cases not yet Solved, Closed or Archived at each day's end
    first_response: dict[str, int]  # the period's cases answered, by how soon (SPREAD)


def day_of(period: Period, at: Any) -> sa.ColumnElement[str]:
    """The period's day a time falls on, where the team is."""
    return bucket(at, [(day.isoformat(), end) for day, _, end in period.days()])


def _created(period: Period, scope: Scope) -> sa.Select:
    case = table_of(Case).alias("c")
    day = day_of(period, case.c.created_at)
    return sa.select(day, sa.func.count()).where(
        case.c.created_at >= period.start_at, case.c.created_at < period.cut,
        case.c.merged_into_id.is_(None), *scope.of(case)).group_by(day)


def _moves(period: Period, scope: Scope) -> sa.Select:
    """Per day: the times a case became Solved, and went from Solved back to work.
    Only cases changed since the period began can have moved in it."""
    case = table_of(Case).alias("c")
    message = table_of(Message).alias("m")
    day = day_of(period, message.c.created_at)
    start, end = (json_text(message.c.event_params, k) for k in ("start", "end"))
    solved = sa.case((end == Status.SOLVED.value, 1), else_=0)
    reopened = sa.case((sa.and_(start == Status.SOLVED.value, end == Status.OPEN.value), 1),
                       else_=0)
    return sa.select(day, sa.func.sum(solved), sa.func.sum(reopened)).select_from(
        case).join(message, sa.and_(message.c.case_id == case.c.id,
                                    message.c.origin_case_id == case.c.id)).where(
        case.c.updated_at >= period.start_at, case.c.merged_into_id.is_(None),
        *scope.of(case), message.c.event_kind == "status",
        message.c.created_at >= period.start_at, message.c.created_at < period.cut
    ).group_by(day)


def _spread(period: Period, scope: Scope) -> sa.Select:
    case = table_of(Case).alias("c")
    # Whole seconds: SQLite's day fractions are a hair off an hour that is one.
    took = sa.func.round(seconds_between(case.c.first_response_at, case.c.created_at))
    bucket = sa.case(*((took < bound, name) for name, bound in SPREAD if bound is not None),
                     else_=SPREAD[-1][0])
    return sa.select(bucket, sa.func.count()).where(
        case.c.created_at >= period.start_at, case.c.created_at < period.end_at,
        case.c.merged_into_id.is_(None), case.c.first_response_at < period.cut,
        *scope.of(case)).group_by(bucket)


def series(session: Any, period: Period, scope: Scope) -> Series:
    # The backlog as the period began: a period that ends then.
    before = replace(period, first=period.first - timedelta(days=1), end=period.first)
    at_start = sum(n for _, _, n in session.execute(backlog(before, scope)))
    created = dict(session.execute(_created(period, scope)).all())
    moves = {day: (solved, reopened) for day, solved, reopened in session.execute(
        _moves(period, scope))}
    found = dict(session.execute(_spread(period, scope)).all())
    days = [day for day, _, _ in period.days() if day <= period.cut.astimezone(
        period.zone).date()]
    level, levels, solves = at_start, [], []
    for day in days:
        solved, reopened = moves.get(day.isoformat(), (0, 0))
        level += created.get(day.isoformat(), 0) - solved + reopened
        levels.append(level)
        solves.append(solved)
    return Series(days, [created.get(d.isoformat(), 0) for d in days], solves, levels,
                  {name: found.get(name, 0) for name, _ in SPREAD})
