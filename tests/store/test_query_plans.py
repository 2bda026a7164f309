"""Every case-list query reads the index meant for it, as SQLite would plan it on a
million cases: the statistics of a 1,000,000-case demo database
(`stat1_1m.json`, made by bench/plan_stats.py) are loaded into a small one."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.queries import CaseFilter
from store.service import CaseService

pytestmark = pytest.mark.sqlite_only

STATS = json.loads((Path(__file__).with_name("stat1_1m.json")).read_text())


@pytest.fixture
def big(team, db, seeded):  # type: ignore[no-untyped-def]
    """The team's database, planned as if it held a million cases."""

    def build() -> None:
        anna = team.as_("anna")
        for i in range(30):
            number = team.new_case(channel="Support" if i % 2 else "Chat",
                                   email=f"k{i % 7}@example.se", text="faktura och leverans")
            if i % 3 == 0:
                anna.assign(number, "anna")
            if i % 4 == 0:
                anna.set_status(number, "waiting")
            if i % 5 == 0:
                anna.set_priority(number, "high")
                anna.set_watch(number, watching=True)

    seeded(build)
    with sqlite3.connect(db.path) as conn:
        conn.execute("ANALYZE")
        conn.execute("DELETE FROM sqlite_stat1")
        conn.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", STATS)
        conn.execute("ANALYZE sqlite_schema")  # load the statistics
    db.dispose()
    return team


def plans(db, run: Callable[[], object]) -> list[str]:  # type: ignore[no-untyped-def]
    """The query plan of each statement `run` sends that reads the cases table."""
    sent: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM cases" in statement:
            sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", grab)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", grab)
    assert sent, "no query read the cases"
    with sqlite3.connect(db.path) as conn:
        return [" | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
                for sql, params in sent]


def the_list(service: CaseService, f: CaseFilter) -> Callable[[], object]:
    return lambda: service.list_cases(f)


LISTS = {
    "default view": (CaseFilter(), "ix_cases_active_updated"),
    "every status": (CaseFilter(include_ended=True), "ix_cases_updated"),
    "one status": (CaseFilter(statuses=("waiting",)), "ix_cases_status_updated (status=?"),
    "one channel": (CaseFilter(channel="Support", include_ended=True),
                    "ix_cases_channel_updated (channel_id=?"),
    "one assignee": (CaseFilter(assignee="anna", include_ended=True),
                     "ix_cases_assignee_updated (assignee_id=?"),
    "unassigned": (CaseFilter(assignee="none", include_ended=True),
                   "ix_cases_assignee_updated (assignee_id=?"),
    "one contact": (CaseFilter(contact_id=3, include_ended=True),
                    "ix_cases_contact_updated (contact_id=?"),
    "one priority": (CaseFilter(priority="high", include_ended=True),
                     "ix_cases_priority_updated (priority=?"),
    "search": (CaseFilter(search="faktura", include_ended=True), "SCAN case_fts VIRTUAL TABLE"),
    # Sorted by another column: walked in that column's index order, stopping after a page.
    "by number": (CaseFilter(sort="number"), " cases"),  # the table itself, by rowid
    "by title": (CaseFilter(sort="title"), "ix_cases_title"),
    "by status": (CaseFilter(sort="status"), "ix_cases_status_rank"),
    "by priority": (CaseFilter(sort="priority", ascending=True), "ix_cases_priority_rank"),
    "by channel": (CaseFilter(sort="channel"), "ix_cases_channel_updated"),
    "by assignee": (CaseFilter(sort="assignee", include_ended=True), "ix_cases_assignee_key"),
    "by contact": (CaseFilter(sort="contact", ascending=True), "ix_cases_contact_updated"),
    "by SLA due": (CaseFilter(sort="sla", ascending=True), "ix_cases_sla_due"),
}


@pytest.mark.parametrize("name", LISTS)
def test_each_list_reads_its_index_in_order(big, db, name) -> None:
    f, index = LISTS[name]
    first = big.as_("anna").list_cases(f)
    assert first, "the list has rows"
    # Each through a new service: one that has run a list runs its statement on the
    # driver itself, past SQLAlchemy's events — the very statement seen here.
    for how in (lambda: big.as_("anna").list_cases(f),
                lambda: big.as_("anna").list_cases(f, after=first[0]),
                lambda: big.as_("anna").list_cases(f, from_end=True)):
        (plan,) = plans(db, how)
        steps = plan.split(" | ")
        driver = next(s for s in steps if re.search(r"\bcases\b", s) or "case_fts" in s)
        assert index in driver, plan  # the cases are read through it…
        assert "TEMP B-TREE" not in plan, plan  # …already in list order: no sort


