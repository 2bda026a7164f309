"""My workspace: an agent's own queue — what is in it, what is unread, its settings
(the rules that fill it live in store.workspace).
"""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, workspace
from store.core import ServiceCore
from store.errors import ReadOnly
from store.models import (
    Case,
    WorkspaceEntry,
)
from store.permissions import (
    Actor,
    require_case,
    visible_channels,
)
from store.records import require_can_see, toggle_row
from store.statuses import ENDED
from store.tables import id_of
from store.workspace import WorkspacePrefs


class MyWorkspaceOps(ServiceCore):
    """An agent's own queue."""

    def in_workspace(self, number: int) -> bool:
        """Whether case `number` is in the actor's own workspace."""

        def work(session: Session, actor: Actor) -> bool:
            require_case(session, actor, number)
            return actor.agent_id is not None and session.get(
                WorkspaceEntry, (actor.agent_id, number)) is not None

        return self._read(work)

    def workspace_prefs(self, login: str | None = None) -> WorkspacePrefs:
        """Which cases enter and leave a workspace (the actor's own by default)."""

        def work(session: Session, actor: Actor) -> WorkspacePrefs:
            agent = self._agent_for(session, actor, login, "see someone else's workspace")
            return workspace.prefs(session, id_of(agent))

        return self._read(work)

    def set_workspace_prefs(self, prefs: WorkspacePrefs) -> None:
        """Save the actor's workspace settings; `workspace.STANDARD` resets them."""

        def work(session: Session, actor: Actor) -> None:
            agent = self._agent_for(session, actor, None, "")
            before = workspace.prefs(session, id_of(agent))
            workspace.save_prefs(session, id_of(agent), prefs)

            audit.record(session, actor, "workspace.settings", at=self._now(),
                         before=asdict(before), after=asdict(prefs))

        self._write(work)

    def mark_read(self, number: int) -> bool:
        """The actor has looked at case `number`: nothing new in it for them now.
        Returns whether it was unread."""
        if self._read_all:  # asked to change, even when there is nothing to change
            raise ReadOnly()

        def work(session: Session, actor: Actor) -> None:
            require_case(session, actor, number)
            if actor.agent_id is not None:
                workspace.read(session, actor.agent_id, number)

        with self.db.read() as session:  # most opened cases are read already: no write
            actor = self._actor(session)
            if actor.agent_id is None or not session.scalar(
                    sa.select(col(WorkspaceEntry.unread)).where(
                        col(WorkspaceEntry.agent_id) == actor.agent_id,
                        col(WorkspaceEntry.case_id) == number)):

                return False
        self._write(work)
        return True

    def workspace_counts(self, login: str | None = None) -> tuple[int, int]:
        """(cases, unread ones) in a workspace that the actor may see (the actor's own
        by default; a supervisor may follow anyone's)."""

        def work(session: Session, actor: Actor) -> tuple[int, int]:
            agent = self._agent_for(session, actor, login, "follow someone else's workspace")
            visible = visible_channels(session, actor)
            # As the workspace's list shows it by default: not the ended cases.
            query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case(
                (col(WorkspaceEntry.unread), 1), else_=0)), 0)).select_from(WorkspaceEntry).join(
                Case, col(Case.id) == WorkspaceEntry.case_id).where(
                col(WorkspaceEntry.agent_id) == agent.id, col(Case.merged_into_id).is_(None),
                col(Case.status).not_in([s.value for s in ENDED]))
            if visible is not None:
                query = query.where(col(Case.channel_id).in_(visible or {-1}))
            total, unread = session.execute(query).one()
            return int(total), int(unread)

        return self._read(work)

    def set_in_workspace(self, number: int, *, present: bool, login: str | None = None) -> bool:
        """Add a case to (or remove it from) a workspace, the actor's own by default."""

        def work(session: Session, actor: Actor) -> bool:
            case = require_case(session, actor, number)
            agent = self._agent_for(session, actor, login, "change someone else's workspace")
            require_can_see(session, agent.login, case)
            return toggle_row(session, WorkspaceEntry, case, agent, present, actor, self._now(),
                           "workspace")

        return self._write(work)
