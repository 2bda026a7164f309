"""A small history with known figures for the report's tests (store/metrics): four
cases on Monday 2 March 2026 and what happened to them on Tuesday."""

from __future__ import annotations

from datetime import date

from store.service import MessageInput
from store.sla import SlaSettings

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2026, 3, d) for d in (2, 3, 4, 5))
H = 3600


def build_history(team, clock) -> dict[str, int]:
    """Monday 2 March 2026, Stockholm (UTC+1), the default service levels (medium:
    first response in 4 working hours, solved in 24; Mon–Fri 08–17). Times in UTC.

    A 09:00 Support, anna's: replied 10:00, solved 11:00 (one reply).
    B 10:00 Support, bo's: replied 12:00, the customer writes 14:00, replied 15:00.
    C 11:00 Chat, anna's: replied 11:30, solved 12:00, the customer writes 13:00 (it
      reopens), solved 14:00.
    D 12:00 Telefon, no one's: never answered (its first-response target passes 16:00).
    Monday ends 23:00 UTC. Tuesday: B solved 10:00; A closed 11:00; A's customer
    writes 12:00 (a follow-up case, F)."""
    clock.now = clock.now.replace(hour=9, minute=0)
    team.system.set_sla_policy(SlaSettings(), "Europe/Stockholm")
    anna, bo, system = team.as_("anna"), team.as_("bo"), team.system
    a = team.new_case(email="a@kund.se")
    clock.advance(hours=1)
    anna.assign(a, "anna")
    anna.reply(a, "Hej A")
    b = team.new_case(login="bo", email="b@kund.se")
    clock.advance(hours=1)
    anna.set_status(a, "solved")
    c = team.new_case(channel="Chat", email="c@kund.se")
    anna.set_labels(a, ["faktura"])
    anna.set_labels(c, ["faktura", "retur"])
    clock.advance(minutes=30)
    anna.assign(c, "anna")
    anna.reply(c, "Hej C")
    clock.advance(minutes=30)
    bo.assign(b, "bo")
    bo.reply(b, "Hej B")
    anna.set_status(c, "solved")
    d = team.new_case(channel="Telefon", login="bo", email="d@kund.se")
    clock.advance(hours=1)
    system.add_message(c, MessageInput("Det fungerar inte ändå"))
    clock.advance(hours=1)
    anna.set_status(c, "solved")
    system.add_message(b, MessageInput("En fråga till"))
    clock.advance(hours=1)
    bo.reply(b, "Svar igen")
    return {"A": a, "B": b, "C": c, "D": d}


def tuesday(team, clock, cases) -> int:
    """Tuesday's events; returns the follow-up case."""
    clock.now = clock.now.replace(day=3, hour=10, minute=0)
    team.as_("bo").set_status(cases["B"], "solved")
    clock.advance(hours=1)
    team.as_("boss").set_status(cases["A"], "closed")
    clock.advance(hours=1)
    landing = team.system.add_message(cases["A"], MessageInput("Nu är det fel igen"))
    assert landing.follow_up_of == cases["A"]
    return landing.case
