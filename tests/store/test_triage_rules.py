"""A team's triage rules (store/triage/rules.py, routing.py): the file's problems, each
`when` and `then` key on a new case on both engines, the order rules apply in, the
share a `sample` takes, and a broken file that never replaces the last good one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.inputs import ContactInput, MessageInput
from store.models import AuditEvent
from store.queries import CaseFilter
from store.triage.routing import RuleSource
from store.triage.rules import Facts, parse


def rules(team, tmp_path: Path, text: str) -> RuleSource:  # type: ignore[no-untyped-def]
    """`text` as the rules file of the team's database."""
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    team.db.rules = RuleSource(path)
    return team.db.rules


def problems(text: str) -> list[str]:
    return [f"{'error' if p.error else 'warning'}: {p}" for p in parse(text)[1]]


# -- the file ---------------------------------------------------------------------------


def test_a_well_formed_file_has_no_problems() -> None:
    book, found = parse('''
[[rule]]
name = "Faktura till Ekonomi"            # unique, shown on the case
when = { words = ["faktura", "invoice"], channel = "Support" }
then = { channel = "Fakturor", labels = ["faktura"], priority = "medium", assign = "least-loaded" }

[[rule]]
name = "Klagomål"
when = { words = ["klagomål"], language = "sv", field.kategori = "Retur" }
then = { notify = ["boss"], sample = 0.2 }
''')
    assert found == []
    first, second = book.rules
    assert (first.name, first.words, first.channel) == ("Faktura till Ekonomi",
                                                         ("faktura", "invoice"), "Support")
    assert (first.move_to, first.labels, first.priority, first.assign) == (
        "Fakturor", ("faktura",), "medium", "least-loaded")
    assert (dict(second.fields), second.notify, second.sample) == ({"kategori": "Retur"},
                                                                   ("boss",), 0.2)


@pytest.mark.parametrize(("text", "said"), [
    ('[[rule]]\nname = "A"\nwhen = { colour = "red" }\nthen = { priority = "high" }',
     "error: rule 'A': unknown condition 'colour' in `when` (use channel, words, from, "
     "language, customer_type, tier or field.<name>)"),
    ('[[rule]]\nname = "A"\nthen = { prio = "high" }',
     "error: rule 'A': unknown action 'prio' in `then` (use priority, labels, channel, "
     "assign, notify, sample)"),
    ('[[rule]]\nname = "A"\nwhenn = {}\nthen = { priority = "high" }',
     "error: rule 'A': unknown key 'whenn' (use name, when, then)"),
    ('[[rule]]\nname = "A"\nwhen = { words = [] }\nthen = { priority = "high" }',
     "error: rule 'A': `words` is empty: no case could match"),
    ('[[rule]]\nname = "A"\nwhen = { words = ["faktura", "!!!"] }\nthen = { priority = "high" }',
     "error: rule 'A': `words` has '!!!', which holds no letter or digit: it could match "
     "nothing"),
    ('[[rule]]\nname = "A"\nwhen = { from = "kund" }\nthen = { priority = "high" }',
     "error: rule 'A': `from` = 'kund' is no address or @domain: no case could match"),
    ('[[rule]]\nname = "A"\nthen = { priority = "high", sample = 0 }',
     "error: rule 'A': `sample` = 0: no case could match"),
    ('[[rule]]\nname = "A"\nthen = { priority = "high", sample = 2 }',
     "error: rule 'A': `sample` must be a share from 0 to 1, e.g. 0.2"),
    ('[[rule]]\nname = "A"\nwhen = { language = "de" }\nthen = { priority = "high" }',
     "error: rule 'A': `language` = 'de': use sv or en"),
    ('[[rule]]\nname = "A"\nthen = { priority = "urgent" }',
     "error: rule 'A': unknown priority 'urgent': use high, medium or low"),
    ('[[rule]]\nname = "A"\nwhen = { channel = "Support" }',
     "error: rule 'A': `then` sets nothing (priority, labels, channel, assign or notify)"),
    ('[[rule]]\nname = "A"\nwhen = { words = "faktura" }\nthen = { labels = 3 }',
     "error: rule 'A': `labels` must be a list of texts"),
    ('[[rule]]\nname = "A"\nthen = { priority = "low" }\n'
     '[[rule]]\nname = "a"\nthen = { priority = "low" }',
     "error: rule 'a': a second rule of that name (names are unique)"),
    ('[[rule]]\nthen = { priority = "low" }', "error: rule '#1': a rule needs a `name` (text)"),
    ('[rule]\nname = "A"', "error: `rule` must be [[rule]] tables"),
    ('[[rules]]\nname = "A"', "error: unknown key 'rules' (the file holds [[rule]] tables)"),
    ('[[rule]\nname = "A"', "error: not valid TOML: Expected ']]' at the end of an array "
                            "declaration (at line 1, column 7)"),
    # A rule of more than three conditions is hard to follow, not wrong.
    ('[[rule]]\nname = "A"\nwhen = { channel = "Support", words = ["x"], language = "sv", '
     'tier = "premium" }\nthen = { priority = "low" }',
     "warning: rule 'A': 4 conditions: keep a rule to 3 at most (easier to follow)"),
])
def test_each_problem_names_its_rule_and_what_is_wrong(text: str, said: str) -> None:
    assert said in problems(text)


