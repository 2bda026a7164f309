"""What the thread workers post back to the event loop.

A worker reads or writes through the service and ends by posting one of these (`post_message`
is thread-safe); a handler on the event loop shows the result: a list, a case, a modal with
its choices, a notification. No worker touches a widget or pushes a screen itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.notifications import SeverityLevel

from store.queries import CaseFilter
from store.views import (
    AgentTally,
    AgentView,
    CaseView,
    ChannelView,
    ContactView,
    DraftView,
    PresenceView,
)
from store.workspace import WorkspacePrefs
from tui.caselist import CaseWindow, GroupedWindow, Request
from tui.list_loading import Keep
from tui.screens.create_case import NewCase

if TYPE_CHECKING:
    from store.audit_log import AuditView
    from store.knowledge import Suggestion
    from store.service import CaseService

# -- the list ------------------------------------------------------------------------


@dataclass
class ListLoaded(Message):
    generation: int
    window: CaseWindow | GroupedWindow
    cursor: int
    keep: Keep | None = None  # the place it was reloaded around


@dataclass
class InList(Message):
    """Whether the case open beside a list is one of its cases (as of the list's
    `generation`)."""

    generation: int
    number: int
    present: bool


@dataclass
class Seen(Message):
    """The change feed's position a list was read at."""

    change: int


@dataclass
class Counted(Message):
    """The size of a list shown before it was counted."""

    generation: int
    total: int


@dataclass
class RowsLoaded(Message):
    generation: int
    request: Request
    rows: list[Any]
    wanted: int


@dataclass
class WorkspaceCounted(Message):
    cases: int
    unread: int


@dataclass
class ColumnsRead(Message):
    """The columns this agent chose before."""

    columns: tuple[str, ...]


class StoreMoved(Message):
    """The store's change watch saw a commit (store/watch.py): look now."""


@dataclass
class StoreChanged(Message):
    change: int


@dataclass
class Identified(Message):
    """Who runs the app (a supervisor has the agents and channels views)."""

    me: AgentView


@dataclass
class DraftsFound(Message):
    """The agent's drafts kept in the store, read when the app starts."""

    drafts: list[DraftView]


# -- the case on show ------------------------------------------------------------------


@dataclass
class CaseLoaded(Message):
    view: CaseView
    answer_statuses: list[str]  # what a reply or note may set (the store's word)


@dataclass
class MarkedRead(Message):
    """Opening case `number` took its "new" mark away: the list shows it too."""

    number: int


@dataclass
class AuditRead(Message):
    """Case `number`'s audit trail, newest first (a supervisor's `H`)."""

    number: int
    events: list[AuditView]


@dataclass
class ArticlesSuggested(Message):
    """The knowledge base's best articles for case `number` (store/knowledge)."""

    number: int
    suggestions: list[Suggestion]


@dataclass
class PresenceSeen(Message):
    """Who else is in case `number` right now."""

    number: int
    people: list[PresenceView]


@dataclass(frozen=True)
class Target:
    """The case a key acts on, as it was when the key was pressed."""

    number: int
    version: int
    title: str = ""
    labels: tuple[str, ...] = ()


@dataclass
class Edited(Message):
    number: int
    what: str
    # How to take back a change made at one key press (watch, the workspace).
    undo: Callable[[CaseService], object] | None = None
    version: int | None = None  # the case's version after the edit, where it has one


@dataclass
class Choices(Message):
    kind: str
    target: Target
    choices: list[tuple[str, object]]
    current: object  # the case's own value among them (its priority, …): NO_CURRENT if none


@dataclass
class MessageSent(Message):
    number: int
    note: bool
    status: str | None
    queued: bool = False  # a reply in the outbox, to go out by mail
    masked: bool = False  # sensitive numbers in it were masked (store/privacy)


@dataclass
class SendEnded(Message):
    """A send to case `number` is over, sent or not: another may start."""

    number: int


# -- what a modal needs before it opens ------------------------------------------------


@dataclass
class FilterReady(Message):
    current: CaseFilter
    channels: list[str]
    logins: list[str]


@dataclass
class CreateReady(Message):
    """The channels a new case may go in; `refused`: a form the store refused, shown
    again as it was written."""

    channels: list[str]
    refused: NewCase | None = None


@dataclass
class ContactsFound(Message):
    text: str
    contacts: list[ContactView]


@dataclass
class CaseCreated(Message):
    number: int


@dataclass
class AgentsTallied(Message):
    """The agents view's counts; `opening`: the view is to be opened with them (else
    the open one shows them)."""

    tallies: list[AgentTally]
    opening: bool


@dataclass
class ChannelsRead(Message):
    """Channels as the store has them now; `agents`: the channels view is to be
    opened with them (else the open one shows the channels anew)."""

    channels: list[ChannelView]
    agents: list[AgentView] | None = None


@dataclass
class WorkspacePrefsRead(Message):
    prefs: WorkspacePrefs


@dataclass
class Notice(Message):
    """Something a worker has to say (the notification's words are plain text)."""

    text: str
    severity: SeverityLevel = "information"
    timeout: float | None = None
