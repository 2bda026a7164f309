"""Triage's built-in detectors (store/triage): urgent topics and a frustrated tone, on
a labelled set of customer messages and on every path a new case takes, both engines."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.inputs import ContactInput, MessageInput
from store.models import AuditEvent
from store.queries import CaseFilter
from store.triage import BUILT_IN, FRUSTRATED, URGENT, Detectors, assess

HERE = Path(__file__).parent


def scores(path: Path, flag: str) -> tuple[float, float]:
    """(precision, recall) of the built-in detector of `flag` on a labelled set."""
    messages = tomllib.loads(path.read_text(encoding="utf-8"))["message"]
    hits = [(flag in {f.flag for f in assess(BUILT_IN, m["subject"], m["text"]).findings},
             m[flag]) for m in messages]
    true = sum(got and want for got, want in hits)
    return true / sum(got for got, _ in hits), true / sum(want for _, want in hits)


# Measured: README, "Triage". The development set is the one the word lists were
# tuned on; the held-out set was written apart, on another business, and never tuned on.
@pytest.mark.parametrize(("name", "flag", "precision", "recall"), [
    ("triage_messages.toml", URGENT, 0.95, 0.90),
    ("triage_messages.toml", FRUSTRATED, 0.95, 0.90),
    # Measured 0.83 / 0.56 and 0.93 / 0.69: what a team's own words (`[triage]
    # urgent_words`: "strömavbrott" for an electricity company) are there for. (Since
    # measured, a floor that keeps them from getting worse: no longer held out.)
    ("triage_holdout.toml", URGENT, 0.80, 0.55),
    ("triage_holdout.toml", FRUSTRATED, 0.90, 0.65),
])
def test_the_detectors_on_a_labelled_set(name: str, flag: str, precision: float,
                                        recall: float) -> None:
    measured_precision, measured_recall = scores(HERE / name, flag)
    assert measured_precision >= precision
    assert measured_recall >= recall


def test_negation_praise_and_the_words_as_written() -> None:
    find = BUILT_IN.find
    assert find("Jag är inte arg, bara nyfiken på fakturan.") == []
    assert find("TACK SÅ MYCKET FÖR HJÄLPEN!!!") == []  # glad capitals
    assert find("How do I download the app? Calm down, no rush.") == []
    (urgent,) = find("Appen FUNKAR inte alls sedan i morse.")
    assert (urgent.flag, urgent.words) == (URGENT, ("FUNKAR inte alls",))
    urgent, frustrated = find("Ni har dragit två gånger! Helt oacceptabelt!!")
    assert urgent.words == ("dragit två gånger",)
    assert frustrated.flag == FRUSTRATED
    assert "oacceptabelt" in frustrated.words


def test_a_teams_own_words_and_the_detectors_off() -> None:
    own = Detectors(["serverhallen brinner"])
    assert [f.flag for f in own.find("Serverhallen BRINNER")] == [URGENT]
    assert own.find("Tjänsten ligger nere") == []  # the team's words replace the built-in
    off = Detectors(urgent=False)
    assert [f.flag for f in off.find("Tjänsten ligger nere, helt oacceptabelt")] == [
        FRUSTRATED]


def test_a_new_case_is_flagged_made_high_and_says_why(team) -> None:
    anna = team.as_("anna")
    number = team.new_case(title="Driftstopp", text="Hej, inget fungerar. Tredje gången "
                                                    "jag skriver!!")
    case = anna.get_case(number)
    assert case.flags == (URGENT, FRUSTRATED)
    assert case.priority == "high"
    assert case.flagged_by[URGENT] == "Driftstopp, inget fungerar"
    assert "Tredje gången" in case.flagged_by[FRUSTRATED]
    first, *events = case.messages
    assert first.kind == "customer"  # the events after the message that set them
    assert [e.event.kind for e in events if e.event] == ["flagged", "flagged"]
    assert events[0].text == "Triage: marked urgent (Driftstopp, inget fungerar)"
    with team.db.read() as session:
        (after,) = session.scalars(sa.select(AuditEvent.after).where(
            AuditEvent.case_id == number, AuditEvent.action == "case.flags"))
    assert json.loads(after) == {"flags": [URGENT, FRUSTRATED], "priority": "high"}
    # On the list and its filter; a neutral case carries no flag, no event.
    calm = team.new_case(title="Fråga", text="Hej, hur byter jag adress?")
    assert anna.get_case(calm).flags == ()
    assert anna.get_case(calm).priority == "medium"
    assert [m.kind for m in anna.get_case(calm).messages] == ["customer"]
    (row,) = anna.list_cases(CaseFilter(flag=URGENT))
    assert (row.number, row.flags) == (number, (URGENT, FRUSTRATED))
    assert [r.number for r in anna.list_cases(CaseFilter(sort="flags"))] == [number, calm]


def test_a_priority_given_at_creation_wins(team) -> None:
    number = team.as_("anna").create_case(
        channel="Support", contact=ContactInput(name="K", email="k@example.se"),
        title="Ligger nere", messages=[MessageInput("Allt ligger nere")], priority="low")
    case = team.as_("anna").get_case(number)
    assert (case.flags, case.priority) == ((URGENT,), "low")


def test_a_follow_up_is_triaged_on_what_the_customer_wrote_now(team) -> None:
    anna = team.as_("anna")
    number = team.new_case(title="Fråga", text="Hej, en fråga om leveransen.")
    anna.set_status(number, "solved")
    team.system.set_status(number, "closed")
    landing = team.system.add_message(number, MessageInput(
        "Nu har ni dragit två gånger för samma order.", sender="customer"))
    follow_up = anna.get_case(landing.case)
    assert landing.case != number
    assert (follow_up.flags, follow_up.priority) == ((URGENT,), "high")
    assert anna.get_case(number).flags == ()


def test_triage_reads_only_the_customers_own_words(team) -> None:
    from datetime import timedelta

    anna = team.as_("anna")
    # A follow-up: what the customer wrote now, not the old case's title.
    number = team.new_case(title="Sajten ligger nere", text="Allt ligger nere!")
    anna.set_status(number, "solved")
    team.system.set_status(number, "closed")
    landing = team.system.add_message(number, MessageInput("Tack, nu fungerar allt."))
    assert anna.get_case(landing.case).flags == ()
    # Quoted history, machine mail, an AI agent's words: none of them the customer's.
    quoted = team.new_case(title="Tack", text="Tack, nu fungerar det!\n\n"
                           "Den 3 mars 2026 kl. 10:12 skrev Support <s@example.se>:\n"
                           "> Betalningen misslyckades, vi tittar på det.")
    assert anna.get_case(quoted).flags == ()
    away = anna.create_case(
        channel="Support", title="Frånvaro", contact=ContactInput(email="a@example.se"),
        messages=[MessageInput("I am offline until Monday.", flags=("auto-reply",))])
    assert anna.get_case(away).flags == ()
    earlier = team.clock() - timedelta(hours=2)
    handed = anna.create_case(
        channel="Chat", title="Chatt", contact=ContactInput(email="c@example.se"),
        messages=[MessageInput("Hej! Jag är AI-assistenten. Är något nere?", sender="ai",
                               at=earlier),
                  MessageInput("Ni har dragit två gånger för min order.", at=earlier)])
    case = anna.get_case(handed)
    assert case.flags == (URGENT,)
    assert case.flagged_by == {URGENT: "dragit två gånger"}
    # The event at the time of the message that set it, right after it.
    assert [m.kind for m in case.messages][:3] == ["ai", "customer", "event"]
    assert case.messages[2].created_at == case.messages[1].created_at


def test_a_split_off_question_is_triaged_and_a_merge_keeps_both_marks(team) -> None:
    anna = team.as_("anna")
    calm = team.new_case(title="Fråga", text="Hej, när kommer paketet?")
    angry = team.new_case(title="Igen", text="Tredje gången jag skriver!!", email="b@ex.se")
    landing = team.system.add_message(calm, MessageInput("Och nu: inget fungerar."))
    assert anna.get_case(calm).flags == ()  # a message on a case: no new case, no triage
    message = anna.get_case(landing.case).messages[-1].id
    split = anna.split(message)
    assert anna.get_case(split).flags == (URGENT,)
    assert anna.get_case(split).priority == "medium"  # the old case's: a person's choice
    anna.merge(angry, into=split)
    survivor = anna.get_case(split)
    assert survivor.flags == (URGENT, FRUSTRATED)
    assert set(survivor.flagged_by) == {URGENT, FRUSTRATED}
