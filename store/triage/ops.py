"""The service's triage operations: checking a rules file against the store, and
what is wrong with the one in force (README, "Triage rules")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.core import ServiceCore
from store.permissions import Actor
from store.triage.routing import check
from store.triage.rules import Problem


class TriageOps(ServiceCore):
    """Rules files, checked."""

    def check_rules(self, text: str) -> tuple[int, list[Problem]]:
        """How many rules `text` holds and each problem (the channels, agents and labels
        it names checked against the store), in file order."""

        def work(session: Session, actor: Actor) -> tuple[int, list[Problem]]:
            book, problems = check(session, text)
            return len(book.rules), problems

        return self._read(work)

    def rules_problem(self) -> str | None:
        """Why the rules file in force could not be used (the last good rules stay in
        force), read again if it changed; None when it is fine or there is none."""
        source = self.db.rules
        if source is None or not source.stale():  # asked often (a TUI's poll): cheap
            return None if source is None else source.problem

        def work(session: Session, actor: Actor) -> str | None:
            source.book(session)
            return source.problem

        return self._read(work)
