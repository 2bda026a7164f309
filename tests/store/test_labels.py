"""The team's labels (store/labels.py): a supervisor keeps the list; once it has any, a
case, ingest and a rule take no other, and the error names the list; upgrading, the
labels already on cases become the list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from store.db import Database
from store.errors import Forbidden, InvalidInput, NotFound
from store.inputs import ContactInput


def test_without_a_list_any_label_goes(team) -> None:
    number = team.new_case()
    team.as_("anna").set_labels(number, ["vad som helst"])
    assert team.as_("anna").get_case(number).labels == ("vad som helst",)
    assert team.as_("anna").labels() == []


def test_a_supervisor_keeps_the_list_and_a_case_takes_no_other(team) -> None:
    boss, anna = team.as_("boss"), team.as_("anna")
    with pytest.raises(Forbidden, match="only a supervisor can change the team's labels"):
        anna.add_label("faktura")
    assert boss.add_label("  faktura ") == "faktura"
    boss.add_label("retur")
    with pytest.raises(InvalidInput, match="there is a label 'faktura' already"):
        boss.add_label("faktura")
    with pytest.raises(InvalidInput, match="without commas"):
        boss.add_label("a, b")
    number = team.new_case()
    anna.set_labels(number, ["faktura"])
    said = ("unknown label 'fakturor': the team's labels are faktura, retur "
            r"\(`casedesk label add` adds one\)")
    with pytest.raises(InvalidInput, match=said):
        anna.set_labels(number, ["faktura", "fakturor"])
    with pytest.raises(InvalidInput, match=said):
        anna.create_case(channel="Support", contact=ContactInput(name="K"), title="T",
                         labels=["fakturor"])
    assert anna.labels() == [("faktura", 1), ("retur", 0)]
    # Off the list: no case gets it any more; those that have it keep it (and may keep
    # it while their other labels change).
    assert boss.remove_label("faktura") == 1
    assert anna.get_case(number).labels == ("faktura",)
    anna.set_labels(number, ["faktura", "retur"])
    with pytest.raises(InvalidInput, match="unknown label 'faktura'"):
        anna.set_labels(team.new_case(), ["faktura"])
    with pytest.raises(NotFound, match=r"there is no label 'faktura' \(known: retur\)"):
        boss.remove_label("faktura")


def test_a_rule_names_only_labels_of_the_list(team) -> None:
    team.as_("boss").add_label("faktura")
    _count, found = team.as_("boss").check_rules(
        '[[rule]]\nname = "R"\nthen = { labels = ["faktura", "ekonomi"] }\n')
    assert [str(p) for p in found] == ["rule 'R': unknown label 'ekonomi' (known: faktura)"]


def test_upgrading_makes_the_labels_on_cases_the_list(team) -> None:
    from alembic import command

    db: Database = team.db
    for labels in (["faktura", "retur"], ["retur"], []):
        team.as_("anna").set_labels(team.new_case(), labels)
    with db.write_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0013")
    db.upgrade()
    assert team.as_("anna").labels() == [("faktura", 1), ("retur", 2)]
    with db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM label")) == 2


def test_a_label_or_a_cases_labels_too_long_are_refused(team) -> None:
    number = team.new_case()
    anna = team.as_("anna")
    with pytest.raises(InvalidInput, match="a label is at most 100 characters"):
        anna.set_labels(number, ["x" * 101])
    with pytest.raises(InvalidInput, match="labels are at most 500 characters together"):
        anna.set_labels(number, [f"{i:02}" + "å" * 60 for i in range(9)])
    assert anna.get_case(number).labels == ()


def test_labels_that_fit_are_kept_whatever_came_before() -> None:
    from store.fields import fitting_labels

    many = [f"{i:02}" + "å" * 60 for i in range(9)]
    kept = fitting_labels(["retur", "x" * 101, "retur", *many])
    assert kept[0] == "retur"  # the first given first, once; too long left out
    assert "x" * 101 not in kept
    assert len(",".join(kept)) <= 500
    assert kept == ["retur", *many[:7]]