# An agent's default view; a supervisor's every-status view (an agent's would also
# need each row's channel: counting every case there reads the rows).
def test_the_watched_list_starts_from_the_watches(big, db) -> None:
    """An agent watches a few cases: they are found through the watch index and sorted,
    never by walking every case."""
    assert big.as_("anna").list_cases(CaseFilter(watched=True, include_ended=True))
    (plan,) = plans(db, lambda: big.as_("anna").list_cases(
        CaseFilter(watched=True, include_ended=True)))
    assert "ix_watch_agent_id (agent_id=?)" in plan, plan
    assert "SCAN cases" not in plan, plan


GROUPS = {
    ("default view", "status"): (CaseFilter(), "COVERING INDEX ix_cases_status_channel"),
    ("default view", "channel"): (CaseFilter(), "COVERING INDEX ix_cases_status_channel"),
    ("default view", "assignee"): (CaseFilter(), "COVERING INDEX ix_cases_status_assignee"),
    # By contact: the contacts in name order, each one's cases looked up by index.
    ("default view", "contact"): (CaseFilter(), "SCAN contact USING INDEX ix_contact_name_key"),
    ("every status", "status"): (CaseFilter(include_ended=True), "COVERING INDEX"),
    ("every status", "channel"): (CaseFilter(include_ended=True), "COVERING INDEX"),
    ("every status", "assignee"): (CaseFilter(include_ended=True), "COVERING INDEX"),
    ("every status", "contact"): (CaseFilter(include_ended=True),
                                  "SCAN contact USING INDEX ix_contact_name_key"),
}


@pytest.mark.parametrize(("view", "by"), GROUPS)
def test_group_counts_read_an_index_alone(big, db, view, by) -> None:
    f, index = GROUPS[(view, by)]
    who = big.as_("anna" if view == "default view" else "boss")
    count_plan, *merged_plans = plans(db, lambda: who.group_counts(f, by))
    assert index in count_plan, count_plan
    if by == "contact":
        assert "SCAN cases" not in count_plan, count_plan
    for plan in merged_plans:  # the few merged cases, found by their partial index
        assert "ix_cases_merged_into_id" in plan, plan


@pytest.mark.parametrize(("login", "f"), [("anna", CaseFilter()),
                                          ("boss", CaseFilter(include_ended=True))])
def test_counts_read_an_index_alone(big, db, login, f) -> None:
    total, merged = plans(db, lambda: big.as_(login).count_cases(f))
    assert "COVERING INDEX" in total, total
    assert "ix_cases_merged_into_id" in merged, merged


@pytest.mark.parametrize(("login", "f"), [
    ("anna", CaseFilter(search="faktura")),
    ("boss", CaseFilter(search="faktura", include_ended=True))])
def test_a_search_is_counted_placed_and_checked_from_its_index(big, db, login, f) -> None:
    """Never the list of every hit built first (a common word has 100,000 on a
    million): the search index drives a count and a position, and a single case is
    looked up in it."""
    who = big.as_(login)
    row = who.list_cases(f)[-1]
    for how in (lambda: who.count_cases(f), lambda: who.case_position(f, row),
                lambda: who.in_list(f, row.number)):
        for plan in plans(db, how):
            assert "LIST SUBQUERY" not in plan, plan
    (placed,) = plans(db, lambda: who.case_position(f, row))
    assert placed.startswith("SCAN case_fts VIRTUAL TABLE"), placed


def test_the_statistics_cover_every_index(db) -> None:
    with sqlite3.connect(db.path) as conn:
        indexes = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' "
            "AND sql IS NOT NULL")}
    # The partial index of merged cases is empty in the demo, so it has no statistics.
    indexes.discard("ix_cases_merged_into_id")
    assert indexes <= {idx for tbl, idx, stat in STATS if tbl == "cases"}, (
        "an index without statistics: rebuild stat1_1m.json with bench/plan_stats.py")
