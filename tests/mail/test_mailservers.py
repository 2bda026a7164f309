"""The mail test servers (tests/mailservers.py) work with the clients casedesk uses:
imapclient against Dovecot, aiosmtplib against aiosmtpd."""

from __future__ import annotations

import socket
import ssl
import time
from email.message import EmailMessage

import aiosmtplib
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from mailservers import Dovecot, Mailbox, live_processes
from smtpserver import SmtpServer

RAW = (
    b"From: =?utf-8?q?=C3=85sa_=C3=96berg?= <asa@example.se>\r\n"
    b"To: support@example.com\r\n"
    b"Subject: Fakturan\r\n"
    b"Message-ID: <1@example.se>\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Hej! Fakturan st\xe4mmer inte.\r\n"  # 8-bit latin-1, kept byte for byte
    b".\r\n"
)


def folders(client: IMAPClient) -> set[str]:
    return {name for _flags, _delimiter, name in client.list_folders()}


# -- Dovecot: logging in --------------------------------------------------------------------------


def test_login_on_the_plain_port(mailbox: Mailbox) -> None:
    with IMAPClient(mailbox.host, mailbox.port, ssl=False, timeout=10) as client:
        assert b"STARTTLS" in client.capabilities()
        client.login(mailbox.user, mailbox.password)
        assert "INBOX" in folders(client)


def test_login_after_starttls_verifies_the_test_ca(mailbox: Mailbox) -> None:
    with IMAPClient(mailbox.host, mailbox.port, ssl=False, timeout=10) as client:
        client.starttls(ssl.create_default_context(cafile=str(mailbox.cafile)))
        client.login(mailbox.user, mailbox.password)
        assert "INBOX" in folders(client)
    # Without the test CA the certificate is refused: the TLS is real.
    with IMAPClient(mailbox.host, mailbox.port, ssl=False, timeout=10) as client, \
            pytest.raises(ssl.SSLCertVerificationError):
        client.starttls(ssl.create_default_context())


def test_login_on_the_ssl_port(mailbox: Mailbox) -> None:
    context = ssl.create_default_context(cafile=str(mailbox.cafile))
    with IMAPClient(mailbox.host, mailbox.ssl_port, ssl=True, ssl_context=context,
                    timeout=10) as client:
        client.login(mailbox.user, mailbox.password)
        assert "INBOX" in folders(client)


def test_wrong_password_is_refused(dovecot: Dovecot, mailbox: Mailbox) -> None:
    with dovecot.connect() as client, pytest.raises(LoginError):
        client.login(mailbox.user, mailbox.password + "x")


def test_xoauth2_and_oauthbearer_with_a_registered_token(dovecot: Dovecot,
                                                          mailbox: Mailbox) -> None:
    dovecot.register_token(mailbox.user, "token-" + mailbox.user)
    asked = dovecot.introspection_requests
    with dovecot.connect() as client:
        client.oauth2_login(mailbox.user, "token-" + mailbox.user)
        assert "INBOX" in folders(client)
    with dovecot.connect("ssl") as client:
        client.oauthbearer_login(mailbox.user, "token-" + mailbox.user)
        assert "INBOX" in folders(client)
    assert dovecot.introspection_requests == asked + 2  # no cache: every login asks


def test_xoauth2_refuses_wrong_revoked_and_other_users_tokens(dovecot: Dovecot,
                                                              mailbox: Mailbox) -> None:
    other = dovecot.new_mailbox()
    dovecot.register_token(other.user, "others-token")
    dovecot.register_token(mailbox.user, "revoked-token")
    dovecot.revoke_token("revoked-token")
    for token in ("wrong-token", "revoked-token", "others-token"):
        with dovecot.connect() as client, pytest.raises(LoginError):
            client.oauth2_login(mailbox.user, token)
    with dovecot.connect() as client:  # the password still works
        client.login(mailbox.user, mailbox.password)


# -- Dovecot: mail ---------------------------------------------------------------------------------


def test_append_and_fetch_keep_the_raw_bytes(dovecot: Dovecot, mailbox: Mailbox) -> None:
    uid = dovecot.append(mailbox.user, "INBOX", RAW, flags=[r"\Seen"])
    second = dovecot.append(mailbox.user, "INBOX", RAW.replace(b"<1@", b"<2@"))
    assert second > uid
    messages = dovecot.messages(mailbox.user, "INBOX")
    assert [m.uid for m in messages] == [uid, second]
    assert messages[0].raw == RAW
    assert r"\Seen" in messages[0].flags
    assert r"\Seen" not in messages[1].flags
    # A real client sees the same bytes; a folder other than INBOX is created on append.
    dovecot.append(mailbox.user, "Arkiv", RAW)
    with dovecot.client(mailbox.user) as client:
        client.select_folder("INBOX", readonly=True)
        assert client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"] == RAW
        assert "Arkiv" in folders(client)
    assert [m.raw for m in dovecot.messages(mailbox.user, "Arkiv")] == [RAW]


def test_users_do_not_share_mail(dovecot: Dovecot, mailbox: Mailbox) -> None:
    other = dovecot.new_mailbox()
    dovecot.append(other.user, "INBOX", RAW)
    assert dovecot.messages(mailbox.user) == []
    assert len(dovecot.messages(other.user)) == 1


def test_idle_notices_an_appended_message(dovecot: Dovecot, mailbox: Mailbox) -> None:
    with dovecot.client(mailbox.user) as client:
        client.select_folder("INBOX")
        client.idle()
        began = time.monotonic()
        dovecot.append(mailbox.user, "INBOX", RAW)
        responses: list[tuple[object, ...]] = []
        while time.monotonic() - began < 10 and (1, b"EXISTS") not in responses:
            responses += client.idle_check(timeout=1)
        client.idle_done()
        assert (1, b"EXISTS") in responses
        assert time.monotonic() - began < 2  # inotify, not the 30 s fallback poll