def test_names_are_checked_against_the_store(team) -> None:
    count, found = team.as_("boss").check_rules('''
[[rule]]
name = "Fel"
when = { channel = "Suport", customer_type = "vip" }
then = { channel = "Ekonomi", assign = "cecilia", notify = ["dora"] }

[[rule]]
name = "Chatt till Bo"
when = { channel = "Chat" }
then = { assign = "bo", notify = ["bo", "boss"] }

[[rule]]
name = "Rätt"
when = { channel = "support", customer_type = "internal" }
then = { assign = "round-robin", notify = ["boss"] }
''')
    assert count == 3
    assert [str(p) for p in found] == [
        "rule 'Fel': unknown channel 'Suport' in `when.channel` (known: Chat, Support, "
        "Telefon)",
        "rule 'Fel': unknown channel 'Ekonomi' in `then.channel` (known: Chat, Support, "
        "Telefon)",
        "rule 'Fel': unknown agent 'cecilia' in `assign` (an active agent's login, "
        "round-robin or least-loaded)",
        "rule 'Fel': unknown agent 'dora' in `notify`",
        "rule 'Fel': unknown customer_type 'vip' (use business, existing, internal, new, "
        "private)",
        "rule 'Chatt till Bo': 'bo' is not a member of 'Chat': they could not take its cases",
        "rule 'Chatt till Bo': 'bo' in `notify` is not a member of 'Chat': they could not "
        "open its cases",
    ]


# -- on a new case ----------------------------------------------------------------------


def new_case(team, *, channel: str = "Support", email: str = "kund@example.se",  # type: ignore[no-untyped-def]
             title: str = "Fråga", text: str = "Hej, en fråga om min order.") -> int:
    return team.as_("boss").create_case(
        channel=channel, contact=ContactInput(name="Karin Kund", email=email), title=title,
        messages=[MessageInput(text, sender_address=email)])


@pytest.mark.parametrize(("when", "fires", "misses"), [
    ('channel = "Chat"', {"channel": "Chat"}, {"channel": "Support"}),
    # any of the words, whole, any case and accents, in the title or the message
    ('words = ["faktura", "invoice"]', {"text": "Hej, FAKTURA 1234 är fel."},
     {"text": "Hej, fakturan är fel."}),
    ('words = ["faktura"]', {"title": "Faktura"}, {"title": "Leverans"}),
    # a phrase within the title or the message, never across them
    ('words = ["ny faktura"]', {"title": "Ny faktura"},
     {"title": "Fråga om ny", "text": "Faktura 1234 saknas."}),
    ('words = ["flytt*"]', {"text": "Vi flyttar snart."}, {"text": "Vi bor kvar."}),
    ('from = "vd@bolaget.se"', {"email": "VD@bolaget.se"}, {"email": "ekonomi@bolaget.se"}),
    ('from = "@bolaget.se"', {"email": "ekonomi@bolaget.se"}, {"email": "kund@example.se"}),
    ('language = "en"', {"text": "Hi, my order has not arrived and I would like a refund."},
     {"text": "Hej, min order har inte kommit och jag vill ha pengarna tillbaka."}),
    ('language = "sv"', {"text": "Hej, min order har inte kommit och jag vill ha den."},
     {"text": "Hi, my order has not arrived and I would like it."}),
    ('customer_type = "internal"', {"email": "kollega@example.se"},
     {"email": "kund@annat.se"}),
])
def test_each_condition_on_a_new_case(team, tmp_path, when, fires, misses) -> None:
    rules(team, tmp_path, f'[[rule]]\nname = "R"\nwhen = {{ {when} }}\n'
                          'then = { labels = ["träff"] }')
    hit, miss = new_case(team, **fires), new_case(team, **misses)
    anna = team.as_("boss")
    assert anna.get_case(hit).labels == ("träff",)
    assert anna.get_case(miss).labels == ()


