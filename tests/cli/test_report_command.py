"""`casedesk report`: the same numbers as a table, JSON and CSV; a row per channel,
week or agent; a bad date or grouping said in words; untrusted names shown literally."""

from __future__ import annotations

import csv
import io
import json

import pytest
from metrics_history import build_history  # tests/ is on sys.path
from test_ingest_errors import casedesk, no_user_config, url  # noqa: F401  (fixtures)


def test_json_and_csv_carry_the_same_numbers(team, clock, url: str,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    build_history(team, clock)
    team.as_("boss").add_channel("[red]Fel\x1b[2J", kind="chat")

    def run(*args: str) -> tuple[int, str, str]:
        return casedesk(capsys, "--db", url, "report", "--from", "2026-03-02",
                        "--to", "2026-03-03", *args)

    code, out, err = run("--by", "channel", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert (found["from"], found["to"], found["by"]) == ("2026-03-02", "2026-03-03", "channel")
    assert found["total"]["cases"] == 4
    assert found["total"]["first_response_median_s"] == 3600
    assert found["backlog"]["total"] == 2
    code, out, err = run("--by", "channel", "--csv")
    assert code == 0, err
    lines = list(csv.DictReader(io.StringIO(out)))
    assert len(out.splitlines()) == 1 + len(found["rows"])
    for line, row in zip(lines, found["rows"], strict=True):
        assert line["key"] == row["key"]
        assert {k: v for k, v in line.items() if k != "key"} == {
            k: "" if v is None else str(v) for k, v in row.items() if k != "key"}
    # Without --by: the total is the one line.
    code, out, _ = run("--csv")
    assert [r["cases"] for r in csv.DictReader(io.StringIO(out))] == ["4"]
    code, out, _ = run("--by", "week")
    assert code == 0
    assert "2026-W10" in out
    assert "Backlog at the end: 2" in out
    assert "1h 00m" in out  # the median first response
    code, out, _ = run("--by", "channel")
    assert "\x1b" not in out


def test_bad_dates_and_groupings(url: str,  # noqa: F811
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = casedesk(capsys, "--db", url, "report", "--from", "förra veckan")
    assert code == 2
    assert "a date such as 2026-12-01" in err
    code, _, err = casedesk(capsys, "--db", url, "report", "--by", "team")
    assert code == 1
    assert "unknown grouping 'team'" in err
    code, _, err = casedesk(capsys, "--db", url, "report", "--json", "--csv")
    assert code == 1
    assert "not both" in err
    code, out, err = casedesk(capsys, "--db", url, "report", "--help")
    assert code == 0
    assert "first_response_" in out
    assert "fcr_rate" in out
