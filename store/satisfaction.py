"""Customer satisfaction by mail, no web server (README, "Metrics"): when a case of an
email channel becomes Solved, one short survey goes out through the outbox, in the
customer's language; a reply to it that is only a rating 1–5 ("4", "5/5 tack!", "bra")
becomes the case's rating — never a message, so it neither reopens the case nor counts
as the customer's answer. A reply that says more is an ordinary message. Off unless
the config's `[csat] enabled` (store/settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit
from store.addresses import mail_address
from store.errors import InvalidInput
from store.inputs import MACHINE_FLAGS, NO_AUTO_ANSWER, MailInput
from store.models import (
    Case,
    Channel,
    ChannelKind,
    Contact,
    Message,
    MessageKind,
    Outbox,
    Satisfaction,
)
from store.permissions import SYSTEM
from store.tables import id_of
from store.threads import customer_mail_id, our_mail_id, reply_subject, signed
from store.triage import own_words
from store.triage.language import customer_language

# The service's `_event`: a system event in a case's conversation.
EventWriter = Callable[..., Message]


SURVEY = {
    "sv": ("Hej!\n\nDitt ärende #{number} ({title}) är löst. Hur nöjd är du med hjälpen du "
           "fick?\n\nSvara med en siffra 1–5 (1 = inte alls nöjd, 5 = mycket nöjd).\n\n"
           "Tack för att du hörde av dig!"),
    "en": ("Hello,\n\nYour case #{number} ({title}) is solved. How happy are you with the "
           "help you got?\n\nReply with a digit 1–5 (1 = not at all, 5 = very happy).\n\n"
           "Thank you for getting in touch!"),
}
# A rating in words, for those who answer so (the longest phrase that fits wins).
WORDS = {
    "mycket bra": 5, "jättebra": 5, "toppen": 5, "utmärkt": 5, "bra": 4, "okej": 3, "ok": 3,
    "sådär": 3, "dåligt": 2, "dålig": 2, "mycket dåligt": 1, "jättedåligt": 1, "usel": 1,
    "excellent": 5, "very good": 5, "great": 5, "good": 4, "okay": 3, "bad": 2, "poor": 2,
    "very bad": 1, "terrible": 1,
}
NEGATIONS = frozenset({"inte", "ej", "icke", "aldrig", "not", "never", "nej", "no"})
# What may stand beside a rating ("4, tack!", "Betyg: 5"); any other word ("Ring mig kl
# 3") makes the answer a message for a person to read.
BESIDE = frozenset({
    "tack", "tackar", "så", "mycket", "hej", "mvh", "vänliga", "hälsningar", "betyg",
    "betyget", "jag", "ger", "en", "ett", "av", "poäng", "stjärnor", "blir", "det", "är",
    "thanks", "thank", "you", "hi", "hello", "regards", "best", "kind", "rating", "i",
    "give", "a", "of", "out", "stars", "points", "it", "is",
    *(word for phrase in WORDS for word in phrase.split())})
# A rating with a word or two around it ("4, tack!") is a rating; more is a message.
MOST_WORDS = 4
_SENT_FROM = re.compile(r"^\s*(skickat från|sent from|hämta outlook|get outlook)\b", re.I)


def rating_of(text: str) -> int | None:
    """The rating a reply to the survey gives, when that is all it says: its own words
    (no quote, no signature) are a digit 1–5 with at most a few words around it, or a
    word such as "bra"; None otherwise."""
    lines = []
    for line in own_words(text).splitlines():
        if line.rstrip() == "--" or _SENT_FROM.match(line):
            break  # the signature
        lines.append(line)
    words = re.findall(r"\w+", " ".join(lines).casefold())
    if not words or len(words) > MOST_WORDS or NEGATIONS & set(words) or any(
            not w.isdigit() and w not in BESIDE for w in words):
        return None  # "inte bra" is for a person to read, not a 4
    numbers = [w for w in words if w.isdigit()]
    if numbers:
        first = int(numbers[0])
        return first if 1 <= first <= 5 and len(numbers[0]) == 1 else None
    said = " ".join(words)
    for phrase in sorted(WORDS, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", said):
            return WORDS[phrase]
    return None


def ask(session: Session, case: Case, now: datetime, event: EventWriter) -> None:
    """The survey for a case just solved, queued in the outbox — unless its channel is
    not email, it was asked before, or its customer's latest mail was a machine's or
    has no address to answer (a case never asked says nothing: the survey is ours)."""
    channel = session.get_one(Channel, case.channel_id)
    if channel.kind != ChannelKind.EMAIL.value or session.get(Satisfaction, id_of(case)
                                                                ) is not None:
        return
    latest = session.execute(sa.select(col(Message.flags), col(Message.sender_address)).where(
        col(Message.case_id) == case.id, col(Message.kind) == MessageKind.CUSTOMER.value
    ).order_by(col(Message.id).desc()).limit(1)).first()
    if latest is None or NO_AUTO_ANSWER & set(latest.flags.split(",")):
        return
    contact = session.get_one(Contact, case.contact_id)
    ours = set(session.scalars(sa.select(sa.func.lower(col(Channel.address)))))
    try:
        mail_address(contact.email)
        mail_address(channel.address)
    except InvalidInput:
        return
    to = contact.email
    if to.lower() in ours:
        return
    language = customer_language(session, case.id) or "sv"
    text = SURVEY[language].format(number=case.id, title=case.title)
    mail_id = our_mail_id(channel.address, case.id, "csat")
    row = event(session, case, "satisfaction-asked", to=to, mail_message_id=mail_id)
    session.flush()
    answers = customer_mail_id(session, case.id)
    session.add(Outbox(
        case_id=id_of(case), message_id=id_of(row), from_addr=channel.address, to_addr=to,
        subject=reply_subject(case.title, id_of(case)), body=signed(text, channel.signature),
        mail_message_id=mail_id, in_reply_to=answers, references=answers,
        auto_submitted=True, created_at=now, updated_at=now))
    session.add(Satisfaction(case_id=id_of(case), asked_at=now, mail_message_id=mail_id,
                             language=language))
    audit.record(session, SYSTEM, "case.survey", at=now, case_id=case.id,
                 after={"to": to, "language": language})


def ratings(session: Session, mails: Sequence[MailInput]
            ) -> dict[int, tuple[Satisfaction, int]]:
    """Which of `mails` (by UID) answer a survey with a rating alone: the survey, the
    rating. Only a direct answer to the survey (its In-Reply-To) from the case's
    contact counts — a later "Ja, ok" in the same thread is a message — and never a
    machine's (an out-of-office); a mail twice in the batch, once."""
    answering = {mail.thread_ids[0] for mail in mails if mail.thread_ids}
    if not answering:
        return {}
    surveys = {s.mail_message_id: (s, email) for s, email in session.execute(sa.select(
        Satisfaction, col(Contact.email)).join(Case, col(Case.id) == Satisfaction.case_id).join(
        Contact, col(Contact.id) == Case.contact_id).where(
        col(Satisfaction.mail_message_id).in_(list(answering))))}
    found: dict[int, tuple[Satisfaction, int]] = {}
    seen: set[bytes] = set()
    for mail in mails:
        survey, email = surveys.get(mail.thread_ids[0], (None, "")) if mail.thread_ids \
            else (None, "")
        message = mail.message
        if survey is None or message is None or mail.bounce is not None or (
                MACHINE_FLAGS & set(message.flags)) or mail.raw in seen or (
                message.sender_address.lower() != email.lower()):
            continue
        rating = rating_of(message.text)
        if rating is not None:
            found[mail.uid] = (survey, rating)
            seen.add(mail.raw)
    return found


def rate(session: Session, survey: Satisfaction, rating: int, now: datetime,
         event: EventWriter) -> Case:
    """The case's rating, as its customer gave it (a later one replaces it)."""
    survey.rating, survey.rated_at = rating, now
    case = session.get_one(Case, survey.case_id)
    event(session, case, "satisfaction-rated", rating=rating)
    audit.record(session, SYSTEM, "case.rating", at=now, case_id=case.id,
                 after={"rating": rating})
    return case


