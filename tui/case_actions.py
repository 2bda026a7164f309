"""Changing a case from the list or from the case beside it: take it, watch it, put it
in the workspace, the choices (status, assignee, priority, channel, a merge; and the
composer's quick replies, earlier replies and mentions), its labels and its title.

Every key acts on one case, the `Target` the list's screen names when the key is
pressed (`CaseListScreen.target`: the case under the cursor while the list has the
focus, the one on show otherwise); dialogs and notices say its number. A change made
at one key press from the list asks first (take) or can be taken back with `u` right
after (watch, workspace).
A base of `tui.case_side.CaseSide`, which shows the case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.containers import Vertical

from store.quick_replies import Filled
from store.service import CaseService
from store.views import CaseRow, CaseView
from tui.messages import AuditRead, Choices, Edited, Target
from tui.sanitize import clean_line
from tui.screens import (
    CANCELLED,
    NO_CURRENT,
    AuditTrailModal,
    ChoiceModal,
    ConfirmModal,
    EditLineModal,
    LabelPickerModal,
)
from tui.widgets.composer import Composer
from tui.words import N_, priorities, statuses, tr, value_name

if TYPE_CHECKING:  # for the types only: tui.app imports this module
    from tui.app import CasedeskApp

TITLES = {"quick": N_("Snabbsvar"), "earlier": N_("Tidigare svar i ärendet"),
          "mention": N_("Nämn en kollega"),
          "status": N_("Ny status"), "assignee": N_("Tilldela till"),
          "priority": N_("Prioritet"), "channel": N_("Flytta till kanal"),
          "related": N_("Relaterade ärenden (samma kund) — välj ett att slå ihop med"),
          "labels": N_("Etiketter"), "title": N_("Titel"),
          "article": N_("Artiklar ur kunskapsbanken")}
# The composer's choices: they go into the text of the case on show.
_TEXTS = ("quick", "earlier", "mention", "article")
# Lists long enough to be filtered as the agent types (a name after `@`, say).
_FILTERED = ("quick", "earlier", "mention", "assignee", "channel", "related")


def _preview(text: str, lines: int = 3, width: int = 50) -> str:
    """The first lines of a text, as it is written (its line breaks kept), indented, each
    at most `width` long (the choice is 64 columns wide), a cut one ending in "…"."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    more = " …" if len(kept) > lines else ""
    return "\n".join("  " + (line if len(line) <= width else line[:width - 1] + "…")
                     for line in kept[:lines]) + more


