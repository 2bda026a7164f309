"""Full-text search as agents use it: whole words, any case, `fakt*` for prefixes,
å/ä/ö as letters of their own, every word somewhere in the case, newest first —
and whatever is typed, never an SQLite error."""

from __future__ import annotations

import pytest
from searchindex import fts_hits, index_is_consistent

from store.errors import InvalidInput
from store.service import CaseFilter, ContactInput, MessageInput


def found(service, words: str, **filters) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.number for r in service.list_cases(
        CaseFilter(search=words, include_ended=True, **filters))]


@pytest.fixture
def anna(team):  # type: ignore[no-untyped-def]
    return team.as_("anna")


def test_case_does_not_matter(team, anna) -> None:
    number = team.new_case(title="Fakturan stämmer inte", text="ÅRSAVGIFTEN är för hög")
    assert found(anna, "FAKTURAN") == [number]
    assert found(anna, "fakturan") == [number]
    assert found(anna, "årsavgiften") == [number]
    assert found(anna, "Årsavgiften") == [number]


def test_whole_words_only(team, anna) -> None:
    number = team.new_case(title="Fakturan stämmer inte", text="")
    assert found(anna, "faktura") == []
    assert found(anna, "fakturan") == [number]
    assert found(anna, "stämmer") == [number]
    assert found(anna, "stämme") == []


def test_a_star_searches_for_a_prefix(team, anna) -> None:
    a = team.new_case(title="Fakturan stämmer inte", text="")
    b = team.new_case(title="Ny faktura", text="")
    team.new_case(title="Router", text="")
    assert found(anna, "fakt*") == [b, a]
    assert found(anna, "FAKTURA*") == [b, a]
    assert found(anna, "f*") == [b, a]


@pytest.mark.parametrize(("text", "query", "hit"), [
    ("Gäller år 2025", "år", True),
    ("Gäller år 2025", "ar", False),
    ("Gäller ar 2025", "år", False),
    ("Tack för hjälpen", "för", True),
    ("Tack för hjälpen", "for", False),
    ("Thanks for the help", "för", False),
    ("Hälsningar", "halsningar", False),
    ("Hälsningar", "hälsningar", True),
    ("Öppettider", "ÖPPETTIDER", True),
    ("Öppettider", "oppettider", False),
])
def test_swedish_letters_are_letters_of_their_own(team, anna, text, query, hit) -> None:
    number = team.new_case(title="Ärende", text=text)
    assert found(anna, query) == ([number] if hit else [])


def test_every_word_must_occur_anywhere_in_the_case(team, anna) -> None:
    both = team.new_case(title="Routern blinkar", text="Hej, lampan lyser rött.")
    title_only = team.new_case(title="Routern är död", text="Ingen ström.")
    body_only = team.new_case(title="Annat", text="Lampan på skrivaren.")
    assert found(anna, "routern lampan") == [both]  # one word in the title, one in a message
    assert found(anna, "lampan routern") == [both]
    assert set(found(anna, "routern")) == {both, title_only}
    assert set(found(anna, "lampan")) == {both, body_only}
    assert found(anna, "routern saknas") == []


def test_words_in_different_messages_of_one_case_match(team, anna) -> None:
    number = team.new_case(title="Fråga", text="Första meddelandet om modemet")
    team.system.add_message(number, MessageInput("Andra meddelandet om kabeln"))
    assert found(anna, "modemet kabeln") == [number]


def test_newest_first(team, anna, clock) -> None:
    numbers = [team.new_case(title=f"Router {i}", text="") for i in range(4)]
    # Activity on the oldest does not move it up: the case number orders the hits.
    clock.advance(hours=1)
    team.system.add_message(numbers[0], MessageInput("router igen"))
    assert found(anna, "router") == list(reversed(numbers))
    assert found(anna, "router", limit=2) == [numbers[3], numbers[2]]


def test_search_combines_with_the_other_filters(team, anna) -> None:
    support = team.new_case(channel="Support", title="Router", text="")
    chat = team.new_case(channel="Chat", title="Router", text="")
    anna.set_status(chat, "waiting")
    assert found(anna, "router", channel="Chat") == [chat]
    assert found(anna, "router", statuses=("new",)) == [support]


def test_search_hides_ended_cases_unless_asked(team, anna) -> None:
    number = team.new_case(title="Router", text="")
    anna.set_status(number, "solved")
    team.system.set_status(number, "closed")
    assert [r.number for r in anna.list_cases(CaseFilter(search="router"))] == []
    assert found(anna, "router") == [number]


HOSTILE = ['NEAR(', '"', '""', 'title:x', 'body:router', 'AND OR', 'OR', 'NOT', 'AND',
           '-', '*', '**', '^', '(', ')', '{x}', 'a"b', "x'y", "router -faktura",
           'router OR faktura', 'NEAR(router faktura, 2)', '"router', 'router"', ':', '+',
           'title : router', '\x00', 'router\x00', "'; DROP TABLE cases; --", '%', '_',
           'a_b', '²', 'x' * 2000, 'router*faktura', '*router', 'r*', '-router']


