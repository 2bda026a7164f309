"""New cases and the conversation: a customer's or an AI agent's message, an agent's
reply (on an email case queued as mail in the same step), an internal note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, ingest_keys, search, workspace
from store.converters import message_view
from store.core import ServiceCore
from store.drafts import forget_draft
from store.errors import InvalidInput
from store.fields import MENTION_RE, form_fields
from store.inputs import ContactInput, MessageInput
from store.labels import require_known
from store.lifecycle import (
    check_transition,
    parse_status,
)
from store.models import (
    Agent,
    Case,
    CaseField,
    Channel,
    ChannelKind,
    Mention,
    Message,
    MessageKind,
    OutboxState,
    Status,
)
from store.permissions import (
    Actor,
    require_case,
    require_channel,
)
from store.records import (
    can_see,
    channel_named,
    find_or_add_contact,
    insert_case,
    require_not_merged,
)
from store.statuses import ENDED
from store.tables import id_of, run, table_of
from store.triage import routing
from store.views import (
    Landing,
    MessageView,
)

# A reply is mail only on an email channel: its kind alone, most replies (a chat's)
# need no more of the channel.
_CHANNEL_KIND = sa.select(table_of(Channel).c.kind).where(
    table_of(Channel).c.id == sa.bindparam("id"))
_EMAIL = ChannelKind.EMAIL.value


class ConversationOps(ServiceCore):
    """New cases, messages, replies and notes."""

    def create_case(
        self,
        *,
        channel: str,
        contact: ContactInput,
        title: str,
        messages: Sequence[MessageInput] = (),
        escalated: bool = False,
        priority: str | None = None,
        labels: Iterable[str] = (),
        first_reply: str | None = None,
        source_id: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> int:
        """Create a case (as `new`, or `escalated` when an AI agent hands it over) and
        return its number. `first_reply`: the case starts with an agent's message to
        the contact (by mail on an email channel: queued in the outbox), all in one step.
        `source_id`: the source system's id (ingest), taken once per channel: a second
        time it raises `AlreadyTaken` and changes nothing. `fields`: a web form's
        (order number, category), kept with the case."""
        if first_reply is not None and not first_reply.strip():
            raise InvalidInput("the first message is empty")
        form = {name: self._mask(value) for name, value in form_fields(fields or {}).items()}
        labels = list(labels)  # read twice: checked, then kept
        title = self._mask(title)
        messages = [self._mask_message(m) for m in messages]
        first_reply = self._mask(first_reply) if first_reply is not None else None

        def work(session: Session, actor: Actor) -> int:
            ch = channel_named(session, channel)
            require_channel(session, actor, id_of(ch), f"the channel {ch.name!r}")
            require_known(session, labels)
            scope = ingest_keys.channel_scope(id_of(ch))
            if source_id is not None:
                ingest_keys.refuse_taken(session, scope, source_id)
            # Triage reads what the customer wrote: the title and their first message.
            first = next((m for m in messages if m.sender == "customer"), None)
            assessment = self._assess(title, first)
            customer = find_or_add_contact(session, contact, self._now())
            case = insert_case(
                session, actor, ch, customer,
                title=title, escalated=escalated, priority=assessment.priority(priority),
                labels=labels, now=self._now(), flags=assessment.bits,
                # A conversation told after the fact (ingest's `at`) began with it.
                created=min((m.at for m in messages
                             if m.at is not None and m.at.tzinfo is not None), default=None),
            )
            if form:  # before the case is indexed: search finds them
                session.add_all(CaseField(case_id=id_of(case), name=name, value=value)
                                for name, value in form.items())
                session.flush()
            rows = [self._append_inbound(session, actor, case, m) for m in messages]
            self._record_flags(session, actor, case, assessment, at=next(
                (row.created_at for row, m in zip(rows, messages, strict=True) if m is first),
                None))
            if first_reply is not None:
                self._require_human(actor, "reply")
                self._answer(session, actor, case, first_reply)
            # The team's rules last: the case is whole (its creator's reply on it).
            routing.route(self, session, case, title, first, priority_chosen=bool(priority),
                          contact=customer)
            search.index_new_case(session, id_of(case))
            if source_id is not None:  # in this transaction: taken with the case or not at all
                ingest_keys.record(session, scope, source_id, case=id_of(case), message=None,
                                   now=self._now())
            return id_of(case)

        return self._write(work)

    def add_message(self, number: int, message: MessageInput, *,
                    source_id: str | None = None) -> Landing:
        """A message from outside (the customer, an AI agent, a chat transcript) on
        case `number`. Returns where it landed: a merged case forwards to its
        survivor; a closed or archived case gets a new linked case.
        `source_id`: as for `create_case`, taken once per case `number`."""
        message = self._mask_message(message)

        def work(session: Session, actor: Actor) -> Landing:
            case = require_case(session, actor, number, for_update=True)
            scope = ingest_keys.case_scope(number)
            if source_id is not None:
                ingest_keys.refuse_taken(session, scope, source_id)
            landed, row, landing = self._add_inbound(session, actor, case, message)
            if source_id is not None:
                ingest_keys.record(session, scope, source_id, case=id_of(landed), message=row.id,
                                   now=self._now())
            return landing

        return self._write(work)

    def reply(
        self,
        number: int,
        text: str,
        *,
        status: str | None = None,
        expected_version: int | None = None,
    ) -> MessageView:
        """An agent's answer to the customer; on an email case it is queued in the
        outbox. `status` is set in the same step. Sensitive numbers in `text` are
        masked (store/privacy): the view returned says what was kept."""
        text = self._mask(text)

        def work(session: Session, actor: Actor) -> MessageView:
            self._require_human(actor, "reply")
            case = require_case(session, actor, number, for_update=True)
            require_not_merged(case)
            if Status(case.status) in ENDED:
                # The customer's own answer would start a new case: so does ours.
                raise InvalidInput(
                    f"case #{case.id} is {case.status}: a reply goes on a new case for the "
                    "customer (a note may still be added here)")
            if not text.strip():
                raise InvalidInput("the reply is empty")
            if status is not None:
                self._check_version(case, expected_version)
                check_transition(Status(case.status), parse_status(status), actor.kind)
            with search.reindexing(session, case.id):
                row = self._answer(session, actor, case, text)
            forget_draft(session, actor, id_of(case))
            if status is not None:
                self._transition(session, actor, case, parse_status(status))
            else:
                self._work_begins(session, actor, case, "answered")
            # (A new reply has no attachments and mentions no one, and it is queued as
            # mail exactly when it was given a mail's id: nothing read back.)
            return message_view(session, row, attachments=(), mentions=(), delivery=(
                OutboxState.QUEUED.value if row.mail_message_id else ""))

        return self._write(work)

    def _answer(self, session: Session, actor: Actor, case: Case, text: str) -> Message:
        """The reply's row, its first-response time, and on an email case its mail."""
        now = self._now()
        row = Message(case_id=id_of(case), kind=MessageKind.REPLY.value, author=actor.display,
                      author_agent_id=actor.agent_id, text=text, created_at=now,
                      origin_case_id=case.id)
        session.add(row)
        session.flush()
        if case.first_response_at is None:
            case.first_response_at = now
        case.updated_at = now
        if run(session, _CHANNEL_KIND, {"id": case.channel_id}).scalar_one() == _EMAIL:
            self._queue_mail(session, case, session.get_one(Channel, case.channel_id), row)
        audit.record(session, actor, "message.reply", at=now, case_id=case.id,
                     after={"message": row.id})
        workspace.activity(session, [id_of(case)], actor.agent_id, now)
        return row

    def note(self, number: int, text: str, *, status: str | None = None,
             expected_version: int | None = None) -> MessageView:
        """An internal note: never sent. `@login` mentions of known agents are recorded.
        Masked as a reply is."""
        text = self._mask(text)

        def work(session: Session, actor: Actor) -> MessageView:
            self._require_human(actor, "write notes")
            case = require_case(session, actor, number, for_update=True)
            require_not_merged(case)
            if not text.strip():
                raise InvalidInput("the note is empty")
            if status is not None:
                self._check_version(case, expected_version)
                check_transition(Status(case.status), parse_status(status), actor.kind)
            now = self._now()
            with search.reindexing(session, case.id):
                row = Message(case_id=id_of(case), kind=MessageKind.NOTE.value,
                              author=actor.display, author_agent_id=actor.agent_id,
                              text=text, created_at=now, origin_case_id=case.id)
                session.add(row)
                session.flush()
            logins = {m.lower() for m in MENTION_RE.findall(text)}
            told_logins: list[str] = []
            if logins:
                mentioned = session.scalars(
                    sa.select(Agent).where(sa.func.lower(col(Agent.login)).in_(logins))).all()
                # Only someone who may read the case is told about the note.
                told = [id_of(a) for a in mentioned
                        if a.is_active and can_see(session, a.login, case)]
                for agent_id in told:
                    session.add(Mention(message_id=id_of(row), agent_id=agent_id))
                told_logins = sorted(a.login for a in mentioned if id_of(a) in told)
                workspace.mentioned(session, id_of(case), told, now)
            workspace.activity(session, [id_of(case)], actor.agent_id, now)
            forget_draft(session, actor, id_of(case))
            case.updated_at = now
            audit.record(session, actor, "message.note", at=now, case_id=case.id,
                         after={"message": row.id, "mentions": sorted(logins)})
            if status is not None:
                self._transition(session, actor, case, parse_status(status))
            else:
                self._work_begins(session, actor, case, "answered")
            session.flush()
            # (What it holds is known here: nothing read back. A note is never sent.)
            return message_view(session, row, attachments=(), mentions=told_logins,
                                delivery="")

        return self._write(work)
