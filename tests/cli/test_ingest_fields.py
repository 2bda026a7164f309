"""A web form's fields through `casedesk ingest`: kept with the new case, printed by
`case show` (and as `"fields"` in its JSON); a field that is not text is the line's
error, in words. A contact's customer type (new, existing, internal) said by ingest,
set and shown by `case customer-type` and `case show`."""

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


def test_the_customer_type_through_ingest_and_case_customer_type(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    line = {"channel": "Chat", "title": "Fråga", "messages": [
        {"from": "customer", "text": "Hej!"}],
        "contact": {"email": "lisa@partner.se", "customer_type": "internal"}}
    code, out, err = casedesk(capsys, "--db", url, "ingest", "-", stdin=json.dumps(line) + "\n")
    assert code == 0, err
    number = out.split("#")[1].split()[0]

    def shown() -> dict[str, object]:
        contact = json.loads(casedesk(capsys, "--db", url, "case", "show", number,
                                      "--json")[1])["contact"]
        return {k: contact[k] for k in ("customer_type", "standing", "standing_set")}

    assert shown() == {"customer_type": "private", "standing": "internal", "standing_set": True}
    assert casedesk(capsys, "--db", url, "case", "customer-type", number, "derived")[1] == (
        f"#{number}: the customer is new (derived).\n")
    assert shown() == {"customer_type": "private", "standing": "new", "standing_set": False}
    assert "private/standard, new (derived)" in casedesk(
        capsys, "--db", url, "case", "show", number)[1]
    assert casedesk(capsys, "--db", url, "case", "customer-type", number, "existing")[1] == (
        f"#{number}: the customer is existing.\n")
    code, _, err = casedesk(capsys, "--db", url, "case", "customer-type", number, "vip")
    assert code == 1
    assert "unknown customer type 'vip': use new, existing, internal" in err
