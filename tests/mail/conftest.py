"""Fixtures for the email tests: a real Dovecot (IMAP) and an aiosmtpd SMTP server on loopback,
from tests/mailservers.py. They never skip: without Dovecot they fail and say to run
scripts/test-servers.

No __init__.py here on purpose: with one, pytest would import this folder as the package
`mail` and shadow casedesk's own `mail` package.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mailservers import Dovecot, Mailbox, MailServerError  # tests/ is on sys.path
from smtpserver import SmtpServer


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole run (~0.1 s to start); tests keep apart by user."""
    try:
        server = Dovecot().start()
    except MailServerError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    """A fresh user on `dovecot` with an empty INBOX: user, password, host, port, ssl_port,
    cafile."""
    return dovecot.new_mailbox()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A fresh SMTP server (no AUTH, no TLS) that records what it accepts."""
    with SmtpServer() as server:
        yield server
