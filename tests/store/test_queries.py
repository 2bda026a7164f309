"""Case-list windows and group counts: every case exactly once, in order, whichever
way the list is walked; counts that agree with the lists."""

from __future__ import annotations

from dataclasses import replace

import pytest

from store.errors import InvalidInput, NotFound
from store.queries import GROUPINGS, SORTS, CaseFilter


@pytest.fixture
def many(team, clock, seeded):  # type: ignore[no-untyped-def]
    """23 cases over Support and Chat, some assigned, one merged, a few solved, some
    urgent or frustrated."""

    def build() -> list[int]:
        anna = team.as_("anna")
        numbers = []
        for i in range(23):
            clock.advance(minutes=7)
            numbers.append(team.new_case(
                channel="Chat" if i % 3 == 0 else "Support", email=f"k{i % 5}@example.se",
                title=f"Ärende {i}", text=("faktura" if i % 2 else "leverans")
                # some flagged by triage: a list sorts and filters on the flags too
                + (" Tjänsten ligger nere." if i % 7 == 0 else "")
                + (" Helt oacceptabelt!!" if i % 6 == 1 else "")))
        for n in numbers[::4]:
            clock.advance(minutes=1)
            anna.assign(n, "anna")
        for n in numbers[1:6]:
            clock.advance(minutes=1)
            anna.set_status(n, "solved")
        for i, n in enumerate(numbers[::3]):  # labels: one, two or none
            clock.advance(minutes=1)
            anna.set_labels(n, [["retur"], ["faktura", "retur"], ["faktura"]][i % 3])
        clock.advance(minutes=1)
        anna.merge(numbers[7], numbers[8])
        return numbers

    return seeded(build)


def walk(service, f: CaseFilter) -> list[int]:  # type: ignore[no-untyped-def]
    seen, window = [], service.list_cases(f)
    while window:
        seen += [r.number for r in window]
        window = service.list_cases(f, after=window[-1])
    return seen


def test_windows_walk_the_whole_list_once_in_order(team, many) -> None:
    anna = team.as_("anna")
    for filters in [CaseFilter(limit=4), CaseFilter(limit=5, include_ended=True),
                    CaseFilter(limit=3, channel="Chat"), CaseFilter(limit=2, assignee="anna"),
                    CaseFilter(limit=3, search="faktura"),
                    CaseFilter(limit=1, statuses=("solved",))]:
        everything = anna.list_cases(CaseFilter(**{**filters.__dict__, "limit": 1000}))
        assert walk(anna, filters) == [r.number for r in everything], filters
        assert anna.count_cases(filters) == len(everything), filters
        # Backwards from the end gives the same list.
        back, window = [], anna.list_cases(filters, from_end=True)
        while window:
            back = [r.number for r in window] + back
            window = anna.list_cases(filters, before=window[0])
        assert back == [r.number for r in everything], filters


def test_the_list_is_newest_updated_first_and_search_newest_first(team, many) -> None:
    anna = team.as_("anna")
    rows = anna.list_cases(CaseFilter(limit=100))
    assert [(r.updated_at, r.number) for r in rows] == sorted(
        ((r.updated_at, r.number) for r in rows), reverse=True)
    found = [r.number for r in anna.list_cases(CaseFilter(limit=100, search="faktura"))]
    assert found == sorted(found, reverse=True)
    assert many[7] not in [r.number for r in rows]  # merged


@pytest.mark.parametrize("filters", [CaseFilter(), CaseFilter(include_ended=True),
                                     CaseFilter(search="faktura"), CaseFilter(channel="Chat")])
def test_group_counts_agree_with_the_lists(team, many, filters) -> None:
    anna = team.as_("anna")
    rows = anna.list_cases(CaseFilter(**{**filters.__dict__, "limit": 1000}))
    for by in GROUPINGS:
        groups = anna.group_counts(filters, by)
        key = {"status": lambda r: r.status, "channel": lambda r: r.channel,
               "assignee": lambda r: r.assignee or "unassigned",
               "contact": lambda r: r.contact_id,
               "labels": lambda r: ", ".join(r.labels) or "no labels"}[by]
        expected: dict[object, int] = {}
        for r in rows:
            expected[key(r)] = expected.get(key(r), 0) + 1
        got: dict[object, int] = {}
        for g in groups:  # contacts by their ids (two may share a name)
            label = g.key if by == "contact" else g.label
            got[label] = got.get(label, 0) + g.count
        assert got == expected, by
        assert sum(g.count for g in groups) == anna.count_cases(filters), by


