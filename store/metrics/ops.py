"""The service's metrics: the report of a period, as the actor may read it (README,
"Metrics"). The figures are SQL (store/metrics/figures.py); this puts the rows
together and divides the counts into rates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from store.core import ServiceCore
from store.errors import InvalidInput
from store.metrics import figures
from store.metrics.figures import AGES, GROUPINGS, Keying, Scope
from store.metrics.period import Period, period_of
from store.metrics.series import Series, series
from store.permissions import Actor, require_channel, visible_channels
from store.records import channel_named
from store.statuses import ENDED, Status
from store.tables import id_of

# The figures of a row and of the total, in the order the JSON and CSV give them.
FIGURES = ("cases", "first_response_median_s", "first_response_p90_s",
           "first_response_business_median_s", "resolution_median_s", "resolution_p90_s",
           "solved", "fcr_rate", "reopen_rate", "sla_met_rate", "handled",
           "handled_per_agent_day", "csat_avg", "csat_count", "csat_good_rate")


def duration_text(seconds: int | None) -> str:
    """`45s`, `12m`, `3h 05m`, `2d 4h`; `-` for nothing measured."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h {minutes % 60:02d}m"
    return f"{hours // 24}d {hours % 24}h"


@dataclass(frozen=True)
class Figures:
    """One row's figures (None: nothing to measure). `key`: the channel's name, the
    agent's login, the ISO week, the label, … ("" for the total and for cases with no
    assignee or label); `group` under `--by rule`: "in" for the cases a sampled rule
    touched, "out" for the matching ones it left alone."""

    key: str
    group: str
    cases: int
    first_response_median_s: int | None
    first_response_p90_s: int | None
    first_response_business_median_s: int | None
    resolution_median_s: int | None
    resolution_p90_s: int | None
    solved: int
    fcr_rate: float | None
    reopen_rate: float | None
    sla_met_rate: float | None
    handled: int
    handled_per_agent_day: float | None
    csat_avg: float | None
    csat_count: int
    csat_good_rate: float | None

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass(frozen=True)
class Backlog:
    """The cases not yet Solved, Closed or Archived at the period's cut."""

    total: int
    by_status: dict[str, int]
    by_age: dict[str, int]


@dataclass(frozen=True)
class Report:
    first: date
    end: date
    by: str | None
    channel: str | None
    working_days: int
    total: Figures
    rows: list[Figures]
    backlog: Backlog
    time_in_status: dict[str, int | None]  # median seconds, by status
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            keyed: dict[str, Any] = {"key": row.key}
            if self.by == "rule":
                keyed["sample"] = row.group
            rows.append({**keyed, **row.values()})
        return {"from": self.first.isoformat(), "to": self.end.isoformat(), "by": self.by,
                "channel": self.channel, "working_days": self.working_days,
                "total": self.total.values(), "rows": rows, "backlog": asdict(self.backlog),
                "time_in_status_median_s": self.time_in_status,
                **({"note": self.note} if self.note else {})}


def _rate(part: Any, whole: Any) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(value: Any) -> int | None:
    return None if value is None else round(value)


def _figures(key: str, group: str, found: dict[str, Any] | None, done: dict[str, Any] | None,
             working_days: int) -> Figures:
    f = found or {}
    solved, rated = f.get("solved", 0), f.get("csat_count", 0)
    handled, agents = (done or {}).get("handled", 0), (done or {}).get("agents", 0)
    return Figures(
        key=key, group=group, cases=f.get("cases", 0),
        first_response_median_s=_seconds(f.get("first_response_median_s")),
        first_response_p90_s=_seconds(f.get("first_response_p90_s")),
        first_response_business_median_s=_seconds(f.get("first_response_business_median_s")),
        resolution_median_s=_seconds(f.get("resolution_median_s")),
        resolution_p90_s=_seconds(f.get("resolution_p90_s")),
        solved=solved, fcr_rate=_rate(f.get("fcr", 0), solved),
        reopen_rate=_rate(f.get("reopened", 0), solved),
        sla_met_rate=_rate(f.get("sla_met") or 0, f.get("sla_counted", 0)),
        handled=handled, handled_per_agent_day=_rate(handled, agents * working_days),
        csat_avg=_rate(f.get("csat_sum") or 0, rated), csat_count=rated,
        csat_good_rate=_rate(f.get("csat_good", 0), rated))


