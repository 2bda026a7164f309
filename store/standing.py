"""A case's customer type — new, existing or internal (README, "customer type") — as
it was set on the contact (`Contact.standing`: ingest's new contact, a supervisor's
`casedesk case customer-type`), else derived when asked: internal when they write
from one of the team's own domains (its channels' addresses: an agent's private
address at a mail provider must not make its every customer internal), existing when
the contact has cases from before this one, new otherwise. Triage's rules read it
(`customer_type`), the case shows it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.errors import InvalidInput
from store.models import STANDINGS, Case, Channel


def parse_standing(text: str) -> str:
    value = text.strip().lower()
    if value not in STANDINGS:
        raise InvalidInput(f"unknown customer type {text!r}: use {', '.join(STANDINGS)}")
    return value


def standing_of(session: Session, case: Case, sender: str, set_to: str | None) -> str:
    """The customer type of case `case`'s customer writing from `sender`: as set, or
    derived (a batch's later cases aside: only cases numbered before it count)."""
    if set_to:
        return set_to
    domain = sender.rpartition("@")[2]
    if domain and team_domain(session, domain):
        return "internal"
    earlier = session.scalar(sa.select(col(Case.id)).where(
        col(Case.contact_id) == case.contact_id, col(Case.id) < case.id).limit(1))
    return "existing" if earlier is not None else "new"


def team_domain(session: Session, domain: str) -> bool:
    """Whether one of the team's channels has an address at `domain`."""
    at = "%@" + domain.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return session.scalar(sa.select(sa.select(col(Channel.address)).where(
        sa.func.lower(col(Channel.address)).like(at, escape="\\")).exists())) or False
