"""The workspace rules (store/workspace.py) hold when `casedesk ingest` makes the change,
with no TUI open: new cases of a wanted kind come in, a customer's message is new to
everyone holding the case, a watched case comes in on activity — as
tests/store/test_workspace.py checks them in the store, here through the command."""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import replace

import pytest
import sqlalchemy as sa

import store.identity
from cli.main import main
from store.models import Agent, WorkspaceEntry
from store.queries import CaseFilter
from store.workspace import STANDARD


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Keep the developer's own config and data out of the tests."""
    monkeypatch.delenv("CASEDESK_CONFIG", raising=False)
    monkeypatch.delenv("CASEDESK_LOGIN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


@pytest.fixture
def runner(team) -> str:  # type: ignore[no-untyped-def]
    """Whoever runs `casedesk ingest` (the OS login): a supervisor of the team's
    database, as `casedesk init` makes its first user."""
    login = store.identity.os_login()
    team.as_("boss").add_agent(login, name="Ingest Runner", supervisor=True)
    return login


@pytest.fixture
def ingest(team, runner: str, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """`casedesk --db <the team's database> ingest -` fed `lines` (dicts, as JSON Lines);
    returns the case number each line landed on, in order."""
    url = team.db.url.render_as_string(hide_password=False)

    def run(*lines: dict) -> list[int]:  # type: ignore[type-arg]
        text = "".join(json.dumps(line) + "\n" for line in lines)
        sys.stdin = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
        code = 0
        try:
            main(["--db", url, "ingest", "-"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdin = sys.__stdin__
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert captured.err == ""
        said = captured.out.splitlines()
        assert len(said) == len(lines), captured.out
        # "line N: added to #M", perhaps with why it is not the case named: "(…)".
        return [int(re.fullmatch(r"line \d+: (?:created|added to) #(\d+)(?: \(.+\))?", s)[1])  # type: ignore[index]
                for s in said]

    return run


def held(team, login: str) -> dict[int, bool]:  # type: ignore[no-untyped-def]
    """The cases in `login`'s workspace: unread or not."""
    rows = team.as_(login).list_cases(CaseFilter(workspace="me", limit=500))
    return {r.number: r.unread for r in rows}


def wants(team, login: str, **changes) -> None:  # type: ignore[no-untyped-def]
    team.as_(login).set_workspace_prefs(replace(STANDARD, **changes))


def entries(team, login: str) -> set[int]:  # type: ignore[no-untyped-def]
    """Every case in `login`'s workspace, also those the list hides (it shows only
    what they may read)."""
    with team.db.read() as session:
        agent = session.scalars(sa.select(Agent.id).where(Agent.login == login)).one()
        return set(session.scalars(sa.select(WorkspaceEntry.case_id).where(
            WorkspaceEntry.agent_id == agent)))


def new_case(channel: str, name: str = "Kim", text: str | None = "Hej") -> dict:  # type: ignore[type-arg]
    """A new-case line; `text`: the customer's first message (None: no messages)."""
    messages = [{"from": "customer", "text": text}] if text is not None else []
    return {"channel": channel, "contact": {"name": name, "email": f"{name.lower()}@example.se"},
            "title": f"Fråga från {name}", "messages": messages}


def message(number: int, text: str, sender: str = "customer") -> dict:  # type: ignore[type-arg]
    return {"case": number, "message": {"from": sender, "text": text}}


def test_ingested_cases_come_in_for_those_who_want_their_kind(team, ingest) -> None:  # type: ignore[no-untyped-def]
    wants(team, "anna", new_case_kinds=("chat",))
    wants(team, "bo", new_case_kinds=("email", "chat"))
    wants(team, "boss", new_case_kinds=("phone",))  # reads every channel, wants neither
    # The chat case without a message: unread because it is new, not because of one.
    chat, mail = ingest(new_case("Chat", "Kim", text=None), new_case("Support", "Per"))
    assert chat != mail
    assert held(team, "anna") == {chat: True}  # new: unread
    # bo is not in Chat: a chat case does not come to him, whatever he wants.
    assert held(team, "bo") == {mail: True}
    assert entries(team, "bo") == {mail}  # not even hidden from his list
    assert held(team, "boss") == {}
    assert team.as_("anna").in_workspace(chat)
    assert not team.as_("anna").in_workspace(mail)
    assert team.as_("boss").workspace_counts("anna") == (1, 1)


def test_an_ingested_case_stays_out_for_those_who_want_other_kinds(team, ingest) -> None:  # type: ignore[no-untyped-def]
    wants(team, "anna", new_case_kinds=("phone",))  # not her channel's kind
    (chat,) = ingest(new_case("Chat"))
    assert held(team, "anna") == {}
    assert held(team, "bo") == {}  # standard: no kinds
    assert not team.as_("anna").in_workspace(chat)


def test_a_customer_message_by_ingest_is_new_to_everyone_holding_the_case(
    team, ingest, runner: str,  # type: ignore[no-untyped-def]
) -> None:
    number = team.new_case()
    other = team.new_case(name="Olle", email="olle@example.se")
    for login in ("anna", "bo", runner):
        team.as_(login).set_in_workspace(number, present=True)
        team.as_(login).set_in_workspace(other, present=True)
    assert held(team, "anna") == held(team, "bo") == {number: False, other: False}
    assert ingest(message(number, "Har ni hittat felet?")) == [number]
    for login in ("anna", "bo", runner):  # the customer wrote it: new to all of them
        assert held(team, login) == {number: True, other: False}, login
    anna = team.as_("anna")
    assert anna.mark_read(number)
    assert held(team, "anna") == {number: False, other: False}
    assert anna.workspace_counts() == (2, 0)
    ingest(message(number, "Hallå?"))
    assert held(team, "anna") == {number: True, other: False}
    assert anna.workspace_counts() == (2, 1)


def test_an_agent_line_by_ingest_is_new_to_the_others_not_to_the_runner(
    team, ingest, runner: str,  # type: ignore[no-untyped-def]
) -> None:
    number = team.new_case()
    for login in ("anna", runner):
        team.as_(login).set_in_workspace(number, present=True)
    ingest(message(number, "Vi tittar på det.", sender="agent"))
    assert held(team, "anna") == {number: True}
    assert held(team, runner) == {number: False}  # their own line: nothing new to them


def test_a_watched_case_comes_in_on_ingested_activity_when_wanted(team, ingest) -> None:  # type: ignore[no-untyped-def]
    wants(team, "bo", add_watched_on_activity=False)
    number = team.new_case()
    for login in ("anna", "bo"):
        team.as_(login).set_watch(number, watching=True)
    assert held(team, "anna") == held(team, "bo") == {}
    ingest(message(number, "Någon nyhet?"))
    assert held(team, "anna") == {number: True}
    assert held(team, "bo") == {}


def test_a_follow_up_case_from_ingest_comes_in_too(team, ingest) -> None:  # type: ignore[no-untyped-def]
    wants(team, "anna", new_case_kinds=("email",))
    first = team.new_case()
    anna = team.as_("anna")
    anna.set_status(first, "solved")  # leaves her workspace (leave_on_solved)
    team.system.set_status(first, "closed")
    assert held(team, "anna") == {}
    (follow_up,) = ingest(message(first, "Det är trasigt igen"))
    assert follow_up != first
    assert held(team, "anna") == {follow_up: True}
    assert held(team, "bo") == {}

