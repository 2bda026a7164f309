"""The case list's kept pages (store/case_pages.py) and the kept actor
(store/permissions.py's `know_actor`): the same rows and refusals as the whole way,
and forgotten the moment the team changes — in any process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import forked  # tests/ is on sys.path
import pytest
import sqlalchemy as sa

from store.errors import Deactivated, InvalidInput, Unseen
from store.queries import SORTS, CaseFilter
from store.service import CaseService


@contextmanager
def statements(service: CaseService) -> Iterator[list[str]]:
    """The statements `service` sends through SQLAlchemy meanwhile."""
    sent: list[str] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement)

    sa.event.listen(service.db.engine, "before_cursor_execute", grab)
    try:
        yield sent
    finally:
        sa.event.remove(service.db.engine, "before_cursor_execute", grab)


def in_another_process(team, code: str) -> None:  # type: ignore[no-untyped-def]
    """`code` in a process of its own (its own connections), with `db` the team's
    database."""
    url = team.db.url.render_as_string(hide_password=False)
    forked.run("import sys; from store.db import Database; from store.service "
               f"import CaseService; db = Database(sys.argv[1]); {code}", url)


@pytest.fixture
def many(team):  # type: ignore[no-untyped-def]
    for i in range(12):
        team.new_case(channel="Support" if i % 3 else "Chat", login="anna")
    return team


@pytest.mark.parametrize("sort", SORTS)
def test_a_kept_page_is_the_page_the_whole_way_gives(many, sort: str) -> None:
    f = CaseFilter(sort=sort, limit=5, include_ended=True)
    kept = many.as_("anna")
    for _ in range(2):  # the second time from what the first kept
        first = kept.list_cases(f)
        assert first == many.as_("anna").list_cases(f)
        assert kept.list_cases(f, after=first[-1]) == many.as_("anna").list_cases(
            f, after=first[-1])
        assert kept.list_cases(f, before=first[-1]) == many.as_("anna").list_cases(
            f, before=first[-1])
        assert kept.list_cases(f, from_end=True) == many.as_("anna").list_cases(
            f, from_end=True)
        assert kept.list_cases(f, skip=3) == many.as_("anna").list_cases(f, skip=3)


def test_paging_through_a_kept_list_gives_each_case_once(many) -> None:
    f = CaseFilter(limit=4, include_ended=True, search="")
    anna = many.as_("anna")
    seen, page = [], anna.list_cases(f)
    while page:
        seen += [r.number for r in page]
        page = anna.list_cases(f, after=page[-1])
    assert seen == [r.number for r in many.as_("anna").list_cases(
        CaseFilter(limit=100, include_ended=True))]
    assert len(seen) == len(set(seen)) == 12


def test_a_kept_page_goes_past_sqlalchemy_and_still_sees_new_cases(many) -> None:
    anna = many.as_("anna")
    anna.list_cases(CaseFilter())
    with statements(anna) as sent:
        before = anna.list_cases(CaseFilter())
    assert sent == []  # the driver's own cursor: none of the ORM's or Core's work
    number = many.new_case(login="anna")
    with statements(anna) as sent:
        after = anna.list_cases(CaseFilter())
    assert sent == []
    assert after[0].number == number
    assert after[1:] == before[:len(after) - 1]


def test_unread_markers_are_read_with_every_kept_page(many) -> None:
    anna = many.as_("anna")
    number = many.new_case(login="anna")
    anna.set_in_workspace(number, present=True)
    f = CaseFilter(workspace="me")
    assert [r.unread for r in anna.list_cases(f)] == [False]
    many.as_("bo").reply(number, "Vi kollar.")  # something new for anna
    assert [r.unread for r in anna.list_cases(f)] == [True]
    anna.mark_read(number)
    assert [r.unread for r in anna.list_cases(f)] == [False]


def test_a_membership_taken_away_in_another_process_hides_the_channel_at_once(many) -> None:
    anna = many.as_("anna")
    f = CaseFilter(include_ended=True, limit=100)
    assert {r.channel for r in anna.list_cases(f)} == {"Support", "Chat"}
    in_another_process(
        many, "CaseService(db, 'boss').set_membership('Chat', 'anna', member=False)")
    assert {r.channel for r in anna.list_cases(f)} == {"Support"}
    in_another_process(
        many, "CaseService(db, 'boss').set_membership('Chat', 'anna', member=True)")
    assert {r.channel for r in anna.list_cases(f)} == {"Support", "Chat"}


def test_an_agent_deactivated_in_another_process_lists_nothing_more(many) -> None:
    anna = many.as_("anna")
    assert anna.list_cases(CaseFilter())
    in_another_process(many, "CaseService(db, 'boss').set_active('anna', active=False)")
    with pytest.raises(Deactivated):
        anna.list_cases(CaseFilter())


def test_a_supervisor_made_an_agent_by_hand_sees_only_their_channels_next(many) -> None:
    """Whatever the path of a change (here an administrator's SQL), the team's version
    moves: triggers move it, not the store's code."""
    many.as_("boss").set_membership("Chat", "boss", member=True)
    boss = many.as_("boss")
    f = CaseFilter(include_ended=True, limit=100)
    assert {r.channel for r in boss.list_cases(f)} == {"Support", "Chat"}
    in_another_process(many, "import sqlalchemy as sa\nwith db.engine.begin() as c: c.execute("
                       "sa.text(\"UPDATE agent SET is_supervisor = false WHERE login = 'boss'\"))")
    assert {r.channel for r in boss.list_cases(f)} == {"Chat"}


def test_every_team_table_moves_the_team_version(team) -> None:
    """A later migration that rebuilds one of these tables (SQLite's batch mode) drops
    its triggers: then what a list keeps would outlive a change. Make them anew there."""
    with team.db.engine.connect() as conn:
        if team.db.is_sqlite:
            names = set(conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            wanted = {f"{t}_{c}_team_changed" for t in ("agent", "channel", "channel_member")
                      for c in ("insert", "update", "delete")}
        else:
            names = set(conn.execute(sa.text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
            wanted = {f"{t}_team_changed" for t in ("agent", "channel", "channel_member")}
    assert wanted <= names


def test_a_filter_given_lists_is_kept_as_tuples(many) -> None:
    f = CaseFilter(statuses=["new", "open"], channels=["Chat"])  # type: ignore[arg-type]
    assert f.statuses == ("new", "open")
    anna = many.as_("anna")
    assert anna.list_cases(f) == anna.list_cases(f) == many.as_("anna").list_cases(
        CaseFilter(statuses=("new", "open"), channels=("Chat",)))


def test_a_page_follows_a_row_or_precedes_one_never_both(many) -> None:
    rows = many.as_("anna").list_cases(CaseFilter())
    with pytest.raises(InvalidInput, match="not both"):
        many.as_("anna").list_cases(CaseFilter(), after=rows[0], before=rows[-1])


def _chat_case(team) -> int:  # type: ignore[no-untyped-def]
    return next(r.number for r in team.as_("boss").list_cases(CaseFilter(limit=100))
                if r.channel == "Chat")


def test_a_kept_actor_costs_one_statement_until_the_team_changes(many) -> None:
    anna, number = many.as_("anna"), _chat_case(many)
    anna.note(number, "Första.")
    with statements(anna) as sent:
        anna.note(number, "Andra.")
    assert not [s for s in sent if s.startswith("SELECT") and (
        "FROM agent" in s or "FROM channel_member" in s)]
    assert len([s for s in sent if "team_version" in s]) == 1
    many.as_("boss").add_agent("cilla")  # the team moves
    with statements(anna) as sent:
        anna.note(number, "Tredje.")
    assert [s for s in sent if s.startswith("SELECT agent.id")]
    assert [s for s in sent if s.startswith("SELECT channel_member.channel_id")]


def test_a_membership_taken_away_in_another_process_refuses_the_next_write(many) -> None:
    anna, number = many.as_("anna"), _chat_case(many)
    anna.note(number, "Jag tittar på det.")
    in_another_process(
        many, "CaseService(db, 'boss').set_membership('Chat', 'anna', member=False)")
    with pytest.raises(Unseen):
        anna.note(number, "Och nu?")
    in_another_process(
        many, "CaseService(db, 'boss').set_membership('Chat', 'anna', member=True)")
    assert anna.note(number, "Tillbaka.").text == "Tillbaka."


def test_an_agent_deactivated_in_another_process_writes_nothing_more(many) -> None:
    anna, number = many.as_("anna"), _chat_case(many)
    anna.note(number, "Jag tittar på det.")
    in_another_process(many, "CaseService(db, 'boss').set_active('anna', active=False)")
    with pytest.raises(Deactivated):
        anna.reply(number, "Hej!")
