"""The demo's team: the agents (you among them) and channels, who works where and how much
of the work each takes, and the rows for them."""

from __future__ import annotations

from itertools import accumulate

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.demo.clock import DAY, Stamp, span_days
from store.demo.data import AGENTS, CHANNELS, DOMAIN, SHARE_AGENT, SHARE_SUPERVISOR, SHARE_YOU
from store.errors import InvalidInput
from store.models import Agent, Case, Channel, Setting


class Team:
    """The agents and channels (index n in `agents` is agent id n + 1)."""

    def __init__(self, login: str) -> None:
        channel_names = [c[0] for c in CHANNELS]
        self.channel_ids = {name: n + 1 for n, name in enumerate(channel_names)}
        # If you share a login with one of the made-up agents, you replace them. You
        # are named by your login, as everyone sees you: "you" is only ever the one
        # looking, and the UI says that in its own words.
        you = (login, login, True, True, tuple(channel_names))
        self.agents = [*(a for a in AGENTS if a[0] != login), you]
        self.logins = [a[0] for a in self.agents]
        self.names = [a[1] for a in self.agents]
        self.firsts = [a[1].split()[0] for a in self.agents[:-1]] + [login]
        self.you = len(self.agents) - 1
        self.supervisors = [n for n, a in enumerate(self.agents) if a[2] and a[3]]
        self.inactive = {n for n, a in enumerate(self.agents) if not a[3]}
        self.members: dict[str, list[int]] = {name: [] for name in channel_names}
        for n, a in enumerate(self.agents):
            for ch in a[4]:
                self.members[ch].append(n)
        # Per channel: (agents, cumulative shares of the work) for recent cases and for
        # old ones (an agent who has left still has her old cases).
        self.pickers: dict[tuple[str, bool], tuple[list[int], list[float]]] = {}
        for ch, people in self.members.items():
            for old in (False, True):
                who = [n for n in people if old or n not in self.inactive]
                shares = [SHARE_YOU if n == self.you else
                          SHARE_SUPERVISOR if n in self.supervisors else SHARE_AGENT
                          for n in who]
                self.pickers[(ch, old)] = (who, list(accumulate(shares)))

    def write(self, session: Session, now: int, cases: int) -> None:
        for table in (Agent, Channel, Case):
            if session.scalar(sa.select(sa.func.count()).select_from(table)):
                raise InvalidInput(
                    "a demo is built only into an empty database: this one has "
                    f"{table.__tablename__} rows already"
                )
        conn = session.connection().connection.driver_connection
        assert conn is not None
        stamp = Stamp()
        at = stamp(now - (span_days(cases) + 30) * DAY)
        conn.executemany(
            "INSERT INTO agent (id, login, name, email, is_supervisor, is_ai, is_active, "
            "created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            [(n + 1, a[0], a[1], "" if n == self.you else f"{a[0]}@{DOMAIN}", int(a[2]),
              int(a[3]), at) for n, a in enumerate(self.agents)],
        )
        conn.executemany(
            "INSERT INTO channel (id, name, kind, address, created_at) VALUES (?, ?, ?, ?, ?)",
            [(self.channel_ids[c[0]], c[0], c[1], c[2], at) for c in CHANNELS],
        )
        conn.executemany(
            "INSERT INTO channel_member (channel_id, agent_id) VALUES (?, ?)",
            [(self.channel_ids[ch], n + 1) for ch, people in self.members.items()
             for n in people],
        )
        session.add(Setting(key="demo", value="1"))
        session.execute(
            sa.text("INSERT INTO audit_event (at, actor, action, case_id, before, after) "
                    "VALUES (:at, :actor, 'demo.build', NULL, '', :after)"),
            {"at": stamp(now), "actor": self.logins[self.you], "after": f'{{"cases": {cases}}}'},
        )
