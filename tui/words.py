"""The words the TUI shows, in Swedish (the team's language) or English.

Swedish is the key in the code, gettext-style: a text is written in Swedish where it
is used and passes `tr` when it is shown, so it follows the language `use` set.
`ENGLISH` maps each Swedish text to English. A text with values has format
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
from typing import TYPE_CHECKING, Literal

from store import events
from store.events import Event

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
_CUSTOMER_TYPES = {"private": N_("privatperson"), "business": N_("företag")}
_TIERS = {"standard": N_("standard"), "premium": N_("premium")}  # the config may add more
# What a customer's message is flagged as (mail/parse.py).
_FLAGS = {"auto-reply": N_("autosvar"), "bounce": N_("leveransrapport"),
          "bulk": N_("massutskick"), "no-sender": N_("utan avsändare"),
          "no-autoreply": N_("vill inte ha autosvar")}
_GROUPINGS = {"assignee": N_("Tilldelning"), "status": N_("Status"), "channel": N_("Kanal"),
              "contact": N_("Kontakt")}
_SORTS = {"updated": N_("Uppdaterad"), "number": N_("Nummer"), "title": N_("Titel"),
          "status": N_("Status"), "priority": N_("Prioritet"), "channel": N_("Kanal"),
          "assignee": N_("Tilldelad"), "contact": N_("Kontakt"), "sla": N_("SLA")}


def statuses() -> dict[str, str]:
    """Each status's name in the current language, in lifecycle order."""
    return {key: tr(name) for key, name in _STATUS.items()}


def priorities() -> dict[str, str]:
    return {key: tr(name) for key, name in _PRIORITY.items()}


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
    "attachment-too-large": N_("Bilagan “{filename}” ({megabytes} MB) är större än gränsen och "
                               "sparades inte med meddelandet; originalmejlet har den kvar."),
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
}
# Which mail a delivery event is about: "the reply to …".
_MAILS = {"reply": N_("svaret"), "acknowledgement": N_("mottagningsbeskedet")}
_ENGLISH_MAILS = {"svaret": "reply", "mottagningsbeskedet": "acknowledgement"}
# Values that are statuses (or, in a priority event, priorities), shown by their names.
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


# -- English ----------------------------------------------------------------------------

