"""The workspace rules ("Min arbetsyta", the README's "My workspace"): which cases
enter and leave each agent's own queue, and which of them have something new.

Applied in the store when the event happens — a case arrives, its status or assignee
changes, someone writes in it, a note mentions a colleague — so they hold whichever
process makes the change (a TUI, the poller, the scheduler, `ingest`), with no screen
open. Each is one or two statements over the set of agents concerned; an entry that
is already there stays (ON CONFLICT: at most marked unread), so two processes adding
the same entry at once never fail. An agent without saved settings has the defaults.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from store.models import (
    Agent,
    Channel,
    ChannelKind,
    ChannelMember,
    Status,
    Watch,
    WorkspaceEntry,
    WorkspaceSettings,
)
from store.statuses import ENDED
from store.tables import dialect_of, run, table_of

KINDS = tuple(k.value for k in ChannelKind)


@dataclass(frozen=True)
class WorkspacePrefs:
    """An agent's workspace settings; `WorkspacePrefs()` is "Standard"."""

    new_case_kinds: tuple[str, ...] = ()  # channel kinds whose new cases are added
    leave_on_solved: bool = True
    leave_on_waiting: bool = False
    leave_on_parked: bool = False
    add_assigned: bool = True
    add_watched_on_activity: bool = True


STANDARD = WorkspacePrefs()
# The setting that takes a case out of the workspace when it gets that status.
LEAVES_ON = {Status.SOLVED: "leave_on_solved", Status.WAITING: "leave_on_waiting",
             Status.PARKED: "leave_on_parked"}


def stays(chosen: WorkspacePrefs, status: Status) -> bool:
    """Whether a case with `status` stays in the workspace of someone who chose so (an
    ended case is never shown in one)."""
    setting = LEAVES_ON.get(status)
    return status not in ENDED and not (setting and getattr(chosen, setting))


def prefs(session: Session, agent_id: int) -> WorkspacePrefs:
    row = session.get(WorkspaceSettings, agent_id)
    if row is None:
        return STANDARD
    kinds = tuple(k for k in row.new_case_kinds.split(",") if k)
    return WorkspacePrefs(kinds, row.leave_on_solved, row.leave_on_waiting,
                          row.leave_on_parked, row.add_assigned, row.add_watched_on_activity)


def save_prefs(session: Session, agent_id: int, chosen: WorkspacePrefs) -> None:
    unknown = set(chosen.new_case_kinds) - set(KINDS)
    if unknown:
        from store.errors import InvalidInput

        raise InvalidInput(f"unknown channel kind {sorted(unknown)[0]!r}: use "
                           f"{', '.join(KINDS)}")
    if chosen == STANDARD:  # "Standard": no row, the defaults
        row = session.get(WorkspaceSettings, agent_id)
        if row is not None:
            session.delete(row)
        return
    values = asdict(chosen)
    values["new_case_kinds"] = ",".join(k for k in KINDS if k in chosen.new_case_kinds)
    session.merge(WorkspaceSettings(agent_id=agent_id, **values))


def _setting(name: str) -> sa.ColumnElement[bool]:
    """The agent's setting `name`, or the default for an agent who saved none."""
    saved = sa.select(getattr(WorkspaceSettings, name)).where(
        col(WorkspaceSettings.agent_id) == Agent.id).scalar_subquery()
    return sa.func.coalesce(saved, sa.literal(getattr(STANDARD, name)))


def _reads(channel_id: sa.SQLColumnExpression[int]) -> sa.ColumnElement[bool]:
    """The agent may read cases of that channel (a supervisor reads every one)."""
    member = sa.select(col(ChannelMember.agent_id)).where(
        col(ChannelMember.channel_id) == channel_id, col(ChannelMember.agent_id) == Agent.id)
    return sa.or_(col(Agent.is_supervisor), member.exists())


def _people() -> sa.ColumnElement[bool]:
    return sa.and_(col(Agent.is_active), sa.not_(col(Agent.is_ai)), col(Agent.login) != "system")


def _insert(dialect: str, pairs: sa.Select, *, unread: bool) -> sa.Insert:
    """Insert the (agent_id, case_id) pairs that `pairs` selects, added at the bound
    `now`; an entry already there is kept as it is, except that `unread` marks it
    unread."""
    table = table_of(WorkspaceEntry)
    rows = pairs.add_columns(sa.bindparam("now", type_=table.c.added_at.type),
                             sa.literal(unread))
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.from_select(["agent_id", "case_id", "added_at", "unread"], rows)
    if unread:
        return statement.on_conflict_do_update(
            index_elements=["agent_id", "case_id"], set_={"unread": True})
    return statement.on_conflict_do_nothing(index_elements=["agent_id", "case_id"])


