"""The report's figures as SQL: one statement per kind of figure, set-wise, the same on
SQLite and PostgreSQL. The definitions are the README's ("Metrics"); what happened
after the period's cut (its end, or now) never counts, so a past month's report reads
the same today as it did then.

- `cohort`: the period's cases (created in it, merges excluded) with what each got
  before the cut — first response, first solve, replies, a reopening, its service
  levels' outcome, its rating — grouped by a key;
- `handled`: the replies and solves agents made in the period, as (agent, case) pairs;
- `backlog`: every case not yet Solved, Closed or Archived at the cut, its status then
  read from its status events;
- `time_in_status`: how long the period's cases stayed in each status up to the cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from store.metrics.period import Period
from store.metrics.sql import (
    bucket,
    contains_word,
    json_text,
    percentile,
    ranked,
    seconds_between,
)
from store.models import (
    Agent,
    AuditEvent,
    Case,
    CaseLink,
    Channel,
    Contact,
    Message,
    MessageKind,
    Satisfaction,
    UTCDateTime,
)
from store.statuses import Status
from store.tables import table_of

GROUPINGS = ("channel", "agent", "week", "label", "priority", "tier", "rule")
# Ages of the backlog: under a day, one to three, three to seven, more.
AGE_DAYS = (1, 3, 7)
AGES = ("<1d", "1-3d", "3-7d", ">7d")
DAY = 86_400.0


@dataclass(frozen=True)
class Scope:
    """Whose cases: `channels` (None: every channel); `agent_id`: under `--by agent`,
    one agent's row alone (an agent's own)."""

    channels: frozenset[int] | None
    agent_id: int | None = None

    def of(self, case: Any) -> list[sa.ColumnElement[bool]]:
        return [] if self.channels is None else [case.c.channel_id.in_(self.channels or {-1})]


@dataclass
class Keying:
    """How rows are keyed (`by`: one of GROUPINGS, None: the total), with the lists
    the keys come from: the period's weeks, the labels its cases carry."""

    by: str | None
    period: Period
    labels: list[str]
    # The total in the same statement as the rows (`whole` = 1): for keys that put each
    # case in one row at most — not labels (a case may have two), not rules (a row
    # holds only the cases a sampled rule matched).
    with_total: bool = False

    def keyed(self, query: sa.Select, case: Any, *, at: Any, agent: Any
              ) -> tuple[sa.Select, sa.ColumnElement[Any], sa.ColumnElement[Any]]:
        """`query` (over `case`) with the joins its key needs, the key and the group
        (`--by rule`: "in" for the cases a sampled rule touched, "out" for those it
        left alone). `at`: the time that places a row in a week; `agent`: whose row."""
        none = sa.literal("")
        if self.by is None:
            return query, none, none
        if self.by == "channel":
            channel = table_of(Channel).alias("key_channel")
            return query.join(channel, channel.c.id == case.c.channel_id), channel.c.name, none
        if self.by == "agent":
            agent_row = table_of(Agent).alias("key_agent")
            return (query.outerjoin(agent_row, agent_row.c.id == agent),
                    sa.func.coalesce(agent_row.c.login, none), none)
        if self.by == "priority":
            return query, case.c.priority, none
        if self.by == "tier":
            contact = table_of(Contact).alias("key_contact")
            return query.join(contact, contact.c.id == case.c.contact_id), contact.c.tier, none
        if self.by == "week":
            return query, bucket(at, [(name, end) for name, _, end in self.period.weeks()]), none
        if self.by == "label":
            if not self.labels:
                return query, none, none
            names = _values("key_label", [("name", sa.String())], [(x,) for x in self.labels])
            return (query.outerjoin(names, contains_word(case.c.labels, names.c.name)),
                    sa.func.coalesce(names.c.name, none), none)
        assert self.by == "rule"
        audit = table_of(AuditEvent).alias("key_rule")
        sampled = json_text(audit.c.after, "sample")
        return (query.join(audit, sa.and_(
            audit.c.case_id == case.c.id, audit.c.action == "case.triage",
            sampled.is_not(None), audit.c.at < self.period.cut)),
            json_text(audit.c.after, "rule"), sampled)


def _values(name: str, columns: list[tuple[str, Any]], rows: list[tuple[Any, ...]]) -> Any:
    return sa.values(*(sa.column(n, t) for n, t in columns), name=name).data(rows).cte(name)


