"""The report's definitions (store/metrics, README "Metrics") on a small history with
known answers, on both engines: response and resolution times (calendar and business
hours), first-contact resolution, reopenings (by the customer, by a follow-up),
service levels, handled cases, backlog and time in status reconstructed from the
events — a past period reads the same later — and who may see which figures."""

from __future__ import annotations

import pytest
from metrics_history import (  # tests/ is on sys.path
    MONDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    H,
    build_history,
    tuesday,
)

from store.errors import Forbidden, InvalidInput
from store.sla import SlaSettings


@pytest.fixture
def history(team, clock):  # type: ignore[no-untyped-def]
    return build_history(team, clock)


def test_monday_by_the_definitions(team, clock, history) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)  # Monday is over (23:00 UTC)
    report = team.as_("boss").report(first=MONDAY, end=TUESDAY)
    total = report.total
    assert total.cases == 4
    # First responses 1800 (C), 3600 (A), 7200 (B): nearest rank.
    assert (total.first_response_median_s, total.first_response_p90_s) == (3600, 7200)
    assert total.first_response_business_median_s == 3600  # all within opening hours
    # Solved before the end: C in 3600 (its first solve), A in 7200; B not yet.
    assert (total.resolution_median_s, total.resolution_p90_s) == (3600, 7200)
    assert total.solved == 2
    assert (total.fcr_rate, total.reopen_rate) == (0.5, 0.5)  # A at first contact; C reopened
    # A and C met their targets; D missed its first response (due 16:00); B's is running.
    assert total.sla_met_rate == round(2 / 3, 4)
    # anna handled A and C, bo B, on one working day.
    assert (total.handled, total.handled_per_agent_day) == (3, 1.5)
    assert (total.csat_avg, total.csat_count) == (None, 0)
    assert report.backlog.total == 2
    assert report.backlog.by_status == {"new": 1, "escalated": 0, "open": 1, "parked": 0,
                                        "waiting": 0}
    assert report.backlog.by_age == {"<1d": 2, "1-3d": 0, "3-7d": 0, ">7d": 0}
    # New: 1800 (C), 3600 (A), 7200 (B), 39600 (D); open: 3600 (A), 5400 (C, twice),
    # 39600 (B); solved: 36000 (C), 43200 (A).
    assert {k: v for k, v in report.time_in_status.items() if v is not None} == {
        "new": 3600, "open": 5400, "solved": 36000}
    assert report.working_days == 1


def test_a_past_period_reads_the_same_later(team, clock, history) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)
    then = team.as_("boss").report(first=MONDAY, end=TUESDAY, by="channel")
    follow_up = tuesday(team, clock, history)
    clock.now = clock.now.replace(day=6)
    later = team.as_("boss").report(first=MONDAY, end=TUESDAY, by="channel")
    assert later == then
    # Over both days (to Tuesday 20:00): F is a case of the period, A reopened by its
    # follow-up, B solved in a day and in time; D and F missed their first response.
    clock.now = clock.now.replace(day=3, hour=20)
    both = team.as_("boss").report(first=MONDAY, end=WEDNESDAY)
    total = both.total
    assert (total.cases, total.solved) == (5, 3)
    assert (total.fcr_rate, total.reopen_rate) == (0.0, round(2 / 3, 4))
    assert (total.resolution_median_s, total.resolution_p90_s) == (7200, 24 * H)
    assert total.sla_met_rate == 0.6
    assert both.backlog.by_status["new"] == 2
    assert both.backlog.total == 2
    assert both.backlog.by_age == {"<1d": 1, "1-3d": 1, "3-7d": 0, ">7d": 0}
    assert follow_up not in history.values()


def test_rows_by_channel_agent_label_priority_week(team, clock, history) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)
    boss = team.as_("boss")

    def rows(by: str) -> dict[str, tuple[int, int]]:
        return {r.key: (r.cases, r.handled)
                for r in boss.report(first=MONDAY, end=TUESDAY, by=by).rows}

    assert rows("channel") == {"Chat": (1, 1), "Support": (2, 2), "Telefon": (1, 0)}
    # Cases by assignee; handled by who replied or solved.
    assert rows("agent") == {"": (1, 0), "anna": (2, 2), "bo": (1, 1)}
    assert rows("label") == {"": (2, 1), "faktura": (2, 2), "retur": (1, 1)}
    assert rows("priority") == {"medium": (4, 3)}
    assert rows("tier") == {"standard": (4, 3)}
    assert rows("week") == {"2026-W10": (4, 3)}
    report = boss.report(first=MONDAY, end=TUESDAY, by="channel")
    support = next(r for r in report.rows if r.key == "Support")
    assert (support.first_response_median_s, support.fcr_rate) == (3600, 1.0)
    assert sum(r.cases for r in report.rows) == report.total.cases
    # The total is the same however the rows are keyed (with them, or on its own).
    alone = boss.report(first=MONDAY, end=TUESDAY).total
    for by in ("channel", "agent", "week", "label", "priority"):
        assert boss.report(first=MONDAY, end=TUESDAY, by=by).total == alone, by


