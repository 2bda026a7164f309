"""`casedesk privacy mask`, `contact erase|export`, `case original` and the notice
on a masked reply, as people run them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from test_ingest_errors import casedesk, no_user_config, url  # noqa: F401  (fixtures)

from store.db import Database
from store.privacy import Privacy
from store.service import CaseService, ContactInput, MailInput, MessageInput

CARD = "4111111111111111"


def test_masking_the_history_from_the_command_line(team, url: str,  # noqa: F811
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    plain = Database(team.db.url, privacy=Privacy(mask=()))
    try:
        number = CaseService(plain, "anna", clock=team.clock).create_case(
            channel="Support", contact=ContactInput(email="k@example.se"), title="Kortet",
            messages=[MessageInput(f"Mitt kort {CARD}")])
    finally:
        plain.dispose()
    code, out, err = casedesk(capsys, "--db", url, "privacy", "mask", "--dry-run")
    assert (code, out) == (0, "Would mask 1 card number in 1 messages, 0 titles, 0 form "
                              "fields and 0 other rows (nothing changed).\n"), err
    code, out, err = casedesk(capsys, "--db", url, "privacy", "mask")
    assert (code, out) == (0, "Masked 1 card number in 1 messages, 0 titles, 0 form fields "
                              "and 0 other rows.\n"), err
    code, out, _ = casedesk(capsys, "--db", url, "case", "show", str(number), "--json")
    assert CARD not in out
    assert "•••• •••• •••• 1111" in out
    code, out, _ = casedesk(capsys, "--db", url, "cases", "--search", "4111")
    assert CARD not in out
    assert f"#{number}" not in out


def test_a_reply_with_a_card_number_tells_the_agent(team, url: str,  # noqa: F811
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    number = team.new_case()
    code, out, err = casedesk(capsys, "--db", url, "case", "reply", str(number),
                              "--text", f"Kortet {CARD} är spärrat")
    assert code == 0, err
    assert err == "Note: masked before it was stored: 1 card number.\n"


def test_erase_and_export_a_customer(team, url: str, tmp_path: Path,  # noqa: F811
                                     capsys: pytest.CaptureFixture[str]) -> None:
    number = team.new_case(email="karin@example.se", text="Karins fråga")
    team.new_case(email="olle@example.se", text="Olles fråga")
    target = tmp_path / "karin.json"
    code, out, err = casedesk(capsys, "--db", url, "contact", "export", "karin@example.se",
                              "--output", str(target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    extract = json.loads(target.read_text())
    assert [c["number"] for c in extract["cases"]] == [number]
    code, out, err = casedesk(capsys, "--db", url, "contact", "erase", "karin@example.se",
                              "--dry-run")
    assert code == 0, err
    assert f"1 cases go whole (#{number})" in out
    assert team.as_("boss").get_case(number).number == number  # still there
    code, out, err = casedesk(capsys, "--db", url, "contact", "erase", "karin@example.se",
                              stdin="n\n")
    assert code == 1
    assert "nothing erased" in err
    code, out, err = casedesk(capsys, "--db", url, "contact", "erase", "karin@example.se",
                              "--yes")
    assert code == 0, err
    assert out.endswith("Erased: 1 cases, 1 messages.\n")
    code, _, err = casedesk(capsys, "--db", url, "case", "show", str(number))
    assert code == 1
    assert "no case" in err
    code, _, err = casedesk(capsys, "--db", url, "contact", "erase")
    assert code == 1
    assert "name the customer" in err


def test_the_original_mail_from_the_command_line(team, url: str,  # noqa: F811
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    raw = b"From: k@example.se\r\nSubject: Hej\r\n\r\nKort 4111111111111111\r\n"
    (receipt,) = team.system.receive_mail("INBOX", "Support", 1, [MailInput(
        uid=1, raw=raw, subject="Hej", message=MessageInput(f"Kort {CARD}",
                                                            sender_address="k@example.se"))])
    code, out, err = casedesk(capsys, "--db", url, "case", "original", str(receipt.case))
    assert code == 0, err
    assert out.encode() == raw.replace(b"\r\n", b"\n") or out.encode() == raw


def test_showing_a_case_is_in_the_access_log(team, url: str,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from store.identity import os_login

    number = team.new_case()
    assert casedesk(capsys, "--db", url, "case", "show", str(number))[0] == 0
    assert casedesk(capsys, "--db", url, "case", "show", str(number), "--json")[0] == 0
    code, out, err = casedesk(capsys, "--db", url, "audit", "--reads", "--case", str(number),
                              "--json")
    assert code == 0, err
    assert [(r["login"], r["case"], r["via"]) for r in json.loads(out)] == [
        (os_login(), number, "json"), (os_login(), number, "show")]
    code, out, _ = casedesk(capsys, "--db", url, "audit", "--reads")
    assert f"read  #{number}" in out.splitlines()[0]


def test_ingest_lines_are_masked(team, url: str,  # noqa: F811
                                 capsys: pytest.CaptureFixture[str]) -> None:
    line = {"channel": "Chat", "contact": {"name": "Åsa", "email": "asa@example.se"},
            "title": "Betalning", "fields": {"kort": "4111-1111-1111-1111"},
            "messages": [{"from": "customer", "text": f"Kort {CARD}, pnr 198001010001"}]}
    code, out, err = casedesk(capsys, "--db", url, "ingest", "-", stdin=json.dumps(line) + "\n")
    assert code == 0, err
    number = out.split("#")[1].split()[0]
    code, out, _ = casedesk(capsys, "--db", url, "case", "show", number, "--json")
    shown = json.loads(out)
    assert shown["messages"][0]["text"] == "Kort •••• •••• •••• 1111, pnr 19800101-••••"
    assert shown["fields"] == {"kort": "••••-••••-••••-1111"}
    code, out, _ = casedesk(capsys, "--db", url, "cases", "--search", "198001010001", "--json")
    assert json.loads(out) == []
