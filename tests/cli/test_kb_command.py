"""`casedesk kb suggest` and `casedesk kb list` through the real command, on a knowledge
folder the config names relative to itself; without one, a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_ingest_errors as ingest_errors
from test_ingest_errors import no_user_config, url  # noqa: F401  (its own config and data)

ARTICLES = {
    "konto/aterstall-losenord.md": "---\ntitle: Återställ lösenord\ntags: [lösenord, konto]\n"
    "url: https://help.example.se/losenord\n---\nHar du glömt ditt lösenord? Klicka på "
    "Glömt lösenord på inloggningssidan.\n",
    "leverans.md": "# Leveranstider\n\nVi skickar din beställning inom två dagar; paketet "
    "kommer efter 2–5 arbetsdagar.\n",
    "faktura.md": "---\ntitle: Frågor om din faktura\ntags: [faktura]\n---\nFakturan ska "
    "betalas inom 30 dagar.\n",
    "oppettider.md": "---\ntitle: Öppettider\n---\nVardagar 8–17.\n",
}


def config_with(tmp_path: Path, text: str) -> Path:
    (tmp_path / "etc").mkdir(exist_ok=True)
    config = tmp_path / "etc" / "config.toml"
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture
def casedesk(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]  # noqa: F811
    """`casedesk --config <a config naming the folder kb> --db <the team's database> ARGS`,
    run by a supervisor: (exit code, stdout, stderr). The folder holds `ARTICLES`."""
    config = config_with(tmp_path, '[knowledge]\nfolder = "kb"\n')
    for name, text in ARTICLES.items():
        (tmp_path / "etc" / "kb" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "etc" / "kb" / name).write_text(text, encoding="utf-8")

    def run(*args: str) -> tuple[int, str, str]:
        return ingest_errors.casedesk(capsys, "--config", str(config), "--db", url, *args)

    return run


def test_suggest_prints_the_best_articles_first(casedesk, team) -> None:
    number = team.new_case(title="Glömt lösenord", text="Hej, jag har glömt mitt lösenord "
                           "och undrar också när paketet kommer.")
    code, out, err = casedesk("kb", "suggest", f"#{number}")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split(maxsplit=1)[1] for line in lines] == [
        "Återställ lösenord  (konto/aterstall-losenord.md)  https://help.example.se/losenord",
        "Leveranstider  (leverans.md)"]
    scores = [float(line.split()[0]) for line in lines]
    assert scores == sorted(scores, reverse=True)
    assert casedesk("kb", "suggest", str(number), "--limit", "1")[1] == lines[0] + "\n"


def test_suggest_json_lists_title_path_score_url_and_tags(casedesk, team) -> None:
    number = team.new_case(title="Faktura", text="Ska fakturan betalas inom 30 dagar? Jag "
                           "har även ett nytt lösenord.")
    code, out, err = casedesk("kb", "suggest", str(number), "--json", "--limit", "2")
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert [(a["path"], a["title"], a["url"], a["tags"]) for a in found] == [
        ("faktura.md", "Frågor om din faktura", None, ["faktura"]),
        ("konto/aterstall-losenord.md", "Återställ lösenord", "https://help.example.se/losenord",
         ["lösenord", "konto"])]
    assert all(isinstance(a["score"], float) and a["score"] > 0 for a in found)
    assert found[0]["score"] >= found[1]["score"]
    nothing = team.new_case(title="Hej", text="Tack för hjälpen!")
    assert casedesk("kb", "suggest", str(nothing), "--json") == (0, "[]\n", "")
    assert casedesk("kb", "suggest", str(nothing)) == (
        0, f"No article matches case #{nothing}.\n", "")


def test_a_case_one_cannot_see_is_no_case(casedesk, team) -> None:
    code, out, err = casedesk("kb", "suggest", "99999")
    assert (code, out) == (1, "")
    assert err == "casedesk: there is no case #99999\n"
    code, _, err = casedesk("kb", "suggest", "tjugo")
    assert code == 2
    assert "case number must be a whole number" in err


def test_without_a_knowledge_base_it_says_how_to_get_one(
        url: str, team, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    number = team.new_case(title="Glömt lösenord")
    config = config_with(tmp_path, '[triage]\nurgent = true\n')
    for command in (["suggest", str(number)], ["list"]):
        code, out, err = ingest_errors.casedesk(capsys, "--config", str(config), "--db", url,
                                                "kb", *command)
        assert (code, out) == (1, "")
        assert err == ("casedesk: no knowledge base: set [knowledge] folder in the config (a "
                       "folder of Markdown articles, relative to the config file)\n")


def test_list_shows_every_article_and_what_was_skipped(casedesk, tmp_path: Path) -> None:
    (tmp_path / "etc" / "kb" / "trasig.md").write_bytes("# Trasig\nå".encode("utf-16"))
    code, out, err = casedesk("kb", "list")
    assert code == 0
    assert out.splitlines() == [
        "faktura.md: Frågor om din faktura  [faktura]",
        "konto/aterstall-losenord.md: Återställ lösenord  [lösenord, konto]",
        "leverans.md: Leveranstider",
        "oppettider.md: Öppettider"]
    assert err == ("casedesk: knowledge base: skipped 1 file: trasig.md (not UTF-8 text)\n")
    code, out, _ = casedesk("kb", "list", "--json")
    assert code == 0
    assert json.loads(out)[1] == {"title": "Återställ lösenord",
                                  "path": "konto/aterstall-losenord.md",
                                  "url": "https://help.example.se/losenord",
                                  "tags": ["lösenord", "konto"]}
