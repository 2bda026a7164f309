"""`casedesk --read-all`: a supervisor sees every case, archived ones too, and the
store changes nothing — neither through the service nor by SQL slipped past it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import store.models  # noqa: F401  (every table in the metadata)
from store.db import Database
from store.errors import Forbidden, ReadOnly
from store.queries import CaseFilter
from store.service import CaseService, ContactInput, MessageInput
from store.workspace import STANDARD


def read_only(db: Database) -> Database:
    return Database(db.url, read_only=True, files=db.files_dir)


def everything(team) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One case in each channel, and one in each ended status."""
    cases = {
        "support": team.new_case(),
        "chat": team.new_case(channel="Chat", title="Chatten"),
        "phone": team.new_case(channel="Telefon", login="bo", title="Samtalet"),
        "closed": team.new_case(title="Stängt"),
        "archived": team.new_case(title="Arkiverat"),
    }
    for name in ("closed", "archived"):
        team.as_("anna").set_status(cases[name], "solved")
        team.system.set_status(cases[name], "closed")
    team.system.set_status(cases["archived"], "archived")
    return cases


def counts(db: Database) -> dict[str, int]:
    """The rows of every table."""
    with db.read() as session:
        return {table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in SQLModel.metadata.sorted_tables}


def test_a_supervisor_reads_every_case_archived_ones_too(team) -> None:
    cases = everything(team)
    boss = CaseService.read_all(read_only(team.db), "boss", clock=team.clock)
    listed = {r.number for r in boss.list_cases(CaseFilter(include_ended=True))}
    assert listed == set(cases.values())
    assert boss.get_case(cases["archived"]).status == "archived"
    assert boss.count_cases(CaseFilter(statuses=("archived",))) == 1
    assert boss.reads_only


def test_anyone_but_a_supervisor_is_refused(team) -> None:
    team.new_case()
    with pytest.raises(Forbidden, match="only a supervisor can read every case"):
        CaseService.read_all(read_only(team.db), "anna", clock=team.clock)


def test_read_all_needs_a_database_opened_read_only(team) -> None:
    with pytest.raises(ValueError, match="read_only"):
        CaseService.read_all(team.db, "boss")


CHANGES = {
    "reply": lambda s, n: s.reply(n, "Hej"),
    "note": lambda s, n: s.note(n, "@anna titta"),
    "status": lambda s, n: s.set_status(n, "open"),
    "assign": lambda s, n: s.assign(n, "anna"),
    "priority": lambda s, n: s.set_priority(n, "high"),
    "labels": lambda s, n: s.set_labels(n, ["x"]),
    "rename": lambda s, n: s.rename(n, "Ny titel"),
    "move": lambda s, n: s.move_channel(n, "Chat"),
    "watch": lambda s, n: s.set_watch(n, watching=True),
    "workspace": lambda s, n: s.set_in_workspace(n, present=True),
    "read": lambda s, n: s.mark_read(n),
    "message": lambda s, n: s.add_message(n, MessageInput("Kunden igen")),
    "create": lambda s, n: s.create_case(channel="Support", contact=ContactInput(name="X"),
                                         title="Nytt"),
    "prefs": lambda s, n: s.set_workspace_prefs(STANDARD),
    "preference": lambda s, n: s.set_preference("columns", "title"),
    "agent": lambda s, n: s.add_agent("cilla"),
    "membership": lambda s, n: s.set_membership("Chat", "bo", member=True),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_is_refused_and_changes_nothing(team, change) -> None:
    number = team.new_case()
    before = counts(team.db)
    boss = CaseService.read_all(read_only(team.db), "boss", clock=team.clock)
    with pytest.raises(ReadOnly, match="read-all mode only reads"):
        CHANGES[change](boss, number)
    assert counts(team.db) == before
    assert team.as_("boss").get_case(number).version == 1


def test_sql_slipped_past_the_service_is_refused_by_the_database(team) -> None:
    number = team.new_case()
    ro = read_only(team.db)
    with pytest.raises(ReadOnly):
        ro.write(lambda session: None)
    with ro.read() as session, pytest.raises(sa.exc.DatabaseError, match="read.only|readonly"):
        session.execute(sa.text("UPDATE cases SET title = 'x' WHERE id = :n"), {"n": number})
    with pytest.raises(ReadOnly):
        ro.upgrade()
    assert team.as_("boss").get_case(number).title == "Fakturan stämmer inte"
