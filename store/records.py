"""Finding and making rows inside a unit of work: agents, channels, contacts, cases,
links, watches, workspace entries, who may see a case. Plain functions of a session.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, search, workspace
from store.errors import Forbidden, InvalidInput, NotFound
from store.fields import (
    CUSTOMER_TYPES,
    TIER_RE,
    clean_title,
    email_address,
    label_text,
    one_line,
    parse_priority,
)
from store.inputs import ContactInput
from store.lifecycle import initial_status
from store.models import (
    STANDINGS,
    Agent,
    Case,
    CaseLink,
    Channel,
    ChannelKind,
    ChannelMember,
    Contact,
    Priority,
    Setting,
    Watch,
    WorkspaceEntry,
)
from store.permissions import (
    Actor,
    check_login,
    resolve_actor,
    visible_channels,
)
from store.sla import SlaPolicy, SlaSettings
from store.statuses import ENDED
from store.tables import id_of, run, table_of


def require_not_merged(case: Case) -> None:
    if case.merged_into_id is not None:
        raise InvalidInput(f"case #{case.id} was merged into #{case.merged_into_id}: use that one")


def sla_policy(session: Session) -> SlaPolicy | None:
    """The team's service levels, as the scheduler last stored them (None: none); read
    once per unit of work (a new case asks while it is made and while it is routed)."""
    if SLA_SETTING not in session.info:
        text = run(session, _SLA, flush=False).scalar()
        session.info[SLA_SETTING] = parse_sla(text) if text else None
    policy: SlaPolicy | None = session.info[SLA_SETTING]
    return policy


@lru_cache(maxsize=8)
def parse_sla(text: str) -> SlaPolicy:
    data = json.loads(text)
    return SlaPolicy(SlaSettings.model_validate(data["settings"]), ZoneInfo(data["zone"]))


SLA_SETTING = "sla"
# Built once: every status change and new case asks.
_SLA = sa.select(table_of(Setting).c.value).where(table_of(Setting).c.key == SLA_SETTING)


def open_follow_up(session: Session, case: Case) -> Case | None:
    """The newest follow-up of an ended case that is still going, if any."""
    lo, hi = col(CaseLink.case_id), col(CaseLink.other_id)
    found = session.scalar(sa.select(Case).join(
        CaseLink, sa.or_(sa.and_(lo == case.id, hi == Case.id),
                         sa.and_(hi == case.id, lo == Case.id))).where(
        col(CaseLink.kind) == "follow-up", col(Case.id) > id_of(case),
        col(Case.merged_into_id).is_(None), col(Case.status).not_in([s.value for s in ENDED]),
    ).order_by(col(Case.id).desc()).limit(1))
    return found


def with_merged(session: Session, cases: list[Case]) -> dict[int, tuple[Case, Case]]:
    """`cases` and every case merged into one of them, chains followed: by number,
    the case and the one of `cases` it ended in."""
    found = {id_of(c): (c, c) for c in cases}
    frontier = list(found)
    while frontier:
        merged = list(session.scalars(sa.select(Case).where(
            col(Case.merged_into_id).in_(frontier), col(Case.id).not_in(list(found)))))
        for case in merged:
            assert case.merged_into_id is not None  # selected for it
            found[id_of(case)] = (case, found[case.merged_into_id][1])
        frontier = [id_of(c) for c in merged]
    return found


def follow_merges(session: Session, case: Case) -> Case:
    seen = set()
    while case.merged_into_id is not None and case.id not in seen:
        seen.add(case.id)
        case = session.get_one(Case, case.merged_into_id)
    return case


def earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    values = [v for v in (a, b) if v is not None]
    return min(values) if values else None


def insert_agent(session: Session, login: str, *, name: str, email: str, supervisor: bool,
               now: datetime, ai: bool = False) -> Agent:
    login = check_login(login.strip())
    if session.scalar(sa.select(col(Agent.id)).where(col(Agent.login) == login)) is not None:
        raise InvalidInput(f"there is already an agent {login!r}")
    agent = Agent(login=login, name=one_line(name) or login,
                  email=email_address(email) if email.strip() else "", is_supervisor=supervisor,
                  is_ai=ai, created_at=now)
    session.add(agent)
    session.flush()
    return agent


def insert_channel(session: Session, name: str, *, kind: str, address: str,
                 now: datetime) -> Channel:
    name = one_line(name)
    if not name:
        raise InvalidInput("a channel needs a name")
    try:
        kind = ChannelKind(kind.strip().lower()).value
    except ValueError:
        raise InvalidInput(
            f"unknown channel kind {kind!r}: use email, chat, phone or form"
        ) from None
    if session.scalar(sa.select(col(Channel.id)).where(col(Channel.name) == name)) is not None:
        raise InvalidInput(f"there is already a channel {name!r}")
    if kind == ChannelKind.EMAIL.value and not address.strip():
        raise InvalidInput("an email channel needs its support address (--address)")
    address = email_address(address) if kind == ChannelKind.EMAIL.value else one_line(address)
    channel = Channel(name=name, kind=kind, address=address, created_at=now)
    session.add(channel)
    session.flush()
    return channel


def find_or_add_contact(session: Session, contact: ContactInput, now: datetime) -> Contact:
    if contact.id is not None:  # one picked from the known contacts
        known = session.get(Contact, contact.id)
        if known is None:
            raise NotFound(f"there is no contact {contact.id}")
        return known
    email = email_address(contact.email) if contact.email.strip() else ""
    phone = one_line(contact.phone)
    # A customer type names what kind of customer they are (private, business) or
    # whether they are new, existing or internal — set on a new contact (store/standing.py).
    kind, standing = contact.customer_type, None
    if kind is not None and kind in STANDINGS:
        kind, standing = None, kind
    if kind is not None and kind not in CUSTOMER_TYPES:
        raise InvalidInput(f"unknown customer type {kind!r}: use "
                           f"{', '.join((*CUSTOMER_TYPES, *STANDINGS))}")
    if contact.tier is not None and not TIER_RE.match(contact.tier):
        raise InvalidInput(f"{contact.tier!r} cannot be a tier: use a short lower-case word "
                           "such as standard or premium")
    found = None
    if email:
        found = session.scalars(sa.select(Contact).where(col(Contact.email) == email)).first()
    elif phone:
        found = session.scalars(sa.select(Contact).where(col(Contact.phone) == phone)).first()
    if found is not None:
        # A known contact's type is a supervisor's to change (`set_customer_type`),
        # never a line of ingest's: it would change their cases in every channel.
        new_name = contact.name.strip() if not found.name else ""
        new_phone = phone if not found.phone else ""
        if new_name or new_phone:
            cases = session.scalars(sa.select(col(Case.id)).where(
                col(Case.contact_id) == found.id)).all()
            # Its cases are found by its name and phone too (store/search.py).
            with search.reindexing(session, *cases):
                found.name = found.name or new_name
                found.phone = found.phone or new_phone
        return found
    if not (email or phone or contact.name.strip()):
        raise InvalidInput("a contact needs a name, an email address or a phone number")
    row = Contact(
        name=contact.name.strip() or email or phone, email=email, phone=phone,
        customer_type=kind or "private", tier=contact.tier or "standard", standing=standing,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def insert_case(
    session: Session, actor: Actor, channel: Channel, contact: Contact, *, title: str,
    escalated: bool, priority: str | None, labels: Iterable[str], now: datetime,
    flags: int = 0, created: datetime | None = None, history: bool = False,
) -> Case:
    """A new case, inserted and audited. `created`: when it began, if earlier than now
    (a conversation ingested after the fact: its first message's time) — its service
    levels and the metrics count from then. `history`: mail of the past
    (`casedesk import`), into no workspace, its service levels set once its status is."""
    begun = min(created, now) if created is not None else now
    case = Case(
        title=clean_title(title), channel_id=id_of(channel), contact_id=id_of(contact),
        status=initial_status(escalated=escalated).value,
        priority=parse_priority(priority) if priority else Priority.MEDIUM.value,
        # Updated now: a case ingested after the fact is new to the team, at the top of
        # the lists (sorted by when they last changed), not among last month's.
        labels=label_text(labels), flags=flags, created_at=begun, updated_at=now,
    )
    policy = sla_policy(session) if not history else None
    if policy is not None:  # the service levels start with the case
        for key, value in policy.due(begun, case.priority, contact.tier).items():
            setattr(case, key, value)
    session.add(case)
    session.flush()
    audit.record(session, actor, "case.create", at=now, case_id=case.id,
                 after={"channel": channel.name, "status": case.status, "contact": contact.id})
    if not history:
        workspace.cases_arrived(session, [id_of(case)], now)
    return case


def add_link(session: Session, a: int, b: int, kind: str, now: datetime) -> bool:
    lo, hi = sorted((a, b))
    if session.get(CaseLink, (lo, hi)) is not None:
        return False
    session.add(CaseLink(case_id=lo, other_id=hi, kind=kind, created_at=now))
    session.flush()
    return True


def linked_cases(session: Session, case_id: int) -> list[int]:
    rows = session.execute(
        sa.select(col(CaseLink.case_id), col(CaseLink.other_id)).where(
            sa.or_(col(CaseLink.case_id) == case_id, col(CaseLink.other_id) == case_id)
        )
    )
    return sorted({b if a == case_id else a for a, b in rows})


def move_agent_rows(session: Session, table: type[Watch] | type[WorkspaceEntry],
                    source: int, target: int) -> None:
    """Move per-agent rows (watches, workspace entries) from one case to another."""

    def rows(case_id: int) -> list[Watch | WorkspaceEntry]:
        query: sa.Select[Watch | WorkspaceEntry] = sa.select(table)
        return list(session.scalars(query.where(col(table.case_id) == case_id)))

    have = {row.agent_id: row for row in rows(target)}
    for row in rows(source):
        kept = have.get(row.agent_id)
        if isinstance(kept, WorkspaceEntry) and isinstance(row, WorkspaceEntry):
            kept.unread = kept.unread or row.unread
        if kept is None:
            if isinstance(row, WorkspaceEntry):
                session.add(WorkspaceEntry(agent_id=row.agent_id, case_id=target,
                                           added_at=row.added_at, unread=row.unread))
            else:
                session.add(Watch(agent_id=row.agent_id, case_id=target))
        session.delete(row)


def toggle_row(session: Session, table: type[Watch] | type[WorkspaceEntry], case: Case,
            agent: Agent, present: bool, actor: Actor, now: datetime, what: str) -> bool:
    row = session.get(table, (case.id, agent.id) if table is Watch else (agent.id, case.id))
    if present and row is None:
        if table is Watch:
            session.add(Watch(case_id=id_of(case), agent_id=id_of(agent)))
        else:
            session.add(WorkspaceEntry(agent_id=id_of(agent), case_id=id_of(case), added_at=now))
    elif not present and row is not None:
        session.delete(row)
    else:
        return present
    audit.record(session, actor, f"{what}.{'add' if present else 'remove'}", at=now,
                 case_id=case.id, after={"agent": agent.login})
    return present


def join_channel(session: Session, channel_id: int, agent_id: int) -> None:
    """`agent_id` a member of `channel_id`, also when another process just made it so."""
    table = table_of(ChannelMember)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(insert.values(channel_id=channel_id, agent_id=agent_id)
                    .on_conflict_do_nothing(index_elements=["channel_id", "agent_id"]))


def can_see(session: Session, login: str, case: Case) -> bool:
    channels = visible_channels(session, resolve_actor(session, login))
    return channels is None or case.channel_id in channels


def require_can_see(session: Session, login: str, case: Case) -> None:
    if not can_see(session, login, case):
        raise Forbidden(
            f"{login} is not a member of the channel of case #{case.id}: a supervisor can "
            "add them to it"
        )


def agent_named(session: Session, login: str) -> Agent:
    agent = session.scalars(sa.select(Agent).where(col(Agent.login) == login.strip())).first()
    if agent is None:
        raise NotFound(f"there is no agent {login!r} (see `casedesk agent list`)")
    return agent


def channel_named(session: Session, name: str) -> Channel:
    channel = session.scalars(sa.select(Channel).where(col(Channel.name) == name.strip())).first()
    if channel is None:
        channel = session.scalars(
            sa.select(Channel).where(sa.func.lower(Channel.name) == name.strip().lower())
        ).first()
    if channel is None:
        raise NotFound(f"there is no channel {name!r} (see `casedesk channel list`)")
    return channel


def login_of(session: Session, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    return session.scalar(sa.select(col(Agent.login)).where(col(Agent.id) == agent_id))
