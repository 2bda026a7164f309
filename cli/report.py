"""`casedesk report`: the key figures of a period (README, "Metrics").

Store imports happen inside the command, so `--help` is quick."""

from __future__ import annotations

import csv
import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.context import CliError, ctx_of
from cli.output import emit_json, reader_may_leave
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from store.metrics.ops import Figures, Report

commands = typer.Typer()

DEFINITIONS = """\
The period is whole days in the team's time zone, --from up to --to (not included;
the last 30 days by default). Nothing after its end counts, so a past month reads the
same today as it did then.

\b
cases: created in the period (a case's creation is its first message's time).
first_response_*: creation to the first reply to the customer (an agent's line of a
  chat or phone transcript counts; notes and acknowledgements do not): median, 90th
  percentile, and the median in business hours by the SLA calendar.
resolution_*: creation to the first time it became Solved.
solved: the period's cases that became Solved at least once.
fcr_rate: solved cases with exactly one reply, never reopened, of the solved.
reopen_rate: solved cases that went back to work (or, closed, got a follow-up case).
sla_met_rate: of the cases whose targets are decided (not one waiting for its
  customer), those that met both (solved unanswered in time: the first one met).
handled: cases an agent replied to or solved in the period, counted once per agent;
  handled_per_agent_day: per agent who did, per working day.
csat_*: the satisfaction ratings (1-5): average, count, share of 4 and 5.
backlog: cases not yet Solved, Closed or Archived at the end, by status and age.
Percentiles are nearest-rank; a figure with nothing to measure is empty (null)."""


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("a date such as 2026-12-01", param_hint=f"'{option}'") from None


@commands.command("report", help=f"The team's key figures for a period.\n\n{DEFINITIONS}")
def report(
    ctx: typer.Context,
    first: Annotated[str | None, typer.Option("--from", metavar="DATE",
                                              help="The first day (default: 30 days ago).")
                     ] = None,
    end: Annotated[str | None, typer.Option(
        "--to", metavar="DATE", help="The day after the last (default: tomorrow).")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="channel|agent|week|label|priority|tier|rule",
        help="A row per channel, agent (the assignee; handled: who did it), ISO week, "
        "label, priority, customer tier, or sampled triage rule (the cases it touched and "
        "those it left alone).")] = None,
    channel: Annotated[str | None, typer.Option("--channel", metavar="NAME",
                                                help="One channel's cases.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help='One object: {"from", "to", "total", "rows", "backlog", …}.')] = False,
    as_csv: Annotated[bool, typer.Option(
        "--csv", help="A header line and a line per row (the total without --by).")] = False,
) -> None:
    from store.errors import InvalidInput

    if as_json and as_csv:
        raise CliError("--json or --csv, not both")
    try:
        found = ctx_of(ctx).service().report(
            first=_day(first, "--from"), end=_day(end, "--to"), by=by, channel=channel)
    except InvalidInput as exc:
        raise CliError(str(exc)) from None
    with reader_may_leave():
        if as_json:
            emit_json(found.as_json())
        elif as_csv:
            _csv(found)
        else:
            _table(found)


def _csv(found: Report) -> None:
    from store.metrics.ops import FIGURES

    rule = found.by == "rule"
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["key", *(["sample"] if rule else []), *FIGURES])
    for row in found.rows if found.by else [found.total]:
        values = row.values()
        writer.writerow([clean_line(row.key), *([row.group] if rule else []),
                         *("" if values[n] is None else values[n] for n in FIGURES)])


def duration_text(seconds: int | None) -> str:
    from store.metrics.ops import duration_text as said

    return said(seconds)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


COLUMNS: list[tuple[str, int, Any]] = [
    ("cases", 6, lambda f: str(f.cases)),
    ("1st reply", 9, lambda f: duration_text(f.first_response_median_s)),
    ("p90", 8, lambda f: duration_text(f.first_response_p90_s)),
    ("work hrs", 8, lambda f: duration_text(f.first_response_business_median_s)),
    ("solved in", 9, lambda f: duration_text(f.resolution_median_s)),
    ("p90", 8, lambda f: duration_text(f.resolution_p90_s)),
    ("FCR", 5, lambda f: _share(f.fcr_rate)),
    ("reopen", 6, lambda f: _share(f.reopen_rate)),
    ("SLA", 5, lambda f: _share(f.sla_met_rate)),
    ("handled", 7, lambda f: str(f.handled)),
    ("/day", 5, lambda f: "-" if f.handled_per_agent_day is None
     else f"{f.handled_per_agent_day:.1f}"),
    ("CSAT", 9, lambda f: "-" if f.csat_avg is None else f"{f.csat_avg:.1f} ({f.csat_count})"),
]


def _line(key: str, figures: Figures, width: int) -> str:
    cells = " ".join(f"{get(figures):>{size}}" for _, size, get in COLUMNS)
    return f"{key:<{width}} {cells}"


def _table(found: Report) -> None:
    where = f"channel {clean_line(found.channel)}" if found.channel else "all your channels"
    typer.echo(f"{found.first} – {found.end} (not included), {found.working_days} working "
               f"days, {where}")
    keys = [_key(found, row) for row in found.rows]
    width = max([len("Total"), *map(len, keys)])
    typer.echo(f"{'':<{width}} " + " ".join(f"{name:>{size}}" for name, size, _ in COLUMNS))
    typer.echo(_line("Total", found.total, width))
    for key, row in zip(keys, found.rows, strict=True):
        typer.echo(_line(key, row, width))
    if found.note:
        typer.echo(found.note)
    backlog = found.backlog
    typer.echo(f"\nBacklog at the end: {backlog.total} — " + ", ".join(
        f"{status} {n}" for status, n in backlog.by_status.items() if n) + " — by age: "
        + ", ".join(f"{age} {n}" for age, n in backlog.by_age.items()))
    typer.echo("Time in status (median): " + ", ".join(
        f"{status} {duration_text(s)}" for status, s in found.time_in_status.items()
        if s is not None))


def _key(found: Report, row: Figures) -> str:
    key = clean_line(row.key) or ("(none)" if found.by in ("agent", "label") else "-")
    if found.by == "rule":
        key += " (touched)" if row.group == "in" else " (left alone)"
    return key[:40]