def test_status_groups_come_in_lifecycle_order(team, many) -> None:
    groups = team.as_("anna").group_counts(CaseFilter(include_ended=True), "status")
    assert [g.key for g in groups] == ["new", "open", "solved"] or [g.key for g in groups] == [
        "new", "solved"]


def test_groups_can_be_windowed(team, many) -> None:
    anna = team.as_("anna")
    everything = anna.group_counts(CaseFilter(include_ended=True), "contact")
    first = anna.group_counts(CaseFilter(include_ended=True), "contact", limit=2)
    rest = anna.group_counts(CaseFilter(include_ended=True), "contact", after=first[-1].key)
    assert first + rest == everything


@pytest.mark.parametrize("filters", [CaseFilter(), CaseFilter(include_ended=True)])
def test_group_windows_walk_both_ways_and_totals_agree(team, many, filters) -> None:
    anna = team.as_("anna")
    for by in GROUPINGS:
        everything = anna.group_counts(filters, by)
        assert anna.group_total(filters, by) == len(everything), by
        last = anna.group_counts(filters, by, limit=2, from_end=True)
        assert last == everything[-2:], by
        if by == "status":
            continue  # a handful, in lifecycle order: never windowed by key
        back, window = [], last
        while window:
            back = window + back
            window = anna.group_counts(filters, by, limit=2, before=window[0].key or 0)
        assert back == everything, by
        for index, group in enumerate(everything):
            if group.key is not None:
                assert anna.group_total(filters, by, below=group.key) == index, by


def test_a_group_of_merged_cases_alone_is_no_group(team, clock) -> None:
    anna = team.as_("anna")
    alone = team.new_case(channel="Support", email="alone@example.se", title="Ensam")
    other = team.new_case(channel="Support", email="other@example.se", title="Annan")
    before = anna.group_total(CaseFilter(), "contact")
    anna.merge(alone, other)
    assert anna.group_total(CaseFilter(), "contact") == before - 1
    assert len(anna.group_counts(CaseFilter(), "contact")) == before - 1


def test_an_agent_counts_only_what_they_see(team, many) -> None:
    bo = team.as_("bo")  # Support, Telefon: not Chat
    assert {g.label for g in bo.group_counts(CaseFilter(), "channel")} == {"Support"}
    assert bo.count_cases(CaseFilter(channel="Support")) == bo.count_cases(CaseFilter())


def test_several_channels_list_the_cases_of_any_of_them(team, many) -> None:
    boss, bo = team.as_("boss"), team.as_("bo")  # bo: Support and Telefon, not Chat
    phone = team.new_case(channel="Telefon", login="bo", email="tel@example.se")
    every = boss.list_cases(CaseFilter(limit=1000, include_ended=True))
    both = CaseFilter(limit=1000, include_ended=True, channels=("Telefon", "Chat"))
    rows = boss.list_cases(both)
    # Their cases, in the list's own order, counted, walked and grouped alike.
    assert [r.number for r in rows] == [r.number for r in every
                                        if r.channel in ("Chat", "Telefon")]
    assert phone in [r.number for r in rows]
    assert {r.channel for r in rows} == {"Chat", "Telefon"}
    assert boss.count_cases(both) == len(rows)
    assert walk(boss, replace(both, limit=3)) == [r.number for r in rows]
    assert {g.label: g.count for g in boss.group_counts(both, "channel")} == {
        name: sum(r.channel == name for r in rows) for name in ("Chat", "Telefon")}
    assert [boss.case_position(both, r) for r in rows] == list(range(len(rows)))
    # `channel` and `channels` together: any of all named, each once however spelled.
    assert boss.list_cases(replace(both, channel="telefon", channels=("Chat", "Chat"))) == rows
    assert boss.list_cases(replace(both, channels=("Chat",))) == boss.list_cases(
        replace(both, channels=(), channel="Chat"))
    # An agent sees only their channels' cases among them; an unknown name is said.
    assert {r.number for r in bo.list_cases(both)} == {
        r.number for r in rows if r.channel == "Telefon"}
    with pytest.raises(NotFound, match="no channel 'Post'"):
        boss.list_cases(replace(both, channels=("Chat", "Post")))


