"""The service's knowledge-base operations: the articles for a case, and the one an
acknowledgement carries (README, "Knowledge base")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.core import ServiceCore
from store.inputs import MACHINE_FLAGS
from store.knowledge.base import MOST_CHARS, KnowledgeBase, Suggestion, log
from store.models import Case, Message, MessageKind
from store.permissions import Actor, require_case
from store.triage import own_words
from store.triage.language import language_of


class KnowledgeOps(ServiceCore):
    """Articles for a case."""

    def suggest_articles(self, number: int, limit: int = 3) -> list[Suggestion]:
        """The knowledge base's best articles for case `number`, best first, for its
        title and the customer's own words (the first message and the latest); [] when
        no knowledge base is configured."""

        def work(session: Session, actor: Actor) -> str:
            return case_text(session, require_case(session, actor, number))

        text = self._read(work)
        base = self.db.knowledge
        # Ranked after the unit of work: the read transaction is over by now.
        return base.suggest(text, limit) if base is not None else []


def case_text(session: Session, case: Case) -> str:
    """A case as the knowledge base reads it: its title, the customer's first message
    and their latest (not an auto-reply), without the history a mail quotes; each
    message cut at what `suggest` reads."""
    theirs = sa.select(col(Message.id), sa.func.substr(col(Message.text), 1, MOST_CHARS),
                       col(Message.flags)).where(
        col(Message.case_id) == case.id, col(Message.kind) == MessageKind.CUSTOMER.value)
    texts: dict[int, str] = {}
    for order in (col(Message.id), col(Message.id).desc()):  # the first, then the latest
        # A few: an auto-reply or a bounce among them is passed over.
        for number, text, flags in session.execute(theirs.order_by(order).limit(5)):
            if not MACHINE_FLAGS & set(flags.split(",")):
                texts.setdefault(number, own_words(text))
                break
    return "\n".join([case.title, *texts.values()])


# The line before the article, in the acknowledgement's own language.
LEAD_IN = {"sv": "Det här kan hjälpa dig redan nu:", "en": "This may help you right away:"}


def acknowledgement_article(base: KnowledgeBase | None, title: str, text: str,
                            acknowledgement: str = "") -> str:
    """What a new case's acknowledgement adds from the knowledge base: the best article
    for its title and first message (`text`) when it matches strongly and is published
    — a line in the acknowledgement's language, its title and its url — or "". An
    article without a url may be the team's own: its text is never mailed to whoever
    writes in. The articles as last read (this runs in the batch's write transaction:
    no file is read here). Never raises: a case is never lost to its knowledge base."""
    if base is None or not base.acknowledge:
        return ""
    try:
        found = base.strong(f"{title}\n{own_words(text)}", look=False)
    except Exception:  # logged; the case and its acknowledgement go on without it
        log.exception("knowledge: no article for an acknowledgement")
        return ""
    if found is None or not found.article.url:
        return ""
    lead = LEAD_IN.get(language_of(acknowledgement) or "sv", LEAD_IN["sv"])
    return f"\n\n{lead}\n{found.article.title}\n{found.article.url}"