def _status_events(message: Any, case: Any, cut: Any = None) -> list[sa.ColumnElement[bool]]:
    """A case's own status events (not those of a case merged into it), before `cut`."""
    found = [message.c.case_id == case.c.id, message.c.origin_case_id == case.c.id,
             message.c.event_kind == "status"]
    return found if cut is None else [*found, message.c.created_at < cut]


def cohort(period: Period, scope: Scope, keying: Keying) -> sa.Select:
    """Per key: the period's cases and their figures (counts, sums and percentiles;
    the rates are the caller's divisions)."""
    case = table_of(Case).alias("c")
    message = table_of(Message).alias("m")
    cut = sa.literal(period.cut, UTCDateTime())
    first_solved = sa.select(sa.func.min(message.c.created_at)).where(
        *_status_events(message, case, cut),
        json_text(message.c.event_params, "end") == Status.SOLVED.value).scalar_subquery()
    replies = sa.select(sa.func.count()).where(
        message.c.case_id == case.c.id, message.c.kind == MessageKind.REPLY.value,
        message.c.created_at < cut).scalar_subquery()
    link = table_of(CaseLink)
    reopened = sa.or_(
        sa.exists().where(*_status_events(message, case, cut),
                          json_text(message.c.event_params, "start") == Status.SOLVED.value,
                          json_text(message.c.event_params, "end") == Status.OPEN.value),
        sa.exists().where(link.c.case_id == case.c.id, link.c.kind == "follow-up",
                          link.c.created_at < cut))
    answered = sa.case((case.c.first_response_at < cut, case.c.first_response_at))
    rating = table_of(Satisfaction)
    rated = sa.select(rating.c.rating).where(
        rating.c.case_id == case.c.id, rating.c.rated_at < cut).scalar_subquery()

    query = sa.select(case.c.id).where(
        case.c.created_at >= period.start_at, case.c.created_at < period.end_at,
        case.c.merged_into_id.is_(None), *scope.of(case))
    if scope.agent_id is not None:
        query = query.where(case.c.assignee_id == scope.agent_id)
    query, key, group = keying.keyed(query, case, at=case.c.created_at,
                                     agent=case.c.assignee_id)
    per_case = query.add_columns(
        key.label("key"), group.label("grp"), case.c.created_at.label("created"),
        answered.label("answered"), first_solved.label("solved_at"), replies.label("replies"),
        reopened.label("reopened"), rated.label("rating"),
        case.c.first_response_due.label("fr_due"), case.c.resolution_due.label("res_due"),
        case.c.sla_paused_at.label("paused"),
    ).cte("per_case").prefix_with("MATERIALIZED")  # each case's lookups made once

    p = per_case.c
    spans = period.open_spans()
    business: sa.ColumnElement[Any] = sa.null()
    if spans:
        hours = _values("open_hours", [("o0", UTCDateTime()), ("o1", UTCDateTime())], spans)
        business = sa.select(sa.func.coalesce(sa.func.sum(seconds_between(
            sa.case((p.answered < hours.c.o1, p.answered), else_=hours.c.o1),
            sa.case((p.created > hours.c.o0, p.created), else_=hours.c.o0))), 0.0)).where(
            hours.c.o0 < p.answered, hours.c.o1 > p.created).scalar_subquery()
    # (a case merged into a newer one brings an earlier answer: none of this case's)
    first_s = sa.case((p.answered >= p.created, seconds_between(p.answered, p.created)))
    solve_s = seconds_between(p.solved_at, p.created)
    business_s = sa.case((p.answered.is_not(None), business))
    # The service levels: missed if a target passed unmet, met if both were met; a
    # case with no target, or one still running, is not counted — nor one waiting for
    # its customer now (its clocks stand still: their due times move when it resumes).
    # The first response is done by an answer, or by solving the case without one.
    first_done = sa.case((p.answered.is_(None), p.solved_at),
                         (sa.and_(p.solved_at.is_not(None), p.solved_at < p.answered),
                          p.solved_at), else_=p.answered)
    running = p.paused.is_(None)
    first_missed = sa.or_(first_done > p.fr_due,
                          sa.and_(first_done.is_(None), p.fr_due < cut, running))
    solve_missed = sa.or_(p.solved_at > p.res_due,
                          sa.and_(p.solved_at.is_(None), p.res_due < cut, running))
    sla = sa.case((p.fr_due.is_(None), sa.null()), (sa.or_(first_missed, solve_missed), 0),
                  (sa.and_(first_done <= p.fr_due, sa.or_(p.res_due.is_(None),
                                                          p.solved_at <= p.res_due)), 1))
    solved = p.solved_at.is_not(None)
    figures = [
        solved.label("solved"), sa.and_(solved, p.replies == 1, sa.not_(p.reopened)).label("fcr"),
        sa.and_(solved, p.reopened).label("reopen"), sla.label("sla"), p.rating,
        first_s.label("first"), solve_s.label("solve"), business_s.label("business")]
    keyed = sa.select(sa.literal(0).label("whole"), p.key, p.grp, *figures)
    values = (sa.union_all(keyed, sa.select(sa.literal(1), sa.literal(""), sa.literal(""),
                                            *figures))
              if keying.with_total else keyed).subquery("case_values")
    v = values.c
    partition = [v.whole, v.key, v.grp]
    rows = sa.select(
        values, *ranked(v.first, partition, "first"), *ranked(v.solve, partition, "solve"),
        *ranked(v.business, partition, "business")).subquery("ranked")
    r = rows.c
    return sa.select(
        r.whole, r.key, r.grp, sa.func.count().label("cases"),
        percentile(rows, "first", 5).label("first_response_median_s"),
        percentile(rows, "first", 9).label("first_response_p90_s"),
        percentile(rows, "business", 5).label("first_response_business_median_s"),
        percentile(rows, "solve", 5).label("resolution_median_s"),
        percentile(rows, "solve", 9).label("resolution_p90_s"),
        _count(r.solved).label("solved"), _count(r.fcr).label("fcr"),
        _count(r.reopen).label("reopened"),
        sa.func.count(r.sla).label("sla_counted"), sa.func.sum(r.sla).label("sla_met"),
        sa.func.count(r.rating).label("csat_count"), sa.func.sum(r.rating).label("csat_sum"),
        _count(r.rating >= 4).label("csat_good"),
    ).group_by(r.whole, r.key, r.grp)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def handled(period: Period, scope: Scope, keying: Keying) -> sa.Select:
    """Per key: the (agent, case) pairs of a reply or a solve in the period, and how
    many agents made them. Only cases changed since the period began can have one (a
    case's `updated_at` is never before its last message): found through that index."""
    case = table_of(Case).alias("c")
    message = table_of(Message).alias("m")
    query = sa.select(message.c.author_agent_id, message.c.case_id).select_from(case).join(
        message, message.c.case_id == case.c.id).where(
        case.c.updated_at >= period.start_at, case.c.merged_into_id.is_(None), *scope.of(case),
        message.c.created_at >= period.start_at, message.c.created_at < period.cut,
        message.c.author_agent_id.is_not(None),
        sa.or_(message.c.kind == MessageKind.REPLY.value,
               sa.and_(message.c.event_kind == "status",
                       json_text(message.c.event_params, "end") == Status.SOLVED.value)))
    if scope.agent_id is not None:
        query = query.where(message.c.author_agent_id == scope.agent_id)
    query, key, group = keying.keyed(query, case, at=message.c.created_at,
                                     agent=message.c.author_agent_id)
    pairs = query.add_columns(key.label("key"), group.label("grp")).distinct().cte(
        "pairs").prefix_with("MATERIALIZED")
    rows = sa.select(sa.literal(0).label("whole"), pairs.c.key, pairs.c.grp,
                     sa.func.count().label("handled"),
                     sa.func.count(sa.distinct(pairs.c.author_agent_id)).label("agents")
                     ).group_by(pairs.c.key, pairs.c.grp)
    if not keying.with_total:
        return rows
    once = sa.select(pairs.c.author_agent_id, pairs.c.case_id).distinct().subquery()
    return sa.union_all(rows, sa.select(
        sa.literal(1), sa.literal(""), sa.literal(""), sa.func.count(),
        sa.func.count(sa.distinct(once.c.author_agent_id))))  # type: ignore[return-value]