ENGLISH: dict[str, str] = {
    # read-all, the supervisor's views, presence
    "{login} — Läsläge: alla ärenden, inget kan ändras":
        "{login} — read-all: every case, nothing can be changed",
    "Agenter": "Agents",
    "Kanaler": "Channels",
    "Varje agents ärenden och arbetsyta; följ en agent":
        "Each agent's cases and workspace; follow an agent",
    "Kanalernas medlemmar: lägg till och ta bort agenter":
        "The channels' members: add and remove agents",
    "Agenter — Enter följer agentens arbetsyta": "Agents — Enter follows the agent's workspace",
    "Login": "Login",
    "Parkerade": "Parked",
    "Eskalerade": "Escalated",
    "Olästa": "Unread",
    "Stäng": "Close",
    "Kanaler — Enter eller tab till agenterna; mellanslag lägger till eller tar bort "
    "agenten under markören":
        "Channels — Enter or tab to the agents; space adds or removes the agent under the "
        "cursor",
    "Kanaler (läsläge: inget kan ändras)": "Channels (read-all: nothing can be changed)",
    "{name} ({kind}) · {count} medlemmar": "{name} ({kind}) · {count} members",
    "{login} följer arbetsytan för {agent}: {cases} ärenden, {unread} olästa (1 tillbaka)":
        "{login} follows the workspace of {agent}: {cases} cases, {unread} unread (1 goes back)",
    "  (inaktiv)": "  (deactivated)",
    "  · medlem": "  · member",
    "{login} är nu med i {channel}.": "{login} is now in {channel}.",
    "{login} är inte längre med i {channel}.": "{login} is no longer in {channel}.",
    "  (blir medlem i kanalen)": "  (joins the channel)",
    "✎ {name} svarar kunden just nu": "✎ {name} is replying to the customer",
    "{name} har ärendet öppet": "{name} has the case open",
    "Skickar redan — vänta ett ögonblick.": "Already sending — a moment, please.",
    "Det du har skrivit i {cases} är inte skickat och försvinner om du avslutar. "
    "Avsluta ändå?": "What you wrote in {cases} is not sent and is lost if you quit. "
                     "Quit anyway?",
    # statuses, priorities, groupings, sorts (the status names as the team knows them)
    "Nytt": "New", "Eskalerat": "Escalated", "Öppet": "Open", "Parkerat": "Parked",
    "Väntar": "Waiting", "Löst": "Solved", "Stängt": "Closed", "Arkiverat": "Archived",
    "Hög": "High", "Medel": "Medium", "Låg": "Low",
    "Tilldelning": "Assignee", "Status": "Status", "Kanal": "Channel", "Kontakt": "Contact",
    "Uppdaterad": "Updated", "Nummer": "Number", "Titel": "Title", "Prioritet": "Priority",
    "Tilldelad": "Assignee", "SLA": "SLA",
    # the app's keys (footer, `?`, command palette)
    "Avsluta": "Quit",
    "Alla tangenter": "All keys",
    "Sök": "Search",
    "Filter": "Filter",
    "Rensa filter": "Clear filters",
    "Kolumner": "Columns",
    "Gruppera": "Group",
    "Sortera": "Sort",
    "Svara": "Reply",
    "Intern anteckning": "Internal note",
    "Ändra status": "Change status",
    "Ta ärendet": "Take the case",
    "Tilldela": "Assign",
    "Flytta kanal": "Move channel",
    "Bevaka": "Watch",
    "Min arbetsyta": "My workspace",
    "In i/ur arbetsytan": "Into/out of the workspace",
    "Översikt": "Overview",
    "Arbetsytans inställningar": "Workspace settings",
    "Alla ärenden du får se": "Every case you may see",
    "Din egen kö: ärendena i din arbetsyta, olästa markerade ●":
        "Your own queue: the cases in your workspace, unread ones marked ●",
    "Vilka ärenden som läggs till i och tas bort ur arbetsytan":
        "Which cases are added to and removed from the workspace",
    "{login} — Min arbetsyta: {cases} ärenden, {unread} olästa":
        "{login} — My workspace: {cases} cases, {unread} unread",
    "Arbetsytans inställningar sparade.": "Workspace settings saved.",
    "Gäller det som händer från och med nu: ärenden som redan finns i arbetsytan ligger "
    "kvar tills en regel eller du (m) tar bort dem.":
        "Applies to what happens from now on: cases already in the workspace stay until a "
        "rule or you (m) take them out.",
    "Nytt ärende": "New case",
    "Ett nytt ärende: kanal, kontakt, titel och första meddelandet":
        "A new case: channel, contact, title and first message",
    "Sök en kontakt: namn, e-post eller telefon": "Find a contact: name, email or phone",
    "Namn": "Name",
    "Första meddelandet": "First message",
    "Första meddelandet är vårt till kunden (e-post: skickas)":
        "The first message is ours, to the customer (email: it is sent)",
    "Skapa": "Create",
    "Ett ärende behöver en titel och en kontakt.": "A case needs a title and a contact.",
    "Du är inte med i någon kanal att skapa ärenden i.":
        "You are in no channel to create cases in.",
    "Ärende #{number} skapat.": "Case #{number} created.",
    "Nya ärenden som läggs till": "New cases that are added",
    "Chatt": "Chat",
    "E-post": "Email",
    "Formulär": "Form",
    "Telefon": "Phone",
    "Tas bort när statusen blir": "Removed when the status becomes",
    "Ändringar av tilldelning och bevakning": "Assignment and watching",
    "Ärenden som tilldelas mig läggs till": "Cases assigned to me are added",
    "Bevakade ärenden läggs till när något nytt händer":
        "Watched cases are added when something new happens",
    "Standard": "Defaults",
    "Relaterade ärenden": "Related cases",
    "Citat": "Quotes",
    "Rensa sökning": "Clear search",
    # the command palette's help texts
    "Sök i titlar och konversationer": "Search titles and conversations",
    "Välj status, kanal, tilldelad, prioritet, bevakade":
        "Choose status, channel, assignee, priority, watched",
    "Visa alla pågående ärenden": "Show every ongoing case",
    "Välj vilka kolumner listan visar": "Choose the columns the list shows",
    "Gruppera efter tilldelning, status, kanal eller kontakt":
        "Group by assignee, status, channel or contact",
    "Sortera efter en kolumn (samma kolumn igen vänder ordningen)":
        "Sort by a column (the same column again reverses the order)",
    "Svara kunden i ärendet": "Answer the customer in the case",
    "Skriv en anteckning som bara teamet ser": "Write a note that only the team sees",
    "Sätt status på ärendet": "Set the status of the case",
    "Tilldela ärendet till dig": "Assign the case to yourself",
    "Tilldela ärendet till någon": "Assign the case to someone",
    "Ändra prioritet": "Change the priority",
    "Flytta ärendet till en annan kanal": "Move the case to another channel",
    "Ändra ärendets etiketter": "Change the labels of the case",
    "Ändra ärendets titel": "Change the title of the case",
    "Bevaka eller sluta bevaka ärendet": "Watch or stop watching the case",
    "Lägg till eller ta bort ur din arbetsyta": "Add to or remove from your workspace",
    "Samma kunds ärenden; slå ihop": "The same customer's cases; merge",
    "Visa eller dölj citerad historik i kundens mejl":
        "Show or hide the quoted history in the customer's mails",
    # the overview
    "Sök i titlar och konversationer (fakt* för början av ord)":
        "Search titles and conversations (inv* for the start of a word)",
    "{filters}   (x rensar)": "{filters}   (x clears)",
    "Grupperat efter {grouping}": "Grouped by {grouping}",
    "Sorterat efter {sort} {arrow}": "Sorted by {sort} {arrow}",
    "Ingen gruppering": "No grouping",
    "Gruppera efter": "Group by",
    "Sortera efter (samma igen: omvänd ordning)": "Sort by (the same again: reverse order)",
    # notifications and choices
    "Anteckningen sparad på #{number}.": "Note saved on #{number}.",
    "Svaret på #{number} ligger i kö och skickas strax.":
        "The reply on #{number} is queued and goes out shortly.",
    "Svaret sparat på #{number}.": "Reply saved on #{number}.",
    "Öppna ett ärende först (Enter).": "Open a case first (Enter).",
    "Flytta markören till ett ärende.": "Move the cursor to a case.",
    "Skriv för att begränsa …": "Type to narrow …",
    "Nästa": "Next",
    "Föregående": "Previous",
    "i kö": "queued",
    "skickas …": "sending …",
    "skickat": "sent",
    "kunde inte skickas": "could not be sent",
    "okänt om det kom fram": "unknown whether it arrived",
    " (+{n} kolumner får inte plats)": " (+{n} columns do not fit)",
    "e-post": "email",
    "chatt": "chat",
    "telefon": "phone",
    "formulär": "form",
    "privatperson": "private",
    "företag": "business",
    "standard": "standard",
    "premium": "premium",
    "autosvar": "auto-reply",
    "leveransrapport": "bounce",
    "massutskick": "bulk mail",
    "utan avsändare": "no sender",
    "vill inte ha autosvar": "asks for no auto-replies",
    "Tryck {key} för att avsluta.": "Press {key} to quit.",
    "Vill du avsluta?": "Do you want to quit?",
    "ingen tilldelad": "unassigned",
    "Inga ärenden matchar sökningen (esc rensar den).":
        "No cases match the search (esc clears it).",
    "Inga ärenden här med de här filtren (x rensar dem).":
        "No cases here with these filters (x clears them).",
    "Gå till #": "Go to #",
    "Öppna ett ärende med dess nummer (eller skriv numret här)":
        "Open a case by its number (or type the number here)",
    "Gå till ärende (nummer, Enter)": "Go to case (number, Enter)",
    "Ett ärendenummer är ett heltal, t.ex. 2940.": "A case number is a whole number, e.g. 2940.",
    "Öppna ärende #{number}": "Open case #{number}",
    "Gå till ärendet med det numret": "Go to the case with that number",
    " — u ångrar": " — u undoes it",
    "Inget att ångra.": "Nothing to undo.",
    "ångrat": "undone",
    "Ångra": "Undo",
    "Ta tillbaka det du just gjorde med en tangent (bevaka, arbetsytan)":
        "Take back what you just did with one key (watch, the workspace)",
    "Ta ärende #{number}, {title}?": "Take case #{number}, {title}?",
    "#{number} finns inte i listan: filtren eller sökningen visar det inte, eller det har "
    "ändrats sedan du öppnade det.":
        "#{number} is not in the list: the filters or the search leave it out, or it has "
        "changed since you opened it.",
    "Inget att välja här.": "Nothing to choose here.",
    "#{number} har ändrats av någon annan sedan du öppnade det, så ingenting sparades. "
    "Ladda om ärendet? Ditt utkast finns kvar.":
        "#{number} was changed by someone else since you opened it, so nothing was saved. "
        "Reload the case? Your draft is kept.",
    # a status change the lifecycle refuses, by its reason
    "Ett ärende som är {start} kan inte bli {end}. Det kan bli: {targets}.":
        "A case that is {start} cannot become {end}. It can become: {targets}.",
    "Ett ärende som är {start} kan inte bli {end}: bara schemaläggaren flyttar det vidare "
    "(till {targets}).":
        "A case that is {start} cannot become {end}: only the scheduler moves it on "
        "(to {targets}).",
    "Ett ärende som är {start} kan inte bli {end}: det är avslutat, och ett nytt svar från "
    "kunden blir ett nytt ärende.":
        "A case that is {start} cannot become {end}: it has ended, and a new reply from the "
        "customer becomes a new case.",
    "{start} → {end} nekas: en AI-agent kan inte lösa ett ärende, en människa har sista "
    "ordet.":
        "{start} → {end} refused: an AI agent cannot solve a case, a human has the last word.",
    "{start} → {end} nekas: bara schemaläggaren (efter tiden som löst) eller en "
    "supervisor stänger ett ärende.":
        "{start} → {end} refused: only the scheduler (after the solved period) or a "
        "supervisor closes a case.",
    "{start} → {end} nekas: bara schemaläggaren arkiverar, natten efter att ärendet "
    "stängdes.":
        "{start} → {end} refused: only the scheduler archives, the night after the case "
        "closed.",
    "{start} → {end} nekas: det får du inte göra.": "{start} → {end} refused: not yours to do.",
    "tilldelat dig": "assigned to you",
    "bevakas": "watched",
    "bevakas inte längre": "no longer watched",
    "lagt i din arbetsyta": "added to your workspace",
    "borttaget ur din arbetsyta": "removed from your workspace",
    "status {status}": "status {status}",
    "tilldelat {login}": "assigned to {login}",
    "prioritet {priority}": "priority {priority}",
    "flyttat till {channel}": "moved to {channel}",
    "etiketter: {labels}": "labels: {labels}",
    "titel: {title}": "title: {title}",
    "#{other} ihopslaget hit": "#{other} merged into this case",
    "Slå ihop #{other} in i #{number}? Konversationen flyttas hit och #{other} pekar hit. "
    "Det går inte att ångra.":
        "Merge #{other} into #{number}? Its conversation moves here and #{other} points "
        "here. This cannot be undone.",
    "Ingen (ta bort tilldelningen)": "Nobody (remove the assignment)",
    "Snabbsvar": "Quick replies",
    "Tidigare svar i ärendet": "Earlier replies in the case",
    "Nämn en kollega": "Mention a colleague",
    "Ny status": "New status",
    "Inget ändrat: du har öppnat ett annat ärende sedan dess.":
        "Nothing changed: you have opened another case since.",
    "Tilldela till": "Assign to",
    "Flytta till kanal": "Move to channel",
    "Skilj etiketterna med komma; ett tomt fält tar bort dem. Enter sparar, esc avbryter.":
        "Separate the labels with commas; an empty field removes them. Enter saves, esc "
        "cancels.",
    "Enter sparar, esc avbryter.": "Enter saves, esc cancels.",
    "Ett ärende behöver en titel.": "A case needs a title.",
    "Relaterade ärenden (samma kund) — välj ett att slå ihop med":
        "Related cases (same customer) — choose one to merge with",
    # the filter, the choices, the columns
    "Avbryt": "Cancel",
    "Status — ingen vald: alla utom stängda och arkiverade":
        "Status — none ticked: all but closed and archived",
    "Kanal — ingen vald: alla kanaler": "Channel — none ticked: every channel",
    "Mig": "Me",
    "Ingen": "Nobody",
    "Alla": "All",
    "Bevakade": "Watched",
    "Bara ärenden jag bevakar": "Only cases I watch",
    "Visa": "Show",
    "Status {statuses}": "Status {statuses}",
    "Alla statusar": "All statuses",
    "Kanal {channel}": "Channel {channel}",
    "Tilldelad mig": "Assigned to me",
    "Tilldelad ingen": "Unassigned",
    "Tilldelad {login}": "Assigned to {login}",
    "Prioritet {priority}": "Priority {priority}",
    "Sök “{search}”": "Search “{search}”",
    "Nej": "No",
    "Ja": "Yes",
    "Kolumner i listan": "Columns in the list",
    "Spara": "Save",
    # the case list
    "Nr": "No.",
    "Prio": "Prio",
    "Ingen tilldelad": "Unassigned",
    "Upp": "Up",
    "Ner": "Down",
    "Sida upp": "Page up",
    "Sida ner": "Page down",
    "Först": "First",
    "Sist": "Last",
    "Öppna": "Open",
    "Fäll ihop gruppen": "Fold the group",
    "Fäll ut gruppen": "Unfold the group",
    # the case and its conversation
    "Kund": "Customer",
    "AI-agent": "AI agent",
    "Svar till kunden": "Reply to the customer",
    "INTERN ANTECKNING": "INTERNAL NOTE",
    "Kundtyp": "Customer type",
    "Etiketter": "Labels",
    "Bevakas av": "Watched by",
    "Arbetsyta": "Workspace",
    "Relaterade": "Related",
    "Sammanslaget med #{number}": "Merged into #{number}",
    "… citerad historik, {lines} rader (h visar)": "… quoted history, {lines} lines (h shows it)",
    "📎 {filename} ({size} byte)": "📎 {filename} ({size} bytes)",
    "Välj ett ärende och tryck Enter.": "Choose a case and press Enter.",
    # the composer
    "Skicka": "Send",
    "Svar/anteckning": "Reply/note",
    "Till listan": "To the list",
    "Tidigare svar": "Earlier replies",
    "Nytt meddelande": "New message",
    "Skriv här …": "Write here …",
    "ctrl+s skicka · ctrl+t svar/anteckning · ctrl+r snabbsvar · ctrl+o tidigare svar · "
    "esc listan":
        "ctrl+s send · ctrl+t reply/note · ctrl+r quick replies · ctrl+o earlier replies · "
        "esc the list",
    "Status: {status}": "Status: {status}",
    "Status: oförändrad": "Status: unchanged",
    "INTERN ANTECKNING — syns inte för kunden": "INTERNAL NOTE — not shown to the customer",
    "Skriv något först.": "Write something first.",
}
# The system events' and their reasons' English: the store's own words for them.
ENGLISH.update({swedish: events.ENGLISH[kind] for kind, swedish in _EVENTS.items()})
ENGLISH.update({swedish: events.REASONS[key] for key, swedish in _REASONS.items()})
ENGLISH.update(_ENGLISH_MAILS)


