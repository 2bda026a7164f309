"""The words the TUI shows, in Swedish (the team's language) or English.

Swedish is the key in the code, gettext-style: a text is written in Swedish where it
is used and passes `tr` when it is shown, so it follows the language `use` set.
`ENGLISH` (tui/catalogue.py) maps each Swedish text to English. A text with values has format
placeholders — `tr("Svaret sparat på #{number}.").format(number=n)` — and a value
(a title, a name, a login) never becomes a key. `N_` marks a Swedish text that is kept
for later (in a table) and passes `tr` where it is shown; key descriptions pass it in
`translate_bindings`. tests/tui/test_language.py checks that every key has its English.
Textual's own words (its widgets' keys, its command palette) are English in Textual:
`TEXTUAL` gives their Swedish, and `use` puts them in the language it sets.
The command line (cli/) speaks English and does not come here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from store import events
from store.events import Event
from tui.catalogue import ENGLISH, TEXTUAL

if TYPE_CHECKING:
    from textual.binding import BindingsMap
    from textual.dom import DOMNode

    from store.errors import TransitionError

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

_language: Language = "sv"


def N_(text: str) -> str:
    """A Swedish text to translate later, where it is shown (marks it for the test)."""
    return text


def locale_language(environ: Mapping[str, str] | None = None) -> Language:
    """The language of the locale: the first of LC_ALL, LC_MESSAGES and LANG that is
    set decides; Swedish if it starts with "sv", English otherwise (also unset or C)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "sv" if value.startswith("sv") else "en"
    return "en"


def use(language: str | None) -> Language:
    """Show the TUI in `language` ("sv" or "en"; None: the locale's) from now on."""
    global _language
    chosen = locale_language() if language is None else language
    if chosen not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use {' or '.join(LANGUAGES)}")
    _language = chosen
    _textual_in_language()
    return _language


def current() -> Language:
    return _language


def tr(text: str) -> str:
    """A Swedish text of the TUI in the current language (unknown texts as they are)."""
    return text if _language == "sv" else ENGLISH.get(text, text)


def translate_bindings(node: DOMNode) -> None:
    """The key descriptions of a new app, screen or widget in the current language, so
    that the footer, the keys panel (`?`) and the command palette show them so (the
    app's too: Textual adds the command palette's key to the app itself)."""
    # Textual's per-instance copy of BINDINGS (private; Textual 8.2). Its lists are
    # shared with the class, so each is replaced, never changed in place.
    keys = node._bindings.key_to_bindings
    for key, bindings in list(keys.items()):
        keys[key] = [replace(b, description=tr(textual(b.description)),
                             tooltip=tr(textual(b.tooltip))) for b in bindings]


def textual(text: str) -> str:
    """One of Textual's own texts (English in Textual) in the current language."""
    return TEXTUAL.get(text, text) if _language == "sv" else text


# Each class's keys as Textual made them, kept while they are shown in Swedish.
_TEXTUAL_KEYS: dict[type[DOMNode], BindingsMap] = {}
_TEXTUAL_GROUPS: dict[type[DOMNode], str] = {}


