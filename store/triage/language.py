"""Which of the team's two languages a customer wrote in: Swedish or English, by their
most common small words (a rule's `language`, the quick reply's language). Two
languages apart by their function words need no model: a handful of words decides.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store.inputs import MACHINE_FLAGS
from store.models import Message, MessageKind
from store.triage import own_words
from store.triage.detect import fold, words_of

LANGUAGES = ("sv", "en")

# Words nearly every text has, in one language and not the other (folded: å, ä, ö as
# a, a, o; "att" and "at" differ, "is" is Swedish ice but rare in a support mail).
_SWEDISH = frozenset(fold(w) for w in (
    "och", "att", "det", "som", "en", "ett", "är", "jag", "inte", "har", "med", "för",
    "på", "av", "till", "den", "vi", "ni", "du", "kan", "om", "mitt", "min", "mina",
    "hej", "tack", "vänliga", "hälsningar", "från", "eller", "så", "men", "också", "när",
    "hur", "vad", "varför", "fortfarande", "någon", "något", "ingen", "inget", "skulle",
))
_ENGLISH = frozenset(fold(w) for w in (
    "the", "and", "to", "of", "is", "it", "that", "for", "you", "my", "with", "have",
    "this", "not", "on", "are", "was", "be", "can", "me", "we", "your", "please",
    "hello", "hi", "thanks", "thank", "regards", "from", "or", "but", "also", "when",
    "how", "what", "why", "still", "any", "no", "would", "could", "has", "been",
))


def language_of(text: str) -> str | None:
    """"sv" or "en" by which language's small words the text has more of; None when
    it has too few to tell (a one-word subject, an order number)."""
    sv = en = 0
    for _, word in words_of(text[:4000]):
        sv += word in _SWEDISH
        en += word in _ENGLISH
    if sv + en < 2 or sv == en:
        return None
    return "sv" if sv > en else "en"


def customer_language(session: Session, case_id: int | None) -> str | None:
    """The language the case's customer writes ("sv", "en"): their latest message that
    tells (its beginning, in their own words: no quoted history, no auto-reply — an
    English out-of-office says nothing of the customer); None when none tells."""
    rows = session.execute(sa.select(sa.func.substr(col(Message.text), 1, 2000),
                                     col(Message.flags)).where(
        col(Message.case_id) == case_id, col(Message.kind) == MessageKind.CUSTOMER.value
    ).order_by(col(Message.id).desc()).limit(10))
    for text, flags in rows:
        if not MACHINE_FLAGS & set(flags.split(",")):
            language = language_of(own_words(text))
            if language is not None:
                return language
    return None
