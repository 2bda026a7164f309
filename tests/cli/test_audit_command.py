"""`casedesk audit`: who did what when, newest first, as lines or JSON, for a case, a
login or from a date; a bad date said in words."""

from __future__ import annotations

import json

import pytest
from test_ingest_errors import casedesk, no_user_config, url  # noqa: F401  (fixtures)

from store.audit_log import changed as changes


def test_the_audit_log_from_the_command_line(url: str,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        return casedesk(capsys, "--db", url, *args)

    code, out, err = run("case", "create", "--channel", "Chat", "--title", "[b]Fel[/b]",
                         "--email", "kim@kund.se", "--text", "Hej")
    assert code == 0, err
    number = out.split("#")[1].split()[0].rstrip(".")
    assert run("case", "priority", number, "high")[0] == 0
    code, out, _ = run("audit", "--case", f"#{number}", "--json")
    events = json.loads(out)
    assert [e["action"] for e in events][0] == "case.priority"
    assert (events[0]["before"], events[0]["after"]) == ({"priority": "medium"},
                                                         {"priority": "high"})
    assert {e["case"] for e in events} == {int(number)}
    code, out, _ = run("audit", "--case", number)
    first = out.splitlines()[0]
    assert "case.priority" in first
    assert f"#{number}" in first
    assert first.endswith("priority: medium → high")
    code, out, _ = run("audit", "--since", "2000-01-01", "--limit", "1", "--json")
    assert len(json.loads(out)) == 1
    code, _, err = run("audit", "--since", "igår")
    assert code == 2
    assert "a date such as 2026-12-01" in err
    assert run("audit", "--agent", "nobody")[1] == "No events.\n"


def test_what_an_event_changed_reads_as_a_line() -> None:
    assert changes({"status": "new"}, {"status": "open"}) == "status: new → open"
    assert changes(None, {"name": "Fakturor", "kind": "email"}) == "kind: email, name: Fakturor"
    assert changes({"title": "x"}, None) == "title: x (removed)"
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == "b: 2 → 3"
    assert changes(None, {"text": "rad\nrad " + "y" * 80}) == "text: rad rad " + "y" * 51 + "…"
