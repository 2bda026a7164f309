"""The service's knowledge-base operations: the articles for a case, and the one an
acknowledgement carries (README, "Knowledge base")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.core import ServiceCore
from store.inputs import MACHINE_FLAGS
from store.knowledge.articles import Article
from store.knowledge.base import MOST_CHARS, KnowledgeBase, Suggestion, log
from store.models import Case, Message, MessageKind
from store.permissions import Actor, require_case
from store.triage import own_words

# What an acknowledgement quotes of an article that has no url.
EXCERPT_CHARS = 600


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


def acknowledgement_article(base: KnowledgeBase | None, title: str, text: str) -> str:
    """What a new case's acknowledgement adds from the knowledge base: the best article
    for its title and first message (`text`) when it matches strongly — its title, then
    its url or else its text's beginning — or "". Never raises: a case is never lost
    to its knowledge base."""
    if base is None or not base.acknowledge:
        return ""
    try:
        found = base.strong(f"{title}\n{own_words(text)}")
    except Exception:  # logged; the case and its acknowledgement go on without it
        log.exception("knowledge: no article for an acknowledgement")
        return ""
    if found is None:
        return ""
    article = found.article
    return f"\n\n{article.title}\n{article.url or excerpt(article)}"


def excerpt(article: Article) -> str:
    """An article's text to quote in a mail: its heading left out when it only says the
    title again, cut at a word near `EXCERPT_CHARS`."""
    lines = article.body.strip().split("\n")
    if lines and lines[0].lstrip("#").strip() == article.title:
        lines = lines[1:]
    body = "\n".join(lines).strip()
    if len(body) <= EXCERPT_CHARS:
        return body
    cut = body[:EXCERPT_CHARS].rsplit(None, 1)[0]
    return cut.rstrip(",;:.-") + " …"
