"""The team's labels: a short list a supervisor keeps ("limit the number of
labels"), the only ones a case, a rule or ingest may add once the list has any. A team
that has never named a label may use any (and `casedesk init` starts so); upgrading,
the labels already on cases became the list (migration 0014).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.errors import InvalidInput
from store.fields import label_text
from store.models import Label

_KNOWN = "labels.known"


def known(session: Session) -> frozenset[str]:
    """The team's labels (empty: any label may be used); read once per unit of work
    (a new case asks while checking, routing and following up)."""
    names = session.info.get(_KNOWN)
    if names is None:
        names = session.info[_KNOWN] = frozenset(session.scalars(sa.select(col(Label.name))))
    return names


def changed(session: Session) -> None:
    """The list was changed in this unit of work: read it again when asked."""
    session.info.pop(_KNOWN, None)


def require_known(session: Session, labels: Iterable[str], *, had: Iterable[str] = ()
                  ) -> None:
    """Refuse a label outside the team's list, naming the list; a label the case `had`
    stays allowed (removed from the list, it is kept where it is)."""
    wanted = set(filter(None, label_text(labels).split(",")))
    names = known(session) if wanted else frozenset()
    if not names:
        return
    unknown = sorted(wanted - names - set(had))
    if unknown:
        raise InvalidInput(f"unknown label {unknown[0]!r}: the team's labels are "
                           f"{', '.join(sorted(names))} (`casedesk label add` adds one)")