def test_customer_type_new_existing_and_tier(team, tmp_path) -> None:
    rules(team, tmp_path, '''
[[rule]]
name = "Ny kund"
when = { customer_type = "new" }
then = { labels = ["ny"] }

[[rule]]
name = "Återkommande"
when = { customer_type = "existing", tier = "standard" }
then = { labels = ["återkommande"] }

[[rule]]
name = "Premium"
when = { tier = "premium" }
then = { priority = "high" }
''')
    boss = team.as_("boss")
    first = new_case(team, email="ny@kund.se")
    again = new_case(team, email="ny@kund.se")
    assert boss.get_case(first).labels == ("ny",)
    assert boss.get_case(again).labels == ("återkommande",)
    premium = boss.create_case(channel="Support", title="Fråga", contact=ContactInput(
        name="P", email="p@kund.se", tier="premium"), messages=[MessageInput("Hej")])
    assert boss.get_case(premium).priority == "high"


def test_each_action_and_the_event_and_audit_it_leaves(team, tmp_path) -> None:
    rules(team, tmp_path, '''
[[rule]]
name = "Faktura till Telefon"
when = { words = ["faktura"] }
[rule.then]  # a table of its own reads as well as an inline one
channel = "Telefon"
labels = ["faktura", "ekonomi"]
priority = "low"
assign = "bo"
notify = ["boss"]
''')
    number = new_case(team, text="Hej, min faktura är fel.")
    case = team.as_("boss").get_case(number)
    assert (case.channel, case.labels, case.priority, case.assignee, case.status) == (
        "Telefon", ("ekonomi", "faktura"), "low", "bo", "open")  # assigned: work begins
    event = next(m for m in case.messages if m.event and m.event.kind == "triaged")
    assert event.text == ("Triage: the rule “Faktura till Telefon” set priority low, labels "
                          "faktura, ekonomi, channel Telefon, assignee bo, told boss")
    with team.db.read() as session:
        (after,) = session.scalars(sa.select(AuditEvent.after).where(
            AuditEvent.case_id == number, AuditEvent.action == "case.triage"))
    assert json.loads(after) == {"rule": "Faktura till Telefon", "priority": "low",
                                 "labels": "faktura, ekonomi", "channel": "Telefon",
                                 "assignee": "bo", "notify": "boss"}
    # In the workspaces of the assignee and of whom the rule told; anna, who reads
    # Support but not Telefon, no longer holds it.
    for login, holds in (("bo", True), ("boss", True), ("anna", False)):
        workspace = team.as_(login).list_cases(CaseFilter(workspace="me"))
        assert (number in [r.number for r in workspace]) is holds, login
    # The case stays the agents' to change.
    team.as_("bo").set_priority(number, "high")
    assert team.as_("bo").get_case(number).priority == "high"


def test_every_matching_rule_applies_the_later_winning(team, tmp_path) -> None:
    rules(team, tmp_path, '''
[[rule]]
name = "Först"
when = { words = ["order"] }
then = { priority = "high", labels = ["order"], channel = "Chat" }

[[rule]]
name = "Sedan"
when = { words = ["retur"] }
then = { priority = "low", labels = ["retur"] }
''')
    number = new_case(team, text="Hej, en retur av min order.")
    case = team.as_("boss").get_case(number)
    assert (case.priority, case.labels, case.channel) == ("low", ("order", "retur"), "Chat")
    fired = [m.event.params["rule"] for m in case.messages if m.event
             and m.event.kind == "triaged"]
    assert fired == ["Först", "Sedan"]


