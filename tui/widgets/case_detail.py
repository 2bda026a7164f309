"""One case: its facts (pinned) and its whole conversation (scrolling).

Internal notes are drawn on a warning background under the words INTERN ANTECKNING
(INTERNAL NOTE in English), so a note can never be mistaken for a reply the customer
sees. Everything from outside is sanitized and becomes `Text`, never markup.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

# What the detail shows of a customer mail: its new words, the quoted history folded.
from mail.quotes import split_quoted
from store.views import CaseView
from tui.sanitize import clean_block, clean_line
from tui.words import N_, event_text, marks, priorities, statuses, tr, value_name

KIND_HEADINGS = {"customer": (N_("Kund"), "bold cyan"), "ai": (N_("AI-agent"), "bold magenta"),
                 "reply": (N_("Svar till kunden"), "bold green"),
                 "note": (N_("INTERN ANTECKNING"), "bold black on yellow")}


# A mailed reply's way out (the outbox's state), beside its heading.
DELIVERY = {"queued": (N_("i kö"), "dim"), "sending": (N_("skickas …"), "dim"),
            "sent": (N_("skickat"), "green"),
            "failed": (N_("kunde inte skickas"), "bold red"),
            "unknown": (N_("okänt om det kom fram"), "bold red")}


def _head(view: CaseView) -> Text:
    head = Text()
    head.append(f"#{view.number}  ", style="bold")
    head.append(clean_line(view.title), style="bold")
    return head


def flagged(view: CaseView) -> str:
    """Each flag triage set, with the words of the message that set it."""
    said = view.flagged_by
    return ", ".join(f"{marks().get(flag, flag)} ({said[flag]})" if said.get(flag)
                     else marks().get(flag, flag) for flag in view.flags)


def render_facts(view: CaseView, *, folded: bool = False) -> Text:
    """The case's title and facts; `folded`: on one line under the title (a small
    terminal, where the conversation needs the rows)."""
    c = view.contact
    status = statuses().get(view.status, view.status)
    channel = f"{view.channel} ({value_name(view.channel_kind)})"
    assignee = view.assignee or "–"
    facts = _head(view)
    facts.append("\n")
    if folded:
        facts.append(clean_line(" · ".join([
            status, channel, c.name or c.signed, view.assignee or tr("ingen tilldelad"),
            priorities().get(view.priority, view.priority),
            *(marks().get(f, f) for f in view.flags)])), style="dim")
    else:
        rows = [
            (tr("Status"), status),
            (tr("Kanal"), channel),
            (tr("Kontakt"), f"{c.signed} {c.phone}".strip()),
            (tr("Kundtyp"), f"{value_name(c.standing)}, {value_name(c.customer_type)}, "
                            f"{value_name(c.tier)}"),
            (tr("Tilldelad"), assignee),
            (tr("Prioritet"), priorities().get(view.priority, view.priority)),
            *([(tr("Flaggor"), flagged(view))] if view.flags else []),
            (tr("Etiketter"), ", ".join(view.labels) or "–"),
            *([(tr("Betyg"), f"{view.rating}/5")] if view.rating is not None else []),
            # A web form's fields as it named them (a long name cut: the facts stay a column).
            *((clean_line(name)[:16], value) for name, value in view.fields),
            (tr("Bevakas av"), ", ".join(view.watchers) or "–"),
            (tr("Arbetsyta"), ", ".join(view.in_workspaces) or "–"),
            (tr("Relaterade"), " ".join(f"#{n}" for n in view.related) or "–"),
        ]
        width = max(len(label) for label, _ in rows) + 1  # 11 in Swedish
        for i, (label, value) in enumerate(rows):
            facts.append(f"{label:<{width}}", style="dim")
            facts.append(clean_line(value) + ("\n" if i < len(rows) - 1 else ""))
    if view.merged_into:
        facts.append("\n" + tr("Sammanslaget med #{number}").format(number=view.merged_into),
                     style="bold red")
    return facts


def render_conversation(view: CaseView, *, show_quoted: bool = False) -> list[Text]:
    """The conversation, oldest first: messages, notes and events."""
    parts: list[Text] = []
    for m in view.messages:
        when = m.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if m.kind == "event":
            said = event_text(m.event) if m.event is not None else m.text
            parts.append(Text(f"— {when} {clean_line(m.author)}: {clean_line(said)}",
                              style="dim italic"))
            continue
        heading, style = KIND_HEADINGS.get(m.kind, (m.kind, "bold"))
        heading = tr(heading) if m.kind in KIND_HEADINGS else heading
        line = Text()
        line.append(f" {heading} ", style=style)
        line.append(f" {clean_line(m.signed)}, {when}")
        if m.flags:
            line.append(f"  [{clean_line(', '.join(value_name(f) for f in m.flags))}]",
                        style="red")
        if m.delivery:
            said, style = DELIVERY.get(m.delivery, (m.delivery, "dim"))
            line.append(f"  {tr(said)}", style=style)
        text, history = split_quoted(m.text) if m.kind == "customer" else (m.text, "")
        body = Text(clean_block(text), style="on grey15" if m.kind == "note" else "")
        if history and show_quoted:
            body.append("\n" + clean_block(history), style="dim")
        elif history:
            lines = history.count("\n") + 1
            body.append("\n" + tr("… citerad historik, {lines} rader (h visar)").format(
                lines=lines), style="dim italic")
        for a in m.attachments:
            body.append("\n" + tr("📎 {filename} ({size} byte)").format(
                filename=clean_line(a.filename), size=a.size), style="dim")
        parts.extend([line, body, Text("")])
    return parts


def render_case(view: CaseView, *, show_quoted: bool = False) -> Group:
    """The whole case as text: its facts, then its conversation."""
    return Group(render_facts(view), Text(""),
                 *render_conversation(view, show_quoted=show_quoted))


class CaseFacts(Static):
    """The case's title and facts, pinned above its conversation (folded to a line on a
    small terminal: `fold`)."""

    shown: CaseView | None = None
    folded = False

    def show(self, view: CaseView) -> None:
        self.shown = view
        self.update(render_facts(view, folded=self.folded))

    def fold(self, folded: bool) -> None:
        if folded != self.folded:
            self.folded = folded
            if self.shown is not None:
                self.show(self.shown)


class CaseDetail(VerticalScroll):
    """The conversation of the case on show, opened at its newest message; at the end
    it stays at the end as text comes, else it keeps the place the agent scrolled to.
    (Styles: case_detail.tcss.)"""

    def compose(self) -> ComposeResult:
        yield Static(Text(tr("Välj ett ärende och tryck Enter."), style="dim"), id="case-body")

    shown: CaseView | None = None
    """The case on show."""
    show_quoted = False
    """Whether the quoted history in customers' mails is unfolded."""

    following_end = False
    """At the newest message, and staying there while the text is laid out anew."""
    opening = False
    """Just opened: placed so that the newest customer message shows, until the agent
    scrolls."""
    _placed_at = -1.0
    _parts: list[Text] = []

    def show(self, view: CaseView) -> None:
        self.opening = self.shown is None or self.shown.number != view.number
        self.following_end = self.opening or self.scroll_y >= self.max_scroll_y
        self.shown = view
        self._draw()
        if self.following_end:  # placed once the text is laid out
            self.call_after_refresh(self._place)

    def _place(self) -> None:
        """At the end; a case just opened at its newest customer message, what follows
        it under it as far as there is room (a long answer of ours after it would
        otherwise push the customer's words off the screen)."""
        if self.opening:
            self._placed_at = min(self._newest_customer_y(), self.max_scroll_y)
            self.scroll_to(y=self._placed_at, animate=False, immediate=True)
        elif self.following_end:
            self.scroll_end(animate=False, immediate=True)

    def _newest_customer_y(self) -> float:
        """The line the newest customer message begins on (the end: none)."""
        assert self.shown is not None
        part = 0  # a message is three parts (heading, text, a blank line), an event one
        anchor = None
        for m in self.shown.messages:
            if m.kind == "customer":
                anchor = part
            part += 1 if m.kind == "event" else 3
        if anchor is None:
            return self.max_scroll_y
        width = self.query_one("#case-body", Static).content_size.width
        if width <= 0:
            return self.max_scroll_y
        console = self.app.console
        return sum(len(p.wrap(console, width)) for p in self._parts[:anchor])

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolled away from the end (by the agent), the view stays where it is put.
        self.following_end = new_value >= self.max_scroll_y
        if new_value != self._placed_at:
            self.opening = False  # the agent scrolled: their place from now on

    def watch_virtual_size(self) -> None:
        # The text wraps to its width only once laid out (the side may open, the facts
        # fold): the end moves, and the view goes with it.
        if self.opening or self.following_end:
            self._place()

    def _draw(self) -> None:
        assert self.shown is not None
        self._parts = render_conversation(self.shown, show_quoted=self.show_quoted)
        self.query_one("#case-body", Static).update(Group(*self._parts))

    def toggle_quoted(self) -> None:
        self.show_quoted = not self.show_quoted
        if self.shown is not None:
            self._draw()
