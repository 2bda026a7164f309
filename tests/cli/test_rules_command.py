"""`casedesk rules check` and the rules file the config names (relative to the config
file), applied to what `casedesk ingest` creates; a broken file stops no command that
creates no case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_ingest_errors as ingest_errors
from test_ingest_errors import no_user_config  # noqa: F401  (its own config and data)

import store.identity


@pytest.fixture
def casedesk(team, tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """`casedesk --config <a config naming rules.toml> --db <the team's database> ARGS`,
    run by a supervisor: (exit code, stdout, stderr)."""
    team.as_("boss").add_agent(store.identity.os_login(), name="Runner", supervisor=True)
    (tmp_path / "etc").mkdir()
    config = tmp_path / "etc" / "config.toml"
    config.write_text('[triage]\nrules = "rules.toml"\n', encoding="utf-8")
    url = team.db.url.render_as_string(hide_password=False)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        return ingest_errors.casedesk(capsys, "--config", str(config), "--db", url, *args,
                                      stdin=stdin)

    return run


GOOD = '''
[[rule]]
name = "Faktura till Chat"
when = { words = ["faktura", "invoice"], channel = "Support" }
then = { channel = "Chat", labels = ["faktura"], priority = "low" }
'''


def test_check_says_each_problem_and_exits_1_on_an_error(casedesk, tmp_path: Path) -> None:
    rules = tmp_path / "etc" / "rules.toml"
    rules.write_text(GOOD, encoding="utf-8")
    assert casedesk("rules", "check") == (
        0, f"{rules}: 1 rule, 0 warnings: it can be used.\n", "")
    rules.write_text(GOOD + '''
[[rule]]
name = "Många villkor"
when = { channel = "Support", words = ["retur"], language = "sv", tier = "premium" }
then = { priority = "high" }
''', encoding="utf-8")
    code, out, _ = casedesk("rules", "check")
    assert (code, out.splitlines()) == (0, [
        f"{rules}: warning: rule 'Många villkor': 4 conditions: keep a rule to 3 at most "
        "(easier to follow)",
        f"{rules}: 2 rules, 1 warning: it can be used."])
    other = tmp_path / "other.toml"
    other.write_text('[[rule]]\nname = "Fel"\nwhen = { chanel = "Support" }\n'
                     'then = { assign = "nobody" }\n', encoding="utf-8")
    code, out, _ = casedesk("rules", "check", "--file", str(other))
    assert (code, out.splitlines()) == (1, [
        f"{other}: error: rule 'Fel': unknown condition 'chanel' in `when` (use channel, "
        "words, from, language, customer_type, tier or field.<name>)",
        f"{other}: error: rule 'Fel': unknown agent 'nobody' in `assign` (an active "
        "agent's login, round-robin or least-loaded)"])


def test_ingest_goes_through_the_rules_a_broken_file_stops_nothing_else(
        casedesk, team, tmp_path: Path) -> None:
    rules = tmp_path / "etc" / "rules.toml"
    rules.write_text(GOOD, encoding="utf-8")
    line = {"channel": "Support", "title": "Fråga", "contact": {"email": "k@kund.se"},
            "messages": [{"from": "customer", "text": "Hej, min faktura är fel."}]}
    code, out, err = casedesk("ingest", "-", stdin=json.dumps(line) + "\n")
    assert code == 0, err
    number = int(out.split("#")[1].split()[0])
    case = team.as_("boss").get_case(number)
    assert (case.channel, case.labels, case.priority) == ("Chat", ("faktura",), "low")
    # Broken: a command that creates no case runs as before.
    rules.write_text("[[rule]\n", encoding="utf-8")
    code, out, _ = casedesk("cases", "--json")
    assert code == 0
    assert number in [c["number"] for c in json.loads(out)]
    assert casedesk("rules", "check")[0] == 1
