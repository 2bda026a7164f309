"""A web form's fields through `casedesk ingest`: kept with the new case, printed by
`case show` (and as `"fields"` in its JSON); a field that is not text is the line's
error, in words."""

from __future__ import annotations

import json

import pytest
from test_ingest_errors import casedesk, no_user_config, url  # noqa: F401  (fixtures)


def test_a_forms_fields_travel_with_its_case(url: str,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    line = {"channel": "Chat", "title": "Retur", "contact": {"email": "kim@kund.se"},
            "messages": [{"from": "customer", "text": "Lampan ska tillbaka."}],
            "fields": {"ordernummer": "4457000", "kategori": "Retur"}}
    code, out, err = casedesk(capsys, "--db", url, "ingest", "-", stdin=json.dumps(line) + "\n")
    assert code == 0, err
    number = out.split("#")[1].split()[0]
    code, out, _ = casedesk(capsys, "--db", url, "case", "show", number, "--json")
    assert json.loads(out)["fields"] == {"kategori": "Retur", "ordernummer": "4457000"}
    code, out, _ = casedesk(capsys, "--db", url, "case", "show", number)
    assert "  kategori: Retur\n  ordernummer: 4457000\n" in out
    bad = {**line, "fields": {"ordernummer": 4457000}}
    code, _, err = casedesk(capsys, "--db", url, "ingest", "-", stdin=json.dumps(bad) + "\n")
    assert code == 1
    assert err.startswith("line 1: fields.ordernummer: Input should be a valid string\n")
