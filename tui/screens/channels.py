"""The supervisor's channels view: each channel's members, to add and remove."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Label, OptionList, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.selection_list import Selection

from store.views import AgentView, ChannelView
from tui.sanitize import clean_line
from tui.words import N_, tr, translate_bindings, value_name

Row = tuple[str, str]  # (channel, login): a row of the members' list


class MemberList(SelectionList[Row]):
    """The agents, a box each for being in the channel shown. Space (or Enter, or a
    click) toggles the row the cursor was on when it was pressed: SelectionList's own
    handler toggles the row under the cursor when the message is handled, by then
    perhaps another one (a key pressed meanwhile)."""

    @dataclass
    class Chosen(Message):
        """Toggled: `login` is to be (`member`) or not to be in `channel`, as the box
        now says."""

        channel: str
        login: str
        member: bool

    def render_line(self, y: int) -> Strip:
        # Textual draws the same X in every box, ticked or not, told apart only by its
        # colour: an unticked box is drawn empty, readable without colours.
        strip = super().render_line(y)
        index = int(self.scroll_offset.y) + y
        if index >= self.option_count or self.get_option_at_index(index).value in self.selected:
            return strip
        segments = list(strip)
        if len(segments) > 1 and segments[1].text == ToggleButton.BUTTON_INNER:
            segments[1] = Segment(" ", segments[1].style)
        return Strip(segments, strip.cell_length)

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        event.prevent_default()  # SelectionList's own handler (the MRO's next) is not run
        pressed = event.option  # the row as it was when the key was pressed
        assert isinstance(pressed, Selection)
        row: Row = pressed.value
        if not any(self.get_option_at_index(i).value == row
                   for i in range(self.option_count)):
            return  # the list shows another channel by now
        self.toggle(row)
        self.post_message(self.Chosen(*row, member=row in self.selected))


class ChannelsModal(ModalScreen[None]):
    """The supervisor's channels view: each channel's members; space adds or removes
    the agent under the cursor (nothing can be changed in read-all mode)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Stäng", id="channels.close")]
    CSS_PATH = "channels.tcss"

    def __init__(self, channels: list[ChannelView], agents: list[AgentView],
                 change: Callable[[str, str, bool], object] | None) -> None:
        super().__init__()
        translate_bindings(self)
        self.channels = channels
        self.agents = agents  # the deactivated too: their memberships can be ended
        self.change = change  # None: read only
        self.current = 0

    def compose(self) -> ComposeResult:
        hint = (N_("Kanaler — Enter eller tab till agenterna; mellanslag lägger till eller "
                   "tar bort agenten under markören") if self.change
                else N_("Kanaler (läsläge: inget kan ändras)"))
        with Vertical():
            yield Label(Text(tr(hint), style="bold"))
            with Horizontal():
                yield OptionList(*[self._label(c) for c in self.channels], id="channel-list")
                if self.change is None:  # read only: the members, to look through
                    yield OptionList(id="members")
                else:
                    yield MemberList(id="members")

    @staticmethod
    def _label(channel: ChannelView) -> Text:
        return Text(clean_line(tr("{name} ({kind}) · {count} medlemmar").format(
            name=channel.name, kind=value_name(channel.kind), count=len(channel.members))))

    def on_mount(self) -> None:
        self.query_one("#channel-list", OptionList).focus()
        if self.channels:
            self.show_members(0)

    def show_members(self, index: int) -> None:
        channel = self.channels[index]
        if self.change is None:
            self.current = index
            names = self.query_one("#members", OptionList)
            names.clear_options()
            names.add_options([Text(clean_line(f"{a.login} — {a.name}")) for a in self.agents
                               if a.login in channel.members])
            return
        members = self.query_one(MemberList)
        # The same channel again (after a change): the cursor stays on its agent; another
        # channel: on its first agent — a cursor always shows where space acts.
        keep = members.highlighted if index == self.current else None
        self.current = index
        members.clear_options()
        # The word as well as the box's colour says who is a member.
        members.add_options([Selection(
            Text(clean_line(f"{a.login} — {a.name}"
                            + ("" if a.is_active else tr("  (inaktiv)"))
                            + (tr("  · medlem") if a.login in channel.members else ""))),
            (channel.name, a.login), a.login in channel.members) for a in self.agents])
        if self.agents:
            members.highlighted = keep if keep is not None else 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "channel-list" and event.option_index is not None:
            self.show_members(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # Enter on a channel: to its members, the cursor on one of them.
        if event.option_list.id == "channel-list" and self.change is not None:
            self.query_one(MemberList).focus()

    @on(MemberList.Chosen)
    def chosen(self, event: MemberList.Chosen) -> None:
        if self.change is not None:
            self.change(event.channel, event.login, event.member)

    def changed(self, view: ChannelView) -> None:
        """The store's word on a channel after a change."""
        for i, channel in enumerate(self.channels):
            if channel.name == view.name and channel != view:
                self.channels[i] = view
                self.query_one("#channel-list", OptionList).replace_option_prompt_at_index(
                    i, self._label(view))
                if i == self.current:
                    self.show_members(i)
