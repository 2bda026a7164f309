"""The metrics screen (`6` on the lists, in the palette): the report's key figures for a
period and channel — the team's beside one agent's (a supervisor picks any agent, an
agent sees their own) — and four plots drawn in the terminal: the backlog day by day,
how soon first responses came, cases created and solved per day, service levels met
per week. Read in a worker; read again when the store changes (README, "Metrics")."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from store.metrics.ops import Report, duration_text
from store.metrics.series import Series
from tui.sanitize import clean_line
from tui.screens.choice import CANCELLED, ChoiceModal
from tui.widgets.key_footer import KeyFooter
from tui.words import tr, translate_bindings

if TYPE_CHECKING:
    from store.service import CaseService

LENGTHS = (7, 30, 90)  # the periods `p` steps through, in days


# What the screen asks for: (days, the day after the last or None: the last days to
# today, channel or None: all).
Asked = tuple[int, date | None, str | None]


@dataclass
class MetricsRead(Message):
    """What the worker read for the screen: the report keyed by agent, by week, and
    the day-by-day series."""

    asked: Asked
    report: Report
    weeks: Report
    series: Series
    agents: list[str]
    channels: list[str]


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def _per_day(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def figures_table(report: Report, agent: str | None) -> Table:
    """The figures: the team's column, and the agent's when one is chosen (their row
    of the report keyed by agent: the cases assigned to them, what they handled)."""
    own = next((r for r in report.rows if r.key == agent), None) if agent else None
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("")
    table.add_column(tr("Teamet"), justify="right")
    if agent:
        table.add_column(Text(clean_line(agent)), justify="right")
    rows: list[tuple[str, object]] = [
        (tr("Ärenden"), lambda f: str(f.cases)),
        (tr("Första svar, median"), lambda f: duration_text(f.first_response_median_s)),
        (tr("Första svar, 90 %"), lambda f: duration_text(f.first_response_p90_s)),
        (tr("Första svar, arbetstid"),
         lambda f: duration_text(f.first_response_business_median_s)),
        (tr("Lösningstid, median"), lambda f: duration_text(f.resolution_median_s)),
        (tr("Lösningstid, 90 %"), lambda f: duration_text(f.resolution_p90_s)),
        (tr("Lösta"), lambda f: str(f.solved)),
        (tr("Lösta vid första kontakt"), lambda f: _share(f.fcr_rate)),
        (tr("Återöppnade"), lambda f: _share(f.reopen_rate)),
        (tr("SLA uppfyllt"), lambda f: _share(f.sla_met_rate)),
        (tr("Hanterade"), lambda f: str(f.handled)),
        (tr("Hanterade per agent och dag"), lambda f: _per_day(f.handled_per_agent_day)),
        (tr("Nöjdhet (1–5)"), lambda f: "–" if f.csat_avg is None
         else f"{f.csat_avg:.1f} ({f.csat_count})"),
    ]
    for label, value in rows:
        cells = [value(report.total)]  # type: ignore[operator]
        if agent:
            cells.append(value(own) if own is not None else "–")  # type: ignore[operator]
        table.add_row(label, *cells)
    backlog = report.backlog
    table.add_row(tr("Backlog vid periodens slut"), str(backlog.total), *([""] if agent else []))
    return table


class Chart(PlotextPlot):
    """A plot drawn anew from its data at every render: Plotext keeps what a render at
    another size (while the screen is laid out) dropped, such as labels that did not fit."""

    draw: Callable[[Any], None] | None = None

    def show(self, draw: Callable[[Any], None]) -> None:
        self.draw = draw
        self.refresh()

    def render(self) -> RenderResult:
        if self.draw is not None:
            self.plt.clear_data()
            self.plt.clear_figure()
            self.draw(self.plt)
        return super().render()


class MetricsScreen(Screen[None]):
    """The team's key figures and plots; escape goes back to the lists."""

    BINDINGS = [
        Binding("escape", "close", "Tillbaka", id="metrics.close"),
        Binding("left_square_bracket", "shift(-1)", "Tidigare period", id="metrics.earlier"),
        Binding("right_square_bracket", "shift(1)", "Senare period", id="metrics.later"),
        Binding("p", "length", "Periodens längd", id="metrics.length"),
        Binding("k", "pick_channel", "Kanal", id="metrics.channel"),
        Binding("g", "pick_agent", "Agent", id="metrics.agent"),
    ]
    CSS_PATH = "metrics.tcss"

    def __init__(self, service: CaseService, *, supervisor: bool) -> None:
        super().__init__()
        translate_bindings(self)
        self.service = service
        self.supervisor = supervisor
        self.days = 30
        self.end: date | None = None  # the store's default until read: the last 30 days
        self.channel: str | None = None
        self.agent: str | None = None if supervisor else service.login
        self.agents: list[str] = []
        self.channels: list[str] = []
        self.reading = self.again = False  # a reading under way; another one asked for

    def compose(self) -> ComposeResult:
        yield Label(id="metrics-title")
        with Horizontal():
            with Vertical(id="metrics-figures"):
                yield Static(Text(tr("Läser …"), style="dim"), id="metrics-table")
            with Grid(id="metrics-plots"):
                for name in ("backlog", "first", "days", "sla"):
                    yield Chart(id=f"plot-{name}")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_agent":  # an agent's own figures are theirs
            return self.supervisor
        return True

    # -- the store, in a worker ---------------------------------------------------------

    @property
    def asked(self) -> Asked:
        return self.days, self.end, self.channel

    def load(self) -> None:
        """Read the figures for what is asked now — after the reading under way, if
        one is (a thread cannot be stopped; one at a time, the last word wins)."""
        if self.reading:
            self.again = True
            return
        self.reading = True
        self.read(self.asked)

    @work(thread=True, group="metrics", exit_on_error=False)
    def read(self, asked: Asked) -> None:
        days, end, channel = asked
        first = end - timedelta(days=days) if end is not None else None
        service = self.service
        # Three reads at once, each on its own connection: the database works on them
        # side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            weeks = pool.submit(service.report, first=first, end=end, by="week",
                                channel=channel, time_in_status=False)
            days_read = pool.submit(service.metrics_series, first=first, end=end,
                                    channel=channel)
            by_agent = service.report(first=first, end=end, by="agent", channel=channel,
                                      time_in_status=False)
            self.post_message(MetricsRead(
                asked, by_agent, weeks.result(), days_read.result(),
                [a.login for a in service.list_agents() if a.is_active]
                if self.supervisor else [],
                [c.name for c in service.list_channels()]))

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.reading = False
        report = getattr(self.app, "report_failure", None)  # the store's refusal, in words
        if report is not None:
            report(event)

    # -- what the screen shows -----------------------------------------------------------

    @on(MetricsRead)
    def metrics_read(self, message: MetricsRead) -> None:
        self.reading = False
        if message.asked != self.asked or self.again:  # asked anew meanwhile
            self.again = False
            self.load()
            if message.asked != self.asked:
                return  # not what the title would say
        self.agents, self.channels = message.agents, message.channels
        report = message.report
        self.end = report.end
        where = clean_line(self.channel) if self.channel else tr("alla kanaler")
        self.query_one("#metrics-title", Label).update(Text(tr(
            "Nyckeltal {first} – {last} · {where} · {days} arbetsdagar").format(
            first=report.first, last=report.end - timedelta(days=1), where=where,
            days=report.working_days), style="bold"))
        self.query_one("#metrics-table", Static).update(figures_table(report, self.agent))
        self._plots(message.series, message.weeks)

    def _plots(self, series: Series, weeks: Report) -> None:
        # Dates as dates and bars lying down: Plotext places the labels of those the
        # same way every run (custom x labels it places by set order, which varies).
        days = [d.isoformat() for d in series.days]

        def dated(plt: Any) -> None:
            plt.date_form("Y-m-d", "d/m")

        def backlog(plt: Any) -> None:
            plt.title(tr("Backlog per dag"))
            if days:
                dated(plt)
                plt.plot(days, series.backlog, marker="braille")

        def first(plt: Any) -> None:
            plt.title(tr("Första svar efter"))
            plt.bar(list(series.first_response), list(series.first_response.values()),
                    orientation="horizontal")

        def per_day(plt: Any) -> None:
            plt.title(tr("Nya och lösta per dag"))
            if days:
                dated(plt)
                plt.plot(days, series.created, label=tr("nya"), marker="braille")
                plt.plot(days, series.solved, label=tr("lösta"), marker="braille")

        def sla(plt: Any) -> None:
            plt.title(tr("SLA uppfyllt per vecka (%)"))
            measured = [(r.key, r.sla_met_rate) for r in weeks.rows if r.sla_met_rate is not None]
            if measured:
                plt.bar([k.split("-")[1] for k, _ in measured], [v * 100 for _, v in measured],
                        orientation="horizontal")
                plt.xlim(0, 100)

        for name, draw in (("backlog", backlog), ("first", first), ("days", per_day),
                           ("sla", sla)):
            self.query_one(f"#plot-{name}", Chart).show(draw)

    # -- keys ---------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_shift(self, steps: int) -> None:
        if self.end is not None:
            self.end += timedelta(days=steps * self.days)
            self.load()

    def action_length(self) -> None:
        self.days = LENGTHS[(LENGTHS.index(self.days) + 1) % len(LENGTHS)]
        self.load()

    def action_pick_channel(self) -> None:
        choices: list[tuple[str, object]] = [(tr("Alla kanaler"), None)]
        choices += [(name, name) for name in self.channels]
        self.app.push_screen(ChoiceModal(tr("Kanal"), choices, current=self.channel),
                             self._channel_chosen)

    def _channel_chosen(self, choice: object) -> None:
        if choice is not CANCELLED:
            self.channel = choice if isinstance(choice, str) else None
            self.load()

    def action_pick_agent(self) -> None:
        choices: list[tuple[str, object]] = [(tr("Bara teamet"), None)]
        choices += [(login, login) for login in self.agents]
        self.app.push_screen(ChoiceModal(tr("Agent"), choices, filtering=True,
                                         current=self.agent), self._agent_chosen)

    def _agent_chosen(self, choice: object) -> None:
        if choice is not CANCELLED:
            self.agent = choice if isinstance(choice, str) else None
            self.load()


__all__ = ["MetricsScreen"]
