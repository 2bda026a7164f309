"""The `casedesk` command, run the way people and scripts run it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import store.identity
from cli.main import main

pytestmark = pytest.mark.usefixtures("no_user_config")


@pytest.fixture
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own config and data out of the tests."""
    monkeypatch.delenv("CASEDESK_CONFIG", raising=False)
    monkeypatch.delenv("CASEDESK_LOGIN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """Run `casedesk --db <tmp>/c.db ARGS…` in-process; returns exit code, stdout, stderr."""
    dbfile = tmp_path / "c.db"

    def run(*args: str, db: Path | None = dbfile, stdin: str | None = None) -> Run:
        argv = (["--db", str(db)] if db else []) + list(args)
        if stdin is not None:
            import io

            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdin = sys.__stdin__
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def team_db(cli) -> None:
    me = store.identity.os_login()
    assert cli("init").code == 0
    assert cli("channel", "add", "Support", "--kind", "email",
               "--address", "support@example.se").code == 0
    assert cli("channel", "add", "Chatt", "--kind", "chat").code == 0
    assert cli("agent", "add", "anna", "--name", "Anna Berg").code == 0
    assert cli("channel", "member", "add", "Support", "anna").code == 0
    assert me


def one_line_error(run: Run) -> str:
    assert run.code != 0
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    return lines[0]


def test_help_runs_as_a_real_program() -> None:
    exe = Path(sys.executable).with_name("casedesk")
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("init", "demo", "cases", "case", "ingest", "agent", "channel"):
        assert command in result.stdout


def test_a_real_program_error_is_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("casedesk")
    result = subprocess.run([exe, "--db", str(tmp_path / "x.db"), "cases"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "XDG_CONFIG_HOME":
                                                        str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"casedesk: no database at {tmp_path / 'x.db'}: run `casedesk init` to create it"
    )


def test_init_creates_the_database_and_its_first_supervisor(cli) -> None:
    run = cli("init")
    assert run.code == 0
    assert "Created the database" in run.out
    assert "first supervisor" in run.out
    again = cli("init")
    assert "up to date" in again.out
    assert "first supervisor" not in again.out
    agents = json.loads(cli("agent", "list", "--json").out)
    assert [(a["login"], a["is_supervisor"]) for a in agents] == [
        (store.identity.os_login(), True)
    ]


@pytest.mark.usefixtures("team_db")
def test_a_day_at_the_desk(cli) -> None:
    run = cli("case", "create", "--channel", "Support", "--title", "Fel på fakturan",
              "--name", "Åsa Öberg", "--email", "asa@example.se", "--text", "Hej! Fel belopp.")
    assert run.out.strip() == "Created case #1."
    assert cli("case", "assign", "1", "anna").out.strip() == "#1 is assigned to anna."
    assert cli("case", "note", "1", "--text", "@anna kolla detta").code == 0
    run = cli("case", "reply", "1", "--text", "Vi rättar det.", "--status", "waiting")
    assert run.code == 0, run.err
    assert cli("case", "priority", "1", "high").code == 0
    assert cli("case", "labels", "1", "faktura", "företag").code == 0
    shown = json.loads(cli("case", "show", "1", "--json").out)
    assert shown["number"] == 1
    assert shown["status"] == "waiting"
    assert shown["assignee"] == "anna"
    assert shown["priority"] == "high"
    assert shown["labels"] == ["faktura", "företag"]
    kinds = [m["kind"] for m in shown["messages"]]
    assert kinds[0] == "customer"
    assert {"customer", "note", "reply", "event"} <= set(kinds)
    for m in shown["messages"]:
        assert isinstance(m["text"], str)
        assert m["author"]
        assert m["created_at"]
    note = next(m for m in shown["messages"] if m["kind"] == "note")
    assert note["mentions"] == ["anna"]
    listed = json.loads(cli("cases", "--json").out)
    assert [c["number"] for c in listed] == [1]
    assert set(listed[0]) >= {"number", "title", "status", "channel", "contact", "assignee",
                              "priority", "created_at", "updated_at"}
    assert isinstance(listed[0]["number"], int)
    text = cli("case", "show", "1").out
    assert "INTERNAL NOTE" in text
    assert "Fel på fakturan" in text


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


@pytest.fixture(params=[0o000, 0o077], ids=["umask000", "umask077"])
def umask(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The test runs under this umask (restored afterwards)."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("share", "file_mode", "dir_mode"), [(False, 0o600, 0o700),
                                                              (True, 0o660, 0o770)])
def test_init_creates_everything_privately_whatever_the_umask(
    cli, tmp_path: Path, share: bool, file_mode: int, dir_mode: int
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[store]\nshare_with_group = {str(share).lower()}\n")
    assert cli("--config", str(config), "init", db=None).code == 0
    folder = tmp_path / "data-home" / "casedesk"
    assert mode(folder) == dir_mode
    made = list(folder.rglob("*"))
    assert folder / "casedesk.db" in made
    for path in made:  # the writers' queue beside the database too (store/turns.py)
        assert mode(path) == (dir_mode if path.is_dir() else file_mode), path


def test_init_narrows_what_others_could_reach_and_says_so(cli, tmp_path: Path) -> None:
    assert cli("init", db=None).code == 0
    folder = tmp_path / "data-home" / "casedesk"
    database = folder / "casedesk.db"
    log = folder / "background.log"
    log.write_text("")
    # As an older casedesk left them under umask 000: anyone could rename the database.
    os.chmod(folder, 0o777)
    os.chmod(database, 0o644)
    os.chmod(log, 0o666)
    run = cli("init", db=None)
    assert run.code == 0, run.err
    said = [line for line in run.out.splitlines() if line.startswith("Tightened")]
    assert said == [f"Tightened {database}: mode 0644 -> 0600.",
                    f"Tightened {folder}: mode 0777 -> 0700.",
                    f"Tightened {log}: mode 0666 -> 0600."]
    assert (mode(folder), mode(database), mode(log)) == (0o700, 0o600, 0o600)
    again = cli("init", db=None)
    assert "Tightened" not in again.out


@pytest.mark.parametrize(("share", "after"), [(False, 0o400), (True, 0o440)])
def test_init_never_makes_a_read_only_database_writable(
    cli, tmp_path: Path, share: bool, after: int
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[store]\nshare_with_group = {str(share).lower()}\n")
    assert cli("--config", str(config), "init").code == 0
    database = tmp_path / "c.db"
    os.chmod(database, 0o400)
    run = cli("--config", str(config), "init")
    # (Someone other than root cannot upgrade a read-only file: init says so.)
    assert run.code == 0 or "read-only" in run.err, run.err
    assert mode(database) == after


@pytest.mark.usefixtures("umask")
def test_the_demo_database_is_private_whatever_the_umask(cli, tmp_path: Path) -> None:
    run = cli("demo", "--cases", "30", "--no-tui", db=None)
    assert run.code == 0, run.err
    folder = tmp_path / "data-home" / "casedesk"
    assert (folder / "demo.db").exists()
    for path in [folder, *folder.rglob("*")]:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.usefixtures("team_db")
def test_cases_filters(cli) -> None:
    for i, channel in enumerate(["Support", "Chatt", "Support"]):
        cli("case", "create", "--channel", channel, "--title", f"Ärende {i}",
            "--email", f"k{i}@example.se", "--text", "faktura" if i else "leverans")
    cli("case", "status", "2", "solved")
    cli("case", "assign", "3", "anna")  # taken up: open

    def numbers(*args: str) -> list[int]:
        run = cli("cases", "--json", *args)
        assert run.code == 0, run.err
        return [c["number"] for c in json.loads(run.out)]

    assert numbers() == [3, 2, 1]  # newest updated first
    assert numbers("--status", "solved") == [2]
    assert numbers("--status", "new", "--status", "open") == [3, 1]
    assert numbers("--channel", "Chatt") == [2]
    assert numbers("--assignee", "anna") == [3]
    assert numbers("--assignee", "none") == [2, 1]
    assert numbers("--search", "faktura") == [3, 2]
    assert numbers("--limit", "1") == [3]


@pytest.mark.usefixtures("team_db")
def test_closed_and_archived_are_listed_only_when_asked_for(cli) -> None:
    cli("case", "create", "--channel", "Support", "--title", "Gammalt", "--email", "g@ex.se")
    cli("case", "status", "1", "solved")
    assert cli("case", "status", "1", "closed").code == 0  # a supervisor may close by hand
    assert json.loads(cli("cases", "--json").out) == []
    closed = json.loads(cli("cases", "--json", "--status", "closed").out)
    assert [c["number"] for c in closed] == [1]


@pytest.mark.usefixtures("team_db")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("case", "show", "99"), "there is no case #99"),
        (("case", "status", "1", "archived"), "cannot become archived"),
        (("case", "status", "1", "bogus"), "unknown status 'bogus'"),
        (("case", "assign", "1", "nobody"), "there is no agent 'nobody'"),
        (("channel", "add", "X", "--kind", "fax"), "unknown channel kind 'fax'"),
        (("cases", "--channel", "Nope"), "there is no channel 'Nope'"),
        (("case", "reply", "1", "--text", " "), "the reply is empty"),
        (("agent", "add", "Bad Login!"), "cannot be a login"),
        (("case", "show"), "Missing argument 'NUMBER'"),
        (("case", "show", "x"), "case number must be a whole number, e.g. 2940"),
        (("case", "merge", "1", "--into", "#x"), "case number must be a whole number"),
        (("cases", "--bogus"), "No such option: --bogus"),
    ],
)
def test_errors_are_one_line_and_non_zero(cli, args: tuple[str, ...], message: str) -> None:
    cli("case", "create", "--channel", "Support", "--title", "T", "--email", "t@ex.se")
    line = one_line_error(cli(*args))
    assert line.startswith("casedesk: ")
    assert message in line


def test_a_config_typo_names_the_key_and_the_file(cli, tmp_path: Path) -> None:
    config = tmp_path / "casedesk.toml"
    config.write_text('[store]\nulr = "x.db"\n')
    line = one_line_error(cli("--config", str(config), "cases", db=None))
    assert str(config) in line
    assert "unknown key 'store.ulr'" in line


def test_the_config_names_the_database(cli, tmp_path: Path) -> None:
    config = tmp_path / "casedesk.toml"
    config.write_text(f'[store]\nurl = "{tmp_path / "from-config.db"}"\n')
    assert cli("--config", str(config), "init", db=None).code == 0
    assert (tmp_path / "from-config.db").exists()
    # --db wins over the config.
    assert cli("--config", str(config), "init", db=tmp_path / "flag.db").code == 0
    assert (tmp_path / "flag.db").exists()


@pytest.mark.usefixtures("team_db")
def test_ingest_takes_good_lines_and_reports_bad_ones(cli) -> None:
    lines = [
        {"channel": "Chatt", "contact": {"name": "Per", "email": "per@ex.se"},
         "title": "Chatt med Per", "messages": [{"from": "customer", "text": "Hej"},
                                                {"from": "agent", "text": "Hej Per!"}]},
        "{not json",
        {"channel": "Chatt", "titel": "typo"},
        {"channel": "Support", "contact": {"phone": "+46701234567"}, "title": "AI-samtal",
         "escalated": True, "messages": [{"from": "ai", "text": "Kunden vill prata med "
                                          "en människa", "at": "2026-03-01T10:00:00+01:00"}]},
        {"case": 1, "message": {"from": "customer", "text": "Tack!"}},
        {"case": 1, "message": {"from": "robot", "text": "?"}},
        {"case": 1, "message": {"from": "customer", "text": "x", "at": "2026-03-01T10:00"}},
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n\n"
    run = cli("ingest", "-", stdin=text)
    assert run.code == 1
    assert run.out.splitlines() == ["line 1: created #1", "line 4: created #2",
                                    "line 5: added to #1"]
    errors = run.err.splitlines()
    assert errors[0].startswith("line 2: not JSON")
    assert errors[1] == "line 3: missing 'contact'; missing 'title'; unknown key 'titel'"
    assert errors[2].startswith("line 6: message.from:")
    assert errors[3].startswith("line 7: message.at:")
    assert "time zone" in errors[3]
    assert errors[4] == "4 of 7 lines were not taken."
    ai_case = json.loads(cli("case", "show", "2", "--json").out)
    assert ai_case["status"] == "escalated"
    assert ai_case["messages"][0]["kind"] == "ai"
    assert ai_case["messages"][0]["created_at"] == "2026-03-01T09:00:00+00:00"
    chat = json.loads(cli("case", "show", "1", "--json").out)
    # The agent's line of the transcript: the work began (new → open).
    assert [m["kind"] for m in chat["messages"]] == ["customer", "reply", "event", "customer"]
    assert chat["status"] == "open"


@pytest.mark.usefixtures("team_db")
def test_ingest_says_where_a_message_to_a_merged_case_went(cli) -> None:
    for title in ("A", "B", "C"):
        assert cli("case", "create", "--channel", "Support", "--title", title,
                   "--email", "k@ex.se", "--text", "Hej").code == 0
    assert cli("case", "merge", "1", "--into", "2").code == 0
    assert cli("case", "merge", "2", "--into", "3").code == 0
    text = "".join(json.dumps({"case": n, "message": {"from": "customer", "text": f"Till {n}"}})
                   + "\n" for n in (1, 2, 3))
    run = cli("ingest", "-", stdin=text)
    assert run.code == 0, run.err
    assert run.out.splitlines() == ["line 1: added to #3 (#1 is merged into it)",
                                    "line 2: added to #3 (#2 is merged into it)",
                                    "line 3: added to #3"]
    survivor = json.loads(cli("case", "show", "3", "--json").out)
    assert [m["text"] for m in survivor["messages"] if m["kind"] == "customer"][-3:] == [
        "Till 1", "Till 2", "Till 3"]
    assert [c["number"] for c in json.loads(cli("cases", "--json").out)] == [3]


@pytest.mark.usefixtures("team_db")
def test_ingest_from_a_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"channel": "Chatt", "contact": {"name": "Eva"},
                                "title": "Fråga"}) + "\n")
    assert cli("ingest", str(path)).out.strip() == "line 1: created #1"
    assert "cannot read" in one_line_error(cli("ingest", str(tmp_path / "missing.jsonl")))


@pytest.mark.usefixtures("team_db")
def test_untrusted_text_never_reaches_the_terminal_as_control_codes(cli) -> None:
    evil = "Faktura \x1b]52;c;ZXZpbA==\x07 \x1b[2J\u202egnp.exe \x9b31m [link=x]y[/]"
    line = json.dumps({"channel": "Chatt", "contact": {"name": "Mallory \x1b[31mRed"},
                       "title": evil, "messages": [{"from": "customer", "text": evil}]})
    assert cli("ingest", "-", stdin=line).code == 0
    for args in (("cases",), ("case", "show", "1"), ("cases", "--json"),
                 ("case", "show", "1", "--json")):
        out = cli(*args).out
        for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert bad not in out, (args, bad)
    assert "␛]52;c;" in cli("cases").out
    assert "⟨RLO⟩" in cli("case", "show", "1").out
    shown = json.loads(cli("case", "show", "1", "--json").out)
    assert shown["title"] == evil  # JSON keeps the exact text, escaped


@pytest.mark.usefixtures("team_db")
def test_acting_as_another_agent_needs_to_own_the_database(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("case", "create", "--channel", "Chatt", "--title", "Bara i chatten", "--name", "X")
    monkeypatch.setenv("CASEDESK_LOGIN", "anna")
    # The owner of the database may try out anna's view: she is not in Chatt.
    assert json.loads(cli("cases", "--json").out) == []
    assert "not a member" in one_line_error(cli("case", "show", "1"))
    # Someone who does not own the file may not pretend.
    monkeypatch.setattr(store.identity.os, "getuid", lambda: 4242)
    monkeypatch.setattr(store.identity, "os_login", lambda: "mallory")
    line = one_line_error(cli("cases"))
    assert "only the owner" in line
    assert "mallory" in line


def test_a_file_uri_does_not_lend_the_owners_identity(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone who does not own the team's database names it by a `file:` URI, with a
    look-alike relative path of their own in the working folder, and tries to add a
    supervisor as the owner's login."""
    from store.db import Database
    from store.service import bootstrap

    real = tmp_path / "srv" / "team.db"
    db = Database(real)
    db.upgrade()
    bootstrap(db, "boss")
    db.dispose()
    if os.geteuid() == 0:
        for p in real.parent.iterdir():
            os.chown(p, 65534, 65534)
    else:  # only root hands a file over: play a caller with another user id
        monkeypatch.setattr(store.identity.os, "getuid", lambda: os.geteuid() + 1)
    home = tmp_path / "home"
    look_alike = home / f"file:{real}"
    look_alike.parent.mkdir(parents=True)
    look_alike.write_bytes(b"")
    monkeypatch.chdir(home)
    monkeypatch.setenv("CASEDESK_LOGIN", "boss")
    url = f"sqlite:///file:{real}?uri=true"
    line = one_line_error(cli("--db", url, "agent", "add", "eve", "--supervisor", db=None))
    assert f"only the owner of {real} or an account a supervisor trusts" in line
    monkeypatch.delenv("CASEDESK_LOGIN")
    with Database(real).engine.connect() as conn:
        logins = conn.exec_driver_sql("SELECT login FROM agent").scalars().all()
    assert logins == ["boss"]


@pytest.mark.usefixtures("team_db")
def test_an_unknown_login_is_told_how_to_get_in(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_LOGIN", "stranger")
    line = one_line_error(cli("cases"))
    assert "not an agent" in line
    assert "casedesk agent add stranger" in line


@pytest.mark.usefixtures("team_db")
def test_merge_and_split_from_the_command_line(cli) -> None:
    cli("case", "create", "--channel", "Support", "--title", "A", "--email", "k@ex.se",
        "--text", "första")
    cli("case", "create", "--channel", "Support", "--title", "B", "--email", "k@ex.se",
        "--text", "andra")
    related = json.loads(cli("case", "related", "1", "--json").out)
    assert [r["number"] for r in related] == [2]
    assert cli("case", "merge", "2", "--into", "1").out.strip() == "#2 is merged into #1."
    merged = json.loads(cli("case", "show", "2", "--json").out)
    assert merged["merged_into"] == 1
    survivor = json.loads(cli("case", "show", "1", "--json").out)
    texts = [m["text"] for m in survivor["messages"] if m["kind"] == "customer"]
    assert texts == ["första", "andra"]
    second = next(m for m in survivor["messages"] if m["text"] == "andra")
    assert cli("case", "split", str(second["id"]), "--title", "Ny fråga").out.strip() == (
        f"Message {second['id']} is now case #3."
    )
    new = json.loads(cli("case", "show", "3", "--json").out)
    assert new["title"] == "Ny fråga"
    assert [m["text"] for m in new["messages"] if m["kind"] == "customer"] == ["andra"]
    assert 1 in new["related"]


@pytest.mark.usefixtures("team_db")
def test_copy_into_a_file_path_and_on_from_postgresql(cli, tmp_path: Path, pg_url: str) -> None:
    for title, text in [("A", "första"), ("B", "andra")]:
        assert cli("case", "create", "--channel", "Support", "--title", title,
                   "--email", "k@ex.se", "--text", text).code == 0
    assert cli("case", "merge", "1", "--into", "2").code == 0
    assert cli("case", "reply", "2", "--text", "Vi tittar på det", "--status", "waiting").code == 0

    def everything(db: Path) -> list[object]:
        """The listing and each case as shown, the merged one too."""
        return [json.loads(cli("cases", "--json", db=db).out),
                *(json.loads(cli("case", "show", n, "--json", db=db).out) for n in ("1", "2"))]

    here = tmp_path / "c.db"
    copied = tmp_path / "kopia.db"
    run = cli("copy", "--to", str(copied))
    assert run.code == 0, run.err
    assert run.out.startswith("Copied 2 cases and ")
    assert run.out.strip().endswith(f"messages into {copied}.")
    assert everything(copied) == everything(here)
    assert everything(copied)[1]["merged_into"] == 2
    # On to PostgreSQL and back into another file: still the same cases.
    assert cli("copy", "--to", pg_url, db=copied).code == 0
    back = tmp_path / "tillbaka.db"
    run = cli("--db", pg_url, "copy", "--to", str(back), db=None)
    assert run.code == 0, run.err
    assert everything(back) == everything(here)
    assert "already has cases" in one_line_error(cli("copy", "--to", str(back)))


@pytest.mark.usefixtures("team_db")
def test_an_edit_can_require_the_version_it_was_based_on(cli) -> None:
    cli("case", "create", "--channel", "Support", "--title", "T", "--email", "t@ex.se")
    version = json.loads(cli("case", "show", "1", "--json").out)["version"]
    assert cli("case", "priority", "1", "high", "--if-version", str(version)).code == 0
    line = one_line_error(cli("case", "status", "1", "open", "--if-version", str(version)))
    assert "changed by someone else" in line
    assert json.loads(cli("case", "show", "1", "--json").out)["status"] == "new"


@pytest.mark.usefixtures("team_db")
def test_ingest_reports_every_line_whatever_goes_wrong(cli, tmp_path: Path) -> None:
    good = json.dumps({"channel": "Chatt", "contact": {"name": "Per"}, "title": "Hej"})
    lines = [
        good.encode(),
        json.dumps({"case": 99999999999999999999, "message": {"from": "customer",
                                                               "text": "x"}}).encode(),
        "{\"channel\": \"Chatt\", \"contact\": {\"name\": \"Åsa\"}, \"title\": \"Å\"}"
        .encode("latin-1"),
        json.dumps({"case": True, "message": {"from": "customer", "text": "x"}}).encode(),
        json.dumps({"case": 1, "message": {"from": "customer", "text": "  "}}).encode(),
        json.dumps({"case": 1, "message": {"from": "agent", "text": "x",
                                           "author": "Someone Else"}}).encode(),
        json.dumps({"case": 1, "message": {"from": "customer", "text": "x",
                                           "at": "2999-01-01T00:00:00Z"}}).encode(),
        json.dumps({"channel": "Chatt", "contact": {"name": "X", "customer_type": "\x1b[31m"},
                    "title": "T"}).encode(),
        json.dumps({"channel": "Chatt", "contact": {"email": "a@b.se, evil@x.com"},
                    "title": "T"}).encode(),
        good.encode(),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    run = cli("ingest", str(path))
    assert run.code == 1
    assert run.out.splitlines() == ["line 1: created #1", "line 10: created #2"]
    errors = dict(line.split(": ", 1) for line in run.err.splitlines()[:-1])
    assert list(errors) == [f"line {n}" for n in range(2, 10)]
    assert "less than or equal" in errors["line 2"]
    # The offset in the line of the first byte that is not UTF-8 (Å in Latin-1).
    latin = lines[2].index("Å".encode("latin-1"))
    assert errors["line 3"] == f"not UTF-8 text at byte {latin}"
    assert "valid integer" in errors["line 4"]
    assert "at least 1 character" in errors["line 5"]
    assert "leave out 'author'" in errors["line 6"]
    assert "in the future" in errors["line 7"]
    assert "unknown customer type" in errors["line 8"]
    assert "not one email address" in errors["line 9"]
    assert "\x1b" not in run.err
    assert run.err.splitlines()[-1] == "8 of 10 lines were not taken."


@pytest.mark.usefixtures("team_db")
def test_the_login_system_is_nobodys(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("case", "create", "--channel", "Support", "--title", "T", "--email", "t@ex.se")
    monkeypatch.setenv("CASEDESK_LOGIN", "system")
    line = one_line_error(cli("case", "status", "1", "open"))
    assert "'system' is casedesk's own" in line
    monkeypatch.delenv("CASEDESK_LOGIN")
    assert "cannot be a login" in one_line_error(cli("agent", "add", "system"))


@pytest.mark.usefixtures("team_db")
def test_an_upper_case_login_is_an_agent_like_any_other(cli, monkeypatch) -> None:
    assert cli("agent", "add", "Anna.Lind@corp", "--name", "Anna Lind").code == 0
    assert cli("channel", "member", "add", "Support", "Anna.Lind@corp").code == 0
    cli("case", "create", "--channel", "Support", "--title", "T", "--email", "t@ex.se")
    monkeypatch.setenv("CASEDESK_LOGIN", "Anna.Lind@corp")
    assert cli("case", "assign", "1", "me").out.strip() == "#1 is assigned to Anna.Lind@corp."


@pytest.mark.usefixtures("team_db")
def test_an_email_channel_needs_one_address(cli) -> None:
    assert "needs its support address" in one_line_error(
        cli("channel", "add", "Mail", "--kind", "email"))
    assert "not one email address" in one_line_error(
        cli("channel", "add", "Mail", "--kind", "email", "--address", "a@x.se b@x.se"))


def test_the_same_commands_on_postgresql(cli, pg_url: str) -> None:
    url = pg_url.replace("postgresql+psycopg://", "postgresql://")  # as people write it

    def run(*args: str) -> Run:
        return cli("--db", url, *args, db=None)

    assert "Created the database" in run("init").out
    assert run("channel", "add", "Support", "--kind", "email",
               "--address", "support@example.se").code == 0
    assert run("case", "create", "--channel", "Support", "--title", "Fakturan för maj",
               "--email", "asa@example.se", "--text", "Hej, fel belopp").code == 0
    assert run("case", "reply", "1", "--text", "Vi tittar på det", "--status", "waiting").code == 0
    found = json.loads(run("cases", "--search", "fakt*", "--json").out)
    assert [(c["number"], c["status"]) for c in found] == [(1, "waiting")]
    assert "up to date" in run("init").out


# -- read-all -------------------------------------------------------------------------


def test_read_all_lists_archived_cases_beside_the_rest(cli, team_db, tmp_path: Path) -> None:
    from store.db import Database
    from store.service import CaseService, ContactInput

    db = Database(tmp_path / "c.db")
    me = CaseService(db, store.identity.os_login())
    live = me.create_case(channel="Support", contact=ContactInput(name="K"), title="Pågående")
    old = me.create_case(channel="Chatt", contact=ContactInput(name="L"), title="Gammalt")
    me.set_status(old, "solved")
    CaseService.system(db).set_status(old, "closed")
    CaseService.system(db).set_status(old, "archived")
    normal = cli()
    assert f"#{live}" in normal.out
    assert f"#{old}" not in normal.out
    every = cli("--read-all")
    assert every.code == 0
    assert f"#{live}" in every.out
    assert f"#{old:<7} archived" in every.out


def test_read_all_refuses_anyone_but_a_supervisor(cli, team_db,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEDESK_LOGIN", "anna")  # the owner of the file may act as anna
    line = one_line_error(cli("--read-all"))
    assert "only a supervisor can read every case (--read-all)" in line


def test_read_all_is_for_the_overview_only(cli, team_db) -> None:
    line = one_line_error(cli("--read-all", "case", "list"))
    assert "--read-all opens the case overview" in line


def test_read_all_and_the_overview_print_every_row_when_piped(cli, team_db,
                                                              tmp_path: Path) -> None:
    """Not a first window of 50 that looks like the whole list."""
    from store.db import Database
    from store.service import CaseService, ContactInput

    db = Database(tmp_path / "c.db")
    me = CaseService(db, store.identity.os_login())
    first = me.create_case(channel="Chatt", contact=ContactInput(name="K1"), title="Ärende 1")
    # The other 1,101 bare, straight into the table (a listing reads nothing else).
    with sqlite3.connect(tmp_path / "c.db") as conn:
        channel, contact, at = conn.execute(
            "SELECT channel_id, contact_id, created_at FROM cases WHERE id = ?", (first,)
        ).fetchone()
        conn.executemany(
            "INSERT INTO cases (title, channel_id, contact_id, status, priority, labels, "
            "version, created_at, updated_at) VALUES (?, ?, ?, 'new', 'medium', '', 1, ?, ?)",
            [(f"Ärende {i}", channel, contact, at, at) for i in range(2, 1103)])
    numbers = [first, *range(first + 1, first + 1102)]
    me.set_status(numbers[0], "solved")
    CaseService.system(db).set_status(numbers[0], "closed")
    for args, expected in ((("--read-all",), numbers), ((), numbers[1:])):
        run = cli(*args)
        assert run.code == 0, run.err
        shown = [int(line.split()[0][1:]) for line in run.out.splitlines()]
        assert sorted(shown) == sorted(expected), args
        assert len(shown) == len(set(shown))


@pytest.mark.usefixtures("team_db")
def test_an_agent_cannot_tell_a_case_of_another_channel_from_none(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """anna (not in Chatt) asks for #2 before it exists and after it is made in Chatt:
    the same exit status and the same bytes."""
    cli("case", "create", "--channel", "Support", "--title", "Annas", "--email", "a@ex.se")
    asks = [("case", "show", "2"), ("case", "note", "2", "--text", "hej"),
            ("case", "related", "2"), ("case", "merge", "1", "--into", "2"),
            ("case", "link", "1", "2"), ("case", "split", "1")]  # message 1: #2's

    def as_anna() -> list[tuple[int, str, str]]:
        monkeypatch.setenv("CASEDESK_LOGIN", "anna")
        try:
            return [(r.code, r.out, r.err) for r in (cli(*ask) for ask in asks)]
        finally:
            monkeypatch.delenv("CASEDESK_LOGIN")

    before = as_anna()
    assert cli("case", "create", "--channel", "Chatt", "--title", "Hemligt", "--name", "X",
               "--text", "ett meddelande").out.strip() == "Created case #2."
    assert json.loads(cli("case", "show", "2", "--json").out)["messages"][0]["id"] == 1
    after = as_anna()
    assert after == before
    assert before[0][0] == 1
    assert before[0][2] == ("casedesk: there is no case #2 that you can see: it does not "
                            "exist, or it is in a channel you are not a member of (ask a "
                            "supervisor to add you)\n")


@pytest.mark.usefixtures("team_db")
def test_search_finds_contacts_and_numbers_and_says_when_nothing_matches(cli) -> None:
    cli("case", "create", "--channel", "Support", "--title", "Routern blinkar",
        "--email", "eva.bergstrom@example.se", "--name", "Eva Bergström", "--text", "Hej")
    run = cli("cases", "--search", "bergström")
    assert run.out.startswith("#1 ")
    assert cli("case", "show", "#1").out.startswith("#1  Routern blinkar")
    assert cli("cases", "--search", "1").out.startswith("#1 ")
    assert cli("cases", "--search", "leverans").out == "No cases match.\n"
    assert cli("cases", "--status", "solved").out == "No cases.\n"


def test_a_closed_pipe_ends_the_listing_quietly(tmp_path: Path) -> None:
    import subprocess

    db = tmp_path / "demo.db"
    built = subprocess.run([sys.executable, "-m", "cli", "demo", "--db", str(db), "--cases",
                            "1500", "--no-tui"], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    # `casedesk cases | head -1`: the reader goes after a line, far more (> a pipe's
    # 64 KiB) is on its way.
    for listing_json in ([], ["--json"]):
        listing = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db), "cases",
                                    "--limit", "1500", *listing_json],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert listing.stdout is not None
        assert listing.stderr is not None
        assert listing.stdout.readline().startswith(b"[" if listing_json else b"#")
        listing.stdout.close()
        err = listing.stderr.read()
        assert listing.wait(timeout=60) == 0, err
        assert err == b""
