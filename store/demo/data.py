"""The demo's words and numbers, read from the TOML files in `data/`: the team, the
customers' names and companies, the products, the conversations by topic and language,
the internal notes and the quick replies.

Read once, when the package is imported, into tuples and frozen dataclasses: a key
missing from or unknown to a file fails here, not halfway through a build. The order of
every list is kept as written: the generator draws from them by position, so the same
seed gives the same demo only as long as the lists stay as they are.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

_DATA = files(__package__) / "data"
LANGS = ("sv", "en")


def _read(*path: str) -> dict[str, Any]:
    where = _DATA
    for part in path:
        where = where / part
    return tomllib.loads(where.read_text(encoding="utf-8"))


def _frozen(value: Any) -> Any:
    """Lists as tuples, all the way down (tables stay dicts)."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


# -- the team (data/team.toml) --------------------------------------------------------------

_team = _read("team.toml")
DOMAIN: str = _team["domain"]
# (login, name, supervisor, active, channels)
AGENTS: tuple[tuple[str, str, bool, bool, tuple[str, ...]], ...] = tuple(
    (a["login"], a["name"], a["supervisor"], a["active"], tuple(a["channels"]))
    for a in _team["agent"]
)
# (name, kind, address, share of the cases)
CHANNELS: tuple[tuple[str, str, str, float], ...] = tuple(
    (c["name"], c["kind"], c["address"], c["share"]) for c in _team["channel"]
)
# The signature under each email channel's mail.
SIGNATURES: dict[str, str] = {c["name"]: c["signature"] for c in _team["channel"]
                              if c.get("signature")}
SHARE_AGENT: float = _team["share"]["agent"]
SHARE_SUPERVISOR: float = _team["share"]["supervisor"]
SHARE_YOU: float = _team["share"]["you"]

# -- the customers (people, companies, products) ------------------------------------------


@dataclass(frozen=True)
class Names:
    first: tuple[str, ...]
    last: tuple[str, ...]


@dataclass(frozen=True)
class Companies:
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    towns: tuple[str, ...] = ()  # "" is no town


_people = _read("people.toml")
PRIVATE_DOMAINS: tuple[str, ...] = _frozen(_people["private_domains"])
NAMES = {lang: Names(**_frozen(_people[lang])) for lang in LANGS}
COMPANIES = {lang: Companies(**_frozen(v)) for lang, v in _read("companies.toml").items()}
_products = _read("products.toml")
PRICES: tuple[int, ...] = _frozen(_products["prices"])
PRODUCTS: dict[str, tuple[str, ...]] = {lang: _frozen(_products[lang]["products"])
                                        for lang in LANGS}

# -- the conversations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrases:
    """The parts every conversation in one language has (data/phrases/<lang>.toml)."""

    months: tuple[str, ...]
    greet: tuple[str, ...]
    close: tuple[str, ...]
    sign: tuple[str, ...]
    sign_business: str
    agent_hi: tuple[str, ...]
    agent_sign: str
    phone_sign: str
    chat_hi: tuple[str, ...]
    chat_agent_hi: tuple[str, ...]
    form: str
    voicemail: str
    voicemail_end: str
    prev: str
    annoyed: tuple[str, ...]
    no_email: str
    chaser: tuple[str, ...]
    auto_reply: tuple[str, ...]
    reopen: tuple[str, ...]
    reopen_fix: str
    no_answer: str
    thanks: tuple[str, ...]
    ai_hello: str
    ai_answer: tuple[str, ...]
    ai_handover: str
    ai_call: str
    form_category: dict[str, str]


def _phrases(lang: str) -> Phrases:
    raw = _frozen(_read("phrases", f"{lang}.toml"))
    ai = raw.pop("ai")
    return Phrases(**raw, **{f"ai_{k}": v for k, v in ai.items()})


PHRASES = {lang: _phrases(lang) for lang in LANGS}


@dataclass(frozen=True)
class Words:
    """One topic in one language."""

    titles: tuple[str, ...]
    short: tuple[str, ...]  # the problem in a sentence (chat, phone)
    long: tuple[str, ...]  # the problem in a paragraph (mail, form)
    ask: tuple[str, ...]  # the agent asks for what they need
    info: tuple[str, ...]  # the customer answers
    fix: tuple[str, ...]  # the agent's solution
    summary: str  # the AI agent's summary (a sentence)


@dataclass(frozen=True)
class Topic:
    key: str
    labels: tuple[str, ...]
    priority: str
    where: dict[str, float]  # channel name -> weight
    sv: Words
    en: Words
    notes: tuple[str, ...]  # internal notes (Swedish)
    business: bool = False  # only for business customers


def _topic(key: str) -> Topic:
    raw = _frozen(_read("topics", f"{key}.toml"))
    sv, en = Words(**raw.pop("sv")), Words(**raw.pop("en"))
    return Topic(key=key, sv=sv, en=en, **raw)


_topics = _read("topics.toml")
_files = {p.name.removesuffix(".toml") for p in (_DATA / "topics").iterdir()
          if p.name.endswith(".toml")}
if _files != set(_topics["order"]):  # a file left out of `order` would never be used
    raise ValueError(f"demo topics: the files {sorted(_files)} are not the topics listed "
                     f"in topics.toml {_topics['order']}")
TOPICS: tuple[Topic, ...] = tuple(_topic(key) for key in _topics["order"])
FALLBACK_TOPIC: str = _topics["fallback"]

_notes = _read("notes.toml")
NOTES: tuple[str, ...] = _frozen(_notes["any"])
PARK_NOTES: tuple[str, ...] = _frozen(_notes["park"])
UNPARK_NOTES: tuple[str, ...] = _frozen(_notes["unpark"])
STUCK_NOTES: tuple[str, ...] = _frozen(_notes["stuck"])

# (title, text, English version)
QUICK_REPLIES: list[tuple[str, str, str | None]] = [
    (r["title"], r["text"], r.get("english")) for r in _read("quick_replies.toml")["reply"]
]


def amount(value: int, lang: str) -> str:
    """A price in the customer's language: "1 299 kr" or "SEK 1,299"."""
    if lang == "sv":
        return f"{value:,} kr".replace(",", "\u00a0")
    return f"SEK {value:,}"