def test_filters_by_priority_watched_and_unassigned(team, many) -> None:
    anna = team.as_("anna")
    anna.set_priority(many[-1], "high")
    anna.set_watch(many[-2], watching=True)
    high = anna.list_cases(CaseFilter(priority="high"))
    # The one set so, and urgent ones triage made High (one that took an urgent case
    # in a merge is marked so, its own priority kept).
    assert many[-1] in {r.number for r in high}
    assert {r.number for r in high} <= {many[-1]} | {
        r.number for r in anna.list_cases(CaseFilter(flag="urgent", limit=100))}
    assert len(high) > 1
    assert [r.number for r in anna.list_cases(CaseFilter(watched=True))] == [many[-2]]
    unassigned = anna.list_cases(CaseFilter(assignee="none", limit=100))
    assert unassigned
    assert all(r.assignee is None for r in unassigned)
    with pytest.raises(InvalidInput, match="priority"):
        anna.list_cases(CaseFilter(priority="urgent"))
    with pytest.raises(InvalidInput, match="group"):
        anna.group_counts(CaseFilter(), "label")  # type: ignore[arg-type]


@pytest.mark.parametrize("filters", [CaseFilter(limit=100), CaseFilter(limit=100, search="faktura"),
                                     CaseFilter(limit=100, channel="Support")])
def test_a_rows_position_is_its_index(team, many, filters) -> None:
    anna = team.as_("anna")
    rows = anna.list_cases(filters)
    assert [anna.case_position(filters, r) for r in rows] == list(range(len(rows)))


def test_the_default_views_sql_names_the_active_statuses() -> None:
    from store.models import ACTIVE_SQL
    from store.queries import ACTIVE

    assert "status IN (" + ", ".join(f"'{s}'" for s in ACTIVE) + ")" == ACTIVE_SQL


def _sort_key(sort: str):  # type: ignore[no-untyped-def]
    """The order a sort promises, in Python, for comparing with the store's."""
    status = ["archived", "closed", "solved", "waiting", "parked", "open", "escalated", "new"]
    priority = ["low", "medium", "high"]
    return {
        "updated": lambda r: (r.updated_at, r.number), "number": lambda r: (r.number,),
        "title": lambda r: (r.title, r.number),
        "status": lambda r: (status.index(r.status), r.updated_at, r.number),
        "priority": lambda r: (priority.index(r.priority), r.updated_at, r.number),
        "channel": lambda r: (r.channel_id, r.updated_at, r.number),
        "assignee": lambda r: (r.assignee_id or 0, r.updated_at, r.number),
        "contact": lambda r: (r.contact_id, r.updated_at, r.number),
        "sla": lambda r: (r.sla_due is None, r.sla_due or r.updated_at, r.number),
        "flags": lambda r: (2 * ("urgent" in r.flags) + ("frustrated" in r.flags),
                            r.updated_at, r.number),
    }[sort]


@pytest.mark.parametrize("filters", [CaseFilter(limit=4), CaseFilter(limit=3, channel="Chat"),
                                     CaseFilter(limit=5, include_ended=True)])