class CaseActions(Vertical):
    """What a key does to a case, in thread workers; `Edited` tells the list."""

    shown: CaseView | None
    # The version each case has after this agent's own last edit of it (`latest`).
    own_versions: dict[int, int]

    @property
    def desk(self) -> CasedeskApp:
        return cast("CasedeskApp", self.app)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    def load_case(self, number: int) -> object:  # (CaseSide's, a worker)
        raise NotImplementedError

    def case_on_show(self) -> CaseView | None:
        """The case on show, or said that none is."""
        if self.shown is None:
            self.notify(tr("Öppna ett ärende först (Enter)."), markup=False)
        return self.shown

    def latest(self, target: Target) -> Target:
        """The target at the version to save against: the one the agent saw when the key
        was pressed, or a newer one of this agent's own edits made since (a quick `a`
        then `p`). Another agent's change meanwhile is a conflict, never overwritten."""
        return Target(target.number, max(target.version, self.own_versions.get(
            target.number, 0)), target.title, target.labels)

    @work(thread=True, group="edit", exit_on_error=False)
    def edit(self, number: int, what: str, change: Callable[[CaseService], object]) -> None:
        result = change(self.desk.service)
        self.post_message(Edited(number, what, version=result.version
                                 if isinstance(result, CaseRow) else None))

    @work(thread=True, group="edit", exit_on_error=False)
    def edit_saying(self, number: int, change: Callable[[CaseService], CaseRow],
                    say: Callable[[CaseRow], str]) -> None:
        """An edit told as the store has it after (the labels as it keeps them, say)."""
        row = change(self.desk.service)
        self.post_message(Edited(number, say(row), version=row.version))

    @on(Edited)
    def edited(self, message: Edited) -> None:
        if message.version is not None:
            self.own_versions[message.number] = message.version
        said = f"#{message.number}: {clean_line(message.what)}"
        self.notify(said + (tr(" — u ångrar") if message.undo else ""), markup=False)
        if self.shown is not None and self.shown.number == message.number:
            self.load_case(message.number)  # (a row changed from the list stays closed)

    # -- at one key press --------------------------------------------------------------

    def assign_me(self, target: Target, *, ask: bool) -> None:
        """Take the case; `ask` first when the key was pressed in the list (taking opens
        a new case: no key takes that back)."""
        n = target.number

        def take(yes: bool | None = True) -> None:
            if yes:
                v = self.latest(target).version
                self.edit(n, tr("tilldelat dig"),
                          lambda s: s.assign(n, "me", expected_version=v))

        if not ask:
            take()
            return
        self.app.push_screen(ConfirmModal(tr("Ta ärende #{number}, {title}?").format(
            number=n, title=clean_line(target.title))), take)

    @work(thread=True, group="edit", exit_on_error=False)
    def toggle_watch(self, number: int) -> None:
        service = self.desk.service
        on = service.login not in service.get_case(number).watchers
        service.set_watch(number, watching=on)
        self.post_message(Edited(number, tr("bevakas") if on else tr("bevakas inte längre"),
                                 lambda s: s.set_watch(number, watching=not on)))

    @work(thread=True, group="edit", exit_on_error=False)
    def workspace_toggle(self, number: int) -> None:
        service = self.desk.service
        present = not service.in_workspace(number)
        service.set_in_workspace(number, present=present)
        self.post_message(Edited(number, tr("lagt i din arbetsyta") if present
                                 else tr("borttaget ur din arbetsyta"),
                                 lambda s: s.set_in_workspace(number, present=not present)))

    # -- a line: the labels, the title -------------------------------------------------

    def edit_line(self, kind: str, target: Target) -> None:
        """`L` or `T`: the labels ("a, b") or the title in a field, as they were when the
        key was pressed, saved against that (see `latest`). Labels are ticked in the
        team's list instead when it keeps one (`team_labels`)."""
        if kind == "labels":
            self.team_labels(target)
            return
        self.write_line(kind, target)

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def team_labels(self, target: Target) -> None:
        self.post_message(Choices("labels", target, [
            (name, name) for name in self.desk.service.label_names()], NO_CURRENT))

    def write_line(self, kind: str, target: Target) -> None:
        labels = kind == "labels"
        shown = clean_line(", ".join(target.labels) if labels else target.title)
        hint = (tr("Skilj etiketterna med komma; ett tomt fält tar bort dem. Enter sparar, "
                   "esc avbryter.") if labels else tr("Enter sparar, esc avbryter."))
        self.app.push_screen(
            EditLineModal(f"#{target.number} · {tr(TITLES[kind])}", shown, hint,
                          required=None if labels else tr("Ett ärende behöver en titel.")),
            lambda value: self.line_written(kind, target, shown, value))

    def offer_labels(self, target: Target, team: list[str]) -> None:
        """The team's labels to tick, or (the team keeps no list) the field."""
        if not team:
            self.write_line("labels", target)
            return
        self.app.push_screen(
            LabelPickerModal(f"#{target.number} · {tr(TITLES['labels'])}", team, target.labels),
            lambda picked: self.labels_picked(target, picked))

    def labels_picked(self, target: Target, picked: list[str] | None) -> None:
        if picked is None or sorted(picked) == sorted(target.labels):
            return  # cancelled, or nothing changed
        n, v = target.number, self.latest(target).version
        self.edit_saying(n, lambda s: s.set_labels(n, picked, expected_version=v),
                         lambda row: tr("etiketter: {labels}").format(
                             labels=", ".join(row.labels) or "–"))

    def line_written(self, kind: str, target: Target, shown: str, value: str | None) -> None:
        if value is None or value == shown:
            return  # cancelled, or nothing changed: nothing to save
        n = target.number
        if kind == "labels":
            v = self.latest(target).version
            self.edit_saying(n, lambda s: s.set_labels(n, value.split(","), expected_version=v),
                             lambda row: tr("etiketter: {labels}").format(
                                 labels=", ".join(row.labels) or "–"))
        else:
            v = self.latest(target).version
            self.edit_saying(n, lambda s: s.rename(n, value, expected_version=v),
                             lambda row: tr("titel: {title}").format(title=row.title))

    # -- the audit trail (a supervisor's) ------------------------------------------------

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def read_audit(self, number: int) -> None:
        self.post_message(AuditRead(number, self.desk.service.audit_events(case=number,
                                                                           limit=500)))

    @on(AuditRead)
    def show_audit(self, message: AuditRead) -> None:
        if self.screen is self.app.screen:  # (another list on screen by now: not shown)
            self.app.push_screen(AuditTrailModal(message.number, message.events))

    # -- choices -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def choose(self, kind: str, target: Target) -> None:
        service, number = self.desk.service, target.number
        choices: list[tuple[str, object]]
        current: object = NO_CURRENT
        if kind in ("assignee", "priority", "channel"):  # the one it has now, marked
            view = service.get_case(number)
            current = {"assignee": view.assignee, "priority": view.priority,
                       "channel": view.channel}[kind]
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
            choices = [(f"{c.name} ({value_name(c.kind)})", c.name)
                       for c in service.list_channels()]
        elif kind == "quick":
            choices = [(r.title, r) for r in service.quick_replies(number)]
        elif kind == "mention":  # the colleagues who may read the case
            choices = [(f"{a.login} — {a.name}", a.login + " ")
                       for a in service.colleagues_for(number)]
        elif kind == "article":  # the knowledge base's best: its link, or its text
            choices = []
            for s in service.suggest_articles(number):
                article = s.article
                if article.url:
                    choices.append((f"{article.title} — {tr('länk')}: {article.url}",
                                    article.url))
                choices.append((f"{article.title} — {tr('texten')}:\n"
                                + _preview(article.body), article.body.strip()))
        elif kind == "earlier":  # earlier replies (the store says which), the newest first
            choices = [(f"{m.created_at.astimezone():%Y-%m-%d %H:%M} {m.author}:\n"
                        + _preview(m.text), m.text)
                       for m in service.earlier_replies(number)]
        else:
            names = statuses()
            choices = [(f"#{r.number} {names.get(r.status, r.status)} — {r.title}", r.number)
                       for r in service.related(number)]
        self.post_message(Choices(kind, target, choices, current))

    @on(Composer.TextWanted)
    def offer_texts(self, message: Composer.TextWanted) -> None:
        if self.shown is not None:
            self.choose(message.kind, Target(self.shown.number, self.shown.version))

    @on(Choices)
    def offer(self, message: Choices) -> None:
        if self.screen is not self.app.screen:
            return  # another list on screen by now
        if message.kind == "labels":
            self.offer_labels(message.target, [str(value) for _, value in message.choices])
            return
        if not message.choices:
            self.notify(tr("Inget att välja här."), markup=False)
            return
        # The case's number in the title: the case the key was pressed on.
        title = f"#{message.target.number} · {tr(TITLES[message.kind])}"
        self.app.push_screen(ChoiceModal(title, message.choices, current=message.current,
                                         filtering=message.kind in _FILTERED),
                             lambda value: self.chosen(message.kind, message.target, value))

    def chosen(self, kind: str, target: Target, value: object) -> None:
        if value is CANCELLED:
            return
        if kind in _TEXTS:
            if self.shown is None or self.shown.number != target.number:
                # Another case was opened meanwhile: its text is not for this one.
                self.notify(tr("Inget ändrat: du har öppnat ett annat ärende sedan dess."),
                            severity="warning", markup=False)
                return
            if isinstance(value, Filled):  # a quick reply: the cursor where it says
                self.composer.insert(value.text, cursor=value.cursor)
            else:
                self.composer.insert(str(value))
            return
        n, v = target.number, self.latest(target).version
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
