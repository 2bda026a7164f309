"""Quick replies: the team's canned answers, with variables filled in for the case they
go into (README, "Quick replies"). A variable in Swedish or English —
`{kontakt.förnamn}` / `{contact.first_name}` (and the older `{namn}` / `{name}`),
`{kontakt.namn}`, `{ärende.nummer}`, `{agent.namn}`, `{kanal.namn}` — and one cursor mark,
`{markör}` / `{cursor}`, where the agent goes on writing. An unknown variable is refused
when the quick reply is saved, never found when it is sent. A quick reply may have an
English version: a case whose customer writes English gets it (`language_of` their
latest message), any other the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit
from store.core import ServiceCore
from store.errors import InvalidInput, NotFound
from store.fields import one_line
from store.models import Agent, Channel, Contact, QuickReply
from store.permissions import Actor, require_case, require_supervisor
from store.triage.language import customer_language

# Each variable's names, Swedish first, and what it stands for.
VARIABLES: dict[str, str] = {
    "kontakt.förnamn": "first_name", "contact.first_name": "first_name",
    "namn": "first_name", "name": "first_name",
    "kontakt.namn": "contact_name", "contact.name": "contact_name",
    "ärende.nummer": "case_number", "case.number": "case_number",
    "agent.namn": "agent_name", "agent.name": "agent_name",
    "kanal.namn": "channel_name", "channel.name": "channel_name",
}
CURSOR = ("markör", "cursor")
# A name in braces: letters first, then letters, digits and dots ("{1234}" and
# "{ABC-123}" in a text are no variables).
_VARIABLE = re.compile(r"\{([^\W\d_][\w.]{0,39})\}")


@dataclass(frozen=True)
class Filled:
    """A quick reply for a case: its text, and where the cursor goes in it (None: at
    the end)."""

    title: str
    text: str
    cursor: int | None = None


@dataclass(frozen=True)
class QuickReplyView:
    """A quick reply as written: its text, and its English version if it has one."""

    title: str
    text: str
    english: str | None = None


def check(text: str) -> None:
    """Refuse a text with a variable no case can fill, or two cursor marks."""
    names = [m.group(1) for m in _VARIABLE.finditer(text)]
    for name in names:
        if name not in VARIABLES and name not in CURSOR:
            known = ", ".join("{" + v + "}" for v in VARIABLES if "." in v)
            raise InvalidInput(f"unknown variable {{{name}}} in the quick reply: use {known} "
                               "or {markör}")
    if sum(name in CURSOR for name in names) > 1:
        raise InvalidInput("a quick reply has one cursor mark ({markör}) at most")


def fill(title: str, text: str, values: Mapping[str, str]) -> Filled:
    """The text with its variables filled in; a greeting without a name still reads
    well ("Hej {namn}!" without one is "Hej!")."""
    out: list[str] = []
    cursor, at = None, 0
    for match in _VARIABLE.finditer(text):
        out.append(text[at:match.start()])
        at = match.end()
        name = match.group(1)
        if name in CURSOR:
            cursor = len("".join(out))
            continue
        if name not in VARIABLES:  # one saved before variables were checked: as written
            out.append(match.group())
            continue
        value = values.get(VARIABLES[name], "")
        if not value and out and out[-1].endswith(" "):
            out[-1] = out[-1][:-1]
        out.append(value)
    out.append(text[at:])
    return Filled(title, "".join(out), cursor)


def fill_quick_reply(text: str, contact_name: str) -> str:
    """`fill` with the contact's name alone (what the first quick replies knew)."""
    return fill("", text, {"first_name": first_name(contact_name),
                           "contact_name": contact_name}).text


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else ""