def _textual_in_language() -> None:
    """Textual's own key descriptions (every widget's, the screens', the app's, the
    command palette's), their tooltips and key groups' titles in the current language:
    Swedish from `TEXTUAL`, or Textual's English put back. A widget, screen or app made
    from now on gets them so, whoever makes it (Textual makes many itself)."""
    from textual.binding import BindingsMap
    from textual.dom import DOMNode

    classes: list[type[DOMNode]] = []
    found = [DOMNode]
    while found:
        classes.extend(found := [s for c in found for s in c.__subclasses__()])
    for cls in classes:
        # Textual has no hook for a key's words: a class's keys are merged from its
        # bases' BINDINGS once, when the class is made, into `_merged_bindings`, which
        # each new instance copies (private; Textual 8.2). Each class gets a map of its
        # own; the bindings, shared with the bases, are replaced, never changed.
        if cls not in _TEXTUAL_KEYS and cls.__dict__.get("_merged_bindings"):
            _TEXTUAL_KEYS[cls] = cls.__dict__["_merged_bindings"]
        if (merged := _TEXTUAL_KEYS.get(cls)) is not None:
            cls._merged_bindings = merged if _language == "en" else BindingsMap.from_keys({
                key: [replace(b, description=textual(b.description),
                              tooltip=textual(b.tooltip)) for b in bindings]
                for key, bindings in merged.key_to_bindings.items()})
        if cls not in _TEXTUAL_GROUPS and cls.__dict__.get("BINDING_GROUP_TITLE"):
            _TEXTUAL_GROUPS[cls] = cls.__dict__["BINDING_GROUP_TITLE"]
        if (title := _TEXTUAL_GROUPS.get(cls)) is not None:
            cls.BINDING_GROUP_TITLE = textual(title)


# -- the names of the store's values ---------------------------------------------------

_STATUS = {
    "new": N_("Nytt"), "escalated": N_("Eskalerat"), "open": N_("Öppet"),
    "parked": N_("Parkerat"), "waiting": N_("Väntar"), "solved": N_("Löst"),
    "closed": N_("Stängt"), "archived": N_("Arkiverat"),
}
_PRIORITY = {"high": N_("Hög"), "medium": N_("Medel"), "low": N_("Låg")}
_CHANNEL_KINDS = {"email": N_("e-post"), "chat": N_("chatt"), "phone": N_("telefon"),
                  "form": N_("formulär")}
_CUSTOMER_TYPES = {"private": N_("privatperson"), "business": N_("företag"),
                   # new, existing, internal (store/standing.py)
                   "new": N_("ny kund"), "existing": N_("befintlig kund"),
                   "internal": N_("intern")}
_TIERS = {"standard": N_("standard"), "premium": N_("premium")}  # the config may add more
# What a customer's message is flagged as (mail/parse.py).
_FLAGS = {"auto-reply": N_("autosvar"), "bounce": N_("leveransrapport"),
          "bulk": N_("massutskick"), "no-sender": N_("utan avsändare"),
          "no-autoreply": N_("vill inte ha autosvar")}
# What triage marked a case with (store/triage).
_MARKS = {"urgent": N_("brådskande"), "frustrated": N_("frustrerad")}
_GROUPINGS = {"assignee": N_("Tilldelning"), "status": N_("Status"), "channel": N_("Kanal"),
              "contact": N_("Kontakt"), "labels": N_("Etiketter")}
_SORTS = {"updated": N_("Uppdaterad"), "number": N_("Nummer"), "title": N_("Titel"),
          "status": N_("Status"), "priority": N_("Prioritet"), "channel": N_("Kanal"),
          "assignee": N_("Tilldelad"), "contact": N_("Kontakt"), "sla": N_("SLA"),
          "flags": N_("Flaggor")}


def statuses() -> dict[str, str]:
    """Each status's name in the current language, in lifecycle order."""
    return {key: tr(name) for key, name in _STATUS.items()}


def priorities() -> dict[str, str]:
    return {key: tr(name) for key, name in _PRIORITY.items()}


_MONTHS = (N_("jan"), N_("feb"), N_("mar"), N_("apr"), N_("maj"), N_("jun"), N_("jul"),
           N_("aug"), N_("sep"), N_("okt"), N_("nov"), N_("dec"))


def day_and_time(when: datetime) -> str:
    """A time in the next days, short and unmistakable: "9 dec 13:00" (never a
    month-day that reads as a year, never relative to today: a list would change by
    itself at midnight)."""
    local = when.astimezone()
    return f"{local.day} {tr(_MONTHS[local.month - 1])} {local:%H:%M}"


def marks() -> dict[str, str]:
    """Each triage flag's name (store/triage), urgent first."""
    return {key: tr(name) for key, name in _MARKS.items()}