class MetricsOps(ServiceCore):
    """The report: supervisors read every channel's figures; an agent, those of their
    channels, and under `--by agent` their own row alone."""

    def report(self, *, first: date | None = None, end: date | None = None,
               by: str | None = None, channel: str | None = None,
               time_in_status: bool = True) -> Report:
        """The figures of the days `first` up to `end` (not included; the last 30 days
        unless said), in total and by `by` (one of GROUPINGS), of one channel or all.
        `time_in_status=False`: without it (empty), which is the dearest to read."""
        if by is not None and by not in GROUPINGS:
            raise InvalidInput(f"unknown grouping {by!r}: use one of {', '.join(GROUPINGS)}")

        def work(session: Session, actor: Actor) -> Report:
            period = period_of(session, first, end, self._now())
            scope = self._scope(session, actor, channel)
            own = Scope(scope.channels, actor.agent_id) if (
                by == "agent" and not actor.sees_everything) else scope
            together = by not in ("label", "rule") and own == scope  # (see Keying)
            labels = sorted({x for (text,) in session.execute(
                figures.label_names(period, own)) for x in text.split(",") if x}
                            ) if by == "label" else []
            rows: list[Figures] = []
            if by is not None:
                total, rows = self._rows(session, period, own,
                                         Keying(by, period, labels, with_total=together))
            if by is None or not together:  # the total on its own: one row, keyed ""
                alone = self._rows(session, period, scope, Keying(None, period, []))[1]
                total = alone[0] if alone else _figures("", "", None, None, 0)
            return Report(
                first=period.first, end=period.end, by=by,
                channel=channel_named(session, channel).name if channel else None,
                working_days=period.working_days(),
                total=total, rows=rows,
                backlog=self._backlog(session, period, scope), time_in_status={},
                note=("no triage rule with `sample` matched a case of the period: rules "
                      "with a sample are compared with the cases they left alone"
                      if by == "rule" and not rows else ""))

        def stays(session: Session, actor: Actor) -> dict[str, int | None]:
            return self._time_in_status(session, period_of(session, first, end, self._now()),
                                        self._scope(session, actor, channel))

        if not time_in_status:
            return self._read(work)
        # The dearest figure in a read of its own, beside the others (two connections:
        # the database works on both at once).
        with ThreadPoolExecutor(max_workers=1) as pool:
            medians = pool.submit(self._read, stays)
            found = self._read(work)
            return replace(found, time_in_status=medians.result())

    def metrics_series(self, *, first: date | None = None, end: date | None = None,
                       channel: str | None = None) -> Series:
        """The period's days (as `report`'s): cases created and solved, the backlog at
        each day's end, and how soon the period's cases got their first response."""

        def work(session: Session, actor: Actor) -> Series:
            period = period_of(session, first, end, self._now())
            return series(session, period, self._scope(session, actor, channel))

        return self._read(work)

    @staticmethod
    def _scope(session: Session, actor: Actor, channel: str | None) -> Scope:
        visible = visible_channels(session, actor)
        if channel is None:
            return Scope(None if visible is None else frozenset(visible))
        found = channel_named(session, channel)
        require_channel(session, actor, id_of(found), f"the channel {found.name!r}")
        return Scope(frozenset({id_of(found)}))

    @staticmethod
    def _rows(session: Session, period: Period, scope: Scope, keying: Keying
              ) -> tuple[Figures, list[Figures]]:
        """The total (when the keying has it) and the rows, in key order."""
        found = {(r["whole"], r["key"], r["grp"]): dict(r) for r in session.execute(
            figures.cohort(period, scope, keying)).mappings()}
        done = {(r["whole"], r["key"], r["grp"]): dict(r) for r in session.execute(
            figures.handled(period, scope, keying)).mappings()}
        days = period.working_days()
        weeks = period.working_days_by_week() if keying.by == "week" else {}
        keys = sorted({k for k in set(found) | set(done) if k[0] == 0},
                      key=lambda k: (k[1] or "", k[2] != "in", k[2]))
        total = _figures("", "", found.get((1, "", "")), done.get((1, "", "")), days)
        return total, [_figures(key or "", group or "", found.get((0, key, group)),
                                done.get((0, key, group)), weeks.get(key, days))
                       for _, key, group in keys]

    @staticmethod
    def _backlog(session: Session, period: Period, scope: Scope) -> Backlog:
        by_status = {s.value: 0 for s in Status if s not in ENDED and s != Status.SOLVED}
        by_age = dict.fromkeys(AGES, 0)
        for status, age, count in session.execute(figures.backlog(period, scope)):
            by_status[status] = by_status.get(status, 0) + count
            by_age[AGES[age]] += count
        return Backlog(sum(by_age.values()), by_status, by_age)

    @staticmethod
    def _time_in_status(session: Session, period: Period, scope: Scope
                        ) -> dict[str, int | None]:
        found = dict(session.execute(figures.time_in_status(period, scope)).all())
        return {s.value: _seconds(found.get(s.value)) for s in Status if s not in ENDED}