class QuickReplyOps(ServiceCore):
    """The team's quick replies: supervisors keep them, everyone uses them."""

    def add_quick_reply(self, title: str, text: str, *, english: str | None = None) -> None:
        """A canned answer for the whole team (supervisors only), with an English
        version for customers who write English if `english` is given."""

        def work(session: Session, actor: Actor) -> None:
            require_supervisor(actor, "add quick replies")
            name = one_line(title)
            if not name or not text.strip():
                raise InvalidInput("a quick reply needs a title and a text")
            check(text)
            in_english = _english(english)
            if session.scalar(sa.select(col(QuickReply.id)).where(col(QuickReply.title) == name)):
                raise InvalidInput(f"there is already a quick reply {name!r}")
            session.add(QuickReply(title=name, text=text.strip(), text_en=in_english,
                                   created_at=self._now()))
            audit.record(session, actor, "quick_reply.add", at=self._now(),
                         after={"title": name})

        self._write(work)

    def edit_quick_reply(self, title: str, *, text: str | None = None,
                         new_title: str | None = None, english: str | None = None) -> None:
        """Change a quick reply's text, title or English version ("" removes that)
        (supervisors only)."""

        def work(session: Session, actor: Actor) -> None:
            require_supervisor(actor, "change quick replies")
            row = _named(session, title)
            before = {"title": row.title, "text": row.text, "english": row.text_en}
            if text is not None:
                if not text.strip():
                    raise InvalidInput("a quick reply needs a text")
                check(text)
                row.text = text.strip()
            if english is not None:
                row.text_en = _english(english)
            if new_title is not None:
                name = one_line(new_title)
                if not name:
                    raise InvalidInput("a quick reply needs a title")
                if name != row.title and session.scalar(sa.select(col(QuickReply.id)).where(
                        col(QuickReply.title) == name)):
                    raise InvalidInput(f"there is already a quick reply {name!r}")
                row.title = name
            audit.record(session, actor, "quick_reply.edit", at=self._now(), before=before,
                         after={"title": row.title, "text": row.text, "english": row.text_en})

        self._write(work)

    def remove_quick_reply(self, title: str) -> None:
        def work(session: Session, actor: Actor) -> None:
            require_supervisor(actor, "remove quick replies")
            row = _named(session, title)
            session.delete(row)
            audit.record(session, actor, "quick_reply.remove", at=self._now(),
                         before={"title": row.title})

        self._write(work)

    def quick_reply_list(self) -> list[QuickReplyView]:
        """Every quick reply as written, by title (to keep them: the CLI, the TUI)."""

        def work(session: Session, actor: Actor) -> list[QuickReplyView]:
            return [QuickReplyView(r.title, r.text, r.text_en) for r in session.scalars(
                sa.select(QuickReply).order_by(col(QuickReply.title)))]

        return self._read(work)

    def quick_replies(self, number: int | None = None) -> list[Filled]:
        """Every quick reply, by title: filled in for case `number` (its contact, its
        channel, the agent asking; the English version for a customer who writes
        English), or as written without one."""

        def work(session: Session, actor: Actor) -> list[Filled]:
            rows = session.scalars(sa.select(QuickReply).order_by(col(QuickReply.title)))
            if number is None:
                return [Filled(r.title, r.text) for r in rows]
            case = require_case(session, actor, number)
            english = customer_language(session, case.id) == "en"
            contact = session.get_one(Contact, case.contact_id)
            agent = session.get(Agent, actor.agent_id) if actor.agent_id is not None else None
            values = {"first_name": first_name(contact.name), "contact_name": contact.name,
                      "case_number": str(case.id),
                      "agent_name": (agent.name or agent.login) if agent is not None else "",
                      "channel_name": session.get_one(Channel, case.channel_id).name}
            return [fill(r.title, r.text_en if english and r.text_en else r.text, values)
                    for r in rows]

        return self._read(work)


def _english(text: str | None) -> str | None:
    """An English version as stored: checked like the text; blank is none."""
    if text is None or not text.strip():
        return None
    check(text)
    return text.strip()


def _named(session: Session, title: str) -> QuickReply:
    row = session.scalars(sa.select(QuickReply).where(
        col(QuickReply.title) == one_line(title))).first()
    if row is None:
        raise NotFound(f"there is no quick reply {one_line(title)!r} (see `casedesk "
                       "quick-reply list`)")
    return row