def value_name(value: str) -> str:
    """A channel kind's, customer type's, tier's or message flag's name (a value the
    store holds as a key); anything else, as it is."""
    name = (_CHANNEL_KINDS.get(value) or _CUSTOMER_TYPES.get(value) or _TIERS.get(value)
            or _FLAGS.get(value))
    return tr(name) if name else value


def groupings() -> dict[str, str]:
    return {key: tr(name) for key, name in _GROUPINGS.items()}


def sorts() -> dict[str, str]:
    return {key: tr(name) for key, name in _SORTS.items()}


_REFUSALS = {
    "pick-another": N_("Ett ärende som är {start} kan inte bli {end}. Det kan bli: {targets}."),
    "scheduler-moves-it": N_("Ett ärende som är {start} kan inte bli {end}: bara "
                             "schemaläggaren flyttar det vidare (till {targets})."),
    "final": N_("Ett ärende som är {start} kan inte bli {end}: det är avslutat, och ett nytt "
                "svar från kunden blir ett nytt ärende."),
    "ai-cannot-solve": N_("{start} → {end} nekas: en AI-agent kan inte lösa ett ärende, en "
                          "människa har sista ordet."),
    "who-closes": N_("{start} → {end} nekas: bara schemaläggaren (efter tiden som löst) eller "
                     "en supervisor stänger ett ärende."),
    "who-archives": N_("{start} → {end} nekas: bara schemaläggaren arkiverar, natten efter "
                       "att ärendet stängdes."),
    "not-for-you": N_("{start} → {end} nekas: det får du inte göra."),
}


# The conversation's system events (store/events.py: a kind and its values), each kind's
# words in Swedish; their English is the store's own (events.ENGLISH, joined to ENGLISH
# below). Statuses and priorities among the values are shown by their names.
_EVENTS: dict[str, str] = {
    "status": N_("Status: {start} → {end}"),
    "priority": N_("Prioritet: {start} → {end}"),
    "assigned": N_("Tilldelat {login}"),
    "unassigned": N_("Tilldelningen borttagen"),
    "unassigned-not-member": N_("Tilldelningen borttagen: {login} är inte med i {channel}"),
    "member-added": N_("{login} blev medlem i {channel}"),
    "title": N_("Rubriken ändrades från “{before}”"),
    "channel": N_("Flyttat från kanalen {start} till {end}"),
    "linked": N_("Länkat till #{number}"),
    "merged-here": N_("Ärende #{number} ({title}) slogs ihop med det här ärendet: "
                      "{messages} meddelanden flyttades hit"),
    "merged-into": N_("Ihopslaget med #{number}"),
    "split-into": N_("Ett meddelande bröts ut till #{number}"),
    "split-from": N_("Utbrutet ur #{number}"),
    "follow-up-of": N_("Uppföljning av #{number}, som är {status}"),
    "followed-up": N_("Kunden skrev igen: uppföljningen är #{number}"),
    "delivery-failed": N_("Leveransen misslyckades: {why} ({what} till {to})"),
    "delivery-delayed": N_("Leveransen är försenad: {why} ({what} till {to})"),
    "reply-requeued": N_("Svaret ska skickas igen (begärt av {by})"),
    "reply-failed": N_("Svaret till {to} kunde inte skickas: {error}"),
    "reply-unknown": N_("Det är okänt om svaret till {to} gick iväg ({error}). Hör med kunden "
                        "eller skicka det igen med `casedesk outbox retry {outbox}`."),
    "acknowledged": N_("Automatiskt mottagningsbesked skickat till {to}:\n{text}"),
    "not-acknowledged": N_("Inget automatiskt mottagningsbesked skickades: {why}."),
    "satisfaction-asked": N_("Nöjdhetsenkät skickad till {to}"),
    "satisfaction-rated": N_("Kunden gav hjälpen betyget {rating} av 5"),
    "attachment-too-large": N_("Bilagan “{filename}” ({megabytes} MB) är större än gränsen och "
                               "sparades inte med meddelandet; originalmejlet har den kvar."),
    "flagged": N_("Triage: markerat {flag} ({words})"),
    "triaged": N_("Triage: regeln ”{rule}” satte {changes}"),
    "sla-first-soon": N_("SLA: första svaret ska ges snart"),
    "sla-first-breached": N_("SLA: första svaret är försenat"),
    "sla-resolution-soon": N_("SLA: lösningen ska vara klar snart"),
    "sla-resolution-breached": N_("SLA: lösningen är försenad"),
}
# Why a status changed (the status event's `why`).
_REASONS: dict[str, str] = {
    "customer-replied": N_("kunden svarade"),
    "solved-for": N_("löst i {days} dagar"),
    "night-after-close": N_("natten efter att det stängdes"),
    "assigned": N_("det tilldelades"),
    "answered": N_("en agent svarade"),
    "imported": N_("som dess importerade mejl visar"),
}
# Which mail a delivery event is about: "the reply to …".
_MAILS = {"reply": N_("svaret"), "acknowledgement": N_("mottagningsbeskedet")}
_ENGLISH_MAILS = {"svaret": "reply", "mottagningsbeskedet": "acknowledgement"}
# Values that are statuses (or, in a priority event, priorities), shown by their names.
# The system events' and their reasons' English: the store's own words for them.
ENGLISH.update({swedish: events.ENGLISH[kind] for kind, swedish in _EVENTS.items()})
ENGLISH.update({swedish: events.REASONS[key] for key, swedish in _REASONS.items()})
ENGLISH.update(_ENGLISH_MAILS)
# What a triage rule set, and how it picked the assignee (store/events.py TRIAGED, WAYS).
_TRIAGED = {"priority": N_("prioritet {priority}"), "labels": N_("etiketter {labels}"),
            "channel": N_("kanal {channel}"), "assignee": N_("handläggare {assignee}"),
            "notify": N_("meddelade {notify}")}
