"""A team's triage rules: read from TOML, checked, and matched against a new case
(README, "Triage rules"). Pure: text in, rules and problems out; a case's facts in,
the rules that fire out. `routing.py` applies them to the case in the store.

    [[rule]]
    name = "Faktura till Ekonomi"
    when = { words = ["faktura", "invoice"], channel = "Support" }
    then = { channel = "Fakturor", labels = ["faktura"], priority = "medium" }
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from store.models import STANDINGS, Priority
from store.triage.detect import Lexicon, words_of
from store.triage.language import LANGUAGES, language_of

WHEN_KEYS = ("channel", "words", "from", "language", "customer_type", "tier")
THEN_KEYS = ("priority", "labels", "channel", "assign", "notify", "sample")
# The customer types triage derives from a contact (see store/standing.py); a
# contact's own kind (private, business) may be named too.
DERIVED_TYPES = STANDINGS
ASSIGN_WAYS = ("round-robin", "least-loaded")
# Rules stay simple: three conditions at most (README, "Triage rules").
MOST_CONDITIONS = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rules file; an error keeps the whole file from use."""

    rule: str
    text: str
    error: bool = True

    def __str__(self) -> str:
        return f"rule {self.rule!r}: {self.text}" if self.rule else self.text


@dataclass
class Facts:
    """What a rule reads of a new case. The language, the customer type and the form's
    fields are found only when a rule asks (the last two take the store: `*_of`)."""

    number: int
    channel: str
    title: str = ""
    text: str = ""  # the customer's first message, in their own words
    sender: str = ""  # their address, lower case
    contact_type: str = "private"
    tier: str = "standard"
    customer_type_of: Callable[[], str] = lambda: "new"
    fields_of: Callable[[], Mapping[str, str]] = dict

    @cached_property
    def fields(self) -> Mapping[str, str]:
        return {name.casefold(): value for name, value in self.fields_of().items()}

    @cached_property
    def language(self) -> str | None:
        return language_of(f"{self.title}\n{self.text}")

    @cached_property
    def customer_type(self) -> str:
        return self.customer_type_of()


