"""The list's windows, without Textual or a database: what a list holds stays bounded
by the screen however far the agent pages, and rows dropped on the way are asked for
again by key (after or before a row still held), never by OFFSET."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.queries import GroupCount
from tui.caselist import KEEP, WINDOW, CaseWindow, GroupedWindow, Request, Window

SCREEN = 36
BOUND = SCREEN + 2 * KEEP + WINDOW  # the screen, KEEP either side, a window placed


@dataclass(frozen=True)
class Item:
    """A row: its place in the store's order (what a keyset query reads from it)."""

    at: int


def serve(request: Request, total: int) -> list[Item]:
    """The store's answer to a window request over `total` items in order."""
    if request.skip:
        first = request.skip
    elif request.after is not None:
        first = request.after.at + 1
    elif request.before is not None:
        first = max(request.before.at - WINDOW, 0)
        return [Item(i) for i in range(first, request.before.at)]
    elif request.from_end:
        first = max(total - WINDOW, 0)
    else:
        first = 0
    return [Item(i) for i in range(first, min(first + WINDOW, total))]


class Screen:
    """What the case table and its screen do: show lines from `top`, ask for what is
    missing, place what arrives and trim around the screen."""

    def __init__(self, window: Window, serve_total: int) -> None:
        self.window = window
        self.total = serve_total
        self.requests: list[Request] = []
        self.most_held = 0

    def show(self, top: int) -> None:
        for line in range(top, min(top + SCREEN, self.window.total)):
            for _ in range(self.total // WINDOW + 2):  # a walk: a window at a time
                request = self.window.request_for(line)
                if request is None:
                    break
                self.requests.append(request)
                placed = self.window.place(request, serve(request, self.total))
                self.window.trim((top, top + SCREEN), placed)
                self.most_held = max(self.most_held, self.window.held)
            assert self.window.get(line) == Item(line), line


def test_paging_down_a_long_list_and_back_holds_a_bounded_number_of_rows() -> None:
    total = 100_000
    screen = Screen(CaseWindow(total), total)
    for top in range(0, total - SCREEN, SCREEN - 2):  # PageDown to the end
        screen.show(top)
    assert screen.window.held <= BOUND
    assert screen.most_held <= BOUND
    assert len(screen.requests) >= total // WINDOW  # the whole list went through
    # Back up a page at a time from the end: every row dropped on the way down is
    # read again, after or before a row still held.
    screen.requests.clear()
    for top in range(total - SCREEN, 0, -(SCREEN - 2)):
        screen.show(top)
    screen.show(0)
    assert screen.most_held <= BOUND
    assert screen.requests, "the top of the list had been dropped"
    assert all(r.before is not None and not r.skip for r in screen.requests)


def test_rows_far_from_the_screen_go_and_come_back_by_key() -> None:
    total = 10_000
    screen = Screen(CaseWindow(total), total)
    screen.show(0)
    for top in range(0, 3_000, SCREEN - 2):
        screen.show(top)
    window = screen.window
    assert window.get(0) is None  # dropped: far above the screen
    assert window.get(3_000) is not None
    screen.requests.clear()
    screen.show(3_000 - KEEP - 2 * WINDOW)  # back up, farther than what is kept
    assert screen.requests
    assert all(r.before is not None and not r.skip for r in screen.requests)


def test_a_long_jump_walks_on_from_the_window_it_just_placed() -> None:
    # The window placed last is kept even when it is far from the screen: the next
    # step of the walk starts from its edge, instead of from the top again.
    total = 50_000
    window = Window(total)  # a list that can't seek: group lists walk
    screen = Screen(window, total)
    screen.show(0)
    screen.show(4 * WINDOW)  # within reach of the top: a walk, not a seek
    assert window.get(4 * WINDOW) == Item(4 * WINDOW)
    assert not any(r.skip for r in screen.requests)
    assert [r.start for r in screen.requests] == [0, WINDOW, 2 * WINDOW, 3 * WINDOW,
                                                  4 * WINDOW]


def test_pinned_items_are_kept() -> None:
    window = Window(10_000)
    window.place(Request(start=0), [Item(i) for i in range(WINDOW)])
    window.trim((9_000, 9_036), pinned=frozenset({3}))
    assert window.held == 1
    assert window.get(3) == Item(3)


def test_rows_exactly_keep_away_stay_and_one_farther_goes() -> None:
    window = Window(10_000)
    window.place(Request(start=0), [Item(i) for i in range(WINDOW)])
    cursor = KEEP + 150  # the screen scrolled off the cursor (a mouse wheel)
    window.trim((5_000, 5_036), (cursor, cursor))
    assert window.get(150) == Item(150)  # exactly KEEP above the cursor
    assert window.get(149) is None
    assert window.get(WINDOW - 1) is not None


def test_an_emptied_long_list_seeks_to_its_middle() -> None:
    window = CaseWindow(100_000)
    window.place(Request(start=0), [Item(i) for i in range(WINDOW)])
    window.trim((90_000, 90_036))
    assert window.held == 0
    request = window.request_for(50_000)
    assert request is not None
    assert request.skip == 50_000 - WINDOW // 2
    assert Window(100_000).request_for(40_000) == Request(start=0)  # a list that walks


def groups(count: int, first: int = 0) -> list[GroupCount]:
    return [GroupCount(key=i, label=f"Kund {i}", count=5_000 if i == 2 else 3)
            for i in range(first, first + count)]


def test_a_grouped_list_keeps_its_open_groups_and_a_bounded_number_of_lines() -> None:
    window = GroupedWindow("contact", 100_000)
    window.groups.place(Request(start=0), groups(WINDOW))
    window.open(2)  # 5,000 cases under the third heading
    opened = window.opened[2]
    lines = window.total
    for top in range(0, lines - SCREEN, SCREEN - 2):
        for line in (top, top + SCREEN - 1):
            request = window.request_for(line)
            if request is None:
                continue
            if request.groups:
                first = request.after.key + 1 if request.after else 0
                items: list[Any] = groups(WINDOW, first)
            else:
                assert request.group == window.groups.get(2)
                items = serve(request, opened.total)
            placed = window.place(request, items)
            window.trim((top, top + SCREEN), placed)
            assert window.held <= 2 * BOUND
        if top > 10_000:
            break
    # Far below the open group: its cases are gone, its heading (and it) stay open.
    assert opened.held == 0
    assert window.groups.get(2) is not None
    assert 2 in window.opened
    assert window.groups.get(0) is None  # a closed group far above: dropped
    assert window.total == lines