def test_an_agent_sees_their_channels_and_their_own_row(team, clock, history) -> None:
    clock.now = clock.now.replace(hour=23, minute=30)
    anna = team.as_("anna")
    report = anna.report(first=MONDAY, end=TUESDAY, by="agent")
    assert report.total.cases == 3  # D is Telefon's, not anna's channel
    assert [r.key for r in report.rows] == ["anna"]
    assert report.backlog.total == 1  # B; D is not hers to see
    assert [r.key for r in anna.report(first=MONDAY, end=TUESDAY, by="channel").rows] == [
        "Chat", "Support"]
    with pytest.raises(Forbidden):
        anna.report(first=MONDAY, end=TUESDAY, channel="Telefon")
    chat = anna.report(first=MONDAY, end=TUESDAY, channel="Chat")
    assert (chat.channel, chat.total.cases, chat.total.reopen_rate) == ("Chat", 1, 1.0)


def test_a_period_and_a_grouping_are_checked(team) -> None:
    boss = team.as_("boss")
    with pytest.raises(InvalidInput, match="unknown grouping 'team'"):
        boss.report(by="team")
    with pytest.raises(InvalidInput, match="the period is empty"):
        boss.report(first=TUESDAY, end=MONDAY)
    # The default: the last 30 days, today included.
    report = boss.report()
    assert (report.end - report.first).days == 30
    assert report.total.cases == 0
    assert report.total.first_response_median_s is None


def test_by_rule_compares_what_a_sampled_rule_touched_with_what_it_left(
        team, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from test_triage_rules import rules

    boss = team.as_("boss")
    assert boss.report(by="rule").note.startswith("no triage rule with `sample`")
    rules(team, tmp_path, '[[rule]]\nname = "Faktura prio"\nwhen = { words = ["faktura"] }\n'
          'then = { priority = "high", sample = 0.5 }\n'
          '[[rule]]\nname = "Alla"\nthen = { labels = ["alla"] }\n')
    made = []
    for n in range(20):
        made.append(team.new_case(email=f"k{n}@kund.se", title="Fel", text="Min faktura är fel"))
        clock.advance(minutes=10)
    team.new_case(email="x@kund.se", title="Leverans", text="Paketet kom aldrig")
    clock.advance(hours=1)
    report = boss.report(by="rule")
    assert report.note == ""
    # The rule without a sample applies to all and is compared with nothing.
    assert [(r.key, r.group) for r in report.rows] == [("Faktura prio", "in"),
                                                       ("Faktura prio", "out")]
    touched, left = report.rows
    assert touched.cases + left.cases == 20
    assert 0 < touched.cases < 20
    high = {n for n in made if boss.get_case(n).priority == "high"}
    assert len(high) == touched.cases
    found = report.as_json()["rows"]
    assert [(r["key"], r["sample"], r["cases"]) for r in found] == [
        ("Faktura prio", "in", touched.cases), ("Faktura prio", "out", left.cases)]


def test_the_series_day_by_day(team, clock, history) -> None:
    tuesday(team, clock, history)
    clock.now = clock.now.replace(hour=20)
    found = team.as_("boss").metrics_series(first=MONDAY, end=WEDNESDAY)
    assert found.days == [MONDAY, TUESDAY]
    # Monday: A, B, C, D; solved A, C, C again (reopened once) — B and D left.
    # Tuesday: F; B solved — D and F left.
    assert (found.created, found.solved, found.backlog) == ([4, 1], [3, 1], [2, 2])
    assert found.first_response == {"<1h": 1, "1-4h": 2, "4-8h": 0, "8-24h": 0, "1-3d": 0,
                                    ">3d": 0}
    # The backlog at the last day's end is the report's.
    assert found.backlog[-1] == team.as_("boss").report(first=MONDAY, end=WEDNESDAY
                                                        ).backlog.total
    # anna: not D (Telefon); F, A's follow-up, is Support's.
    assert team.as_("anna").metrics_series(first=MONDAY, end=WEDNESDAY).created == [3, 1]


def test_service_levels_decided_by_a_solve_and_never_while_waiting(team, clock) -> None:
    clock.now = clock.now.replace(hour=9, minute=0)
    team.system.set_sla_policy(SlaSettings(), "Europe/Stockholm")
    anna = team.as_("anna")
    spam = team.new_case(email="s@kund.se")
    waiting = team.new_case(email="w@kund.se")
    clock.advance(minutes=5)
    anna.note(spam, "Skräppost.", status="solved")  # no answer needed: met
    anna.reply(waiting, "Vilket ordernummer?", status="waiting")
    clock.now = clock.now.replace(day=9)  # long past both resolution targets
    report = team.as_("boss").report(first=MONDAY, end=TUESDAY)
    # spam met both; the waiting case's clocks stand still: not counted.
    assert report.total.sla_met_rate == 1.0
    # Working days: those up to now only, a period running into the future or not.
    clock.now = clock.now.replace(day=3, hour=12)  # Tuesday noon
    assert team.as_("boss").report(first=MONDAY, end=MONDAY + (THURSDAY - MONDAY) * 10
                                   ).working_days == 2