@pytest.mark.parametrize("query", HOSTILE)
def test_operators_in_user_input_are_harmless(team, db, anna, query) -> None:
    """Each query is taken as plain words or refused as InvalidInput; never an
    SQLite error, and it never finds more than its plain words would."""
    router = team.new_case(title="Router", text="Routern är trasig")
    faktura = team.new_case(title="Faktura", text="Fakturan är fel")
    refusal = ""
    try:
        hits = found(anna, query)
    except InvalidInput as exc:
        refusal, hits = str(exc), []
    if refusal:
        assert "give a word" in refusal
    assert set(hits) <= {router, faktura}
    if "router" not in query.lower() and "faktura" not in query.lower() and query != "r*":
        assert hits == []
    assert fts_hits(db, "router") == {router}  # nothing was changed by the query
    assert index_is_consistent(db)


@pytest.mark.parametrize("query", ["title:router", "body:fakturan", "router OR faktura",
                                   "NOT router"])
def test_column_filters_and_operators_are_plain_words(team, anna, query) -> None:
    team.new_case(title="Router", text="Routern är trasig")
    team.new_case(title="Faktura", text="Fakturan är fel")
    # "title", "body", "OR", "NOT" are words no case contains: nothing matches.
    assert found(anna, query) == []


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_search_is_no_search(team, anna, query) -> None:
    number = team.new_case(title="Router", text="")
    assert found(anna, query) == [number]  # no filter at all


@pytest.mark.parametrize("query", ["!!", "*", "--"])
def test_a_search_without_a_word_is_refused(team, anna, query) -> None:
    team.new_case(title="Router", text="")
    with pytest.raises(InvalidInput, match="word"):
        found(anna, query)


@pytest.mark.parametrize("query", ['"', "-", "*", "()", "  ^ "])
def test_a_search_without_words_is_refused_with_a_clear_message(team, anna, query) -> None:
    team.new_case()
    with pytest.raises(InvalidInput, match="nothing to search for"):
        found(anna, query)


# -- the index follows every change ---------------------------------------------------


def test_the_index_follows_a_rename(team, db, anna) -> None:
    number = team.new_case(title="Gammal rubrik", text="Hej")
    anna.rename(number, "Splitterny rubrik")
    assert found(anna, "splitterny") == [number]
    # The old title lives on only in the rename event, which is not searched.
    assert found(anna, "gammal") == []
    assert fts_hits(db, "gammal") == set()
    assert index_is_consistent(db)


def test_the_index_follows_replies_notes_and_customer_messages(team, db, anna) -> None:
    number = team.new_case(title="Ärende", text="Hej")
    anna.reply(number, "Svarsord i svaret")
    anna.note(number, "Internanteckning om kunden")
    team.system.add_message(number, MessageInput("Kundsvar med tack"))
    assert found(anna, "svarsord") == [number]
    assert found(anna, "internanteckning") == [number]  # notes are searchable
    assert found(anna, "kundsvar") == [number]
    assert index_is_consistent(db)


def test_the_index_follows_merge_and_split(team, db, anna) -> None:
    source = team.new_case(title="Källärende", text="Meddelande med flyttord")
    target = team.new_case(title="Målärende", text="Meddelande med stannord")
    anna.merge(source, target)
    assert found(anna, "flyttord") == [target]
    assert found(anna, "flyttord stannord") == [target]
    assert fts_hits(db, "flyttord") == {target}
    (moved,) = [m for m in anna.get_case(target).messages if "flyttord" in m.text]
    new = anna.split(moved.id, title="Utbrutet")
    assert found(anna, "flyttord") == [new]
    assert fts_hits(db, "flyttord") == {new}
    assert found(anna, "stannord") == [target]
    assert found(anna, "flyttord stannord") == []
    assert index_is_consistent(db)


def test_system_events_are_not_searchable(team, db, anna) -> None:
    number = team.new_case(title="Ärende", text="Hej")
    anna.assign(number, "bo")
    anna.set_priority(number, "high")
    anna.set_status(number, "waiting")
    anna.move_channel(number, "Chat")
    texts = [m.text for m in anna.get_case(number).messages if m.kind == "event"]
    assert any("Assigned to bo" in t for t in texts)
    assert any("Moved from channel" in t for t in texts)
    for word in ("assigned", "priority", "waiting", "moved", "status"):
        assert found(anna, word) == [], word
    assert index_is_consistent(db)


