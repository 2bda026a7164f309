"""A real `casedesk ingest` killed (SIGKILL) part-way through a file and run again:
every line with an id is there exactly once — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import store.identity
from store.queries import CaseFilter

LINES = 200


@pytest.fixture
def runner(team) -> str:  # type: ignore[no-untyped-def]
    """Whoever runs `casedesk ingest` (the OS login): a supervisor of the team's database."""
    login = store.identity.os_login()
    team.as_("boss").add_agent(login, name="Ingest Runner", supervisor=True)
    return login


def feed(path: Path, chat_case: int) -> tuple[list[str], list[str]]:
    """A file of new cases and, every fourth line, a message on `chat_case`, each with
    the source system's id; returns (the new cases' titles, the messages' texts)."""
    titles, texts, out = [], [], []
    for n in range(1, LINES + 1):
        if n % 4 == 0:
            texts.append(f"rad {n}")
            out.append({"id": f"msg-{n}", "case": chat_case,
                        "message": {"from": "customer", "text": f"rad {n}"}})
        else:
            titles.append(f"Ärende {n}")
            out.append({"id": f"chat-{n}", "channel": "Chat" if n % 2 else "Telefon",
                        "contact": {"name": f"Kund {n}", "email": f"kund{n}@example.se"},
                        "title": f"Ärende {n}",
                        "messages": [{"from": "customer", "text": f"Hej, fråga {n}"}]})
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in out))
    return titles, texts


@pytest.mark.usefixtures("runner")
def test_an_ingest_killed_part_way_and_run_again_takes_every_line_once(  # type: ignore[no-untyped-def]
        team, tmp_path: Path) -> None:
    chat_case = team.new_case(channel="Chat", login="anna", text="")
    path = tmp_path / "in.jsonl"
    titles, texts = feed(path, chat_case)
    url = team.db.url.render_as_string(hide_password=False)
    argv = [str(Path(sys.executable).with_name("casedesk")), "--db", url, "ingest", str(path)]
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    env.pop("CASEDESK_LOGIN", None)
    env.pop("CASEDESK_CONFIG", None)

    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    said: list[str] = []
    assert first.stdout is not None
    for line in first.stdout:
        said.append(line.rstrip("\n"))
        if len(said) == 50:
            first.send_signal(signal.SIGKILL)  # mid-run, mid-line as it happens
            break
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    assert 50 <= len(said) < LINES

    second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    assert second.returncode == 0, second.stderr
    assert second.stderr == ""
    out = second.stdout.splitlines()
    assert len(out) == LINES
    # What the killed run said it took is "already taken", as the same case.
    for line in said:
        n, verb, case = re.fullmatch(r"line (\d+): (created|added to) #(\d+)", line).groups()  # type: ignore[union-attr]
        assert out[int(n) - 1] == f"line {n}: already taken as #{case}"
    assert sum("already taken" in line for line in out) >= len(said)

    boss = team.as_("boss")
    rows = boss.list_cases(CaseFilter(include_ended=True, limit=LINES * 2))
    made = Counter(r.title for r in rows if r.number != chat_case)
    assert made == Counter(titles)  # every new case once, no other
    on_chat = Counter(m.text for m in boss.get_case(chat_case).messages if m.kind == "customer")
    assert on_chat == Counter(texts)

    # A third run changes nothing.
    third = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    assert third.returncode == 0, third.stderr
    assert all("already taken as #" in line for line in third.stdout.splitlines())
    assert len(boss.list_cases(CaseFilter(include_ended=True, limit=LINES * 2))) == len(rows)
