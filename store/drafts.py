"""Drafts: what an agent has written in a case and not sent yet, kept in the store as
they type (the TUI saves a moment after the last key), so that a dropped SSH
connection, a closed terminal or a crash loses nothing; the TUI brings them back when
it starts. A draft is its writer's alone; sending the reply or note ends it, in the
same unit of work (store/conversation.py); a case that goes (purge, erasure) takes
its drafts with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.core import ServiceCore
from store.errors import InvalidInput
from store.models import Draft, Message, MessageKind
from store.permissions import Actor, can_see_case, require_case
from store.statuses import Status
from store.tables import id_of, run
from store.views import DraftView

MOST_CHARACTERS = 200_000  # a draft longer than this is no reply being written


def sent_since(session: Session, agent_id: int, case_id: int, since: datetime) -> bool:
    """Whether the agent wrote a reply or note in the case after `since`."""
    return session.scalar(sa.select(sa.exists().where(
        col(Message.case_id) == case_id, col(Message.author_agent_id) == agent_id,
        col(Message.kind).in_([MessageKind.REPLY.value, MessageKind.NOTE.value]),
        col(Message.created_at) > since))) is True


# Built once: every reply and note ends its writer's draft.
_FORGET = sa.delete(Draft).where(col(Draft.agent_id) == sa.bindparam("agent"),
                                 col(Draft.case_id) == sa.bindparam("case"))


def forget_draft(session: Session, actor: Actor, case_id: int) -> None:
    """The actor's draft of a case, gone: it was sent."""
    if actor.agent_id is not None:
        run(session, _FORGET, {"agent": actor.agent_id, "case": case_id})


@dataclass(frozen=True)
class DraftGuard:
    """What a TUI knows of a case's draft when it saves it: `seen`, when the draft in
    the store was saved as this TUI last saw it (None: it saw none); `begun`, when this
    text was begun (None: not known)."""

    seen: datetime | None
    begun: datetime | None = None


class DraftOps(ServiceCore):
    def save_draft(self, number: int, text: str, *, note: bool = False,
                   status: str | None = None, guard: DraftGuard | None = None
                   ) -> datetime | None:
        """Keep what the actor has written in case `number` (masked as a reply would
        be); blank text: no draft. Returns when it was kept, or None when `guard` says
        it must not be: a draft in the store this TUI has not seen (saved since by
        another session of theirs, or not yet read) is not overwritten, and a text begun
        before the agent sent a reply or note in the case is no draft (a session that
        heard of its hang-up late, a keystroke's write that lost the race with a send)."""
        if len(text) > MOST_CHARACTERS:
            raise InvalidInput(f"a draft holds at most {MOST_CHARACTERS:,} characters")
        if status is not None:
            Status(status)  # (a ValueError names a status that does not exist)
        text = self._mask(text)

        def work(session: Session, actor: Actor) -> datetime | None:
            case = require_case(session, actor, number)
            if actor.agent_id is None:
                return None  # the system writes no drafts
            row = session.get(Draft, (actor.agent_id, case.id), with_for_update=True)
            if guard is not None:
                if row is not None and (guard.seen is None or row.saved_at > guard.seen):
                    return None
                if text.strip() and guard.begun is not None and sent_since(
                        session, actor.agent_id, id_of(case), guard.begun):
                    return None
            now = self._now()
            if not text.strip():
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(Draft(agent_id=actor.agent_id, case_id=id_of(case), text=text,
                                  note=note, status=status, saved_at=now))
            else:
                row.text, row.note, row.status, row.saved_at = text, note, status, now
            return now

        return self._write(work)

    def drafts(self) -> list[DraftView]:
        """The actor's drafts in the cases they may still see, newest first."""

        def work(session: Session, actor: Actor) -> list[DraftView]:
            if actor.agent_id is None:
                return []
            rows = session.scalars(sa.select(Draft).where(
                col(Draft.agent_id) == actor.agent_id).order_by(col(Draft.saved_at).desc()))
            # A case's id is its number; one left the agent's channels keeps its draft
            # (unseen) until they may see the case again.
            return [DraftView(row.case_id, row.text, row.note, row.status, row.saved_at)
                    for row in rows if can_see_case(session, actor, row.case_id)]

        return self._read(work)