def _status_at(case: Any, cut: Any) -> sa.ColumnElement[str]:
    """A case's status at `cut`: its status now if it has not changed since (a change
    moves `updated_at`); else where its last status event before then took it, or
    where its first one took it from, or (never changed) its status now."""
    message = table_of(Message).alias("s")
    last = sa.select(json_text(message.c.event_params, "end")).where(
        *_status_events(message, case, cut)).order_by(
        message.c.created_at.desc(), message.c.id.desc()).limit(1).scalar_subquery()
    first = sa.select(json_text(message.c.event_params, "start")).where(
        *_status_events(message, case)).order_by(
        message.c.created_at, message.c.id).limit(1).scalar_subquery()
    return sa.case((case.c.updated_at < cut, case.c.status),
                   else_=sa.func.coalesce(last, first, case.c.status))


def backlog(period: Period, scope: Scope) -> sa.Select:
    """The cases not yet Solved, Closed or Archived at the cut, by status and age. A
    case closed before the cut is out without reading its events (Closed is final)."""
    case = table_of(Case).alias("c")
    cut = sa.literal(period.cut, UTCDateTime())
    age = seconds_between(cut, case.c.created_at)
    bucket = sa.case(*((age < days * DAY, n) for n, days in enumerate(AGE_DAYS)),
                     else_=len(AGE_DAYS))
    # Two index lookups, not one condition with OR: the cases never closed, and those
    # closed after the cut (the planner would read every case created before it).
    cases = sa.union_all(*(sa.select(_status_at(case, cut).label("status"),
                                     bucket.label("age")).where(
        open_then, case.c.created_at < cut, case.c.merged_into_id.is_(None), *scope.of(case))
        for open_then in (case.c.closed_at.is_(None), case.c.closed_at >= cut))).subquery()
    done = [Status.SOLVED.value, Status.CLOSED.value, Status.ARCHIVED.value]
    return sa.select(cases.c.status, cases.c.age, sa.func.count()).where(
        cases.c.status.not_in(done)).group_by(cases.c.status, cases.c.age)


