"""Changes to a case by an agent: status, assignment, priority, labels, title,
channel, watching, links, merging and splitting — each checked and audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, case_pages, search, workspace
from store.converters import case_row, related_rows
from store.core import ServiceCore
from store.errors import InvalidInput
from store.fields import clean_title, label_text, parse_priority
from store.inputs import MessageInput
from store.labels import require_known as labels_known
from store.lifecycle import (
    ActorKind,
    parse_status,
)
from store.models import (
    Case,
    Channel,
    Contact,
    InboundMail,
    Message,
    MessageKind,
    Outbox,
    Watch,
    WorkspaceEntry,
)
from store.permissions import (
    Actor,
    can_see_case,
    require_case,
    require_channel,
    require_supervisor,
    unseen,
)
from store.records import (
    add_link,
    agent_named,
    can_see,
    channel_named,
    earliest,
    insert_case,
    join_channel,
    linked_cases,
    login_of,
    move_agent_rows,
    require_can_see,
    require_not_merged,
    toggle_row,
)
from store.standing import parse_standing, standing_of
from store.tables import id_of
from store.views import (
    CaseRow,
)


class CaseEditOps(ServiceCore):
    """An agent's changes to a case."""

    def _edit(
        self,
        number: int,
        expected_version: int | None,
        change: Callable[[Session, Actor, Case], None],
    ) -> CaseRow:
        def work(session: Session, actor: Actor) -> CaseRow:
            case = require_case(session, actor, number, for_update=True)
            require_not_merged(case)
            self._check_version(case, expected_version)
            change(session, actor, case)
            session.flush()
            return case_row(session, case)

        return self._write(work)

    def set_status(self, number: int, status: str, *,
                   expected_version: int | None = None) -> CaseRow:
        target = parse_status(status)
        return self._edit(
            number, expected_version,
            lambda session, actor, case: self._transition(session, actor, case, target),
        )

    def assign(self, number: int, login: str | None, *,
               expected_version: int | None = None) -> CaseRow:
        """Assign to `login` ("me" for oneself), or unassign with None."""

        def change(session: Session, actor: Actor, case: Case) -> None:
            self._require_human(actor, "assign cases", allow_system=True)
            agent = None
            if login is not None:
                agent = agent_named(session, actor.login if login == "me" else login)
                if not agent.is_active:
                    raise InvalidInput(f"{agent.login} is deactivated")
                if (actor.kind is ActorKind.SUPERVISOR and not agent.is_ai
                        and not can_see(session, agent.login, case)):
                    # A supervisor assigns any case to any person: who owns a case must
                    # read it, so its channel gets them as a member (said in the case).
                    # (An AI agent's channels stay a choice of their own.)
                    channel = session.get_one(Channel, case.channel_id)
                    join_channel(session, id_of(channel), id_of(agent))
                    audit.record(session, actor, "channel.member.add", at=self._now(),
                                 after={"channel": channel.name, "login": agent.login})
                    self._event(session, case, "member-added", login=agent.login,
                                channel=channel.name, actor=actor)
                require_can_see(session, agent.login, case)
            before = login_of(session, case.assignee_id)
            after = agent.login if agent else None
            if before == after:
                # Taking a case one already holds still begins the work on it (a case
                # assigned while New, before the lifecycle opened assigned cases).
                if after is not None:
                    self._work_begins(session, actor, case, "assigned")
                return
            case.assignee_id = agent.id if agent else None
            if agent is not None:
                workspace.assigned(session, id_of(case), id_of(agent), actor.agent_id,
                                   self._now())
            self._bump(case)
            audit.record(session, actor, "case.assign", at=self._now(), case_id=case.id,
                         before={"assignee": before}, after={"assignee": after})
            self._event(session, case, "assigned" if after else "unassigned", login=after,
                        actor=actor)
            if after is not None:
                self._work_begins(session, actor, case, "assigned", bump=False)

        return self._edit(number, expected_version, change)

    def set_priority(self, number: int, priority: str, *,
                     expected_version: int | None = None) -> CaseRow:
        value = parse_priority(priority)

        def change(session: Session, actor: Actor, case: Case) -> None:
            if case.priority == value:
                return
            before, case.priority = case.priority, value
            self._bump(case)
            self._apply_sla(session, case)
            audit.record(session, actor, "case.priority", at=self._now(), case_id=case.id,
                         before={"priority": before}, after={"priority": value})
            self._event(session, case, "priority", start=before, end=value, actor=actor)

        return self._edit(number, expected_version, change)

    def set_customer_type(self, number: int, standing: str | None) -> str:
        """Set the customer type (new, existing, internal) of case `number`'s contact, for
        their cases to come too; None: derived again (store/standing.py). The type now.
        Supervisors only: the contact's cases in channels an agent cannot see would
        change too (the rules read the type)."""
        value = parse_standing(standing) if standing is not None else None

        def work(session: Session, actor: Actor) -> str:
            require_supervisor(actor, "set a customer's type")
            case = require_case(session, actor, number)
            contact = session.get_one(Contact, case.contact_id)
            if contact.standing != value:
                audit.record(session, actor, "contact.standing", at=self._now(),
                             case_id=case.id, before={"standing": contact.standing},
                             after={"standing": value, "contact": contact.id})
                contact.standing = value
            return standing_of(session, case, contact.email, value)

        return self._write(work)

    def set_labels(self, number: int, labels: Iterable[str], *,
                   expected_version: int | None = None) -> CaseRow:
        value = label_text(labels)

        def change(session: Session, actor: Actor, case: Case) -> None:
            if case.labels == value:
                return
            labels_known(session, value.split(","), had=case.labels.split(","))
            before, case.labels = case.labels, value
            self._bump(case)
            audit.record(session, actor, "case.labels", at=self._now(), case_id=case.id,
                         before={"labels": before}, after={"labels": value})

        return self._edit(number, expected_version, change)

    def rename(self, number: int, title: str, *, expected_version: int | None = None) -> CaseRow:
        value = clean_title(self._mask(title))

        def change(session: Session, actor: Actor, case: Case) -> None:
            if case.title == value:
                return
            before = case.title
            with search.reindexing(session, case.id):
                case.title = value
            self._bump(case)
            audit.record(session, actor, "case.title", at=self._now(), case_id=case.id,
                         before={"title": before}, after={"title": value})
            self._event(session, case, "title", before=before, actor=actor)

        return self._edit(number, expected_version, change)

    def move_channel(self, number: int, channel: str, *,
                     expected_version: int | None = None) -> CaseRow:
        def change(session: Session, actor: Actor, case: Case) -> None:
            target = channel_named(session, channel)
            require_channel(session, actor, id_of(target), f"the channel {target.name!r}")
            if target.id == case.channel_id:
                return
            before = session.get_one(Channel, case.channel_id).name
            case.channel_id = id_of(target)
            self._bump(case)
            audit.record(session, actor, "case.channel", at=self._now(), case_id=case.id,
                         before={"channel": before}, after={"channel": target.name})
            self._event(session, case, "channel", start=before, end=target.name,
                        actor=actor)
            self._drop_unseeing(session, actor, case)
            # Nobody stays assigned to a case they can no longer see.
            assignee = login_of(session, case.assignee_id)
            if assignee and not can_see(session, assignee, case):
                case.assignee_id = None
                audit.record(session, actor, "case.assign", at=self._now(), case_id=case.id,
                             before={"assignee": assignee}, after={"assignee": None})
                self._event(session, case, "unassigned-not-member", login=assignee,
                            channel=target.name, actor=actor)

        return self._edit(number, expected_version, change)

    def set_watch(self, number: int, *, watching: bool, login: str | None = None) -> bool:
        """Watch (or stop watching) a case; a supervisor may do it for someone else."""

        def work(session: Session, actor: Actor) -> bool:
            case = require_case(session, actor, number)
            agent = self._agent_for(session, actor, login, "change someone else's watches")
            require_can_see(session, agent.login, case)
            return toggle_row(session, Watch, case, agent, watching, actor, self._now(), "watch")

        return self._write(work)

    def related(self, number: int) -> list[CaseRow]:
        """Other cases of the same contact, and cases linked to this one."""

        def work(session: Session, actor: Actor) -> list[CaseRow]:
            case = require_case(session, actor, number)
            query = related_rows(session, actor, case, case_pages.row_columns())
            return [case_pages.to_row(r) for r in session.execute(query)]

        return self._read(work)

    def link(self, number: int, other: int) -> None:
        def work(session: Session, actor: Actor) -> None:
            a = require_case(session, actor, number)
            b = require_case(session, actor, other)
            if a.id == b.id:
                raise InvalidInput("a case cannot be linked to itself")
            if add_link(session, id_of(a), id_of(b), "related", self._now()):
                audit.record(session, actor, "case.link", at=self._now(), case_id=a.id,
                             after={"linked": b.id})
                self._event(session, a, "linked", number=b.id, actor=actor)
                self._event(session, b, "linked", number=a.id, actor=actor)

        self._write(work)

    def merge(self, number: int, into: int) -> int:
        """Merge case `number` into case `into`: the conversation, attachments, watchers,
        workspace entries and links move; the merged case keeps its number and points
        to the survivor. Returns the survivor's number."""

        def work(session: Session, actor: Actor) -> int:
            self._require_human(actor, "merge cases")
            source = require_case(session, actor, number, for_update=True)
            target = require_case(session, actor, into, for_update=True)
            if source.id == target.id:
                raise InvalidInput("a case cannot be merged into itself")
            require_not_merged(source)
            require_not_merged(target)
            now = self._now()
            moved = session.scalar(
                sa.select(sa.func.count()).select_from(Message)
                .where(col(Message.case_id) == source.id)
            )
            with search.reindexing(session, source.id, target.id):
                session.execute(
                    sa.update(Message).where(col(Message.case_id) == source.id)
                    .values(case_id=target.id,
                            origin_case_id=sa.func.coalesce(col(Message.origin_case_id), source.id))
                )
            # The raw mail goes where its message goes (retention purges them together).
            for mail_table in (Outbox, InboundMail):
                session.execute(sa.update(mail_table).where(col(mail_table.case_id) == source.id)
                                .values(case_id=target.id))
            for table in (Watch, WorkspaceEntry):
                move_agent_rows(session, table, id_of(source), id_of(target))
            self._drop_unseeing(session, actor, target)
            for other in linked_cases(session, id_of(source)):
                if other != target.id:
                    add_link(session, id_of(target), other, "related", now)
            add_link(session, id_of(source), id_of(target), "merged", now)
            source.merged_into_id = target.id
            target.flags |= source.flags  # the survivor carries what both were marked with
            target.updated_at = source.updated_at = now
            target.first_response_at = earliest(target.first_response_at,
                                                  source.first_response_at)
            self._bump(source)
            self._bump(target)
            audit.record(session, actor, "case.merge", at=now, case_id=source.id,
                         before={"case": source.id, "messages": moved}, after={"into": target.id})
            audit.record(session, actor, "case.merge.survivor", at=now, case_id=target.id,
                         after={"merged": source.id, "messages": moved})
            self._event(session, target, "merged-here", number=source.id, title=source.title,
                        messages=moved, actor=actor)
            self._event(session, source, "merged-into", number=target.id, actor=actor)
            return id_of(target)

        return self._write(work)

    def split(self, message_id: int, *, title: str | None = None) -> int:
        """Move one message (a different question that hijacked a thread) into a new
        case for the same contact, linked to the old one. Returns the new number."""
        title = self._mask(title) if title is not None else None

        def work(session: Session, actor: Actor) -> int:
            self._require_human(actor, "split cases")
            message = session.get(Message, message_id)
            if message is None or not can_see_case(session, actor, message.case_id):
                raise unseen(actor, f"message {message_id}")  # (its case unnamed)
            old = require_case(session, actor, message.case_id, for_update=True)
            require_not_merged(old)
            if message.kind == MessageKind.EVENT.value:
                raise InvalidInput("a system event cannot be split off")
            now = self._now()
            # A new case: triage reads the customer's message split off (its priority
            # stays the old case's, a person's choice).
            assessment = self._assess(title or old.title, MessageInput(message.text) if (
                message.kind == MessageKind.CUSTOMER.value) else None)
            new = insert_case(
                session, actor, session.get_one(Channel, old.channel_id),
                session.get_one(Contact, old.contact_id),
                title=title or old.title, escalated=False, priority=old.priority,
                labels=old.labels.split(","), now=now, flags=assessment.bits,
            )
            search.index_new_case(session, id_of(new))
            with search.reindexing(session, old.id, new.id):
                message.case_id = id_of(new)
                for mail_table in (Outbox, InboundMail):
                    session.execute(sa.update(mail_table)
                                    .where(col(mail_table.message_id) == message.id)
                                    .values(case_id=new.id))
            add_link(session, id_of(old), id_of(new), "split", now)
            old.updated_at = now
            self._bump(old)
            audit.record(session, actor, "case.split", at=now, case_id=old.id,
                         after={"message": message.id, "new_case": new.id})
            self._event(session, old, "split-into", number=new.id, actor=actor)
            self._event(session, new, "split-from", number=old.id, actor=actor)
            self._record_flags(session, actor, new, assessment)
            return id_of(new)

        return self._write(work)
