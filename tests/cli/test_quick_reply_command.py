"""`casedesk quick-reply add|edit|remove|list [--json]`: the variables kept as written,
an unknown one refused in words with exit 1; an English version beside the text; and
`casedesk channel signature`."""

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
    assert json.loads(out) == [{"title": "Tack!", "text": "Tack {contact.first_name}!",
                                "english": None}]
    assert run("list")[1] == "Tack!\n    Tack {contact.first_name}!\n"
    assert run("edit", "Tack!")[0] == 1  # nothing to change
    assert run("edit", "Tack!", "--english", "Thanks {contact.first_name}!")[0] == 0
    assert json.loads(run("list", "--json")[1])[0]["english"] == "Thanks {contact.first_name}!"
    assert run("list")[1] == ("Tack!\n    Tack {contact.first_name}!\n  English:\n"
                              "    Thanks {contact.first_name}!\n")
    code, _, err = run("add", "Hej", "--text", "Hej!", "--english", "Hi {kund}!")
    assert code == 1
    assert "unknown variable {kund}" in err
    assert run("edit", "Tack!", "--english", "")[0] == 0  # removed
    assert json.loads(run("list", "--json")[1])[0]["english"] is None


def test_a_channels_signature_from_the_command_line(url: str,  # noqa: F811
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        return casedesk(capsys, "--db", url, "channel", *args)

    assert run("add", "Ekonomi", "--kind", "email", "--address", "ekonomi@example.se")[0] == 0
    assert run("signature", "Ekonomi")[1] == "Ekonomi has no signature.\n"
    assert run("signature", "ekonomi", "--text", "Exempel AB\nexempel.se/integritet")[1] == (
        "Ekonomi: the signature is 2 lines.\n")
    assert run("signature", "Ekonomi")[1] == "Exempel AB\nexempel.se/integritet\n"
    assert [c["signature"] for c in json.loads(run("list", "--json")[1])
            if c["name"] == "Ekonomi"] == ["Exempel AB\nexempel.se/integritet"]
    assert run("signature", "Ekonomi", "--text", "")[1] == "Ekonomi: no signature.\n"
    code, _, err = run("signature", "Kassa", "--text", "x")
    assert code == 1
    assert "there is no channel 'Kassa'" in err