# -- Textual's own words, in Swedish ------------------------------------------------------

# What Textual itself shows is English: its widgets' keys (the footer, `?`), its command
# palette. Their Swedish, the one table that goes from English: `textual` says a text in
# the current language, `use` puts the keys so.
TEXTUAL: dict[str, str] = {
    # the screens and the app
    "Focus Next": "Nästa fält",
    "Focus Previous": "Föregående fält",
    "Copy selected text": "Kopiera markerad text",
    "Quit": "Avsluta",
    "Quit the app and return to the command prompt.":
        "Avsluta programmet och gå tillbaka till kommandoraden.",
    "palette": "kommandon",
    "Open the command palette": "Öppna kommandopaletten",
    # scrolling
    "Scroll Up": "Rulla upp",
    "Scroll Down": "Rulla ner",
    "Scroll Left": "Rulla vänster",
    "Scroll Right": "Rulla höger",
    "Scroll Home": "Rulla till början",
    "Scroll End": "Rulla till slutet",
    "Page Up": "Sida upp",
    "Page Down": "Sida ner",
    "Page Left": "Sida vänster",
    "Page Right": "Sida höger",
    # a text field
    "Input": "Textfält",
    "Move cursor left": "Markören vänster",
    "Move cursor left and select": "Markera vänster",
    "Move cursor left a word": "Markören ett ord vänster",
    "Move cursor left a word and select": "Markera ett ord vänster",
    "Move cursor right or accept the completion suggestion":
        "Markören höger eller ta förslaget",
    "Move cursor right and select": "Markera höger",
    "Move cursor right a word": "Markören ett ord höger",
    "Move cursor right a word and select": "Markera ett ord höger",
    "Go to start": "Till början",
    "Go to end": "Till slutet",
    "Select line start": "Markera till radens början",
    "Select line end": "Markera till radens slut",
    "Delete character left": "Radera tecknet till vänster",
    "Delete character right": "Radera tecknet till höger",
    "Delete left to start of word": "Radera till ordets början",
    "Delete right to start of word": "Radera till nästa ords början",
    "Delete all to the left": "Radera allt till vänster",
    "Delete all to the right": "Radera allt till höger",
    "Cut selected text": "Klipp ut markerad text",
    "Paste text from the clipboard": "Klistra in från urklipp",
    "Select all": "Markera allt",
    "Submit": "Bekräfta",
    # a text area (the composer)
    "Cursor up": "Markören upp",
    "Cursor down": "Markören ner",
    "Cursor left": "Markören vänster",
    "Cursor right": "Markören höger",
    "Cursor word left": "Markören ett ord vänster",
    "Cursor word right": "Markören ett ord höger",
    "Cursor line start": "Markören till radens början",
    "Cursor line end": "Markören till radens slut",
    "Cursor page up": "Markören en sida upp",
    "Cursor page down": "Markören en sida ner",
    "Cursor up select": "Markera uppåt",
    "Cursor down select": "Markera nedåt",
    "Cursor left select": "Markera vänster",
    "Cursor right select": "Markera höger",
    "Cursor left word select": "Markera ett ord vänster",
    "Cursor right word select": "Markera ett ord höger",
    "Cursor line start select": "Markera till radens början",
    "Cursor line end select": "Markera till radens slut",
    "Select line": "Markera raden",
    "Delete line": "Radera raden",
    "Delete to line start": "Radera till radens början",
    "Delete to line end": "Radera till radens slut",
    "Undo": "Ångra",
    "Redo": "Gör om",
    "Copy": "Kopiera",
    "Cut": "Klipp ut",
    "Paste": "Klistra in",
    # lists, tables, menus, buttons, check boxes
    "Up": "Upp",
    "Down": "Ner",
    "First": "Först",
    "Last": "Sist",
    "Top": "Överst",
    "Bottom": "Nederst",
    "Home": "Början",
    "End": "Slutet",
    "Page up": "Sida upp",
    "Page down": "Sida ner",
    "Select": "Välj",
    "Toggle option": "Välj eller välj bort",
    "Show menu": "Visa menyn",
    "Dismiss menu": "Stäng menyn",
    "Press button": "Tryck på knappen",
    "Toggle": "Kryssa i eller ur",
    "Next option": "Nästa alternativ",
    "Previous option": "Föregående alternativ",
    "Next tab": "Nästa flik",
    "Previous tab": "Föregående flik",
    "Open link": "Öppna länken",
    "Collapsible": "Hopfällbar",
    "Toggle collapsible": "Fäll ut eller ihop",
    "Cursor Up": "Markören upp",
    "Cursor Down": "Markören ner",
    "Cursor to parent": "Till föräldern",
    "Cursor to next sibling": "Till nästa syskon",
    "Cursor to previous sibling": "Till föregående syskon",
    "Cursor to next ancestor": "Till nästa förälders syskon",
    "Expand or collapse all": "Fäll ut eller ihop allt",
    "Variables": "Variabler",
    "Spans": "Spann",
    # the command palette: its keys, its search box, Textual's commands in it
    "Exit the command palette": "Stäng kommandopaletten",
    "Next command": "Nästa kommando",
    "Previous command": "Föregående kommando",
    "Next page": "Nästa sida",
    "Previous page": "Föregående sida",
    "Go to top": "Till början",
    "Go to bottom": "Till slutet",
    "Search for commands…": "Sök kommandon …",
    "Search for themes…": "Sök färgteman …",
    "Theme": "Färgtema",
    "Change the current theme": "Byt färgtema",
    "Quit the application as soon as possible": "Avsluta programmet så snart som möjligt",
    "Keys": "Tangenter",
    "Show help for the focused widget and a summary of available keys":
        "Visa alla tangenter och hjälpen för fältet i fokus",
    "Hide the keys and widget help panel": "Dölj tangenterna och hjälpen",
    "Maximize": "Maximera",
    "Maximize the focused widget": "Maximera fältet i fokus",
    "Minimize": "Återställ",
    "Minimize the widget and restore to normal size": "Återställ fältet till normal storlek",
    "Screenshot": "Skärmbild",
    "Save an SVG 'screenshot' of the current screen": "Spara en skärmbild (SVG) av skärmen",
}
