"""Reading cases: the filtered, grouped and sorted list (in SQL, a window at a time),
one case whole, attachments, the change feed, and who else has a case open.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, presence, queries, triage
from store.converters import case_view, message_view, related_rows
from store.core import ServiceCore
from store.errors import InvalidInput
from store.files import FileStore
from store.lifecycle import (
    ActorKind,
    allowed_targets,
    answer_targets,
)
from store.models import (
    Attachment,
    Case,
    Message,
    Status,
)
from store.permissions import (
    Actor,
    can_see_case,
    require_case,
    unseen,
    visible_channels,
)
from store.queries import CaseFilter, GroupCount, Grouping, Resolved
from store.records import agent_named, channel_named
from store.tables import id_of
from store.views import (
    CaseRow,
    CaseView,
    MessageView,
    PresenceView,
)


class ReadingOps(ServiceCore):
    """Lists, cases, attachments, the change feed, presence."""

    def set_presence(self, number: int | None, doing: str | None) -> None:
        """The actor is `doing` ("viewing", "replying") in case `number`, and in no
        other; None: in no case. Renew it every `presence.RENEW_SECONDS`."""

        def work(session: Session, actor: Actor) -> None:
            if number is not None and doing is not None:
                require_case(session, actor, number)
            if actor.agent_id is not None:
                presence.set_doing(session, self.presence_holder, actor.agent_id, number,
                                   doing, self._now())

        self._write(work, attempts=1)  # renewed soon anyway: never a long wait

    def present(self, number: int) -> list[PresenceView]:
        """Who else has case `number` open right now, those writing a reply first."""

        def work(session: Session, actor: Actor) -> list[PresenceView]:
            require_case(session, actor, number)
            return [PresenceView(login, name, doing) for login, name, doing
                    in presence.others_in(session, number, actor.agent_id, self._now())]

        return self._read(work)

    def list_cases(
        self, filters: CaseFilter | None = None, *, after: CaseRow | None = None,
        before: CaseRow | None = None, from_end: bool = False, skip: int = 0,
    ) -> list[CaseRow]:
        """One window of the cases `filters` selects that the actor may see: newest
        updated first (newest first when searching). `after`/`before` a row: the
        window following/preceding it; `from_end`: the last window; `skip`: the
        window that many rows down (see `case_pages.page_statement`)."""
        f = filters or CaseFilter()

        def resolve(session: Session, f: CaseFilter) -> tuple[Resolved, int | None]:
            actor = self._actor(session)
            resolved = self._resolve(session, actor, f)
            # Unread as the workspace's owner sees it: a supervisor following an agent
            # sees that agent's markers.
            return resolved, resolved.workspace_id or actor.agent_id

        return self.pages.page(resolve, f, after=after, before=before, from_end=from_end,
                               skip=skip)

    def case_position(self, filters: CaseFilter | None, row: CaseRow) -> int:
        """The index of `row` in the list `filters` selects (rows before it)."""

        def work(session: Session, actor: Actor) -> int:
            return queries.position(session, self._resolve(session, actor,
                                                           filters or CaseFilter()), row)

        return self._read(work)

    def count_cases(self, filters: CaseFilter | None = None) -> int:
        def work(session: Session, actor: Actor) -> int:
            return queries.count(session, self._resolve(session, actor, filters or CaseFilter()))

        return self._read(work)

    def in_list(self, filters: CaseFilter, number: int) -> bool:
        """Whether case `number` is in the list `filters` makes (a case open beside a
        list that it has left: filtered out, merged, ended by someone)."""

        def work(session: Session, actor: Actor) -> bool:
            return queries.holds(session, self._resolve(session, actor, filters), number)

        return self._read(work)

    def group_counts(
        self, filters: CaseFilter | None, by: Grouping, *, limit: int | None = None,
        after: str | int | None = None, before: str | int | None = None,
        from_end: bool = False, at: str | int | None = None,
    ) -> list[GroupCount]:
        """The groups of a grouped list with their sizes (see `queries.group_counts`)."""

        def work(session: Session, actor: Actor) -> list[GroupCount]:
            return queries.group_counts(
                session, self._resolve(session, actor, filters or CaseFilter()), by,
                limit=limit, after=after, before=before, from_end=from_end, at=at)

        return self._read(work)

    def group_total(self, filters: CaseFilter | None, by: Grouping, *,
                    below: str | int | None = None) -> int:
        """How many groups (before the key `below`) a grouped list has."""

        def work(session: Session, actor: Actor) -> int:
            return queries.group_total(
                session, self._resolve(session, actor, filters or CaseFilter()), by,
                below=below)

        return self._read(work)

    def _resolve(self, session: Session, actor: Actor, f: CaseFilter) -> Resolved:
        """Names to ids, "me" to the actor, and the channels the actor may see."""
        assignee_id = None
        if f.assignee not in (None, "none"):
            if f.assignee == "me":
                if actor.agent_id is None:
                    raise InvalidInput(f"{actor.login} has no cases of their own")
                assignee_id = actor.agent_id
            else:
                assignee_id = agent_named(session, f.assignee).id
        if f.watched and actor.agent_id is None:
            raise InvalidInput(f"{actor.login} watches no cases")
        workspace_id = None
        if f.workspace is not None:
            workspace_id = self._agent_for(session, actor, None if f.workspace == "me"
                                           else f.workspace, "follow someone else's workspace").id
        visible = visible_channels(session, actor)
        return Resolved(
            statuses=queries.statuses_of(f),
            channel_ids=tuple(sorted({id_of(channel_named(session, name))
                                      for name in queries.channels_of(f)})),
            assignee_id=assignee_id,
            unassigned=f.assignee == "none",
            priority=queries.parse_priority(f.priority) if f.priority else None,
            watcher_id=actor.agent_id if f.watched else None,
            contact_id=f.contact_id,
            visible=None if visible is None else tuple(sorted(visible)),
            workspace_id=workspace_id,
            fts=f.search.strip() if f.search and f.search.strip() else None,
            dialect=session.get_bind().dialect.name,
            sort=queries.parse_sort(f.sort),
            ascending=f.ascending,
            flag_bits=tuple(triage.holding(triage.parse_flag(f.flag))) if f.flag else (),
            labels=f.labels,
        )

    def allowed_statuses(self, number: int) -> list[str]:
        """The statuses the actor may move case `number` to now (for menus)."""

        def work(session: Session, actor: Actor) -> list[str]:
            case = require_case(session, actor, number)
            return [s.value for s in allowed_targets(Status(case.status), actor.kind)]

        return self._read(work)

    def answer_statuses(self, number: int) -> list[str]:
        """The statuses a reply or note on case `number` may set in the same step, in
        the order they are offered (an edit like `allowed_statuses`; the case's own
        status is a choice too: it leaves the status as it is)."""

        def work(session: Session, actor: Actor) -> list[str]:
            case = require_case(session, actor, number)
            return [s.value for s in answer_targets(Status(case.status), actor.kind)]

        return self._read(work)

    def earlier_replies(self, number: int) -> list[MessageView]:
        """The replies the customer of case `number` was sent, the newest first: what an
        agent may start a new reply from (notes and the customer's own words are not)."""

        def work(session: Session, actor: Actor) -> list[MessageView]:
            case = require_case(session, actor, number)
            rows = session.scalars(sa.select(Message).where(
                col(Message.case_id) == case.id, col(Message.kind) == "reply").order_by(
                col(Message.created_at).desc(), col(Message.id).desc()))
            return [message_view(session, m) for m in rows]

        return self._read(work)

    def get_case(self, number: int, *, read: str | None = None) -> CaseView:
        """Case `number` with its conversation. `read`: a person reads it now ("tui":
        opened in the TUI, "show", "json"): noted in the access log (store/reads.py);
        None for a reload of what is on screen already."""

        def work(session: Session, actor: Actor) -> CaseView:
            case = require_case(session, actor, number)
            related = session.scalars(related_rows(session, actor, case, sa.select(col(Case.id)),
                                               merged=True))
            if read is not None and actor.kind != ActorKind.SYSTEM:
                self.db.reads.note(actor.login, id_of(case), read, self._now())
            return case_view(session, case, tuple(related))

        return self._read(work)

    def attachment_content(self, attachment_id: int) -> tuple[str, bytes]:
        """An attachment's filename and bytes, for someone who may see its case."""

        def work(session: Session, actor: Actor) -> tuple[str, bytes]:

            attachment = session.get(Attachment, attachment_id)
            case_id = None if attachment is None else session.scalar(
                sa.select(col(Message.case_id)).where(col(Message.id) == attachment.message_id))
            if attachment is None or not case_id or not can_see_case(session, actor, case_id):

                raise unseen(actor, f"attachment {attachment_id}")  # (its case unnamed)
            return attachment.filename, FileStore(self.db).get(session, attachment.sha256)

        return self._read(work)

    def latest_change(self) -> int:
        with self.db.read() as session:
            return audit.latest_change(session)