def test_a_rule_after_the_detectors_may_lower_their_priority(team, tmp_path) -> None:
    rules(team, tmp_path, '[[rule]]\nname = "Test"\nwhen = { from = "@test.se" }\n'
                          'then = { priority = "low" }')
    number = new_case(team, email="robot@test.se", text="Allt ligger nere!")
    case = team.as_("boss").get_case(number)
    assert case.flags == ("urgent",)  # the detector's mark stays
    assert case.priority == "low"


def test_round_robin_and_least_loaded_over_a_day(team, tmp_path, clock) -> None:
    boss = team.as_("boss")
    boss.add_agent("cilla", name="Cilla")
    boss.set_membership("Support", "cilla", member=True)
    rules(team, tmp_path, '[[rule]]\nname = "Tur"\nwhen = { channel = "Support" }\n'
                          'then = { assign = "round-robin" }')
    taken = []
    for _ in range(6):
        clock.advance(minutes=30)
        taken.append(boss.get_case(new_case(team)).assignee)
    assert taken == ["anna", "bo", "cilla", "anna", "bo", "cilla"]
    # With TUIs open, only those present take new cases.
    team.as_("bo").set_presence(None, None)
    team.as_("cilla").set_presence(new_case(team), "viewing")  # this one went to anna
    clock.advance(seconds=1)
    assert {boss.get_case(new_case(team)).assignee for _ in range(3)} == {"cilla"}
    # Least loaded: bo has the fewest unsolved cases (present or not, none is now).
    clock.advance(hours=1)
    rules(team, tmp_path, '[[rule]]\nname = "Minst"\nwhen = { channel = "Support" }\n'
                          'then = { assign = "least-loaded" }')
    loads = {login: len(boss.list_cases(CaseFilter(assignee=login, limit=100)))
             for login in ("anna", "bo", "cilla")}
    assert loads == {"anna": 3, "bo": 2, "cilla": 5}
    number = new_case(team)
    assert boss.get_case(number).assignee == "bo"


def test_sample_takes_its_share_the_same_cases_every_run() -> None:
    book, _ = parse('[[rule]]\nname = "Ny routning"\nthen = { labels = ["prov"], '
                    'sample = 0.2 }')
    picked = [n for n in range(1, 1001) if book.firing(Facts(number=n, channel="Support"))]
    assert 160 <= len(picked) <= 240
    again = [n for n in range(1, 1001) if book.firing(Facts(number=n, channel="Support"))]
    assert picked == again


def test_sample_on_the_store_follows_the_case_number(team, tmp_path) -> None:
    source = rules(team, tmp_path, '[[rule]]\nname = "Prov"\n'
                                   'then = { labels = ["prov"], sample = 0.5 }')
    numbers = [new_case(team) for _ in range(12)]
    (rule,) = parse(source.path.read_text())[0].rules  # type: ignore[union-attr]
    boss = team.as_("boss")
    assert [boss.get_case(n).labels == ("prov",) for n in numbers] == [
        rule.sampled(n) for n in numbers]
    assert 0 < sum(rule.sampled(n) for n in numbers) < 12


def test_a_broken_file_keeps_the_last_good_rules(team, tmp_path, caplog) -> None:
    source = rules(team, tmp_path, '[[rule]]\nname = "Gott"\nthen = { labels = ["gott"] }')
    assert team.as_("boss").get_case(new_case(team)).labels == ("gott",)
    assert source.path is not None
    source.path.write_text('[[rule]]\nname = "Trasigt"\nthen = { channel = "Ekonomi", '
                           'labels = ["trasigt"] }', encoding="utf-8")
    number = new_case(team)
    assert team.as_("boss").get_case(number).labels == ("gott",)  # never half-applied
    assert team.as_("boss").rules_problem() == (
        f"{source.path}: rule 'Trasigt': unknown channel 'Ekonomi' in `then.channel` (known: "
        "Chat, Support, Telefon) — the last good rules stay in force (`casedesk rules check` "
        "lists each problem)")
    assert "the last good rules stay in force" in caplog.text
    source.path.write_text('[[rule]]\nname = "Bättre"\nthen = { labels = ["bättre"] }',
                           encoding="utf-8")
    assert team.as_("boss").get_case(new_case(team)).labels == ("bättre",)
    assert team.as_("boss").rules_problem() is None