_WAYS = {"round-robin": N_("i tur och ordning"), "least-loaded": N_("den minst belastade")}
ENGLISH.update({swedish: events.TRIAGED[key] for key, swedish in _TRIAGED.items()})
ENGLISH.update({swedish: events.WAYS[key] for key, swedish in _WAYS.items()})

_NAMED = {"status": ("start", "end"), "follow-up-of": ("status",), "priority": ("start", "end")}


def event_text(event: Event) -> str:
    """A system event of the conversation in the UI's language (one of a kind this
    version does not know, as the store says it)."""
    template = _EVENTS.get(event.kind)
    if template is None:
        return event.english()
    values = events.Values(event.params)
    names = priorities() if event.kind == "priority" else statuses()
    for key in _NAMED.get(event.kind, ()):
        values[key] = names.get(values[key], values[key])
    if "what" in values:
        values["what"] = tr(_MAILS.get(values["what"], values["what"]))
    if event.kind == "flagged":
        values["flag"] = marks().get(values["flag"], values["flag"])
    if event.kind == "triaged":
        if "priority" in values:
            values["priority"] = priorities().get(values["priority"], values["priority"])
        values["changes"] = events.triaged(
            values, {k: tr(v) for k, v in _TRIAGED.items()},
            {k: tr(v) for k, v in _WAYS.items()})
    text = tr(template).format_map(values)
    why = values.get("why") if event.kind == "status" else None
    if why:
        reason = _REASONS.get(why)
        text += f" ({tr(reason).format_map(values) if reason else why})"
    return text


def transition_refused(error: TransitionError) -> str:
    """Why the lifecycle refused a status change, in the UI's language."""
    names = statuses()
    return tr(_REFUSALS[error.reason]).format(
        start=names[error.start], end=names[error.end],
        targets=", ".join(names[t] for t in error.targets))
