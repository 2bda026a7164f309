"""The supervisor's channels view: each channel's members, to add and remove."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, SelectionList
from textual.widgets.selection_list import Selection

from store.views import AgentView, ChannelView
from tui.sanitize import clean_line
from tui.words import N_, tr, translate_bindings, value_name


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
        hint = (N_("Kanaler — mellanslag lägger till eller tar bort agenten") if self.change
                else N_("Kanaler (läsläge: inget kan ändras)"))
        with Vertical():
            yield Label(Text(tr(hint), style="bold"))
            with Horizontal():
                yield OptionList(*[self._label(c) for c in self.channels], id="channel-list")
                if self.change is None:  # read only: the members, to look through
                    yield OptionList(id="members")
                else:
                    yield SelectionList[str](id="members")

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
        members: SelectionList[str] = self.query_one(SelectionList)
        # The same channel again (after a change): the cursor stays on its agent.
        keep = members.highlighted if index == self.current else None
        self.current = index
        with self.prevent(SelectionList.SelectionToggled):
            members.clear_options()
            # The word as well as the box's colour says who is a member.
            members.add_options([Selection(
                Text(clean_line(f"{a.login} — {a.name}"
                                + ("" if a.is_active else tr("  (inaktiv)"))
                                + (tr("  · medlem") if a.login in channel.members else ""))),
                a.login, a.login in channel.members) for a in self.agents])
        if keep is not None:
            members.highlighted = keep

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "channel-list" and event.option_index is not None:
            self.show_members(event.option_index)

    def on_selection_list_selection_toggled(
            self, event: SelectionList.SelectionToggled[str]) -> None:
        if self.change is None:
            return
        login = event.selection.value
        self.change(self.channels[self.current].name, login,
                    login in event.selection_list.selected)

    def changed(self, view: ChannelView) -> None:
        """The store's word on a channel after a change."""
        for i, channel in enumerate(self.channels):
            if channel.name == view.name and channel != view:
                self.channels[i] = view
                self.query_one("#channel-list", OptionList).replace_option_prompt_at_index(
                    i, self._label(view))
                if i == self.current:
                    self.show_members(i)
