"""Who may see and change what. Enforced here, whatever the caller (TUI, CLI,
ingest, poller): an agent sees and changes the cases of the channels they belong
to; a supervisor sees and administers everything; `system` (scheduler, poller)
acts on every case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.errors import Deactivated, Forbidden, InvalidInput, NotFound, UnknownLogin, Unseen
from store.lifecycle import ActorKind
from store.models import Agent, Case, ChannelMember
from store.tables import run, table_of

SYSTEM_LOGIN = "system"
# An operating-system login as they come (POSIX names, and the user@domain of
# directory services); "system" is the scheduler's and never a person's.
LOGIN_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$")
MAX_NUMBER = 2**63 - 1


def check_login(login: str) -> str:
    """`login` as the store keeps it, or InvalidInput saying why it cannot be one."""
    if login == SYSTEM_LOGIN or not LOGIN_RE.match(login):
        raise InvalidInput(
            f"{login!r} cannot be a login: use the operating system's login (letters, digits, "
            ". _ - @; not 'system')"
        )
    return login


@dataclass(frozen=True)
class Actor:
    """The person or process a unit of work runs for."""

    login: str
    kind: ActorKind
    agent_id: int | None = None
    name: str = ""

    @property
    def sees_everything(self) -> bool:
        return self.kind in (ActorKind.SUPERVISOR, ActorKind.SYSTEM)

    @property
    def display(self) -> str:
        return self.name or self.login


SYSTEM = Actor(SYSTEM_LOGIN, ActorKind.SYSTEM, None, "system")


_AGENTS = table_of(Agent).c
_MEMBERS = table_of(ChannelMember).c
# Built once: every unit of work asks who its actor is, and most ask what they may see.
_ACTOR = sa.select(_AGENTS.id, _AGENTS.login, _AGENTS.name, _AGENTS.is_supervisor,
                   _AGENTS.is_ai, _AGENTS.is_active).where(_AGENTS.login == sa.bindparam("login"))
_CHANNELS = sa.select(_MEMBERS.channel_id).where(_MEMBERS.agent_id == sa.bindparam("agent"))
_CASE = sa.select(Case).where(col(Case.id) == sa.bindparam("number"))
_CASE_FOR_UPDATE = _CASE.with_for_update()


def resolve_actor(session: Session, login: str) -> Actor:
    """The agent record for `login`, or a clear refusal. (The system actor is never
    reached through a login: see `CaseService.system`.)"""
    agent = run(session, _ACTOR, {"login": login}).first()
    if agent is None:
        raise UnknownLogin(
            f"the login {login!r} is not an agent in this casedesk: a supervisor can add it "
            f"with `casedesk agent add {login}`"
        )
    if not agent.is_active:
        raise Deactivated(f"the agent {login!r} is deactivated: ask a supervisor")
    if agent.is_ai:
        kind = ActorKind.AI
    else:
        kind = ActorKind.SUPERVISOR if agent.is_supervisor else ActorKind.AGENT
    return Actor(agent.login, kind, agent.id, agent.name)


# Bumped by the database itself whenever an agent, a channel or a membership changes
# (triggers: store/migrations), so what was read of the team at one version holds
# while it stays.
TEAM_VERSION = "SELECT version FROM team_version WHERE id = 1"
_TEAM_VERSION = sa.text(TEAM_VERSION)
_KNOWN = "casedesk_known_actor"  # session.info: the KnownActor of this unit of work


@dataclass(frozen=True)
class KnownActor:
    """An actor and the channels it may see (None: all), as of one team version."""

    team: int
    actor: Actor
    channels: frozenset[int] | None


def know_actor(session: Session, login: str, known: KnownActor | None) -> KnownActor:
    """The actor `login` is in this unit of work: `known` again when the team has not
    changed since it was read (one statement, the team's version), else read anew —
    so a deactivation or a membership changed by another process counts at once."""
    team = run(session, _TEAM_VERSION).scalar_one()
    if known is None or known.team != team or known.actor.login != login:
        actor = resolve_actor(session, login)
        channels = _read_channels(session, actor)
        known = KnownActor(team, actor, None if channels is None else frozenset(channels))
    session.info[_KNOWN] = known
    return known


def team_version(session: Session) -> int:
    """The team's version in this unit of work: as `know_actor` read it, or read now."""
    known: KnownActor | None = session.info.get(_KNOWN)
    return known.team if known is not None else run(session, _TEAM_VERSION).scalar_one()


def visible_channels(session: Session, actor: Actor) -> set[int] | None:
    """The channel ids `actor` may see, or None for all of them."""
    known: KnownActor | None = session.info.get(_KNOWN)
    if known is not None and known.actor == actor:
        # (Only a supervisor changes memberships, and a supervisor sees every channel:
        # what the unit of work began with holds to its end.)
        return None if known.channels is None else set(known.channels)
    return _read_channels(session, actor)


def _read_channels(session: Session, actor: Actor) -> set[int] | None:
    if actor.sees_everything:
        return None
    return set(run(session, _CHANNELS, {"agent": actor.agent_id}).scalars())


def can_see_channel(session: Session, actor: Actor, channel_id: int) -> bool:
    channels = visible_channels(session, actor)
    return channels is None or channel_id in channels


def can_see_case(session: Session, actor: Actor, number: int) -> bool:
    """Whether case `number` exists and `actor` may see it."""
    if actor.sees_everything:
        return session.get(Case, number) is not None
    channel_id = session.scalar(sa.select(col(Case.channel_id)).where(col(Case.id) == number))
    return channel_id is not None and can_see_channel(session, actor, channel_id)


def unseen(actor: Actor, what: str) -> NotFound:
    """The one answer for `what` ("case #12", "message 40") that does not exist and
    for one in a channel `actor` is not a member of: the same class and the same words,
    so that nobody learns which numbers exist in others' channels."""
    if actor.sees_everything:
        return NotFound(f"there is no {what}")
    return Unseen(f"there is no {what} that you can see: it does not exist, or it is in a "
                  "channel you are not a member of (ask a supervisor to add you)")


def require_case(session: Session, actor: Actor, number: int, *, for_update: bool = False) -> Case:
    """The case `number` if `actor` may see it; otherwise `unseen`, whether it exists
    or not."""
    if not 1 <= number <= MAX_NUMBER:
        raise unseen(actor, f"case #{number}")
    query = _CASE_FOR_UPDATE if for_update else _CASE
    case = session.scalars(query, {"number": number}).first()
    if case is None or not can_see_channel(session, actor, case.channel_id):
        raise unseen(actor, f"case #{number}")
    return case


def require_channel(session: Session, actor: Actor, channel_id: int, channel: str) -> None:
    """Refuse unless `actor` is a member of the channel; `channel` names it in words
    ("the channel 'Chat'", "the channel of case #12")."""
    if not can_see_channel(session, actor, channel_id):
        raise Forbidden(f"you are not a member of {channel}: ask a supervisor to add you")


def require_supervisor(actor: Actor, what: str) -> None:
    if actor.kind not in (ActorKind.SUPERVISOR, ActorKind.SYSTEM):
        raise Forbidden(f"only a supervisor can {what}")
