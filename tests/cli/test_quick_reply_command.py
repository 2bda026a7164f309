"""`casedesk quick-reply add|edit|remove|list [--json]`: the variables kept as written,
an unknown one refused in words with exit 1."""

from __future__ import annotations

import json

import pytest
from test_ingest_errors import casedesk, no_user_config, url  # noqa: F401  (fixtures)


def test_quick_replies_from_the_command_line(url: str,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        return casedesk(capsys, "--db", url, "quick-reply", *args)

    assert run("add", "Tack", "--text", "Hej {kontakt.förnamn}! {markör}")[:2] == (
        0, "Added the quick reply 'Tack'.\n")
    code, _, err = run("add", "Fel", "--text", "Hej {kund}!")
    assert code == 1
    assert "unknown variable {kund} in the quick reply" in err
    assert run("edit", "Tack", "--text", "Tack {contact.first_name}!", "--title", "Tack!")[0] == 0
    assert run("add", "Bort", "--text", "x")[0] == 0
    assert run("remove", "Bort")[:2] == (0, "Removed the quick reply 'Bort'.\n")
    code, out, _ = run("list", "--json")
    assert json.loads(out) == [{"title": "Tack!", "text": "Tack {contact.first_name}!"}]
    assert run("list")[1] == "Tack!\n    Tack {contact.first_name}!\n"
    assert run("edit", "Tack!")[0] == 1  # nothing to change