def time_in_status(period: Period, scope: Scope) -> sa.Select:
    """Per status: the median time the period's cases spent in it up to the cut (a
    case's stays in one status added up; a stay still going counts to the cut).

    Without pairing each move with the next: a case's time in a status is when its
    stays there ended less when they began — each move ends a stay in the status it
    left and begins one in the status it entered; creation begins the first, the cut
    ends the one going on — so each time is added or taken away once."""
    case = table_of(Case).alias("c")
    message = table_of(Message).alias("m")
    first = table_of(Message).alias("f")
    cut = sa.literal(period.cut, UTCDateTime())
    start = sa.literal(period.start_at, UTCDateTime())

    def at(moment: Any) -> sa.ColumnElement[float]:  # seconds since the period began
        return seconds_between(moment, start)

    created_in = sa.select(json_text(first.c.event_params, "start")).where(
        *_status_events(first, case, cut)).order_by(
        first.c.created_at, first.c.id).limit(1).scalar_subquery()
    now = _status_at(case, cut)
    cases = sa.select(case.c.id, case.c.created_at, now.label("now"),
                      sa.func.coalesce(created_in, now).label("began")).where(
        case.c.created_at >= period.start_at, case.c.created_at < period.end_at,
        case.c.merged_into_id.is_(None), *scope.of(case)).cte("in_period").prefix_with(
        "MATERIALIZED")
    moves = sa.select(
        message.c.case_id, at(message.c.created_at).label("t"),
        json_text(message.c.event_params, "start").label("left"),
        json_text(message.c.event_params, "end").label("entered")).select_from(cases).join(
        message, message.c.case_id == cases.c.id).where(
        message.c.origin_case_id == cases.c.id, message.c.event_kind == "status",
        message.c.created_at < cut).cte("moves").prefix_with("MATERIALIZED")
    ends_less_begins = sa.union_all(
        sa.select(moves.c.case_id, moves.c.left.label("status"), moves.c.t.label("t")),
        sa.select(moves.c.case_id, moves.c.entered, -moves.c.t),
        sa.select(cases.c.id, cases.c.now, at(cut)),
        sa.select(cases.c.id, cases.c.began, -at(cases.c.created_at)),
    ).subquery("times")
    per_case = sa.select(ends_less_begins.c.status,
                         sa.func.sum(ends_less_begins.c.t).label("spent")).group_by(
        ends_less_begins.c.case_id, ends_less_begins.c.status).subquery("spent")
    rows = sa.select(per_case.c.status, per_case.c.spent,
                     *ranked(per_case.c.spent, [per_case.c.status], "spent")).subquery("r")
    return sa.select(rows.c.status, percentile(rows, "spent", 5)).group_by(rows.c.status)


def label_names(period: Period, scope: Scope) -> sa.Select:
    """The label lists on the cases a report may key by label (those changed since the
    period began: its own cases and those handled in it)."""
    case = table_of(Case).alias("c")
    return sa.select(case.c.labels).where(
        case.c.updated_at >= period.start_at, case.c.labels != "", *scope.of(case)).distinct()


__all__ = ["AGES", "GROUPINGS", "Keying", "Scope", "backlog", "cohort", "handled",
           "label_names", "time_in_status"]
