"""The sender marks mails sent a few at a time: nothing is sent twice and nothing is
lost, even when it is killed between the server's answers and its own mark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from smtpserver import SmtpServer
from test_sender import sender_for

from mail import sender
from store.db import Busy

MAILS = 30
HELD = 12  # the mail the server keeps the killed sender waiting on


def replied(team, count: int) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """`count` cases, each with a reply queued: case number → the customer's address."""
    cases = {}
    for i in range(count):
        address = f"kund{i}@example.se"
        number = team.new_case(email=address)
        team.as_("anna").reply(number, f"Svar {i}")
        cases[number] = address
    return cases


def states(team) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {m.case: m.state for m in team.system.outbox()}


def recipients(server: SmtpServer) -> list[str]:
    return [r for m in server.received for r in m.rcpt_tos]


def test_a_batch_is_marked_sent_in_few_transactions_and_each_mail_once(
        team, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = replied(team, 45)
    outbox = sender_for(team, smtp_server)
    marked: list[list[int]] = []
    real = outbox.service.outbox_sent_many

    def counting(ids: list[int]) -> None:
        marked.append(list(ids))
        real(ids)

    monkeypatch.setattr(outbox.service, "outbox_sent_many", counting)
    monkeypatch.setattr(sender, "SENT_WAIT", 3600)  # by count alone here
    assert outbox.send_once().outcomes == {"sent": 45}
    assert sorted(recipients(smtp_server)) == sorted(cases.values())
    assert set(states(team).values()) == {"sent"}
    assert sorted(i for ids in marked for i in ids) == sorted(m.id for m in team.system.outbox())
    # Twenty at a time, and the rest when the claimed batch is through.
    assert [len(ids) for ids in marked] == [20, 20, 5]


def busy(ids: list[int]) -> None:
    raise Busy()


def refused_marks(team, server: SmtpServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Three mails taken by the server in a round whose marks the database refused (it
    stays refusing): the sender, and a way to let the database write again."""
    replied(team, 3)
    outbox = sender_for(team, server)
    real = outbox.service.outbox_sent_many
    # All three taken before the first mark, whatever the machine's pace (a mark after
    # the first mail would fail the round there and queue the others for later).
    monkeypatch.setattr(sender, "SENT_WAIT", 3600)
    monkeypatch.setattr(outbox.service, "outbox_sent_many", busy)
    with pytest.raises(Busy):
        outbox.send_once()
    assert len(server.received) == 3
    return outbox, lambda: monkeypatch.setattr(outbox.service, "outbox_sent_many", real)


def test_marks_a_busy_database_refused_are_written_in_the_next_round(
        team, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    outbox, writable = refused_marks(team, smtp_server, monkeypatch)
    writable()
    assert outbox.send_once().outcomes == {}  # nothing sent again
    assert set(states(team).values()) == {"sent"}
    assert len(smtp_server.received) == 3


def test_marks_the_database_refused_twice_are_dropped_never_written_later(
        team, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    outbox, writable = refused_marks(team, smtp_server, monkeypatch)
    # Still refused at the next round: taken by the server, never marked — the claim
    # leaves them for a person to decide.
    assert outbox.send_once().outcomes == {}
    assert set(states(team).values()) == {"unknown"}
    writable()
    # Two sent again on request; the server takes the first and refuses the second,
    # which is failed — not "sent" by a mark left from the rounds the database refused.
    first, second = sorted(team.system.outbox(), key=lambda m: m.id)[:2]
    for row in (first, second):
        team.as_("anna").outbox_requeue(row.id)
    monkeypatch.setattr(sender, "SENT_BATCH", 1)  # a mark written after every mail
    # (The test server answers queued replies first: an acceptance, then a refusal.)
    smtp_server._handler.replies["DATA"].extend(["250 2.0.0 OK", "550 5.7.1 Refused"])
    assert outbox.send_once().outcomes == {"sent": 1, "failed": 1}
    after = states(team)
    assert (after[first.case], after[second.case]) == ("sent", "failed")


def test_a_sender_killed_mid_batch_never_sends_a_mail_twice_and_loses_none(
        team, smtp_server: SmtpServer, tmp_path: Path) -> None:
    cases = replied(team, MAILS)
    config = tmp_path / "config.toml"
    url = team.db.url.render_as_string(hide_password=False)
    config.write_text(f'[store]\nurl = "{url}"\n\n[smtp]\nhost = "{smtp_server.host}"\n'
                      f'port = {smtp_server.port}\nsecurity = "none"\n')
    env = {**os.environ, "CASEDESK_CONFIG": str(config)}
    smtp_server.hold_answers(from_mail=HELD)  # taken, and its answer never comes
    first = subprocess.Popen([sys.executable, "-m", "cli", "send", "--once"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(smtp_server.received) < HELD and time.monotonic() < deadline:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)  # some marked sent, the rest still "sending"
    first.wait()
    smtp_server.hold_answers(False)
    sent_before = recipients(smtp_server)
    assert len(sent_before) == HELD
    again = subprocess.run([sys.executable, "-m", "cli", "send", "--once"], env=env,
                           capture_output=True, timeout=60)
    assert again.returncode == 0, again.stderr.decode()
    assert recipients(smtp_server) == sent_before  # nothing sent twice, nor sent on a guess
    after = states(team)
    assert set(after.values()) <= {"sent", "unknown"}
    # Every mail the server took is sent or for a person to look at; "sent" only for those
    # it took.
    assert {cases[n] for n, state in after.items() if state == "sent"} <= set(sent_before)
    held = next(n for n, address in cases.items() if address == sent_before[-1])
    assert after[held] == "unknown"  # taken, never answered: only a person knows
    # The person sends again those the server never saw: each customer has one reply.
    for row in team.system.outbox(["unknown"]):
        if cases[row.case] not in sent_before:
            team.as_("anna").outbox_requeue(row.id)
    assert sender_for(team, smtp_server).send_once().outcomes.get("sent", 0) == \
        MAILS - len(sent_before)
    assert sorted(recipients(smtp_server)) == sorted(cases.values())
