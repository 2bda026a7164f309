"""A channel's signature (a note on how the sender's data is handled, say) under
every mail the channel sends — replies and acknowledgements — kept by supervisors."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from store.errors import Forbidden, InvalidInput
from store.inputs import MailInput, MessageInput
from store.models import AuditEvent

SIGNATURE = ("Kundtjänst, Exempel AB · 08-123 45 67\n"
             "Vi sparar dina uppgifter bara så länge ärendet kräver: exempel.se/integritet")


def test_a_reply_is_mailed_with_its_channels_signature(team) -> None:
    boss = team.as_("boss")
    view = boss.set_signature("support", f"  {SIGNATURE}  \n\n")  # any case, trimmed
    assert view.signature == SIGNATURE
    assert [c.signature for c in boss.list_channels() if c.name == "Support"] == [SIGNATURE]
    number = team.new_case()
    reply = team.as_("anna").reply(number, "Hej Karin, vi rättar fakturan.\n")
    (mail,) = team.system.outbox()
    # The usual "-- " line before it: mail programs leave it out of a quote.
    assert mail.body == f"Hej Karin, vi rättar fakturan.\n\n-- \n{SIGNATURE}"
    assert reply.text == "Hej Karin, vi rättar fakturan.\n"  # the case: as written
    team.as_("boss").set_signature("Support", "")
    team.as_("anna").reply(number, "Hej igen!")
    assert team.system.outbox()[-1].body == "Hej igen!"  # none: the text alone


def test_an_acknowledgement_carries_the_signature_too(team) -> None:
    team.as_("boss").set_signature("Support", SIGNATURE)
    first = MessageInput("Hej, fakturan är fel.", sender_address="kund@example.net",
                         mail_message_id="<m1@example.net>")
    (receipt,) = team.system.receive_mail(
        "INBOX", "Support", 1, [MailInput(uid=1, raw=b"Subject: x\r\n\r\nx", message=first,
                                          subject="Fakturan")],
        acknowledge="Tack! Ditt ärende har nummer {number}.")
    (mail,) = team.system.outbox()
    assert mail.body == (f"Tack! Ditt ärende har nummer {receipt.case}.\n\n-- \n{SIGNATURE}")


def test_only_a_supervisor_sets_it_and_each_change_is_audited(team, db) -> None:
    with pytest.raises(Forbidden):
        team.as_("anna").set_signature("Support", "Anna")
    boss = team.as_("boss")
    boss.set_signature("Support", "Ett")
    boss.set_signature("Support", "")  # none again
    assert [c.signature for c in boss.list_channels() if c.name == "Support"] == [""]
    with db.read() as session:
        changes = list(session.execute(sa.select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action == "channel.signature").order_by(AuditEvent.id)))
    assert [(json.loads(b)["signature"], json.loads(a)["signature"]) for b, a in changes] == [
        ("", "Ett"), ("Ett", "")]


@pytest.mark.parametrize("text", ["rad\n" * 16, "x" * 2001])
def test_a_signature_too_long_is_refused_not_cut(team, text: str) -> None:
    with pytest.raises(InvalidInput, match="at most 15 lines and 2000 characters"):
        team.as_("boss").set_signature("Support", text)


def test_control_characters_in_a_signature_become_spaces(team) -> None:
    view = team.as_("boss").set_signature("Support", "Exempel\x1b[31m AB\r\nrad två\x07")
    assert view.signature == "Exempel [31m AB\nrad två"


def test_a_text_that_already_ends_with_it_is_not_signed_twice(team) -> None:
    # Its own "--" line given with it is the mail's to add: dropped.
    assert team.as_("boss").set_signature("Support", f"--\n{SIGNATURE}").signature == SIGNATURE
    number = team.new_case()
    team.as_("anna").reply(number, f"Hej Karin!\n\nMvh Anna\n{SIGNATURE}")
    (mail,) = team.system.outbox()
    assert mail.body == f"Hej Karin!\n\nMvh Anna\n{SIGNATURE}"


def test_a_reply_that_only_ends_with_the_signatures_words_is_signed(team) -> None:
    team.as_("boss").set_signature("Support", "Exempel AB")
    number = team.new_case()
    team.as_("anna").reply(number, "Ring oss gärna på Exempel AB")
    (mail,) = team.system.outbox()
    assert mail.body == "Ring oss gärna på Exempel AB\n\n-- \nExempel AB"
