"""The customer type — new, existing, internal — derived for the case shown and for
triage's rules unless it was set on the contact (ingest's new contact, a supervisor's
`set_customer_type`), set for the contact's later cases too, audited, and "derived"
again on request; an agent may not set it, nor an ingest line change a known contact's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from store.errors import Forbidden, InvalidInput, NotFound
from store.models import AuditEvent
from store.service import ContactInput, MessageInput
from store.triage.routing import RuleSource


def new_case(team, email: str, customer_type: str | None = None) -> int:  # type: ignore[no-untyped-def]
    return team.as_("boss").create_case(
        channel="Support", title="Fråga", messages=[MessageInput("Hej, en fråga.")],
        contact=ContactInput(name="Kim", email=email, customer_type=customer_type))


def standing(team, number: int) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    contact = team.as_("boss").get_case(number).contact
    return contact.standing, contact.standing_set


def test_derived_unless_set(team) -> None:
    first = new_case(team, "kim@kund.se")
    again = new_case(team, "kim@kund.se")
    colleague = new_case(team, "kollega@example.se")  # the team's own domain
    assert standing(team, first) == ("new", False)
    assert standing(team, again) == ("existing", False)
    assert standing(team, colleague) == ("internal", False)
    # A supervisor sets it on the contact: every case of theirs says so, the first too.
    assert team.as_("boss").set_customer_type(first, "internal") == "internal"
    assert standing(team, first) == ("internal", True)
    assert standing(team, again) == ("internal", True)
    assert standing(team, new_case(team, "kim@kund.se")) == ("internal", True)
    assert team.as_("boss").set_customer_type(again, None) == "existing"  # derived again
    assert standing(team, first) == ("new", False)


def test_each_setting_is_audited_and_an_unknown_type_refused(team, db) -> None:
    number = new_case(team, "kim@kund.se")
    with pytest.raises(Forbidden):  # the contact's cases in other channels would change
        team.as_("anna").set_customer_type(number, "internal")
    anna = team.as_("boss")
    anna.set_customer_type(number, "Existing")
    anna.set_customer_type(number, "existing")  # no change: no record
    with pytest.raises(InvalidInput, match="unknown customer type 'vip': use new, existing, "
                                           "internal"):
        anna.set_customer_type(number, "vip")
    with pytest.raises(NotFound):
        anna.set_customer_type(number + 1000, "new")
    with db.read() as session:
        rows = list(session.execute(sa.select(AuditEvent.actor, AuditEvent.before,
                                              AuditEvent.after).where(
            AuditEvent.action == "contact.standing")))
    assert [(actor, json.loads(b)["standing"], json.loads(a)["standing"])
            for actor, b, a in rows] == [("boss", None, "existing")]


def test_ingest_or_a_form_may_say_it_and_the_rules_read_it(team, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nname = "Internt"\nwhen = { customer_type = "internal" }\n'
                    'then = { labels = ["internt"] }\n', encoding="utf-8")
    team.db.rules = RuleSource(path)
    said = new_case(team, "lisa@partner.se", customer_type="internal")
    assert standing(team, said) == ("internal", True)
    assert team.as_("boss").get_case(said).labels == ("internt",)
    assert team.as_("boss").get_case(new_case(team, "kund@partner.se")).labels == ()
    # A line about a known contact does not change their type: a supervisor does.
    again = new_case(team, "lisa@partner.se", customer_type="existing")
    assert standing(team, again) == ("internal", True)
    # An agent's own address at a mail provider makes none of its customers internal.
    team.as_("boss").add_agent("eva", email="eva@gmail.com")
    assert standing(team, new_case(team, "kund@gmail.com")) == ("new", False)
    # private / business stay what kind of customer they are, beside it.
    business = new_case(team, "inköp@bolag.se", customer_type="business")
    assert team.as_("boss").get_case(business).contact.customer_type == "business"
    assert standing(team, business) == ("new", False)
    with pytest.raises(InvalidInput, match="use private, business, new, existing, internal"):
        new_case(team, "x@y.se", customer_type="vip")
