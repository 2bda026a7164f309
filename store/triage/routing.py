"""The team's triage rules on a new case in the store: where the rules file is read
(`RuleSource`: reloaded when it changes, the last good rules kept when it breaks) and
what a firing rule does to the case (`route`). README, "Triage rules".
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit, labels, workspace
from store.fields import fitting_labels, label_text
from store.models import Agent, Case, CaseField, Channel, ChannelMember, Contact, Presence

# Rules act as the system: they are the team's, whoever created the case.
from store.permissions import SYSTEM
from store.presence import GONE_AFTER
from store.records import can_see
from store.standing import standing_of
from store.statuses import UNSOLVED
from store.tables import id_of
from store.triage import own_words
from store.triage.rules import EMPTY, Facts, Names, Problem, Rule, RuleBook, check_names, parse

if TYPE_CHECKING:
    from store.core import ServiceCore
    from store.inputs import MessageInput

# Under "casedesk": the daemon's and the background poller's log file has it.
log = logging.getLogger("casedesk.triage")


def names_in(session: Session) -> Names:
    """The channels (with their active members), agents and tiers a rules file may name."""
    people = sa.and_(col(Agent.is_active), col(Agent.login) != "system")
    members: dict[str, set[str]] = {name: set() for name in session.scalars(
        sa.select(col(Channel.name)))}
    for channel, login in session.execute(sa.select(col(Channel.name), col(Agent.login)).join(
            ChannelMember, col(ChannelMember.channel_id) == Channel.id).join(
            Agent, col(Agent.id) == ChannelMember.agent_id).where(people)):
        members[channel].add(login)
    agents = frozenset(session.scalars(sa.select(col(Agent.login)).where(people)))
    supervisors = frozenset(session.scalars(sa.select(col(Agent.login)).where(
        people, col(Agent.is_supervisor))))
    return Names({k: frozenset(v) for k, v in members.items()}, agents, supervisors,
                 labels=labels.known(session) or None)


def check(session: Session, text: str) -> tuple[RuleBook, list[Problem]]:
    """`rules.parse` and the names it uses checked against the store."""
    book, problems = parse(text)
    return book, problems + check_names(book, names_in(session))


# A rules file that could not be read; a file found wrong is read again this often
# (a channel, agent or label it names may exist by now).
_MISSING = (-1, -1, -1)
RECHECK_SECONDS = 5.0


@dataclass
class RuleSource:
    """The rules file a database's new cases go through; None: no rules. Read again
    when it changes; a file with an error is never half-applied: the last good rules
    stay in force and `problem` says why (logged once per problem). Threads share it."""

    path: Path | None = None
    _book: RuleBook = EMPTY
    _stamp: tuple[int, int, int] | None = None  # None: never read
    _checked: float = 0.0
    problem: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _file_stamp(self) -> tuple[int, int, int]:
        try:
            stat = os.stat(self.path) if self.path is not None else None
        except OSError:
            return _MISSING
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat is not None else _MISSING

    def stale(self) -> bool:
        """Whether the file is to be read (again): never read, changed since, or wrong
        when last read a while ago."""
        return (self._stamp is None or self._file_stamp() != self._stamp
                or (self.problem is not None
                    and time.monotonic() - self._checked >= RECHECK_SECONDS))

    def book(self, session: Session) -> RuleBook:
        if self.path is None:
            return EMPTY
        with self._lock:
            if not self.stale():
                return self._book
            stamp = self._file_stamp()
            self._checked = time.monotonic()
            try:
                text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                return self._broken(stamp, f"cannot read it: {exc}")
            book, problems = check(session, text)
            if self._file_stamp() != stamp:  # written while it was read: read it next time
                return self._book
            errors = [str(p) for p in problems if p.error]
            if errors:
                return self._broken(stamp, "; ".join(errors))
            self._book, self.problem, self._stamp = book, None, stamp
            return book

    def _broken(self, stamp: tuple[int, int, int], why: str) -> RuleBook:
        problem = (f"{self.path}: {why} — the last good rules stay in force "
                   "(`casedesk rules check` lists each problem)")
        if problem != self.problem:
            log.warning("triage rules: %s", problem)
        self.problem, self._stamp = problem, stamp
        return self._book


def facts_of(session: Session, case: Case, title: str, first: MessageInput | None,
             contact: Contact | None = None) -> Facts:
    """What the rules read of a new case: its channel, title and first message (the
    customer's own words), who wrote it (`contact`, when the caller has it at hand)
    and what kind of customer they are."""
    channel = session.get_one(Channel, case.channel_id)
    if contact is None or contact.id != case.contact_id:
        contact = session.get_one(Contact, case.contact_id)
    text = own_words(first.text) if first is not None else ""
    sender = ((first.sender_address if first is not None else "") or contact.email).lower()
    return Facts(
        number=case.id or 0, channel=channel.name, title=title, text=text, sender=sender,
        contact_type=contact.customer_type, tier=contact.tier,
        customer_type_of=lambda: standing_of(session, case, sender, contact.standing),
        fields_of=lambda: dict(session.execute(sa.select(
            col(CaseField.name), col(CaseField.value)).where(
            col(CaseField.case_id) == case.id)).all()))


def route(core: ServiceCore, session: Session, case: Case, title: str,
          first: MessageInput | None, *, priority_chosen: bool = False,
          contact: Contact | None = None) -> None:
    """The rules on a new case, in file order: every rule that matches applies (a later
    rule's priority, channel and assignee win; labels add up). Each firing is an event
    on the case and an audit record; the case stays the agents' to change.
    `priority_chosen`: its creator gave the priority, and a person's choice wins."""
    source: RuleSource | None = core.db.rules
    book = source.book(session) if source is not None else EMPTY
    if not book.rules:
        return
    if case.id is None:
        session.flush()  # the case's number
    facts = facts_of(session, case, title, first, contact)
    matching = book.matching(facts)
    fired = [rule for rule in matching if rule.sampled(facts.number)]
    # A sampled rule's cases on both sides, for the report that compares them.
    left_alone = [("case.triage", case.id, {"rule": rule.name, "sample": "out"})
                  for rule in matching if rule not in fired]
    if not fired:
        audit.record_many(session, SYSTEM, at=core._now(), events=left_alone)
        return
    now = core._now()
    last = {key: next((getattr(r, key) for r in reversed(fired) if getattr(r, key)), None)
            for key in ("priority", "move_to", "assign")}
    # Mail of the past (`casedesk import`) takes labels, priority and channel: nobody
    # is handed or told of a conversation that ended long ago.
    history = core._history
    if last["move_to"] is not None:
        # Found as `rules check` found it (SQLite's lower() knows no Å, Ä, Ö).
        wanted = last["move_to"].casefold()
        target = next((c for c in session.scalars(sa.select(Channel))
                       if c.name.casefold() == wanted), None)
        if target is not None and target.id != case.channel_id:
            case.channel_id = id_of(target)
            core._drop_unseeing(session, SYSTEM, case)
            if not history:
                workspace.cases_arrived(session, [case.id or 0], now)
    if priority_chosen:
        last["priority"] = None
    elif last["priority"] is not None and last["priority"] != case.priority:
        case.priority = last["priority"]
        core._apply_sla(session, case, facts.tier)
    # A label taken off the team's list since the file was checked is not added.
    team = labels.known(session)
    added = {x for rule in fired for x in rule.labels if not team or x in team}
    if added:  # as many as the case may carry (its own first); said: those it got
        case.labels = label_text(fitting_labels([*filter(None, case.labels.split(",")),
                                                 *sorted(added)]))
        added &= set(case.labels.split(","))
    assignee = _assignee(session, case, last["assign"], now) if last["assign"] and \
        not history else None
    if assignee is not None:
        case.assignee_id = assignee.id
        workspace.assigned(session, case.id or 0, assignee.id or 0, None, now)
    # Told: those who can open the case where it ended up (a workspace holds no other).
    asked = {x for rule in fired for x in rule.notify} if not history else set()
    told = {a.login: a for a in session.scalars(sa.select(Agent).where(
        col(Agent.login).in_(asked), col(Agent.is_active), sa.not_(col(Agent.is_ai))))
        if can_see(session, a.login, case)} if asked else {}
    if told:
        workspace.mentioned(session, case.id or 0, [a.id or 0 for a in told.values()], now)
    deciding = next((r for r in reversed(fired) if r.assign), None)  # whose assign won
    records = left_alone
    for rule in fired:
        said = _said(rule, assignee if rule is deciding else None, priority=last["priority"],
                     labels=added, told=set(told))
        if said:  # a rule that could do nothing (a priority chosen, no one to take it)
            core._event(session, case, "triaged", rule=rule.name,
                        priority=said.get("priority"), labels=said.get("labels"),
                        channel=said.get("channel"), assignee=said.get("assignee"),
                        way=said.get("way"), notify=said.get("notify"))
        sampled = {"sample": "in"} if rule.sample < 1 else {}
        records.append(("case.triage", case.id, {"rule": rule.name, **said, **sampled}))
    audit.record_many(session, SYSTEM, at=now, events=records)
    if assignee is not None:  # assigned: the work begins (lifecycle)
        core._work_begins(session, SYSTEM, case, "assigned", bump=False)


def _said(rule: Rule, assignee: Agent | None, *, priority: str | None, labels: set[str],
          told: set[str]) -> dict[str, str]:
    """What one rule set, as its event's values: what it asked for and was done."""
    said = {}
    if rule.priority and priority is not None:
        said["priority"] = rule.priority
    if any(x in labels for x in rule.labels):
        said["labels"] = ", ".join(x for x in rule.labels if x in labels)
    if rule.move_to:
        said["channel"] = rule.move_to
    if rule.assign and assignee is not None:
        said["assignee"] = assignee.login
        said["way"] = rule.assign if rule.assign in ("round-robin", "least-loaded") else ""
    if any(x in told for x in rule.notify):
        said["notify"] = ", ".join(x for x in rule.notify if x in told)
    return {k: v for k, v in said.items() if v}


def _assignee(session: Session, case: Case, way: str, now: datetime) -> Agent | None:
    """Whom a rule's `assign` names for the case: a login (if they can take it), or
    among the channel's active members (those with a TUI open first, when any has)
    the next in turn (round-robin: the longest since a case of this channel) or the
    one with the fewest unsolved cases (least-loaded; a tie goes by turn)."""
    members = list(session.scalars(sa.select(Agent).join(
        ChannelMember, col(ChannelMember.agent_id) == Agent.id).where(
        col(ChannelMember.channel_id) == case.channel_id, col(Agent.is_active),
        sa.not_(col(Agent.is_ai)), col(Agent.login) != "system").order_by(col(Agent.login))))
    if way not in ("round-robin", "least-loaded"):
        return next((a for a in members if a.login == way), None)
    present = set(session.scalars(sa.select(col(Presence.agent_id)).where(
        col(Presence.seen_at) >= now - GONE_AFTER)))
    members = [a for a in members if a.id in present] or members
    if not members:
        return None
    ids = [a.id for a in members]
    latest = dict(session.execute(sa.select(col(Case.assignee_id), sa.func.max(Case.id)).where(
        col(Case.channel_id) == case.channel_id, col(Case.assignee_id).in_(ids),
        col(Case.id) != case.id).group_by(col(Case.assignee_id))).all())
    load = {}
    if way == "least-loaded":
        load = dict(session.execute(sa.select(col(Case.assignee_id), sa.func.count()).where(
            col(Case.assignee_id).in_(ids), col(Case.status).in_([s.value for s in UNSOLVED]),
            col(Case.id) != case.id).group_by(col(Case.assignee_id))).all())
    return min(members, key=lambda a: (load.get(a.id, 0), latest.get(a.id, 0), a.login))


__all__ = ["RuleSource", "check", "facts_of", "names_in", "route"]
