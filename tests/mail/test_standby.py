"""A continuous poller whose mailbox another live daemon polls (another host's, on a
shared database) stands by: said once, no failure, no back-off, and it takes over as
soon as the other's lease runs out. (Two real daemons, one killed:
tests/scheduler/test_failover.py.)"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from mailservers import Dovecot, Mailbox
from samples import mail

from mail.poller import MailboxBusy, Poller
from mail.settings import MailboxSettings, MailSettings
from store import leases
from store.queries import CaseFilter

pytestmark = pytest.mark.sqlite_only  # (the leases on PostgreSQL: test_failover.py)

OTHER = "host-a:4242:aaaa"  # a live daemon of another host: only its lease's expiry counts


def wait_for(condition, what: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def poller(team, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Poller:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("IMAP_PASSWORD", mailbox.password)
    box = MailboxSettings(channel="Support", host=mailbox.host, port=mailbox.port,
                          security="none", username=mailbox.user,
                          password_env="IMAP_PASSWORD")
    # The team's clock: the other's lease runs out when the test moves it on.
    return Poller(team.db, box, MailSettings(), clock=team.clock, lease_seconds=3)


def test_a_poller_stands_by_and_takes_over_when_the_others_lease_runs_out(
        team, dovecot: Dovecot, mailbox: Mailbox, poller: Poller,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="casedesk")
    boss = team.as_("boss")
    assert leases.acquire(team.db, poller.lease, OTHER, now=team.clock(),
                          ttl=timedelta(seconds=60)) is None
    dovecot.append(mailbox.user, "INBOX", mail(sender="Ett <ett@example.se>"))
    stop = threading.Event()
    runner = threading.Thread(target=poller.run, args=(stop,))
    runner.start()
    try:
        said = f"another daemon ({OTHER}) polls {poller.mailbox.key}; standing by"
        wait_for(lambda: said in caplog.text, "the poller to stand by")
        time.sleep(3 * poller.renew_every)  # it looks again meanwhile, every third
        assert boss.count_cases(CaseFilter()) == 0  # the other one polls, not this one
        assert caplog.text.count(said) == 1
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []

        team.clock.advance(seconds=60)  # the other daemon died: its lease runs out
        wait_for(lambda: boss.count_cases(CaseFilter()) == 1, "the take-over")
        assert f"took over polling {poller.mailbox.key} from {OTHER}" in caplog.text
        assert leases.held(team.db, poller.lease, now=team.clock()) == poller.holder
        # And it keeps it, renewing, while it serves (IDLE): the other one comes back.
        assert leases.acquire(team.db, poller.lease, OTHER, now=team.clock(),
                              ttl=timedelta(seconds=60)) == poller.holder
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert leases.held(team.db, poller.lease, now=team.clock()) is None  # let go


def test_poll_once_says_who_polls_the_mailbox(team, poller: Poller) -> None:
    assert leases.acquire(team.db, poller.lease, OTHER, now=team.clock()) is None
    with pytest.raises(MailboxBusy, match=f"another poller \\({OTHER}\\) is reading "):
        poller.poll_once()