def test_a_follow_up_case_is_searchable(team, db, anna) -> None:
    old = team.new_case(title="Router", text="Första")
    anna.set_status(old, "solved")
    team.system.set_status(old, "closed")
    new = team.system.add_message(old, MessageInput("Uppföljningsord")).case
    assert found(anna, "uppföljningsord") == [new]
    assert found(anna, "router") == [new, old]
    assert index_is_consistent(db)


def test_search_sees_only_the_agents_channels(team, anna) -> None:
    mine = team.new_case(channel="Support", title="Router", text="")
    team.new_case(channel="Telefon", login="bo", title="Router", text="")
    assert found(anna, "router") == [mine]
    assert len(found(team.as_("boss"), "router")) == 2


def test_a_title_with_line_breaks_is_searchable(team, anna) -> None:
    number = anna.create_case(channel="Support", contact=ContactInput(email="k@example.se"),
                              title="Rad ett\nrad två")
    assert found(anna, "ett två") == [number]


@pytest.mark.parametrize(("text", "query"), [
    ("Mejla anna.berg@example.se om saken", "anna.berg@example.se"),
    ("Mejla anna.berg@example.se om saken", "berg"),
    ("Sidan nordljus.example svarar inte", "nordljus.example"),
    ("Appen version 3.5 kraschar", "3.5"),
    ("Filen ligger i /usr/bin/tool", "/usr/bin"),
    ("Mötet kl 12:30 flyttades", "12:30"),
    ("Ny e-post adress", "e-post"),
])
def test_addresses_numbers_and_paths_are_found_by_their_words(team, anna, text, query) -> None:
    number = team.new_case(title="Fråga", text=text)
    assert found(anna, query) == [number]


def test_a_case_is_found_by_its_contact_and_its_number(team, anna) -> None:  # type: ignore[no-untyped-def]
    number = anna.create_case(
        channel="Support", title="Routern blinkar rött",
        contact=ContactInput(name="Eva Bergström", email="eva.b@exempel.se",
                             phone="070-123 45 67"))
    other = team.new_case(title="Något annat", name="Karin Kund")
    assert found(anna, "bergström") == [number]  # any word of the name, any case
    assert found(anna, "Eva") == [number]
    assert found(anna, "eva.b@exempel.se") == [number]
    assert found(anna, "070-123 45 67") == [number]
    assert found(anna, "0701234567") == [number]  # the phone's digits alone
    # Written internationally, it is the same number.
    assert found(anna, "+46 70 123 45 67") == [number]
    assert found(anna, "0046701234567") == [number]
    abroad = anna.create_case(channel="Support", title="Lampan", contact=ContactInput(
        name="Elin Persson", email="elin@exempel.se", phone="+46 70 017 27 95"))
    assert found(anna, "070 017 27 95") == [abroad]  # and stored so: found nationally
    assert found(anna, "0700172795") == [abroad]
    assert found(anna, "2940 2941") == []  # two numbers, not a phone number
    assert found(anna, "+46 (0)70 017 27 95") == [abroad]  # the trunk zero written in
    noted = team.new_case(title="Ring mig", text="Ring mig på 08-555 123 45, tack.")
    assert found(anna, "08-555 123 45") == [noted]  # a number in a message, as written
    assert found(anna, "bergström routern") == [number]  # words from both
    assert found(anna, str(other)) == [other]
    assert found(anna, f"#{other}") == [other]
    assert index_is_consistent(team.db)


def test_a_contact_given_a_phone_later_is_found_by_it_in_every_case(team, anna) -> None:  # type: ignore[no-untyped-def]
    first = anna.create_case(channel="Support", title="Första frågan",
                             contact=ContactInput(name="Ola Nordin", email="ola@exempel.se"))
    assert found(anna, "0733998877") == []
    second = anna.create_case(channel="Support", title="Andra frågan",
                              contact=ContactInput(email="ola@exempel.se",
                                                   phone="073-399 88 77"))
    assert found(anna, "0733998877") == [second, first]
    assert index_is_consistent(team.db)


def test_a_change_that_failed_inside_reindexing_leaves_the_index_whole(team, anna) -> None:  # type: ignore[no-untyped-def]
    """SQLite takes the case out of the index before the change: a change that fails,
    in a unit of work that goes on and commits, must put it back."""
    import sqlalchemy as sa

    from store import search

    number = team.new_case(title="Routern blinkar rött")

    def work(session) -> None:  # type: ignore[no-untyped-def]
        try:
            with search.reindexing(session, number):
                session.execute(sa.text("UPDATE cases SET title = 'Routern är trasig' "
                                        "WHERE id = :n"), {"n": number})
                raise InvalidInput("refused halfway")
        except InvalidInput:
            pass

    team.db.write(work)
    assert index_is_consistent(team.db)
    assert found(anna, "trasig") == [number]  # the document as the unit of work left it
    anna.note(number, "Och igen.")  # the next reindex of it works
    assert index_is_consistent(team.db)