def test_every_sort_pages_both_ways_in_its_order(team, many, filters) -> None:
    anna = team.as_("anna")
    anna.set_priority(many[2], "high")
    anna.set_priority(many[3], "low")
    anna.rename(many[4], "Ärende 1")  # a tie: the number decides
    # Due times for the unfinished cases (the solved ones have none); a reply makes
    # the solution's the next one.
    from store.sla import SlaSettings

    team.system.set_sla_policy(SlaSettings(), "Europe/Stockholm")
    anna.reply(many[10], "Vi tittar på det.")
    assert len({r.sla_due is None for r in anna.list_cases(CaseFilter(limit=100))}) == 2
    # Every sort both ways on the one database (its making is the costly part).
    for sort in SORTS:
        for ascending in (False, True):
            f = replace(filters, sort=sort, ascending=ascending)
            everything = anna.list_cases(replace(f, limit=1000))
            expected = sorted(everything, key=_sort_key(sort), reverse=not ascending)
            numbers = [r.number for r in everything]
            if sort != "title" or team.db.engine.dialect.name == "sqlite":  # PG: its collation
                assert numbers == [r.number for r in expected], f
            assert walk(anna, f) == numbers, f
            back, window = [], anna.list_cases(f, from_end=True)
            while window:
                back = [r.number for r in window] + back
                window = anna.list_cases(f, before=window[0])
            assert back == numbers, f
            for index in (0, len(everything) // 2, len(everything) - 1):
                assert anna.case_position(f, everything[index]) == index, f


def test_an_unknown_sort_is_refused(team, many) -> None:
    with pytest.raises(InvalidInput, match="cannot sort by 'colour'"):
        team.as_("anna").list_cases(CaseFilter(sort="colour"))


@pytest.mark.parametrize("filters", [CaseFilter(limit=3), CaseFilter(limit=2, search="faktura"),
                                     CaseFilter(limit=4, sort="title", ascending=True)])
def test_a_seek_gives_the_window_that_many_rows_down(team, many, filters) -> None:
    anna = team.as_("anna")
    everything = anna.list_cases(replace(filters, limit=1000))
    for skip in (0, 1, 5, len(everything) - 1):
        window = anna.list_cases(filters, skip=skip)
        assert window == everything[skip:skip + filters.limit]


def test_a_window_of_status_groups_is_the_start_of_the_lifecycle(team, many) -> None:
    anna = team.as_("anna")
    everything = anna.group_counts(CaseFilter(include_ended=True), "status")
    assert anna.group_counts(CaseFilter(include_ended=True), "status", limit=1) == everything[:1]
    assert anna.group_counts(CaseFilter(include_ended=True), "status", limit=1,
                             from_end=True) == everything[-1:]


def test_contacts_are_grouped_in_order_of_their_names(team) -> None:
    # Added in another order than their names', one name in lower case.
    for name, email in [("Örjan Ek", "orjan@ex.se"), ("bertil Berg", "bertil@ex.se"),
                        ("Anna Al", "anna@ex.se"), ("Cecilia Ceder", "cecilia@ex.se")]:
        team.new_case(name=name, email=email)
    anna = team.as_("anna")
    groups = anna.group_counts(CaseFilter(), "contact")
    assert [g.label.split(" <")[0] for g in groups] == ["Anna Al", "bertil Berg",
                                                        "Cecilia Ceder", "Örjan Ek"]
    assert anna.group_counts(CaseFilter(), "contact", after=groups[1].key) == groups[2:]
    assert anna.group_total(CaseFilter(), "contact", below=groups[2].key) == 2


def test_two_customers_of_one_name_are_two_groups_told_apart(team) -> None:
    anna = team.as_("anna")
    for email in ("agneta@example.se", "agneta.n@example.com"):
        team.new_case(name="Agneta Nilsson", email=email)
    labels = [g.label for g in anna.group_counts(CaseFilter(), "contact")]
    assert sorted(labels) == ["Agneta Nilsson <agneta.n@example.com>",
                              "Agneta Nilsson <agneta@example.se>"]


def test_a_group_by_labels_is_a_set_of_labels_and_lists_exactly_its_cases(team, many) -> None:
    anna = team.as_("anna")
    groups = anna.group_counts(CaseFilter(), "labels")
    # None (no labels) first, then each set in key order, shown with a space.
    assert groups[0].key is None
    assert groups[0].label == "no labels"
    assert [g.label for g in groups[1:]] == ["faktura", "faktura, retur", "retur"]
    for group in groups:
        rows = anna.list_cases(CaseFilter(labels=group.key or "", limit=100))
        assert len(rows) == group.count
        assert {", ".join(r.labels) or "no labels" for r in rows} == {group.label}
