"""Rows into the frozen views the TUI and the CLI get (store.views): pure functions of
a session and its rows, so no widget ever holds a live ORM object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import case_pages, events
from store.inputs import OutboxMail
from store.models import (
    Agent,
    Attachment,
    Case,
    CaseField,
    Channel,
    ChannelMember,
    Contact,
    Mention,
    Message,
    Outbox,
    Satisfaction,
    Watch,
    WorkspaceEntry,
)
from store.permissions import (
    Actor,
    visible_channels,
)
from store.records import linked_cases, login_of
from store.standing import standing_of
from store.tables import id_of
from store.triage import flags_of
from store.views import (
    AgentView,
    AttachmentView,
    CaseRow,
    CaseView,
    ChannelView,
    ContactView,
    MessageView,
)


def case_row(session: Session, case: Case) -> CaseRow:
    return case_pages.to_row(session.execute(
        case_pages.row_columns().where(col(Case.id) == case.id)).one())


def agent_view(session: Session, agent: Agent) -> AgentView:
    channels = session.scalars(
        sa.select(col(Channel.name))
        .join(ChannelMember, col(ChannelMember.channel_id) == Channel.id)
        .where(col(ChannelMember.agent_id) == agent.id).order_by(col(Channel.name))
    )
    return AgentView(agent.login, agent.name, agent.email, agent.is_supervisor,
                     agent.is_active, tuple(channels))


def channel_view(session: Session, channel: Channel) -> ChannelView:
    members = session.scalars(
        sa.select(col(Agent.login)).join(ChannelMember, col(ChannelMember.agent_id) == Agent.id)
        .where(col(ChannelMember.channel_id) == channel.id).order_by(col(Agent.login))
    )
    return ChannelView(channel.name, channel.kind, channel.address, tuple(members),
                       channel.signature)


def outbox_mail(row: Outbox | sa.Row[Any]) -> OutboxMail:
    """An outbox row, the model's or the table's (a claim's RETURNING)."""
    return OutboxMail(
        id=id_of(row), case=row.case_id, state=row.state, from_addr=row.from_addr,
        to_addr=row.to_addr, subject=row.subject, body=row.body,
        message_id=row.mail_message_id, in_reply_to=row.in_reply_to,
        references=row.references, created_at=row.created_at, attempts=row.attempts,
        last_error=row.last_error, auto_submitted=row.auto_submitted)


def message_view(session: Session, m: Message,
                  attachments: Sequence[Attachment] | None = None,
                  mentions: Sequence[str] | None = None,
                  delivery: str | None = None) -> MessageView:
    if attachments is None:
        attachments = session.scalars(
            sa.select(Attachment).where(col(Attachment.message_id) == m.id)
            .order_by(col(Attachment.id))
        ).all()
    if mentions is None:
        mentions = session.scalars(
            sa.select(col(Agent.login)).join(Mention, col(Mention.agent_id) == Agent.id)
            .where(col(Mention.message_id) == m.id).order_by(col(Agent.login))
        ).all()
    if delivery is None:
        delivery = session.scalar(sa.select(col(Outbox.state)).where(
            col(Outbox.message_id) == m.id)) or ""
    event = events.loaded(m.event_kind, m.event_params) if m.event_kind else None
    return MessageView(
        id=id_of(m), kind=m.kind, author=m.author, created_at=m.created_at,
        text=m.text if event is None else event.english(), event=event,
        flags=tuple(x for x in m.flags.split(",") if x), mentions=tuple(mentions),
        attachments=tuple(AttachmentView(id_of(a), a.filename, a.content_type, a.size, a.sha256)
                          for a in attachments),
        origin_case=m.origin_case_id if m.origin_case_id != m.case_id else None,
        mail_message_id=m.mail_message_id, sender_address=m.sender_address,
        delivery=delivery,
    )


def related_rows(session: Session, actor: Actor, case: Case, query: sa.Select,
             *, merged: bool = False, limit: int = 200) -> sa.Select:
    """The cases related to `case` that the actor may see: the same contact's others and
    those linked to it, newest updated first; `merged`: with the linked ones merged
    away (the detail names them; a merge cannot take them again)."""
    linked = linked_cases(session, id_of(case))
    same_contact = sa.and_(col(Case.contact_id) == case.contact_id,
                           col(Case.merged_into_id).is_(None))
    query = query.where(
        sa.or_(same_contact, col(Case.id).in_(linked or [-1])), col(Case.id) != case.id,
        sa.true() if merged else col(Case.merged_into_id).is_(None))
    visible = visible_channels(session, actor)
    if visible is not None:
        query = query.where(col(Case.channel_id).in_(sorted(visible) or [-1]))
    return query.order_by(col(Case.updated_at).desc(), col(Case.id).desc()).limit(limit)


def case_view(session: Session, case: Case, related: tuple[int, ...]) -> CaseView:
    channel = session.get_one(Channel, case.channel_id)
    contact = session.get_one(Contact, case.contact_id)
    messages = session.scalars(
        sa.select(Message).where(col(Message.case_id) == case.id).order_by(col(Message.created_at),
                                                                      col(Message.id))
    ).all()
    ids = [m.id for m in messages]
    attachments: dict[int, list[Attachment]] = {}
    mentions: dict[int, list[str]] = {}
    deliveries: dict[int, str] = {}
    if ids:
        for a in session.scalars(sa.select(Attachment).where(col(Attachment.message_id).in_(ids))
                                 .order_by(col(Attachment.id))):
            attachments.setdefault(a.message_id, []).append(a)
        for mid, login in session.execute(
            sa.select(col(Mention.message_id), col(Agent.login))
            .join(Agent, col(Agent.id) == Mention.agent_id)
            .where(col(Mention.message_id).in_(ids)).order_by(col(Agent.login))
        ):
            mentions.setdefault(mid, []).append(login)
        deliveries = dict(session.execute(sa.select(col(Outbox.message_id), col(Outbox.state))
                                          .where(col(Outbox.message_id).in_(ids))).all())
    watchers = session.scalars(
        sa.select(col(Agent.login)).join(Watch, col(Watch.agent_id) == Agent.id)
        .where(col(Watch.case_id) == case.id).order_by(col(Agent.login))
    )
    workspaces = session.scalars(
        sa.select(col(Agent.login)).join(WorkspaceEntry, col(WorkspaceEntry.agent_id) == Agent.id)
        .where(col(WorkspaceEntry.case_id) == case.id).order_by(col(Agent.login))
    )
    return CaseView(
        number=id_of(case), title=case.title, status=case.status, channel=channel.name,
        channel_kind=channel.kind,
        contact=ContactView(id_of(contact), contact.name, contact.email, contact.phone,
                            contact.customer_type, contact.tier,
                            standing_of(session, case, contact.email, contact.standing),
                            contact.standing is not None),
        assignee=login_of(session, case.assignee_id), priority=case.priority,
        labels=tuple(x for x in case.labels.split(",") if x), version=case.version,
        created_at=case.created_at, updated_at=case.updated_at,
        first_response_at=case.first_response_at, solved_at=case.solved_at,
        closed_at=case.closed_at, archived_at=case.archived_at,
        merged_into=case.merged_into_id, watchers=tuple(watchers),
        related=related,
        messages=tuple(message_view(session, m, attachments.get(id_of(m), []),
                                     mentions.get(id_of(m), []), deliveries.get(id_of(m), ""))
                       for m in messages),
        in_workspaces=tuple(workspaces), flags=flags_of(case.flags),
        fields=tuple((name, value) for name, value in session.execute(sa.select(
            col(CaseField.name), col(CaseField.value)).where(
            col(CaseField.case_id) == case.id).order_by(col(CaseField.name)))),
        rating=session.scalar(sa.select(col(Satisfaction.rating)).where(
            col(Satisfaction.case_id) == case.id)),
    )