def test_no_rules_file_changes_nothing(team) -> None:
    assert team.db.rules is None
    case = team.as_("boss").get_case(new_case(team, text="Hej, min faktura är fel."))
    assert (case.labels, case.priority, case.assignee) == ((), "medium", None)


def test_a_priority_its_creator_chose_stays(team, tmp_path) -> None:
    rules(team, tmp_path, '[[rule]]\nname = "Låg"\nthen = { priority = "low", '
                          'labels = ["låg"] }')
    number = team.as_("anna").create_case(
        channel="Support", contact=ContactInput(name="K", email="k@kund.se"), title="Fråga",
        messages=[MessageInput("Hej")], priority="high")
    case = team.as_("anna").get_case(number)
    assert (case.priority, case.labels) == ("high", ("låg",))
    (event,) = [m for m in case.messages if m.event and m.event.kind == "triaged"]
    assert event.text == "Triage: the rule “Låg” set labels låg"  # not the priority


def test_only_those_who_can_open_the_case_are_told(team, tmp_path) -> None:
    # No channel named: the check cannot know where a case will be; the rule can.
    rules(team, tmp_path, '[[rule]]\nname = "Chatt"\nwhen = { words = ["chatten"] }\n'
                          'then = { notify = ["bo", "boss"] }')
    number = new_case(team, channel="Chat", text="Hej, om chatten.")
    held = {login: number in [r.number for r in team.as_(login).list_cases(
        CaseFilter(workspace="me"))] for login in ("bo", "boss")}
    assert held == {"bo": False, "boss": True}  # bo reads no Chat
    case = team.as_("boss").get_case(number)
    assert [m.text for m in case.messages if m.event and m.event.kind == "triaged"] == [
        "Triage: the rule “Chatt” set told boss"]


def test_a_channel_named_with_swedish_capitals_is_found(team, tmp_path) -> None:
    team.as_("boss").add_channel("Ärenden", kind="chat")
    rules(team, tmp_path, '[[rule]]\nname = "Flytt"\nthen = { channel = "ärenden" }')
    assert team.as_("boss").get_case(new_case(team)).channel == "Ärenden"


def test_a_label_off_the_list_is_no_longer_added(team, tmp_path) -> None:
    boss = team.as_("boss")
    boss.add_label("faktura")
    boss.add_label("vip")
    rules(team, tmp_path, '[[rule]]\nname = "R"\nthen = { labels = ["faktura", "vip"] }')
    assert boss.get_case(new_case(team)).labels == ("faktura", "vip")
    boss.remove_label("vip")
    assert boss.get_case(new_case(team)).labels == ("faktura",)


def test_a_file_wrong_for_a_missing_channel_is_used_once_the_channel_is_there(
        team, tmp_path, monkeypatch, caplog) -> None:
    from store.triage import routing

    monkeypatch.setattr(routing, "RECHECK_SECONDS", 0)
    source = rules(team, tmp_path, '[[rule]]\nname = "Ekonomi"\n'
                                   'then = { channel = "Ekonomi" }')
    assert team.as_("boss").get_case(new_case(team)).channel == "Support"
    assert new_case(team)  # the same problem again: logged once
    assert caplog.text.count("unknown channel 'Ekonomi'") == 1
    team.as_("boss").add_channel("Ekonomi", kind="chat")
    assert team.as_("boss").get_case(new_case(team)).channel == "Ekonomi"
    assert source.problem is None


def test_a_missing_file_is_said_once(team, tmp_path, caplog) -> None:
    team.db.rules = RuleSource(tmp_path / "nowhere.toml")
    new_case(team)
    new_case(team)
    assert team.as_("boss").rules_problem().startswith(  # type: ignore[union-attr]
        f"{tmp_path / 'nowhere.toml'}: cannot read it: ")
    assert caplog.text.count("cannot read it") == 1