def test_reset_uidvalidity_changes_it_and_keeps_the_messages(dovecot: Dovecot,
                                                             mailbox: Mailbox) -> None:
    uids = [dovecot.append(mailbox.user, "INBOX", RAW.replace(b"<1@", f"<{n}@".encode()))
            for n in range(3)]
    before = dovecot.uidvalidity(mailbox.user)
    selected = dovecot.client(mailbox.user)
    assert selected.select_folder("INBOX")[b"UIDVALIDITY"] == before
    after = dovecot.reset_uidvalidity(mailbox.user)
    assert after != before
    with pytest.raises(IMAPClient.AbortError):  # Dovecot drops it at the next command
        selected.noop()
    selected.shutdown()
    with dovecot.client(mailbox.user) as client:
        assert client.select_folder("INBOX")[b"UIDVALIDITY"] == after
        assert client.search("ALL") == uids
    assert len(dovecot.messages(mailbox.user)) == 3


def test_kill_connections_drops_the_client_and_it_can_come_back(dovecot: Dovecot,
                                                                mailbox: Mailbox) -> None:
    bystander = dovecot.new_mailbox()
    with dovecot.client(mailbox.user) as client, dovecot.client(bystander.user) as other:
        client.select_folder("INBOX")
        dovecot.kill_connections(mailbox.user)
        with pytest.raises((IMAPClient.AbortError, OSError)):
            client.noop()
        other.noop()  # only that user's sessions were dropped
    with dovecot.client(mailbox.user) as client:
        client.noop()
    dovecot.kill_connections(mailbox.user)  # nobody connected: nothing to do


def test_password_change_takes_effect(dovecot: Dovecot, mailbox: Mailbox) -> None:
    dovecot.client(mailbox.user).logout()  # Dovecot has read the user's passwd-file
    dovecot.add_user(mailbox.user, "nytt-losen")
    with dovecot.connect() as client, pytest.raises(LoginError):
        client.login(mailbox.user, mailbox.password)
    dovecot.client(mailbox.user).logout()


def test_a_second_instance_runs_apart_and_stops_completely(dovecot: Dovecot) -> None:
    second = Dovecot().start()
    assert {second.port, second.ssl_port}.isdisjoint({dovecot.port, dovecot.ssl_port})
    client = second.client(second.new_mailbox().user)  # a session still open at stop()
    client.select_folder("INBOX")
    client.idle()
    assert second._process is not None
    master, tmpdir, port = second._process.pid, second.tmpdir, second.port
    assert live_processes(master)
    second.stop()
    client.shutdown()
    assert second.tmpdir is None
    assert tmpdir is not None
    assert not tmpdir.exists()
    assert live_processes(master) == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    dovecot.client(dovecot.new_mailbox().user).logout()  # the session's server is unharmed


# -- SMTP ------------------------------------------------------------------------------------------


def message(subject: str = "Fakturan") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "support@example.com"
    msg["To"] = "asa@example.se"
    msg["Subject"] = subject
    msg.set_content("Hej Åsa!\n")
    return msg


async def test_smtp_server_records_what_it_accepts(smtp_server: SmtpServer) -> None:
    await aiosmtplib.send(message(), hostname=smtp_server.host, port=smtp_server.port,
                          sender="bounces@example.com", recipients=["asa@example.se", "b@x.se"])
    [received] = smtp_server.received
    assert received.mail_from == "bounces@example.com"
    assert received.rcpt_tos == ["asa@example.se", "b@x.se"]
    assert b"Subject: Fakturan\r\n" in received.raw
    assert received.raw.endswith(b"\r\n")


async def test_injected_451_on_data_is_a_data_error_once(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next("DATA", "451 4.3.0 Try again later")
    with pytest.raises(aiosmtplib.SMTPDataError) as error:
        await aiosmtplib.send(message(), hostname=smtp_server.host, port=smtp_server.port)
    assert error.value.code == 451
    assert smtp_server.received == []
    await aiosmtplib.send(message(), hostname=smtp_server.host, port=smtp_server.port)
    assert len(smtp_server.received) == 1


async def test_injected_550_on_rcpt_refuses_the_recipient(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next("RCPT", "550 5.1.1 No such user")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as error:
        await aiosmtplib.send(message(), hostname=smtp_server.host, port=smtp_server.port)
    [refused] = error.value.recipients
    assert (refused.code, refused.recipient) == (550, "asa@example.se")
    assert smtp_server.received == []


async def test_smtp_auth_over_starttls() -> None:
    with SmtpServer(auth=("casedesk", "hemligt"), starttls=True) as server:
        tls = {"hostname": server.host, "port": server.port, "start_tls": True,
               "cert_bundle": str(server.cafile)}
        await aiosmtplib.send(message(), username="casedesk", password="hemligt", **tls)
        assert len(server.received) == 1
        with pytest.raises(aiosmtplib.SMTPAuthenticationError):
            await aiosmtplib.send(message(), username="casedesk", password="fel", **tls)
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as error:  # AUTH is required
            await aiosmtplib.send(message(), **tls)
        assert error.value.code == 530
        with pytest.raises(ssl.SSLCertVerificationError):  # without the test CA
            await aiosmtplib.send(message(), hostname=server.host, port=server.port,
                                  start_tls=True, username="casedesk", password="hemligt")
        assert len(server.received) == 1