@dataclass(frozen=True)
class Rule:
    name: str
    channel: str | None = None
    words: tuple[str, ...] = ()
    sender: str | None = None  # `from`: an address or "@domain"
    language: str | None = None
    customer_type: str | None = None
    tier: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    priority: str | None = None
    labels: tuple[str, ...] = ()
    move_to: str | None = None
    assign: str | None = None
    notify: tuple[str, ...] = ()
    sample: float = 1.0

    @property
    def conditions(self) -> int:
        return sum(x is not None for x in (self.channel, self.sender, self.language,
                                           self.customer_type, self.tier)) + (
            1 if self.words else 0) + len(self.fields)

    def matches(self, facts: Facts, said: frozenset[str]) -> bool:
        """Whether every condition holds; `said`: the rules whose words the case has.
        The cheap conditions first: the costly ones are found only if still needed."""
        if self.words and self.name not in said:
            return False
        if self.channel is not None and self.channel.casefold() != facts.channel.casefold():
            return False
        if self.sender is not None and not _from(self.sender, facts.sender):
            return False
        if self.tier is not None and self.tier != facts.tier:
            return False
        for name, value in self.fields.items():
            if facts.fields.get(name.casefold(), "").casefold() != value.strip().casefold():
                return False
        if self.language is not None and self.language != facts.language:
            return False
        return self.customer_type is None or self.customer_type in (
            facts.contact_type, facts.customer_type)

    def sampled(self, number: int) -> bool:
        """Whether case `number` is in the rule's share: the same cases every run."""
        if self.sample >= 1:
            return True
        digest = hashlib.blake2b(f"{self.name}\0{number}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64 < self.sample


def _from(want: str, sender: str) -> bool:
    sender = sender.casefold()
    if want.startswith("@"):
        return sender.endswith(want.casefold())
    return sender == want.casefold()


@dataclass(frozen=True)
class RuleBook:
    """A checked rules file, in file order."""

    rules: tuple[Rule, ...] = ()

    @cached_property
    def _words(self) -> tuple[Lexicon, dict[tuple[str, ...], frozenset[str]]]:
        """Every rule's words as one lexicon (a case's text is read once, whatever the
        number of rules), and which rules each phrase belongs to."""
        lexicon = Lexicon(word for rule in self.rules for word in rule.words)
        owners: dict[tuple[str, ...], set[str]] = {}
        for rule in self.rules:
            for words in Lexicon(rule.words).phrases:
                owners.setdefault(words, set()).add(rule.name)
        return lexicon, {words: frozenset(names) for words, names in owners.items()}

    def firing(self, facts: Facts) -> list[Rule]:
        """The rules that apply to a new case, in file order."""
        return [rule for rule in self.matching(facts) if rule.sampled(facts.number)]

    def matching(self, facts: Facts) -> list[Rule]:
        """The rules whose conditions a new case meets, in file order (a rule with
        `sample` then applies to its share of them)."""
        if not self.rules:
            return []
        lexicon, owners = self._words
        # The title and the message apart: a phrase never runs from one into the other.
        found = [*lexicon.matches([w for _, w in words_of(facts.title)]),
                 *lexicon.matches([w for _, w in words_of(facts.text)])]
        said = frozenset(name for _, words in found for name in owners[words])
        return [rule for rule in self.rules if rule.matches(facts, said)]


EMPTY = RuleBook()


def parse(text: str) -> tuple[RuleBook, list[Problem]]:
    """The rules in a TOML text, and what is wrong with them (file order). Names of
    channels, agents and labels are checked against the store by `check_names`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return EMPTY, [Problem("", f"not valid TOML: {exc}")]
    problems = [Problem("", f"unknown key {key!r} (the file holds [[rule]] tables)")
                for key in data if key != "rule"]
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        return EMPTY, [*problems, Problem("", "`rule` must be [[rule]] tables")]
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, table in enumerate(tables, start=1):
        rule, found = _rule(table, index)
        if rule is not None and rule.name.casefold() in seen:
            found.append(Problem(rule.name, "a second rule of that name (names are unique)"))
        problems += found
        if rule is not None:
            seen.add(rule.name.casefold())
            rules.append(rule)
    return RuleBook(tuple(rules)), problems


def _rule(table: Any, index: int) -> tuple[Rule | None, list[Problem]]:
    if not isinstance(table, dict):
        return None, [Problem(f"#{index}", "a rule must be a table")]
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, [Problem(f"#{index}", "a rule needs a `name` (text)")]
    name = name.strip()
    problems = [Problem(name, f"unknown key {key!r} (use name, when, then)")
                for key in table if key not in ("name", "when", "then")]
    reader = _Reader(name, problems)
    when = reader.table(table.get("when", {}), "when")
    then = reader.table(table.get("then", {}), "then")
    # `field.ordernummer = "…"` in an inline table is a table `field` in TOML; a quoted
    # "field.ordernummer" key is one key.
    fields = {k[len("field."):]: v for k, v in when.items() if k.startswith("field.")}
    fields.update(reader.table(when.get("field", {}), "when.field"))
    for key in when:
        if key not in WHEN_KEYS and key != "field" and not key.startswith("field."):
            problems.append(Problem(name, f"unknown condition {key!r} in `when` (use "
                                          f"{', '.join(WHEN_KEYS)} or field.<name>)"))
    for key in then:
        if key not in THEN_KEYS:
            problems.append(Problem(name, f"unknown action {key!r} in `then` (use "
                                          f"{', '.join(THEN_KEYS)})"))
    rule = Rule(
        name=name, channel=reader.text(when, "channel"), words=reader.texts(when, "words"),
        sender=reader.text(when, "from"), language=reader.text(when, "language"),
        customer_type=reader.text(when, "customer_type"), tier=reader.text(when, "tier"),
        fields={str(k): v for k, v in fields.items() if reader.is_text(v, f"field.{k}")},
        priority=reader.text(then, "priority"), labels=reader.texts(then, "labels"),
        move_to=reader.text(then, "channel"), assign=reader.text(then, "assign"),
        notify=reader.texts(then, "notify"), sample=reader.share(then),
    )
    problems += _sense(rule, when, then)
    return rule, problems


def _sense(rule: Rule, when: Mapping[str, Any], then: Mapping[str, Any]) -> list[Problem]:
    """What makes a well-formed rule useless or wrong."""
    problems = []

    def error(text: str) -> None:
        problems.append(Problem(rule.name, text))

    if "words" in when and not rule.words:
        error("`words` is empty: no case could match")
    for word in rule.words:
        if not Lexicon([word]).phrases:  # "!!!", "*": nothing a message's words could be
            error(f"`words` has {word!r}, which holds no letter or digit: it could match "
                  "nothing")
    if rule.sender is not None and not _address_like(rule.sender):
        error(f"`from` = {rule.sender!r} is no address or @domain: no case could match")
    if rule.language is not None and rule.language not in LANGUAGES:
        error(f"`language` = {rule.language!r}: use {' or '.join(LANGUAGES)}")
    if rule.sample <= 0:
        error("`sample` = 0: no case could match")
    if rule.priority is not None and rule.priority not in {p.value for p in Priority}:
        error(f"unknown priority {rule.priority!r}: use high, medium or low")
    if not (rule.priority or rule.labels or rule.move_to or rule.assign or rule.notify):
        error("`then` sets nothing (priority, labels, channel, assign or notify)")
    if rule.conditions > MOST_CONDITIONS:
        problems.append(Problem(rule.name, f"{rule.conditions} conditions: keep a rule to "
                                           f"{MOST_CONDITIONS} at most (easier to follow)",
                                error=False))
    return problems


def _address_like(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at) and "." in domain and " " not in value and "@" not in domain


class _Reader:
    """Values of a rule's tables, each wrong type a problem of the rule."""

    def __init__(self, rule: str, problems: list[Problem]) -> None:
        self.rule, self.problems = rule, problems

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.problems.append(Problem(self.rule, f"`{key}` must be a table, e.g. "
                                                f"{key} = {{ ... }}"))
        return {}

    def is_text(self, value: Any, key: str) -> bool:
        if isinstance(value, str) and value.strip():
            return True
        self.problems.append(Problem(self.rule, f"`{key}` must be text"))
        return False

    def text(self, table: Mapping[str, Any], key: str) -> str | None:
        if key not in table:
            return None
        value = table[key]
        return value.strip() if self.is_text(value, key) else None

    def texts(self, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(Problem(self.rule, f"`{key}` must be a list of texts"))
            return ()
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

    def share(self, table: Mapping[str, Any]) -> float:
        value = table.get("sample", 1.0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            self.problems.append(Problem(self.rule, "`sample` must be a share from 0 to 1, "
                                                    "e.g. 0.2"))
            return 1.0
        return float(value)


@dataclass(frozen=True)
class Names:
    """What the store knows, for checking a rules file against it."""

    channels: Mapping[str, frozenset[str]]  # channel → its active members' logins
    agents: frozenset[str]  # active agents' logins
    supervisors: frozenset[str] = frozenset()  # they see every case
    labels: frozenset[str] | None = None  # the team's labels; None: any
    contact_types: frozenset[str] = frozenset({"private", "business"})
    tiers: frozenset[str] | None = None  # None: any


def check_names(book: RuleBook, names: Names) -> list[Problem]:
    """Each channel, agent and label a rule names must exist."""
    channels = {name.casefold(): name for name in names.channels}
    problems = []
    for rule in book.rules:
        def error(text: str, rule: Rule = rule) -> None:
            problems.append(Problem(rule.name, text))

        for key, channel in (("when.channel", rule.channel), ("then.channel", rule.move_to)):
            if channel is not None and channel.casefold() not in channels:
                error(f"unknown channel {channel!r} in `{key}` (known: "
                      f"{_known(names.channels)})")
        target = rule.move_to or rule.channel
        members = names.channels.get(channels.get((target or "").casefold(), ""))
        if rule.assign is not None and rule.assign not in ASSIGN_WAYS:
            if rule.assign not in names.agents:
                error(f"unknown agent {rule.assign!r} in `assign` (an active agent's login, "
                      f"round-robin or least-loaded)")
            elif members is not None and rule.assign not in members:
                error(f"{rule.assign!r} is not a member of {target!r}: they could not "
                      "take its cases")
        for login in rule.notify:
            if login not in names.agents:
                error(f"unknown agent {login!r} in `notify`")
            elif (members is not None and login not in members
                  and login not in names.supervisors):
                error(f"{login!r} in `notify` is not a member of {target!r}: they could not "
                      "open its cases")
        if names.labels is not None:
            for label in rule.labels:
                if label not in names.labels:
                    error(f"unknown label {label!r} (known: {_known(names.labels)})")
        kinds = set(DERIVED_TYPES) | names.contact_types
        if rule.customer_type is not None and rule.customer_type not in kinds:
            error(f"unknown customer_type {rule.customer_type!r} (use {_known(kinds)})")
        if rule.tier is not None and names.tiers is not None and rule.tier not in names.tiers:
            error(f"unknown tier {rule.tier!r} (known: {_known(names.tiers)})")
    return problems


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"
