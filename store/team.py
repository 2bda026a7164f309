"""Agents, channels and their members, preferences, quick replies, labels and the
supervisor's tallies: who works here and where.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, statuses
from store.converters import agent_view, channel_view
from store.core import ServiceCore
from store.db import Database
from store.errors import Forbidden, InvalidInput, NotFound
from store.fields import label_text, signature_text
from store.inputs import Clock, utcnow
from store.labels import changed as labels_changed
from store.labels import known
from store.lifecycle import ActorKind
from store.models import (
    Agent,
    AgentPreference,
    Case,
    Channel,
    ChannelMember,
    Contact,
    Label,
    Presence,
    Status,
    Watch,
    WorkspaceEntry,
)
from store.permissions import (
    SYSTEM,
    SYSTEM_LOGIN,
    Actor,
    require_case,
    require_supervisor,
    visible_channels,
)
from store.records import agent_named, can_see, channel_named, insert_agent, insert_channel
from store.statuses import ENDED
from store.tables import id_of
from store.views import (
    AgentTally,
    AgentView,
    ChannelView,
    ContactView,
)


def bootstrap(db: Database, login: str, *, name: str = "", clock: Clock = utcnow) -> bool:
    """Make `login` the first supervisor of an empty database. Returns False (and does
    nothing) when the database already has agents."""

    def work(session: Session) -> bool:
        if session.scalar(sa.select(sa.func.count()).select_from(Agent)):
            return False
        insert_agent(session, login, name=name, email="", supervisor=True, now=clock())
        audit.record(session, SYSTEM, "agent.add", at=clock(),
                     after={"login": login, "supervisor": True, "first": True})
        return True

    return db.write(work)


class TeamOps(ServiceCore):
    """Agents, channels, preferences, quick replies."""

    def whoami(self) -> AgentView:
        def work(session: Session, actor: Actor) -> AgentView:
            if actor.agent_id is None:
                return AgentView(actor.login, actor.display, "", True, True)
            return agent_view(session, session.get_one(Agent, actor.agent_id))

        return self._read(work)

    def add_agent(
        self, login: str, *, name: str = "", email: str = "", supervisor: bool = False,
        ai: bool = False,
    ) -> AgentView:
        """Add an agent; `ai` for an AI agent's login (it may never solve a case)."""

        def work(session: Session, actor: Actor) -> AgentView:
            require_supervisor(actor, "add agents")
            if ai and supervisor:
                raise InvalidInput("an AI agent cannot be a supervisor")
            agent = insert_agent(session, login, name=name, email=email, supervisor=supervisor,
                               now=self._now(), ai=ai)
            audit.record(session, actor, "agent.add", at=self._now(),
                         after={"login": agent.login, "supervisor": supervisor, "ai": ai})
            return agent_view(session, agent)

        return self._write(work)

    def list_agents(self) -> list[AgentView]:
        def work(session: Session, actor: Actor) -> list[AgentView]:
            agents = session.scalars(sa.select(Agent).order_by(col(Agent.login)))
            return [agent_view(session, a) for a in agents]

        return self._read(work)

    def set_active(self, login: str, *, active: bool) -> AgentView:
        """Deactivate an agent (they can no longer act; their history stays) or
        activate them again. Supervisors only, and never themselves."""

        def work(session: Session, actor: Actor) -> AgentView:
            require_supervisor(actor, "deactivate or activate agents")
            agent = agent_named(session, login)
            if agent.id == actor.agent_id:
                raise InvalidInput("you cannot deactivate or activate yourself")
            if agent.is_active != active:
                agent.is_active = active
                if not active:  # they are at no case any more
                    session.execute(sa.delete(Presence).where(
                        col(Presence.agent_id) == agent.id))
                audit.record(session, actor, "agent.activate" if active else "agent.deactivate",
                             at=self._now(), after={"login": agent.login})
                session.flush()
            return agent_view(session, agent)

        return self._write(work)

    def colleagues_for(self, number: int) -> list[AgentView]:
        """The active agents who may read case `number` — whom it can be assigned to
        and who can be mentioned in its notes (not the system)."""

        def work(session: Session, actor: Actor) -> list[AgentView]:
            case = require_case(session, actor, number)
            agents = session.scalars(sa.select(Agent).where(
                col(Agent.is_active), col(Agent.login) != SYSTEM_LOGIN).order_by(col(Agent.login)))
            return [agent_view(session, a) for a in agents if can_see(session, a.login, case)]

        return self._read(work)

    def assignable_for(self, number: int) -> list[tuple[AgentView, bool]]:
        """Whom case `number` can be assigned to, each with whether they would join its
        channel by it: the colleagues who read it — for a supervisor, anyone active."""

        def work(session: Session, actor: Actor) -> list[tuple[AgentView, bool]]:
            case = require_case(session, actor, number)
            agents = session.scalars(sa.select(Agent).where(
                col(Agent.is_active), col(Agent.login) != SYSTEM_LOGIN).order_by(col(Agent.login)))
            anyone = actor.kind is ActorKind.SUPERVISOR
            found = [(a, can_see(session, a.login, case)) for a in agents]
            return [(agent_view(session, a), not sees) for a, sees in found
                    if sees or anyone and not a.is_ai]

        return self._read(work)

    def add_channel(self, name: str, *, kind: str, address: str = "") -> ChannelView:
        def work(session: Session, actor: Actor) -> ChannelView:
            require_supervisor(actor, "add channels")
            channel = insert_channel(session, name, kind=kind, address=address, now=self._now())
            audit.record(session, actor, "channel.add", at=self._now(),
                         after={"name": channel.name, "kind": channel.kind})
            return channel_view(session, channel)

        return self._write(work)

    def set_signature(self, channel: str, text: str) -> ChannelView:
        """The signature under every mail `channel` sends, replies and acknowledgements
        ("" none) (supervisors only)."""

        def work(session: Session, actor: Actor) -> ChannelView:
            require_supervisor(actor, "change a channel's signature")
            row = channel_named(session, channel)
            before, row.signature = row.signature, signature_text(text)
            audit.record(session, actor, "channel.signature", at=self._now(),
                         before={"name": row.name, "signature": before},
                         after={"name": row.name, "signature": row.signature})
            return channel_view(session, row)

        return self._write(work)

    def list_channels(self) -> list[ChannelView]:
        def work(session: Session, actor: Actor) -> list[ChannelView]:
            channels = session.scalars(sa.select(Channel).order_by(col(Channel.name)))
            return [channel_view(session, c) for c in channels]

        return self._read(work)

    def creatable_channels(self) -> list[str]:
        """The names of the channels the actor may create a case in: their own (a
        supervisor: every channel), in the order of `list_channels`."""

        def work(session: Session, actor: Actor) -> list[str]:
            visible = visible_channels(session, actor)
            channels = session.scalars(sa.select(Channel).order_by(col(Channel.name)))
            return [c.name for c in channels if visible is None or c.id in visible]

        return self._read(work)

    def set_membership(self, channel: str, login: str, *, member: bool) -> ChannelView:
        """Add `login` to `channel` (member=True) or remove them."""

        def work(session: Session, actor: Actor) -> ChannelView:
            require_supervisor(actor, "change channel members")
            ch = channel_named(session, channel)
            agent = agent_named(session, login)
            row = session.get(ChannelMember, (ch.id, agent.id))
            if member and row is None:
                session.add(ChannelMember(channel_id=id_of(ch), agent_id=id_of(agent)))
            elif not member and row is not None:
                session.delete(row)
                if not agent.is_supervisor:  # (a supervisor still reads the channel)
                    self._drop_channel_rows(session, agent, ch)
                    self._unassign_leaver(session, actor, agent, ch)
            else:
                return channel_view(session, ch)
            audit.record(session, actor, "channel.member." + ("add" if member else "remove"),
                         at=self._now(), after={"channel": ch.name, "login": agent.login})
            session.flush()
            return channel_view(session, ch)

        return self._write(work)

    def _unassign_leaver(self, session: Session, actor: Actor, agent: Agent,
                         channel: Channel) -> None:
        """Who owns a case must read it: the ongoing cases of a channel an agent left
        are nobody's, said in each (ended ones keep their history)."""
        cases = session.scalars(sa.select(Case).where(
            col(Case.channel_id) == channel.id, col(Case.assignee_id) == agent.id,
            col(Case.merged_into_id).is_(None), col(Case.status).not_in([s.value for s in ENDED])))
        for case in cases:
            case.assignee_id = None
            self._bump(case)
            audit.record(session, actor, "case.assign", at=self._now(), case_id=case.id,
                         before={"assignee": agent.login}, after={"assignee": None})
            self._event(session, case, "unassigned-not-member", login=agent.login,
                        channel=channel.name, actor=actor)

    @staticmethod
    def _drop_channel_rows(session: Session, agent: Agent, channel: Channel) -> None:
        """An agent who left a channel keeps no watches, workspace entries or presence
        in its cases: they could neither read nor remove them (and would come back,
        unread, on rejoining)."""
        in_channel = sa.select(col(Case.id)).where(col(Case.channel_id) == channel.id)
        for table in (Watch, WorkspaceEntry, Presence):
            session.execute(sa.delete(table).where(col(table.agent_id) == agent.id,
                                                   col(table.case_id).in_(in_channel)))

    def preference(self, key: str, default: str = "") -> str:
        def work(session: Session, actor: Actor) -> str:
            if actor.agent_id is None:
                return default
            row = session.get(AgentPreference, (actor.agent_id, key))
            return row.value if row is not None else default

        return self._read(work)

    def set_preference(self, key: str, value: str) -> None:
        def work(session: Session, actor: Actor) -> None:
            if actor.agent_id is None:
                raise Forbidden(f"{actor.login} keeps no preferences")
            row = session.get(AgentPreference, (actor.agent_id, key))
            if row is None:
                session.add(AgentPreference(agent_id=actor.agent_id, key=key, value=value))
            else:
                row.value = value

        self._write(work)

    def find_contacts(self, text: str, limit: int = 8) -> list[ContactView]:
        """Contacts with a word of their name, or their email or phone, starting with
        `text` (any case), among those of cases the actor may see — to pick one for a
        new case ("berg" finds Eva Bergström)."""
        prefix = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"

        def work(session: Session, actor: Actor) -> list[ContactView]:
            if prefix == "%":
                return []
            fold = (sa.func.casefold if session.get_bind().dialect.name == "sqlite"
                    else sa.func.lower)  # see Database: SQLite's lower() is ASCII only
            name = fold(Contact.name)
            query = sa.select(Contact).where(sa.or_(
                name.like(prefix, escape="\\"), name.like("% " + prefix, escape="\\"),
                name.like("%-" + prefix, escape="\\"),
                fold(Contact.email).like(prefix, escape="\\"),
                col(Contact.phone).like(prefix, escape="\\")))
            visible = visible_channels(session, actor)
            if visible is not None:
                query = query.where(sa.select(col(Case.id)).where(
                    col(Case.contact_id) == Contact.id,
                    col(Case.channel_id).in_(sorted(visible) or [-1])).exists())
            return [ContactView(id_of(c), c.name, c.email, c.phone, c.customer_type, c.tier)
                    for c in session.scalars(query.order_by(col(Contact.name)).limit(limit))]

        return self._read(work)

    def agent_tallies(self) -> list[AgentTally]:
        """Every active person with their assigned cases by status and their workspace:
        the supervisor's agents view."""

        def work(session: Session, actor: Actor) -> list[AgentTally]:
            require_supervisor(actor, "see every agent's cases")
            live = sa.and_(col(Case.merged_into_id).is_(None))
            assigned: dict[tuple[int | None, str], int] = {
                (agent_id, status): n for agent_id, status, n in session.execute(
                    sa.select(col(Case.assignee_id), col(Case.status), sa.func.count())
                    .where(live, col(Case.assignee_id).is_not(None), col(Case.status).in_(
                        statuses.values(statuses.UNSOLVED)))
                    .group_by(col(Case.assignee_id), col(Case.status)))}
            held = {agent_id: (int(total), int(unread)) for agent_id, total, unread
                    in session.execute(
                        sa.select(col(WorkspaceEntry.agent_id), sa.func.count(),
                                  sa.func.coalesce(sa.func.sum(sa.case(
                                      (col(WorkspaceEntry.unread), 1), else_=0)), 0))
                        .join(Case, col(Case.id) == WorkspaceEntry.case_id)
                        .where(live, col(Case.status).not_in([s.value for s in ENDED]))
                        .group_by(col(WorkspaceEntry.agent_id)))}
            agents = session.scalars(sa.select(Agent).where(
                col(Agent.is_active), col(Agent.login) != SYSTEM_LOGIN).order_by(col(Agent.login)))
            tallies = []
            for agent in agents:
                view = agent_view(session, agent)
                total, unread = held.get(id_of(agent), (0, 0))
                n = {s: assigned.get((agent.id, s.value), 0) for s in Status}
                tallies.append(AgentTally(
                    agent.login, agent.name, agent.is_supervisor,
                    n[Status.NEW] + n[Status.OPEN], n[Status.ESCALATED], n[Status.WAITING],
                    n[Status.PARKED], total, unread, view.channels))
            return tallies

        return self._read(work)

    # -- the team's labels (store/labels.py) ----------------------------------------------

    def label_names(self) -> list[str]:
        """The team's labels, by name (empty: any label may be used)."""
        return self._read(lambda session, actor: sorted(known(session)))

    def labels(self) -> list[tuple[str, int]]:
        """Each label of the list, with how many cases carry it, by name."""

        def work(session: Session, actor: Actor) -> list[tuple[str, int]]:
            names = sorted(known(session))
            counts = dict.fromkeys(names, 0)
            for text in session.scalars(sa.select(col(Case.labels)).where(
                    col(Case.labels) != "")):
                for name in text.split(","):
                    if name in counts:
                        counts[name] += 1
            return list(counts.items())

        return self._read(work)

    def add_label(self, name: str) -> str:
        """Add a label to the list (supervisors); returns it as kept."""
        value = label_text([name])
        if not value or "," in name:
            raise InvalidInput("a label is one word or phrase, without commas")
        if len(value) > 100:
            raise InvalidInput("a label is 100 characters at most")

        def work(session: Session, actor: Actor) -> str:
            require_supervisor(actor, "change the team's labels")
            if value in known(session):
                raise InvalidInput(f"there is a label {value!r} already")
            session.add(Label(name=value, created_at=self._now()))
            labels_changed(session)
            audit.record(session, actor, "label.add", at=self._now(), after={"label": value})
            return value

        return self._write(work)

    def remove_label(self, name: str) -> int:
        """Take a label off the list (supervisors): no case gets it any more; the cases
        that carry it keep it. Returns how many do."""

        def work(session: Session, actor: Actor) -> int:
            require_supervisor(actor, "change the team's labels")
            label = session.scalars(sa.select(Label).where(col(Label.name) == name.strip())
                                    ).first()
            if label is None:
                raise NotFound(f"there is no label {name.strip()!r} (known: "
                               f"{', '.join(sorted(known(session))) or 'none'})")
            session.delete(label)
            labels_changed(session)
            audit.record(session, actor, "label.remove", at=self._now(),
                         before={"label": label.name})
            return sum(label.name in text.split(",") for text in session.scalars(
                sa.select(col(Case.labels)).where(col(Case.labels).contains(label.name))))

        return self._write(work)
