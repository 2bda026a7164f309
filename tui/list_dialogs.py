"""The dialogs a list opens, each read and written in thread workers: the columns
shown, the filters, a new case, the workspace's settings. A base of
`tui.list_screen.CaseListScreen`, which has the list they change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.screen import Screen
from textual.widgets import Input

from store.errors import Forbidden, InvalidInput, NotFound
from store.queries import CaseFilter
from store.service import MessageInput
from store.workspace import WorkspacePrefs
from tui.case_side import CaseSide
from tui.list_loading import Keep
from tui.messages import (
    CaseCreated,
    ColumnsRead,
    ContactsFound,
    CreateReady,
    FilterReady,
    Notice,
    WorkspacePrefsRead,
)
from tui.sanitize import clean_line
from tui.screens import (
    ColumnModal,
    CreateCaseModal,
    FilterModal,
    NewCase,
    WorkspaceSettingsModal,
)
from tui.widgets.case_table import CaseTable
from tui.words import tr

if TYPE_CHECKING:  # for the types only: tui.app imports this module
    from tui.app import CasedeskApp


class ListDialogs(Screen[None]):
    """What a list's dialogs need of it: its filters, its table and case, a reload."""

    filters: CaseFilter

    @property
    def desk(self) -> CasedeskApp:
        return cast("CasedeskApp", self.app)

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    @property
    def side(self) -> CaseSide:
        return self.query_one(CaseSide)

    @property
    def side_if_ready(self) -> CaseSide | None:
        """The side, once the screen is composed: a view switched to a moment ago is not
        yet, when a timer (the change poll, presence) may already ask for it."""
        return next(iter(self.query(CaseSide)), None)

    def reload(self, keep: Keep | None = None) -> None:
        raise NotImplementedError

    # -- columns ---------------------------------------------------------------------------

    @work(thread=True, group="columns", exit_on_error=False)
    def load_columns(self) -> None:
        saved = self.desk.service.preference("columns")
        if saved:
            self.post_message(ColumnsRead(tuple(saved.split(","))))

    @on(ColumnsRead)
    def columns_read(self, message: ColumnsRead) -> None:
        self.table.show_columns(message.columns)

    def action_columns(self) -> None:
        self.app.push_screen(ColumnModal(self.table.columns), self.save_columns)

    def save_columns(self, columns: tuple[str, ...] | None) -> None:
        if columns is not None:
            self.table.show_columns(columns)
            self.store_columns(columns)

    @work(thread=True, group="columns", exit_on_error=False)
    def store_columns(self, columns: tuple[str, ...]) -> None:
        if not self.desk.read_only:  # (read-all: for this session only)
            self.desk.service.set_preference("columns", ",".join(columns))

    # -- filters -------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.read_filter_choices(self.filters)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def read_filter_choices(self, current: CaseFilter) -> None:
        service = self.desk.service
        channels = [c.name for c in service.list_channels()]
        logins = [a.login for a in service.list_agents() if a.is_active]
        self.post_message(FilterReady(current, channels, logins))

    @on(FilterReady)
    def open_filter(self, message: FilterReady) -> None:
        self.app.push_screen(FilterModal(message.current, message.channels, message.logins),
                             self.apply_filter)

    def apply_filter(self, chosen: CaseFilter | None) -> None:
        if chosen is not None and chosen != self.filters:
            self.filters = chosen
            self.reload()

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        self.query_one("#search", Input).remove_class("-shown")
        self.filters = self.cleared_filters()
        self.reload()

    def cleared_filters(self) -> CaseFilter:
        """The filters `x` leaves: how the list is grouped and sorted stays, and whose
        workspace."""
        return replace(self.desk.base_filter(self.filters.workspace),
                       sort=self.filters.sort, ascending=self.filters.ascending)

    # -- a new case --------------------------------------------------------------------

    def action_create_case(self) -> None:
        self.read_creatable()

    @work(thread=True, exclusive=True, group="create", exit_on_error=False)
    def read_creatable(self) -> None:
        self.post_message(CreateReady(self.desk.service.creatable_channels()))

    @on(CreateReady)
    def open_create_case(self, message: CreateReady) -> None:
        if not message.channels:
            self.notify(tr("Du är inte med i någon kanal att skapa ärenden i."), markup=False)
            return
        self.app.push_screen(CreateCaseModal(message.channels, self.find_contacts,
                                             message.refused), self.create_case)

    @work(thread=True, exclusive=True, group="contacts", exit_on_error=False)
    def find_contacts(self, text: str) -> None:
        self.post_message(ContactsFound(text, self.desk.service.find_contacts(text)))

    @on(ContactsFound)
    def contacts_found(self, message: ContactsFound) -> None:
        modal = self.app.screen
        if isinstance(modal, CreateCaseModal):
            modal.show_matches(message.text, message.contacts)

    def create_case(self, new: NewCase | None) -> None:
        if new is not None:
            self.store_new_case(new)

    @work(thread=True, group="create", exit_on_error=False)
    def store_new_case(self, new: NewCase) -> None:
        service = self.desk.service
        theirs = [MessageInput(new.text)] if new.text and not new.ours else []
        try:
            number = service.create_case(
                channel=new.channel, contact=new.contact, title=new.title, messages=theirs,
                first_reply=new.text if new.text and new.ours else None)
        except (InvalidInput, Forbidden, NotFound) as refused:
            # Said why, and the form back as it was: nothing written is lost.
            self.post_message(Notice(clean_line(str(refused)), "error", 10))
            self.post_message(CreateReady(service.creatable_channels(), new))
            return
        self.post_message(CaseCreated(number))

    @on(CaseCreated)
    def case_created(self, message: CaseCreated) -> None:
        self.notify(tr("Ärende #{number} skapat.").format(number=message.number), markup=False)
        self.reload()
        self.side.load_case(message.number)

    # -- the workspace's settings ----------------------------------------------------------

    def action_workspace_settings(self) -> None:
        self.read_workspace_settings()

    @work(thread=True, exclusive=True, group="workspace", exit_on_error=False)
    def read_workspace_settings(self) -> None:
        self.post_message(WorkspacePrefsRead(self.desk.service.workspace_prefs()))

    @on(WorkspacePrefsRead)
    def open_workspace_settings(self, message: WorkspacePrefsRead) -> None:
        self.app.push_screen(WorkspaceSettingsModal(message.prefs),
                             self.save_workspace_settings)

    def save_workspace_settings(self, chosen: WorkspacePrefs | None) -> None:
        if chosen is not None:
            self.store_workspace_settings(chosen)

    @work(thread=True, exclusive=True, group="workspace", exit_on_error=False)
    def store_workspace_settings(self, chosen: WorkspacePrefs) -> None:
        self.desk.service.set_workspace_prefs(chosen)
        self.post_message(Notice(tr("Arbetsytans inställningar sparade.")))
