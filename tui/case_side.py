"""The case beside the list: who else is in it, its details and conversation, and the
composer; opening and answering it (changing it: tui/case_actions.py).

Store calls run in thread workers that end by posting a message (tui/messages.py); the
handlers here show the result. The messages bubble on to the list's screen, which
reloads the list after a change.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static, TextArea
from textual.worker import Worker

from store.db import Busy
from store.errors import Forbidden, NotFound
from store.statuses import ENDED
from store.views import CaseView, PresenceView
from tui.case_actions import CaseActions
from tui.messages import (
    ArticlesSuggested,
    CaseLoaded,
    MarkedRead,
    MessageSent,
    Notice,
    PresenceSeen,
    SendEnded,
)
from tui.sanitize import clean_line
from tui.widgets.case_detail import CaseDetail, CaseFacts
from tui.widgets.composer import Composer, Draft
from tui.words import statuses, tr

FOLD_BELOW = 32  # terminal rows: fewer, and the facts fold to a line


class CaseSide(CaseActions):
    """The case opened from the list (Enter), with the composer under it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: CaseView | None = None
        self.wanted: int | None = None  # the case last asked for: on show, or on its way
        self.own_versions = {}
        # What to do once a case not yet on show is (`r` on a row, a go-to).
        self.pending: tuple[int, Callable[[], object]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="presence")
        yield Static(id="outside")
        yield CaseFacts(id="facts")
        yield Static(id="articles")
        yield CaseDetail(id="detail")
        yield Composer(id="composer")

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        self.desk.report_failure(event)

    # -- opening a case ------------------------------------------------------------

    def load_case(self, number: int) -> None:
        """Open case `number` (or read the one on show anew): the last asked for is the
        one shown, whatever order the reads end in. Opening another case than the one
        on show is a read for the access log; reading it anew is not."""
        opened = number != self.wanted
        self.wanted = number
        if self.pending is not None and self.pending[0] != number:
            self.pending = None  # another case opened since: what was to follow goes
        self.read_case(number, opened)

    def reload(self) -> None:
        """The case on show (or on its way) read anew: another process changed it."""
        if self.wanted is not None:
            self.load_case(self.wanted)

    @work(thread=True, exclusive=True, group="case", exit_on_error=False)
    def read_case(self, number: int, opened: bool = True) -> None:
        service, read_only = self.desk.service, self.desk.read_only
        try:
            view = service.get_case(number, read="tui" if opened else None)
        except (NotFound, Forbidden):  # a number typed, a case purged meanwhile
            # (one the agent may not see is answered as one that does not exist)
            self.post_message(Notice(tr("Det finns inget ärende #{number}.").format(
                number=number), "warning"))
            return
        self.post_message(CaseLoaded(view, [] if read_only else service.answer_statuses(number)))
        if not read_only and service.mark_read(number):  # nothing new in it now: its ● goes
            self.post_message(MarkedRead(number))
        if service.db.knowledge is not None:  # the articles for its text, the case shown
            self.suggest_articles(number)

    @work(thread=True, exclusive=True, group="articles", exit_on_error=False)
    def suggest_articles(self, number: int) -> None:
        # Its own worker: a knowledge base that fails says so, and the case is read,
        # shown and marked read all the same.
        self.post_message(ArticlesSuggested(number, self.desk.service.suggest_articles(number)))

    @on(CaseLoaded)
    def show_case(self, message: CaseLoaded) -> None:
        if message.view.number != self.wanted:
            return  # a read that ended after another case was asked for
        composer, drafts = self.composer, self.desk.drafts
        if self.shown is not None and self.shown.number != message.view.number:
            # Leaving a case keeps what was written in it for when the agent comes back.
            drafts[self.shown.number] = composer.draft
            composer.offer_statuses(message.answer_statuses)
            composer.load(drafts.pop(message.view.number, None))
        elif self.shown is None and message.view.number in drafts \
                and not composer.draft.text.strip():
            # The first case opened, with a draft an earlier session left.
            composer.offer_statuses(message.answer_statuses)
            composer.load(drafts.pop(message.view.number))
        else:
            composer.offer_statuses(message.answer_statuses)
        another = self.shown is None or self.shown.number != message.view.number
        # A closed or archived case takes notes, not replies (the store refuses them). A
        # reply being written when the case closes stays a reply: sending it is refused,
        # said, and the text kept — never quietly turned into a note.
        composer.may_reply = message.view.status not in ENDED
        if not composer.may_reply and another and not composer.draft.text.strip():
            composer.note = True
        if another:
            self.show_presence(message.view.number, [])
            self.query_one("#articles", Static).remove_class("-shown")  # (another case's)
        self.shown = message.view
        if another:
            self.show_in_list(message.view.number, True)  # (the next list read says)
        self.add_class("-open")
        self.query_one(CaseFacts).show(message.view)
        self.query_one(CaseDetail).show(message.view)
        if another:  # (a reload leaves it as the agent has it)
            # The composer takes room only while the agent writes, or keeps a draft.
            composer.set_class(bool(composer.draft.text.strip()), "-open")
        self.tell_presence()
        if self.pending is not None and self.pending[0] == message.view.number:
            self.when_shown(*self.pending)

    @on(ArticlesSuggested)
    def show_articles(self, message: ArticlesSuggested) -> None:
        """The knowledge base's best articles under the facts, their titles as written;
        ctrl+g in the composer puts one in the reply."""
        if self.shown is None or self.shown.number != message.number:
            return
        bar = self.query_one("#articles", Static)
        titles = " · ".join(clean_line(s.article.title) for s in message.suggestions)
        bar.update(Text(tr("Artiklar (ctrl+g i svaret): {titles}").format(titles=titles)))
        bar.set_class(bool(message.suggestions), "-shown")

    def on_resize(self) -> None:
        # A small terminal: the facts on a line, the rows for the conversation.
        self.query_one(CaseFacts).fold(self.app.size.height < FOLD_BELOW)

    def put_away(self) -> None:
        """Back to the list (esc): the composer goes unless it holds a draft and there
        is room for it (the draft is kept either way: `r` brings it back)."""
        composer = self.composer
        if not composer.draft.text.strip() or self.app.size.height < FOLD_BELOW:
            composer.remove_class("-open")

    def show_in_list(self, number: int, present: bool) -> None:
        """Say so when the case on show is not in the list beside it (never show a
        case as if it were)."""
        if self.shown is None or self.shown.number != number:
            return
        bar = self.query_one("#outside", Static)
        bar.update(Text(tr("#{number} finns inte i listan: filtren eller sökningen visar "
                           "det inte, eller det har ändrats sedan du öppnade det.").format(
                               number=number)))
        bar.set_class(not present, "-shown")

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
        self.wanted = shown.number
        self.show_case(CaseLoaded(shown, list(offered)))

    def toggle_quoted(self) -> None:
        self.query_one(CaseDetail).toggle_quoted()

    # -- answering -------------------------------------------------------------------

    def when_shown(self, number: int, do: Callable[[], object]) -> None:
        """`do()` once case `number` is on show: opened first if another one is."""
        if self.shown is None or self.shown.number != number:
            self.pending = (number, do)
            self.load_case(number)
            return
        self.pending = None
        do()

    def start_writing(self, number: int, note: bool) -> None:
        """Write in case `number` (`r`, `n`)."""

        def start() -> None:
            if not note and not self.composer.may_reply and self.shown is not None:
                self.notify(tr("#{number} är {status}: ett svar till kunden blir ett nytt "
                               "ärende (N). En intern anteckning (n) går bra.").format(
                    number=self.shown.number,
                    status=statuses().get(self.shown.status, self.shown.status).lower()),
                    severity="warning", markup=False)
                return
            self.composer.add_class("-open")
            self.composer.start(note=note)
            self.call_after_refresh(self.tell_presence)  # once the composer has the focus

        self.when_shown(number, start)

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
        if self.desk.keeper is not None:
            self.desk.keeper.sending(self.shown.number)  # (the store ends the draft with it)
        self.send_message(self.shown.number, self.shown.version, message.draft)

    @work(thread=True, group="send", exit_on_error=False)
    def send_message(self, number: int, version: int, draft: Draft) -> None:
        service = self.desk.service
        try:
            write = service.note if draft.note else service.reply
            # The status is an edit of the case: refused if someone changed it meanwhile.
            written = write(number, draft.text, status=draft.status,
                            expected_version=version if draft.status else None)
        finally:
            self.desk.post_message(SendEnded(number))
        # To the app, which hands it to the list on screen: the agent may have switched
        # lists meanwhile, and the draft went with them (clearing it here, on a hidden
        # list, would leave the sent text ready to be sent twice).
        self.desk.post_message(MessageSent(number, draft.note, draft.status,
                                           queued=bool(written.delivery),
                                           masked=written.text != draft.text))

    def sent(self, message: MessageSent) -> None:
        if self.desk.keeper is not None:
            self.desk.keeper.sent(message.number)
        if self.shown is not None and self.shown.number == message.number:
            self.composer.load(None)
            self.composer.remove_class("-open")
        self.desk.drafts.pop(message.number, None)
        done = (tr("Anteckningen sparad på #{number}.") if message.note
                else tr("Svaret på #{number} ligger i kö och skickas strax.") if message.queued
                else tr("Svaret sparat på #{number}."))
        self.notify(done.format(number=message.number), markup=False)
        if message.masked:
            self.notify(tr("Känsliga nummer (kort, personnummer, IBAN) maskerades innan "
                           "texten sparades."), severity="warning", markup=False)
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
        keeper = self.desk.keeper
        if keeper is not None and self.shown is not None \
                and self.shown.number not in self.desk.sending:
            keeper.changed(self.shown.number, self.composer.draft)  # kept in a moment

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