# The statements below are built once (a dialect each) and run on the session's
# connection (`tables.run`): on every new case, building one through the ORM cost
# more than running it.
_CASES: sa.BindParameter[list[int]] = sa.bindparam("cases", expanding=True)
_AGENTS: sa.BindParameter[list[int]] = sa.bindparam("agents", expanding=True)


@functools.cache
def _arrived(dialect: str) -> sa.Insert:
    from store.models import Case

    kinds = sa.func.coalesce(sa.select(col(WorkspaceSettings.new_case_kinds)).where(
        col(WorkspaceSettings.agent_id) == Agent.id).scalar_subquery(),
        sa.literal(",".join(STANDARD.new_case_kinds)))
    pairs = sa.select(col(Agent.id), col(Case.id)).select_from(Case).join(
        Channel, col(Channel.id) == Case.channel_id).join(Agent, sa.true()).where(
        col(Case.id).in_(_CASES), _people(), _reads(col(Case.channel_id)),
        ("," + kinds + ",").contains("," + col(Channel.kind) + ","))
    return _insert(dialect, pairs, unread=True)


def cases_arrived(session: Session, case_ids: Iterable[int], now: datetime) -> None:
    """New cases: into the workspace of everyone who reads their channel and wants
    new cases of its kind."""
    ids = list(case_ids)
    if ids:
        run(session, _arrived(dialect_of(session)), {"cases": ids, "now": now})


@functools.cache
def _leaving(setting: str) -> sa.Delete:
    """Out of the workspaces of those whose `setting` says so (built once a setting)."""
    leaving = sa.select(col(Agent.id)).where(_setting(setting))
    return sa.delete(WorkspaceEntry).where(
        col(WorkspaceEntry.case_id).in_(_CASES),
        col(WorkspaceEntry.agent_id).in_(leaving))


def status_changed(session: Session, case_ids: Iterable[int], status: Status) -> None:
    """Out of the workspaces of those who want cases with this status gone."""
    setting = LEAVES_ON.get(status)
    if setting is not None:
        run(session, _leaving(setting), {"cases": list(case_ids)})


@functools.cache
def _assigned(dialect: str, unread: bool) -> sa.Insert:
    pairs = sa.select(col(Agent.id), sa.bindparam("case", type_=sa.Integer)).where(
        col(Agent.id) == sa.bindparam("agent"), _setting("add_assigned"))
    return _insert(dialect, pairs, unread=unread)


def assigned(session: Session, case_id: int, agent_id: int, by: int | None,
             now: datetime) -> None:
    """Into the assignee's workspace if they want what is assigned to them (unread
    unless they took it themselves)."""
    run(session, _assigned(dialect_of(session), agent_id != by),
        {"case": case_id, "agent": agent_id, "now": now})


@functools.cache
def _activity(dialect: str) -> tuple[sa.Update, sa.Insert]:
    """`activity`'s two statements, built once: on every reply and note, building
    them cost more than running them."""
    writer: sa.BindParameter[int] = sa.bindparam("writer")
    unread = sa.update(WorkspaceEntry).where(
        col(WorkspaceEntry.case_id).in_(_CASES), col(WorkspaceEntry.agent_id) != writer,
        sa.not_(col(WorkspaceEntry.unread))).values(unread=True)
    watchers = sa.select(col(Agent.id), col(Watch.case_id)).join(
        Watch, col(Watch.agent_id) == Agent.id).where(
        col(Watch.case_id).in_(_CASES), col(Agent.id) != writer, _people(),
        _setting("add_watched_on_activity"))
    return unread, _insert(dialect, watchers, unread=True)


def activity(session: Session, case_ids: Iterable[int], by: int | None,
             now: datetime) -> None:
    """Someone (`by`, an agent; None: the customer or a machine) wrote in the cases:
    unread for everyone else who holds them, and into the workspace of their watchers
    who want that."""
    params = {"cases": list(case_ids), "writer": by if by is not None else -1, "now": now}
    for statement in _activity(dialect_of(session)):
        run(session, statement, params)


@functools.cache
def _mentioned(dialect: str) -> sa.Insert:
    return _insert(dialect, sa.select(col(Agent.id), sa.bindparam("case", type_=sa.Integer))
                   .where(col(Agent.id).in_(_AGENTS)), unread=True)


def mentioned(session: Session, case_id: int, agent_ids: Iterable[int], now: datetime) -> None:
    """A note named them: into their workspace, unread."""
    ids = list(agent_ids)
    if ids:
        run(session, _mentioned(dialect_of(session)), {"case": case_id, "agents": ids, "now": now})


def read(session: Session, agent_id: int, case_id: int) -> None:
    session.execute(sa.update(WorkspaceEntry).where(
        col(WorkspaceEntry.agent_id) == agent_id, col(WorkspaceEntry.case_id) == case_id,
        col(WorkspaceEntry.unread)).values(unread=False))


__all__ = ["KINDS", "STANDARD", "WorkspacePrefs"]
