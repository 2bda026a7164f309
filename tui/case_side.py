"""The case beside the list: who else is in it, its details and conversation, and the
composer; opening, answering and changing the case on show.

Store calls run in thread workers that end by posting a message (tui/messages.py); the
handlers here show the result. The messages bubble on to the list's screen, which
reloads the list after a change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea
from textual.worker import Worker

from store.db import Busy
from store.errors import Forbidden, NotFound
from store.service import CaseService
from store.views import CaseView, PresenceView
from tui.messages import (
    CaseLoaded,
    Choices,
    Edited,
    MarkedRead,
    MessageSent,
    PresenceSeen,
    SendEnded,
)
from tui.sanitize import clean_line
from tui.screens import CANCELLED, ChoiceModal, ConfirmModal
from tui.widgets.case_detail import CaseDetail
from tui.widgets.composer import Composer, Draft
from tui.words import N_, priorities, statuses, tr

if TYPE_CHECKING:  # for the types only: tui.app imports this module
    from tui.app import CasedeskApp

TITLES = {"quick": N_("Snabbsvar"), "earlier": N_("Tidigare svar i ärendet"),
          "mention": N_("Nämn en kollega"),
          "status": N_("Ny status"), "assignee": N_("Tilldela till"),
          "priority": N_("Prioritet"), "channel": N_("Flytta till kanal"),
          "related": N_("Relaterade ärenden (samma kund) — välj ett att slå ihop med")}


class CaseSide(Vertical):
    """The case opened from the list (Enter), with the composer under it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: CaseView | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="presence")
        yield CaseDetail(id="detail")
        yield Composer(id="composer")

    @property
    def desk(self) -> CasedeskApp:
        return cast("CasedeskApp", self.app)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        self.desk.report_failure(event)

    # -- opening a case ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="case", exit_on_error=False)
    def load_case(self, number: int) -> None:
        service, read_only = self.desk.service, self.desk.read_only
        view = service.get_case(number)
        self.post_message(CaseLoaded(view, [] if read_only else service.answer_statuses(number)))
        if read_only:
            return
        if service.mark_read(number):  # nothing new in it for this agent now: its ● goes
            self.post_message(MarkedRead(number))

    @on(CaseLoaded)
    def show_case(self, message: CaseLoaded) -> None:
        composer, drafts = self.composer, self.desk.drafts
        if self.shown is not None and self.shown.number != message.view.number:
            # Leaving a case keeps what was written in it for when the agent comes back.
            drafts[self.shown.number] = composer.draft
            composer.offer_statuses(message.answer_statuses)
            composer.load(drafts.pop(message.view.number, None))
        else:
            composer.offer_statuses(message.answer_statuses)
        if self.shown is None or self.shown.number != message.view.number:
            self.show_presence(message.view.number, [])
        self.shown = message.view
        self.add_class("-open")
        self.query_one(CaseDetail).show(message.view)
        if not self.desk.read_only:
            composer.add_class("-open")
        self.tell_presence()

    def hand_over(self) -> tuple[CaseView | None, Draft | None, tuple[str, ...]]:
        """The case on show, its draft and its statuses, for the list switched to."""
        if self.shown is None:
            return None, None, ()
        return self.shown, self.composer.draft, self.composer.offered

    def take_over(self, shown: CaseView | None, draft: Draft | None,
                  offered: tuple[str, ...]) -> None:
        """Show the case the list switched from had open, as it was left."""
        if shown is None:
            return
        if self.shown is not None and self.shown.number != shown.number:
            self.desk.drafts[self.shown.number] = self.composer.draft
        self.desk.drafts.pop(shown.number, None)
        self.composer.offer_statuses(list(offered))
        self.composer.load(draft)
        self.shown = None  # as a case newly opened: presence and classes anew
        self.show_case(CaseLoaded(shown, list(offered)))

    def toggle_quoted(self) -> None:
        self.query_one(CaseDetail).toggle_quoted()

    # -- answering -------------------------------------------------------------------

    def start_writing(self, note: bool) -> None:
        if self.shown is None:
            self.notify(tr("Öppna ett ärende först (Enter)."), markup=False)
            return
        self.composer.start(note=note)
        self.call_after_refresh(self.tell_presence)  # once the composer has the focus

    @on(Composer.TextWanted)
    def offer_texts(self, message: Composer.TextWanted) -> None:
        if self.shown is not None:
            self.gather_texts(message.kind, self.shown.number)

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def gather_texts(self, kind: str, number: int) -> None:
        service = self.desk.service
        if kind == "quick":
            texts = service.quick_replies(number)
        elif kind == "mention":  # the colleagues who may read the case
            texts = [(f"{a.login} — {a.name}", a.login + " ")
                     for a in service.colleagues_for(number)]
        else:  # earlier replies (the store says which), the newest first
            texts = [(f"{m.created_at.astimezone():%Y-%m-%d %H:%M} {m.author}: "
                      f"{m.text[:60]}", m.text)
                     for m in service.earlier_replies(number)]
        self.post_message(Choices(kind, number, list(texts)))

    @on(Composer.Sent)
    def send(self, message: Composer.Sent) -> None:
        if self.shown is None:
            return
        sending = self.desk.sending
        if self.shown.number in sending:
            # A send waiting for a busy database is still on its way: a second ctrl+s
            # would send the customer the same reply twice.
            self.notify(tr("Skickar redan — vänta ett ögonblick."), severity="warning",
                        markup=False)
            return
        sending.add(self.shown.number)
        self.send_message(self.shown.number, self.shown.version, message.draft)

    @work(thread=True, group="send", exit_on_error=False)
    def send_message(self, number: int, version: int, draft: Draft) -> None:
        service = self.desk.service
        try:
            write = service.note if draft.note else service.reply
            # The status is an edit of the case: refused if someone changed it meanwhile.
            write(number, draft.text, status=draft.status,
                  expected_version=version if draft.status else None)
        finally:
            self.desk.post_message(SendEnded(number))
        # To the app, which hands it to the list on screen: the agent may have switched
        # lists meanwhile, and the draft went with them (clearing it here, on a hidden
        # list, would leave the sent text ready to be sent twice).
        self.desk.post_message(MessageSent(number, draft.note, draft.status))

    def sent(self, message: MessageSent) -> None:
        if self.shown is not None and self.shown.number == message.number:
            self.composer.load(None)
        self.desk.drafts.pop(message.number, None)
        done = (tr("Anteckningen sparad på #{number}.") if message.note
                else tr("Svaret skickat på #{number}."))
        self.notify(done.format(number=message.number), markup=False)
        self.load_case(message.number)

    # -- presence: who else is in the case on show -----------------------------------

    def doing_now(self) -> tuple[int | None, str | None]:
        """What this agent is doing: writing to the customer while the reply is being
        written (in the composer: a draft left for later is not "just now"), else
        viewing the case on show."""
        if self.shown is None:
            return (None, None)
        composer = self.composer
        writing = not composer.note and composer.has_focus_within
        return (self.shown.number, "replying" if writing else "viewing")

    def tell_presence(self, *, renew: bool = False) -> None:
        desk = self.desk
        if desk.read_only:
            return
        now = self.doing_now()
        if now != desk.doing or renew and now != (None, None):
            desk.doing = now
            self.publish_presence(*now)

    @on(TextArea.Changed, "#composer-text")
    @on(Composer.Toggled)
    def composer_changed(self) -> None:
        self.tell_presence()

    @work(thread=True, exclusive=True, group="presence", exit_on_error=False)
    def publish_presence(self, number: int | None, doing: str | None) -> None:
        # Never an error of its own: a case that went meanwhile (purged, or out of the
        # agent's channels) is said so by the next load of it.
        with contextlib.suppress(NotFound, Forbidden, Busy):  # (Busy: renewed soon)
            self.desk.service.set_presence(number, doing)

    @work(thread=True, exclusive=True, group="presence-read", exit_on_error=False)
    def poll_presence(self, number: int) -> None:
        with contextlib.suppress(NotFound, Forbidden):  # (as in publish_presence)
            self.post_message(PresenceSeen(number, self.desk.service.present(number)))

    @on(PresenceSeen)
    def presence_seen(self, message: PresenceSeen) -> None:
        if self.shown is not None and self.shown.number == message.number:
            self.show_presence(message.number, message.people)

    def show_presence(self, number: int, people: list[PresenceView]) -> None:
        bar = self.query_one("#presence", Static)
        lines = [(tr("✎ {name} svarar kunden just nu") if p.doing == "replying"
                  else tr("{name} har ärendet öppet")).format(name=p.name or p.login)
                 for p in people]
        bar.update(Text(clean_line("  ·  ".join(lines))))
        bar.set_class(bool(people), "-shown")

    # -- changing the case on show --------------------------------------------------------

    def case_on_show(self) -> CaseView | None:
        """The case on show, or said that none is."""
        if self.shown is None:
            self.notify(tr("Öppna ett ärende först (Enter)."), markup=False)
        return self.shown

    @work(thread=True, group="edit", exit_on_error=False)
    def edit(self, number: int, what: str, change: Callable[[CaseService], object]) -> None:
        change(self.desk.service)
        self.post_message(Edited(number, what))

    @on(Edited)
    def edited(self, message: Edited) -> None:
        self.notify(f"#{message.number}: {clean_line(message.what)}", markup=False)
        if self.shown is not None and self.shown.number == message.number:
            self.load_case(message.number)  # (a row changed from the list stays closed)

    def assign_me(self) -> None:
        view = self.case_on_show()
        if view is not None:
            self.edit(view.number, tr("tilldelat dig"),
                      lambda s: s.assign(view.number, "me", expected_version=view.version))

    def toggle_watch(self) -> None:
        view = self.case_on_show()
        if view is not None:
            on = self.desk.service.login not in view.watchers
            self.edit(view.number, tr("bevakas") if on else tr("bevakas inte längre"),
                      lambda s: s.set_watch(view.number, watching=on))

    @work(thread=True, group="edit", exit_on_error=False)
    def workspace_toggle(self, number: int) -> None:
        service = self.desk.service
        present = not service.in_workspace(number)
        service.set_in_workspace(number, present=present)
        self.post_message(Edited(number, tr("lagt i din arbetsyta") if present
                                 else tr("borttaget ur din arbetsyta")))

    def choose(self, kind: str) -> None:
        view = self.case_on_show()
        if view is not None:
            self.gather_choices(kind, view.number)

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def gather_choices(self, kind: str, number: int) -> None:
        service = self.desk.service
        choices: list[tuple[str, object]]
        if kind == "status":
            names = statuses()
            choices = [(names[s], s) for s in service.allowed_statuses(number)]
        elif kind == "assignee":
            joins = tr("  (blir medlem i kanalen)")
            choices = [(tr("Ingen (ta bort tilldelningen)"), None)] + [
                (f"{a.login} — {a.name}{joins if joining else ''}", a.login)
                for a, joining in service.assignable_for(number)]
        elif kind == "priority":
            choices = [(name, key) for key, name in priorities().items()]
        elif kind == "channel":
            choices = [(f"{c.name} ({c.kind})", c.name) for c in service.list_channels()]
        else:
            names = statuses()
            choices = [(f"#{r.number} {names.get(r.status, r.status)} — {r.title}", r.number)
                       for r in service.related(number)]
        self.post_message(Choices(kind, number, choices))

    @on(Choices)
    def offer(self, message: Choices) -> None:
        view = self.shown
        if view is None or view.number != message.number or self.screen is not self.app.screen:
            return  # another case, or another list on screen by now
        if not message.choices:
            self.notify(tr("Inget att välja här."), markup=False)
            return
        # The case's number in the title: keys typed while the choices were gathered
        # may have opened another case by the time this shows.
        title = f"#{view.number} · {tr(TITLES[message.kind])}"
        self.app.push_screen(ChoiceModal(title, message.choices),
                             lambda value: self.chosen(message.kind, view, value))

    def chosen(self, kind: str, view: CaseView, value: object) -> None:
        if value is CANCELLED:
            return
        shown = self.shown
        if shown is None or shown.number != view.number:
            # Another case was opened meanwhile: never change one the agent left.
            self.notify(tr("Inget ändrat: du har öppnat ett annat ärende sedan dess."),
                        severity="warning", markup=False)
            return
        if kind in ("quick", "earlier", "mention"):
            self.composer.insert(str(value))
            return
        # The version on show now: the agent's own edit made while the choices were
        # open (a quick `a` then `p`) is not someone else's change.
        n, v = shown.number, shown.version
        if kind == "status" and value:
            self.edit(n, tr("status {status}").format(status=statuses()[str(value)]),
                      lambda s: s.set_status(n, str(value), expected_version=v))
        elif kind == "assignee":
            login = str(value) if value else None
            self.edit(n, tr("tilldelat {login}").format(login=login) if login
                      else tr("ingen tilldelad"),
                      lambda s: s.assign(n, login, expected_version=v))
        elif kind == "priority" and value:
            self.edit(n, tr("prioritet {priority}").format(
                priority=priorities()[str(value)]),
                      lambda s: s.set_priority(n, str(value), expected_version=v))
        elif kind == "channel" and value:
            self.edit(n, tr("flyttat till {channel}").format(channel=value),
                      lambda s: s.move_channel(n, str(value), expected_version=v))
        elif kind == "related" and value:
            other = int(str(value))

            def merge(yes: bool | None) -> None:
                if yes:
                    self.edit(n, tr("#{other} ihopslaget hit").format(other=other),
                              lambda s: s.merge(other, n))

            self.app.push_screen(
                ConfirmModal(tr("Slå ihop #{other} in i #{number}? Konversationen flyttas hit "
                                "och #{other} pekar hit. Det går inte att ångra.").format(
                                    other=other, number=n)), merge)

