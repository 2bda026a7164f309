"""The demo's cases, made in Python from the data files and one `random.Random(seed)`:
for each case a plan of its whole life (the conversation, assignment, every status
change, the scheduler's closing and archiving), cut at `now` and turned into rows.

Agents work in working hours; at night one of them is on call and finishes the case that
has waited longest for an agent (so solving, and a week later the scheduler's closing,
happen at night too: a case closed after midnight is still Closed until the next night's
archive run). The newest cases are the work in hand at `now`: a status of it that no case
has then (a small demo, a quiet hour) is given to the newest case that can have it; and if
no case is Closed then (a small team's quiet night), a supervisor closed the newest solved
one by hand.

The draws from the random stream, and their order, are the demo: the same seed, case
count and `now` give the same database only while they stay as they are.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any, TypeVar

from store import workspace
from store.demo.clock import DAY, HOUR, Clock, Stamp
from store.demo.contacts import make_contacts
from store.demo.data import (
    CHANNELS,
    FALLBACK_TOPIC,
    NOTES,
    PARK_NOTES,
    PHRASES,
    PRICES,
    PRODUCTS,
    STUCK_NOTES,
    TOPICS,
    UNPARK_NOTES,
    Topic,
    amount,
)
from store.demo.plan import (
    _AI,
    _BY_AI,
    _BY_CUSTOMER,
    _BY_SYSTEM,
    _CUSTOMER,
    _EVENT,
    _NOTE,
    _REPLY,
    _STAMPED,
    AI_AUTHOR,
    HELD,
    SOLVED_DAYS,
    SYSTEM_AUTHOR,
    Planned,
    Rows,
    _assigned,
    _Case,
    _kept_in,
    _moved,
    _stamps,
    _status_at,
    closed_by_hand,
    flagged_rows,
)
from store.lifecycle import work_begins
from store.statuses import UNSOLVED, Status

if TYPE_CHECKING:
    from store.demo.team import Team

_T = TypeVar("_T")

class Builder:
    """The demo's cases, generated batch by batch from one random stream."""

    def __init__(self, *, cases: int, team: Team, seed: int, now: int) -> None:
        self.rnd = rnd = random.Random(seed)
        self.cases = cases
        self.now = now
        self.clock = Clock(now, cases)
        self.created = [self.clock.created(i) for i in range(cases)]
        self.stamp = Stamp()
        self.messages = 0
        self.channel_ids = team.channel_ids
        self.logins, self.names, self.firsts = team.logins, team.names, team.firsts
        self.you, self.supervisors, self.inactive = team.you, team.supervisors, team.inactive
        self.pickers = team.pickers
        self.statuses: Counter[str] = Counter()  # the written cases' at `now`
        self.on_call: dict[int, int] = {}  # night -> the case its on-call agent finished
        self.held_from = max(0, cases - HELD)
        self._held: list[tuple[tuple[Any, ...], _Case]] = []  # (the random state before it, …)
        self._setup_topics()
        # Who writes: about a third as many contacts as cases, many coming back.
        n_contacts = max(1, cases // 3)
        self.contacts = make_contacts(n_contacts, rnd)
        p_new = n_contacts / cases
        self.case_contact = case_contact = [0] * cases
        self.prev_case = prev_case = [-1] * cases
        last_case: list[int] = []
        seen = 0
        for i in range(cases):
            if seen == 0 or (seen < n_contacts and rnd.random() < p_new):
                c = seen
                seen += 1
                last_case.append(-1)
            elif rnd.random() < 0.5:  # someone who wrote recently
                c = seen - 1 - int(rnd.random() * min(seen, 300))
            else:
                c = int(rnd.random() * seen)
            case_contact[i] = c
            prev_case[i] = last_case[c]
            last_case[c] = i
        del self.contacts[seen:]
        self._contacts_written = 0

    # -- what the cases are about ---------------------------------------------------------------

    def _setup_topics(self) -> None:
        self.channel_pick = list(accumulate(c[3] for c in CHANNELS))
        self.topic_pick: dict[str, tuple[list[Topic], list[float]]] = {}
        for name, *_ in CHANNELS:
            topics = [t for t in TOPICS if t.where.get(name)]
            self.topic_pick[name] = (topics, list(accumulate(t.where[name] for t in topics)))
        self.fallback = {t.key: t for t in TOPICS}[FALLBACK_TOPIC]

    # -- one batch ----------------------------------------------------------------------------

    def batch(self, lo: int, hi: int) -> Rows:
        """The rows of cases `lo` to `hi`, asked for in order: the newest HELD cases come
        with the last batch."""
        rows: Rows = {
            "contact": [], "cases": [], "message": [], "mention": [], "watch": [],
            "workspace_entry": [], "case_link": [],
        }
        # The contacts whose first case is in this batch (contacts are numbered in
        # the order they first wrote).
        stamp = self.stamp.text
        contacts = rows["contact"]
        for i in range(lo, hi):
            c = self.case_contact[i]
            if c == self._contacts_written:  # this case brings a new contact
                p = self.contacts[c]
                contacts.append((
                    c + 1, p.name, p.email, p.phone, "business" if p.business else "private",
                    "premium" if p.premium else "standard", stamp(self.created[i] - 60),
                ))
                self._contacts_written += 1
        for i in range(lo, hi):
            if i < self.held_from:
                self._emit(self._case(i), rows)
            else:
                self._held.append((self.rnd.getstate(), self._case(i)))
        if hi == self.cases:
            self._in_hand(rows)
        return rows

    def _in_hand(self, rows: Rows) -> None:
        """Write the held (newest) cases, first giving each status of the work in hand that
        no case has at `now` to the newest held case that can have it: planned again
        from its own random state, the choice its status needs made (an AI hand-over,
        parked with a colleague, a question to the customer), and its next step not
        taken yet (`_kept_in`). A case keeps its own status if it is the only one with it."""
        cases = self._held
        counts = self.statuses + Counter(case.status for _, case in cases)
        given: set[int] = set()
        for status in UNSOLVED:
            if counts[status]:
                continue
            for k in range(len(cases) - 1, -1, -1):
                state, case = cases[k]
                if k in given or case.night is not None or counts[case.status] < 2:
                    continue
                after = self.rnd.getstate()
                self.rnd.setstate(state)
                other = self._case(case.i, status)
                self.rnd.setstate(after)
                if other.status == status:
                    counts[case.status] -= 1
                    counts[status] += 1
                    cases[k] = (state, other)
                    given.add(k)
                    break
        if not counts["closed"]:
            closed_by_hand(self.clock, self.rnd, self.now, self.supervisors, self.you,
                           [case for k, (_, case) in enumerate(cases) if k not in given],
                           counts)
        for _, case in cases:
            self._emit(case, rows)
        cases.clear()

    def _case(self, i: int, fate: Status | None = None) -> _Case:
        """Case `i`'s plan; with a `fate`, one made to have that status at `now` if it can
        (and no on-call night of its own)."""
        rnd = self.rnd
        r = rnd.random

        def pick(seq: Sequence[_T]) -> _T:  # rnd.choice, faster
            return seq[int(r() * len(seq))]

        clock = self.clock
        number = i + 1
        contact = self.contacts[self.case_contact[i]]
        lang = contact.lang
        created = self.created[i]

        # Channel and topic.
        ch_name = CHANNELS[bisect_right(self.channel_pick, r() * self.channel_pick[-1])][0]
        if not contact.email and ch_name not in ("Webbchatt", "Telefon"):
            ch_name = "Telefon" if r() < 0.5 else "Webbchatt"
        elif not contact.phone and ch_name == "Telefon":
            ch_name = "Support"
        if fate == Status.ESCALATED and ch_name not in ("Webbchatt", "Telefon"):
            ch_name = "Telefon" if contact.phone and r() < 0.5 else "Webbchatt"
        kind = CHANNELS[self.channel_ids[ch_name] - 1][1]
        topics, cum = self.topic_pick[ch_name]
        topic = topics[bisect_right(cum, r() * cum[-1])]
        if topic.business and not contact.business:
            topic = self.fallback
        words = topic.sv if lang == "sv" else topic.en
        say = PHRASES[lang]
        chat = kind == "chat"

        # Priority and labels.
        base = topic.priority
        x = r()
        if base == "high":
            priority = "high" if x < 0.85 else "medium"
        elif base == "medium":
            priority = "high" if x < 0.12 else "low" if x < 0.22 else "medium"
        else:
            priority = "medium" if x < 0.25 else "low"
        if contact.premium and priority == "low" and r() < 0.5:
            priority = "medium"
        labels = set(topic.labels)
        if contact.business:
            labels.add("företag")
        if contact.premium:
            labels.add("premium")
        labels_text = ",".join(sorted(labels))

        # Who handles it.
        old = created < self.now - 30 * DAY
        who, shares = self.pickers[(ch_name, old)]
        agent = who[bisect_right(shares, r() * shares[-1])]
        if agent in self.inactive and r() < 0.5:  # she did not take every case
            agent = who[bisect_right(shares, r() * shares[-1])]
        colleagues = [n for n in who if n != agent and n not in self.inactive]

        d = r()
        ctx: dict[str, object] = {
            "first": contact.first, "name": contact.name, "company": contact.company,
            "email": contact.email or say.no_email,
            "phone": contact.phone or "-",
            "order": 4_100_000 + (number * 7919) % 900_000,
            "invoice": 70_000_000 + (number * 104_729) % 9_000_000,
            "amount": amount(pick(PRICES), lang),
            "date": clock.date(created - int(d * 10 * DAY) - DAY, lang),
            "product": pick(PRODUCTS[lang]),
            "case": number, "prev": self.prev_case[i] + 1, "bug": 2000 + number % 700,
            "dur": f"{1 + int(d * 4)}:{int(d * 3600) % 60:02d}",
            "category": say.form_category.get(topic.labels[0], topic.labels[0]),
            "back": clock.date(created + DAY + int(d * 9 * DAY), lang),
            "agent": "", "mlogin": "",
        }
        ctx["summary"] = words.summary.format_map(ctx)
        title = pick(words.titles).format_map(ctx)

        # The plan: (time, kind, by, template or event, flags, new status, new assignee,
        # mention).
        plan: list[Planned] = []
        last_t = created

        def add(t: int, kind_: str, by: int, text: str | tuple[str, str], *, flags: str = "",
                status: str | None = None, assign: int | None = None,
                mention: int | None = None) -> int:
            nonlocal last_t
            t = max(t, last_t)
            last_t = t
            plan.append((t, kind_, by, text, flags, status, assign, mention))
            return t

        prev = self.prev_case[i]
        related = (prev >= 0 and created - self.created[prev] < 21 * DAY and r() < 0.45)
        prefix = say.prev if related and r() < 0.6 else ""
        if related and number % 3 == 0:  # had enough (no draw: the rest stays the same)
            prefix = say.annoyed[number % len(say.annoyed)] + prefix
        escalated = kind in ("chat", "phone") and r() < 0.3
        if fate in (Status.NEW, Status.ESCALATED):
            escalated = fate == Status.ESCALATED

        # The customer's first words.
        t = created
        if chat:
            hi_ = pick(say.chat_hi)
            add(t, _CUSTOMER, _BY_CUSTOMER, (hi_ + " " if hi_ else "") + prefix
                + pick(words.short))
        elif kind == "phone":
            if escalated:  # the AI receptionist took the call and opened the case after it
                add(t, _AI, _BY_AI, say.ai_call)
            else:
                add(t, _CUSTOMER, _BY_CUSTOMER, say.voicemail + prefix
                    + pick(words.short) + say.voicemail_end)
        else:
            body = prefix + pick(words.long)
            if kind == "form":
                text = say.form + body
            else:
                sign = (say.sign_business if contact.business and r() < 0.7
                        else pick(say.sign))
                close = pick(say.close)
                text = f"{pick(say.greet)}\n\n{body}\n\n" + (
                    f"{close}\n\n" if close else "") + sign
            add(t, _CUSTOMER, _BY_CUSTOMER, text)
        if escalated and chat:
            t = add(t + 15 + int(r() * 40), _AI, _BY_AI, say.ai_hello)
            t = add(t + 30 + int(r() * 150), _CUSTOMER, _BY_CUSTOMER, pick(say.ai_answer))
            t = add(t + 10 + int(r() * 30), _AI, _BY_AI, say.ai_handover)
        status = "escalated" if escalated else "new"

        def assign(t: int, by: int, start: str) -> str:
            """The agent's assignment, and the move the lifecycle makes with it."""
            add(t, _EVENT, by, _assigned(self.logins[agent]), assign=agent)
            target = work_begins(Status(start))
            if target is None:
                return start
            add(t, _EVENT, by, _moved(start, target.value, "assigned"), status=target.value)
            return target.value
        lines = len(plan)  # the conversation's lines (not events): at most 8

        # The night's on-call agent finishes one case: the one that has waited longest for
        # an agent when they begin.
        night: int | None = None
        on_call = False

        def agent_at(t: int) -> int:
            """When an agent takes a step they could take from `t`."""
            nonlocal night, on_call
            if on_call:
                return t
            later = clock.at_work(t, rnd)
            if later > t and night is None and fate is None:
                found = clock.on_call(t, later)
                if found is not None and found[0] not in self.on_call:
                    night, t = found
                    self.on_call[night] = i
                    on_call = True
                    return t
            return later

        # Routing rules assign a share of the cases as they arrive.
        routed = not escalated and r() < 0.2
        if routed:
            status = assign(t + 1, _BY_SYSTEM, status)

        # When someone picks it up.
        if escalated:  # the AI has done what it can; a human takes over when free
            delay = rnd.lognormvariate(8.9, 1.1)  # median ~2 hours
        elif chat:
            delay = 40 + r() * 600
        elif kind == "phone":
            delay = 300 + r() * 5400
        else:
            delay = rnd.lognormvariate(9.6, 1.0)  # median ~4 hours
        delay *= 0.35 if priority == "high" else 1.6 if priority == "low" else 1.0
        if contact.premium:
            delay *= 0.6
        if r() < 0.03:
            delay += 2 * DAY  # the odd one that falls between the chairs
        pickup = agent_at(t + int(delay))
        if kind == "email" and pickup - created > 22 * HOUR and r() < 0.5:
            add(clock.awake(created + 20 * HOUR + int(r() * 4 * HOUR), rnd), _CUSTOMER,
                _BY_CUSTOMER, pick(say.chaser))
            lines += 1
        t = max(pickup, last_t)
        if not routed:
            by = agent
            if r() < 0.15 and not on_call:
                by = self.supervisors[int(r() * len(self.supervisors))]
            t = max(t, last_t)
            status = assign(t, by, status)
            if by != agent:
                t = agent_at(t + 120 + int(r() * 1800))

        # The work: rounds of reply and answer until solved.
        if chat:
            rounds = 1 if r() < 0.6 else 2
        elif kind == "phone":
            rounds = 1 if r() < 0.55 else 2
        else:
            x = r()
            rounds = 1 if x < 0.45 else 2 if x < 0.87 else 3
        stuck = priority != "high" and r() < 0.04  # never finished: the backlog's long tail
        park = not chat and r() < 0.1
        if on_call:
            rounds, stuck, park = 1, False, False
        elif fate == Status.WAITING:
            rounds, stuck = max(rounds, 2), False
        elif fate == Status.PARKED:
            park = not chat
        hi_agent = say.agent_hi
        for rd in range(rounds):
            last = rd == rounds - 1 or lines >= 4
            if park and rd == 0 and lines <= 2 and colleagues:
                m = self.you if r() < 0.2 else colleagues[int(r() * len(colleagues))]
                t = add(t + 60 + int(r() * 600), _NOTE, agent, pick(PARK_NOTES),
                        mention=m)
                add(t, _EVENT, agent, _moved(status, "parked"), status="parked")
                status = "parked"
                t = clock.at_work(t + int(rnd.lognormvariate(10.6, 0.8)), rnd)  # ~11 h
                t = add(t, _NOTE, m, pick(UNPARK_NOTES))
                lines += 2
            elif lines <= 5 and r() < 0.22:
                note = pick(topic.notes if r() < 0.7 else NOTES)
                m = None
                if "{mlogin}" in note:
                    if colleagues:
                        m = self.you if r() < 0.2 else colleagues[int(r() * len(colleagues))]
                    else:
                        note = NOTES[-1]
                t = add(t + 60 + int(r() * 900), _NOTE, agent, note, mention=m)
                lines += 1
            t = agent_at(t + (20 + int(r() * 90) if chat else 120 + int(r() * 1500)))
            last = last or on_call
            text = pick(words.fix if last else words.ask)
            if chat:
                if rd == 0:
                    text = f"{pick(say.chat_agent_hi)} {text}"
            elif kind == "phone":
                text = f"{pick(hi_agent)}\n\n{text}\n\n{say.phone_sign}"
            else:
                text = f"{pick(hi_agent)}\n\n{text}\n\n{say.agent_sign}"
            t = add(t, _REPLY, agent, text)
            lines += 1
            target = "solved" if last else ("open" if chat else "waiting")
            if stuck and not last:
                target = "open" if chat else pick(("waiting", "parked", "open"))
            if last and chat and lines <= 7 and r() < 0.4:
                # The customer thanks the agent before the chat ends; then it is solved.
                t = add(t + 20 + int(r() * 60), _CUSTOMER, _BY_CUSTOMER,
                        pick(say.thanks))
                lines += 1
                t += 10 + int(r() * 50)
            if target != status:
                add(t, _EVENT, agent, _moved(status, target), status=target)
                status = target
            if kind == "email" and lines <= 6 and r() < 0.04:
                add(t + 5 + int(r() * 90), _CUSTOMER, _BY_CUSTOMER,
                    pick(say.auto_reply), flags="auto-reply")
                lines += 1
            if last:
                break
            if stuck:
                if status == "parked":
                    add(t + 300, _NOTE, agent, pick(STUCK_NOTES))
                break
            # The customer answers (or not).
            if chat:
                t += 30 + int(r() * 200)
            else:
                t = clock.awake(t + int(rnd.lognormvariate(10.3, 1.1)), rnd)  # ~8 h
                if r() < 0.1:  # never does: solved after a few days
                    t = clock.at_work(t + 4 * DAY + int(r() * 2 * DAY), rnd)
                    t = add(t, _REPLY, agent, f"{pick(hi_agent)}\n\n"
                            f"{say.no_answer}\n\n{say.agent_sign}")
                    add(t, _EVENT, agent, _moved(status, "solved"), status="solved")
                    status = "solved"
                    lines += 1
                    break
            t = add(t, _CUSTOMER, _BY_CUSTOMER, pick(words.info))
            lines += 1
            if status == "waiting":
                add(t, _EVENT, _BY_SYSTEM, _moved("waiting", "open", "customer-replied"),
                    status="open")
                status = "open"
            t = agent_at(t + (10 + int(r() * 60) if chat else int(
                rnd.lognormvariate(9.0, 1.0) * (0.4 if priority == "high" else 1.0))))
        on_call = False  # what follows is the day team's

        # Solved: a few come back (not the on-call's), the rest close after a week and are
        # archived the night after.
        if status == "solved":
            if night is None and lines <= 6 and r() < 0.06:
                t2 = clock.awake(t + DAY + int(r() * 5 * DAY), rnd)
                add(t2, _CUSTOMER, _BY_CUSTOMER, pick(say.reopen))
                add(t2, _EVENT, _BY_SYSTEM, _moved("solved", "open", "customer-replied"),
                    status="open")
                t = clock.at_work(t2 + int(rnd.lognormvariate(8.5, 1.0)), rnd)
                t = add(t, _REPLY, agent, f"{pick(hi_agent)}\n\n"
                        f"{say.reopen_fix}\n\n{say.agent_sign}")
                add(t, _EVENT, agent, _moved("open", "solved"), status="solved")
            closed = last_t + SOLVED_DAYS * DAY + 60 + int(r() * 900)
            add(closed, _EVENT, _BY_SYSTEM, _moved("solved", "closed", "solved-for"),
                status="closed")
            add(clock.archive_run(closed, rnd), _EVENT, _BY_SYSTEM,
                _moved("closed", "archived", "night-after-close"),
                status="archived")

        if fate is not None:
            plan = _kept_in(plan, escalated, fate, self.now)
        return _Case(i, plan, _status_at(plan, escalated, self.now), night, ctx, contact, title,
                     ch_name, priority, labels_text, colleagues, related, escalated)

    def _emit(self, case: _Case, rows: Rows) -> None:
        """Cut the plan at `now` and write what had happened by then."""
        i, plan, ctx, contact = case.i, case.plan, case.ctx, case.contact
        priority, colleagues, escalated = case.priority, case.colleagues, case.escalated
        now = self.now
        stamp = self.stamp.text
        number = i + 1
        messages = rows["message"]
        status = "escalated" if escalated else "new"
        assignee: int | None = None
        assigned_at = 0
        first_response = None
        times: dict[str, int | None] = dict.fromkeys(_STAMPED)
        last = plan[0][0]
        last_by = _BY_CUSTOMER
        mid = self.messages
        bits = 0
        for t, kind, by, text, flags, new_status, assign, mention in plan:
            if t > now:
                break
            mid += 1
            if by >= 0:
                author = self.names[by]
                agent_id: int | None = by + 1
                ctx["agent"] = self.firsts[by]
            elif by == _BY_CUSTOMER:
                author, agent_id = contact.name, None
            elif by == _BY_SYSTEM:
                author, agent_id = SYSTEM_AUTHOR, None
            else:
                author, agent_id = AI_AUTHOR, None
            if mention is not None:
                ctx["mlogin"] = self.logins[mention]
                rows["mention"].append((mid, mention + 1))
            if isinstance(text, tuple):  # an event: its kind and values, no words
                (event_kind, event_params), text = text, ""
            else:
                text, event_kind, event_params = text.format_map(ctx), "", ""
            messages.append((mid, number, kind, agent_id, author, text, flags, stamp(t),
                             number, event_kind, event_params))
            if mid == self.messages + 1:  # the first message: triage, as the store does
                flagged, found = flagged_rows(case.title, text, mid, number, stamp(t))
                messages += flagged
                mid += len(flagged)
                bits = found.bits
                priority = found.priority(None) or priority  # urgent: High, as the store
            if kind == _REPLY and first_response is None:
                first_response = t
            if new_status is not None:
                for column, sets in _stamps(status, new_status):
                    times[column] = t if sets else None
                status = new_status
            if assign is not None:
                assignee, assigned_at = assign, t
            last = t
            if kind != _EVENT:
                last_by = by
        self.messages = mid
        self.statuses[status] += 1
        created = plan[0][0]
        rows["cases"].append((
            number, case.title, self.channel_ids[case.ch_name], self.case_contact[i] + 1,
            None if assignee is None else assignee + 1, status, priority, case.labels, bits,
            stamp(created), stamp(last), None if first_response is None else stamp(first_response),
            *(None if v is None else stamp(v) for v in times.values()),
        ))
        r = self.rnd.random
        # Workspaces, by the standard settings: an agent's assigned cases stay until solved.
        active = workspace.stays(workspace.STANDARD, Status(status))
        if assignee is not None and active and assignee not in self.inactive:
            rows["workspace_entry"].append((assignee + 1, number, stamp(assigned_at),
                                            int(last_by == _BY_CUSTOMER)))
        elif active and assignee != self.you and r() < 0.02:
            rows["workspace_entry"].append((self.you + 1, number, stamp(last), 0))
        # Watchers: a colleague now and then, supervisors on urgent premium cases.
        watchers = set()
        if colleagues and r() < 0.05:
            watchers.add(colleagues[int(r() * len(colleagues))])
        if priority == "high" and contact.premium and r() < 0.5:
            watchers.add(self.supervisors[int(r() * len(self.supervisors))])
        if active and r() < 0.01:
            watchers.add(self.you)
        watchers.discard(assignee)
        for w in sorted(watchers):
            rows["watch"].append((number, w + 1))
        if case.related:
            prev = self.prev_case[i]
            rows["case_link"].append((prev + 1, number, "related", stamp(created)))
