"""`casedesk doctor` on a team server's set-up (README, "A team server"): the real
command against the real parts — the team's database (SQLite, PostgreSQL), Dovecot,
the SMTP test server, an authorized_keys file written by server/keys.py — healthy,
and then broken one part at a time, each failure its own ✗ line with its fix."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from children import free_port
from mailservers import Mailbox
from smtpserver import SmtpServer
from sshserver import make_key

from cli.config import load_config
from mail.poller import Poller
from mail.settings import MailSettings
from server.keys import add_key, parse_public_key
from store import leases
from store.db import MIGRATIONS, Database, head_revision

CASEDESK = Path(sys.executable).with_name("casedesk")  # the console script of this install
# The disk check is made to fail only where a test asks (the machine's disk is its own).
ROOMY = ("--min-free", "0", "--min-free-percent", "0")


@dataclass
class Site:
    """A team server's set-up that `casedesk doctor` finds healthy: the service account
    (tests/server/conftest.py) with a mailbox on Dovecot, the SMTP server, an agent's
    key and a live holder of the mailbox's lease; `configure` changes a part."""

    account: object  # conftest.Server: config, keys, url, run
    db: Database
    mailbox: Mailbox
    smtp: SmtpServer
    tmp: Path
    store: dict[str, object] = field(default_factory=dict)
    imap: dict[str, object] = field(default_factory=dict)
    smtp_section: dict[str, object] = field(default_factory=dict)
    holder: str = field(default_factory=leases.holder_name)  # a live daemon's: this process

    @property
    def config(self) -> Path:
        return self.account.config  # type: ignore[attr-defined,no-any-return]

    @property
    def keys(self) -> Path:
        return self.account.keys  # type: ignore[attr-defined,no-any-return]

    def configure(self, *, store: dict[str, object] | None = None,
                  imap: dict[str, object] | None = None,
                  smtp: dict[str, object] | None = None, text: str | None = None) -> None:
        """Write the config (these keys over the healthy ones; None: without the key),
        mode 0600, and hold the lease of each mailbox it names as a live daemon would
        (this process)."""
        for section, changes in ((self.store, store), (self.imap, imap),
                                 (self.smtp_section, smtp)):
            section.update(changes or {})
            for key in [key for key, value in section.items() if value is None]:
                del section[key]
        if text is not None:  # a config of its own, as written
            self.config.write_text(text)
            return
        self.config.write_text("\n".join([
            _table("store", self.store), _table("server", {"authorized_keys": str(self.keys)}),
            _table("[mailbox]", self.imap), _table("smtp", self.smtp_section)]))
        self.config.chmod(0o600)
        if self.imap:
            config, _ = load_config(self.config)
            for box in config.mailbox:
                name = Poller(self.db, box, MailSettings()).lease
                assert leases.acquire(self.db, name, self.holder,
                                      now=datetime.now(UTC), ttl=timedelta(hours=1)) is None

    def doctor(self, *args: str) -> Doctor:
        ran = self.account.run("doctor", *args)  # type: ignore[attr-defined]
        assert "Traceback" not in ran.out + ran.err
        return Doctor(ran.code, ran.out.splitlines(), ran.err)


@dataclass
class Doctor:
    code: int
    lines: list[str]
    err: str

    @property
    def failed(self) -> list[str]:
        return [line for line in self.lines if line.startswith("✗ ")]

    @property
    def skipped(self) -> list[str]:
        return [line for line in self.lines if line.startswith("- ")]

    def one_failure(self) -> str:
        """The only ✗ line (a broken part fails its own check, no other)."""
        assert self.code == 1, self.lines
        assert len(self.failed) == 1, self.lines
        assert self.lines[-1].startswith("1 of "), self.lines
        return self.failed[0]


def _table(name: str, values: dict[str, object]) -> str:
    def toml(value: object) -> str:
        return str(value).lower() if isinstance(value, bool) else (
            str(value) if isinstance(value, int) else f'"{value}"')

    if not values and name == "smtp":  # (no [smtp] at all)
        return ""
    return f"[{name}]\n" + "".join(f"{key} = {toml(value)}\n" for key, value in values.items())


@pytest.fixture
def site(service_account, team, engine: str, mailbox: Mailbox, smtp_server: SmtpServer,
         tmp_path: Path) -> Site:  # type: ignore[no-untyped-def]
    if engine == "sqlite":  # copied from a template with the umask's mode: as `init` leaves it
        for path in (team.db.path, Path(f"{team.db.path}-wal"), Path(f"{team.db.path}-shm")):
            if path.exists():
                path.chmod(0o600)
    (tmp_path / "data-home" / "casedesk").mkdir(mode=0o700, parents=True)
    password = tmp_path / "imap-password"
    password.write_text(mailbox.password + "\n")
    site = Site(service_account, team.db, mailbox, smtp_server, tmp_path)
    site.keys.parent.mkdir(mode=0o700, parents=True)
    admin = make_key(tmp_path / "id_admin", "admin@desk")  # a line of the account's own
    site.keys.write_text(admin.read_text())
    site.keys.chmod(0o600)
    add_key(site.keys, [str(CASEDESK)], "anna", _key(tmp_path, "anna"))
    site.configure(
        store={"url": service_account.url},
        imap={"channel": "Support", "host": mailbox.host, "port": mailbox.port,
              "security": "starttls", "cafile": str(mailbox.cafile), "username": mailbox.user,
              "password_command": f"cat {password}"},
        smtp={"host": smtp_server.host, "port": smtp_server.port, "security": "none"})
    return site


def _key(tmp_path: Path, login: str):  # type: ignore[no-untyped-def]
    return parse_public_key(make_key(tmp_path / f"id_{login}", f"{login}@laptop").read_text())


def test_a_healthy_set_up_passes_every_check(site: Site, engine: str) -> None:
    run = site.doctor(*ROOMY)
    assert run.code == 0, run.lines
    *checks, summary = run.lines
    assert all(line.startswith("✓ ") for line in checks), run.lines
    assert summary == f"All {len(checks)} checks passed."
    said = "\n".join(checks)
    assert f"✓ config {site.config}: loads, every key valid" in said
    assert "reachable, schema " in said
    assert f"✓ the config file {site.config}: mode 0600 (owner only)" in said
    assert f"✓ the SSH folder {site.keys.parent}: mode 0700 (owner only)" in said
    assert f"✓ authorized_keys {site.keys}: mode 0600 (owner only)" in said
    if engine == "sqlite":
        assert f"✓ the database {site.db.path}: mode 0600 (owner only)" in said
    assert "✓ the mailboxes' channels: Support (email)" in said
    box = site.mailbox
    assert (f"✓ mailbox {box.user}@{box.host}:{box.port}/INBOX: reached over STARTTLS, "
            f"logged in as {box.user}, INBOX there") in said
    assert (f"✓ SMTP {site.smtp.host}:{site.smtp.port}: reached over plain text (this "
            "machine) (no login configured)") in said
    assert "✓ the daemon polls every mailbox (pid " in said
    assert (f"✓ authorized_keys {site.keys}: 1 agent key, each running a casedesk that "
            "exists, each for an active agent") in said
    assert "✓ agents' keys act as their agents" in said
    assert "✓ disk space at " in said


# -- the config and the database -----------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_typo_in_the_config_is_one_failure_and_the_rest_is_skipped(site: Site) -> None:
    site.configure(text=f'[store]\nulr = "{site.db.path}"\n')
    run = site.doctor(*ROOMY)
    line = run.one_failure()
    assert line == (f"✗ config: {site.config}: unknown key 'store.ulr' — correct it in the "
                    "file: every key, and what it takes, is in config.example.toml")
    assert "- the database: skipped (the config did not load)" in run.skipped
    assert "- the mailboxes and SMTP: skipped (the config did not load)" in run.skipped
    assert run.lines[-1] == f"1 of {len(run.lines) - 1} checks failed, 6 skipped: see the ✗ lines."


@pytest.mark.sqlite_only
def test_a_database_behind_on_its_schema_is_to_be_upgraded(site: Site) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    head = head_revision(MIGRATIONS)
    older = ScriptDirectory(str(MIGRATIONS)).get_revision(head).down_revision
    assert isinstance(older, str)
    with site.db.write_engine.begin() as conn:
        command.downgrade(site.db._alembic_config(conn), older)
    run = site.doctor(*ROOMY)
    assert run.one_failure() == (
        f"✗ database {site.db.path}: schema {older}, older than this casedesk's {head} — run "
        "`casedesk init` to upgrade it (make a backup first: `casedesk backup PATH`)")
    assert "- the daemon: skipped (the database is not usable)" in run.skipped


@pytest.mark.sqlite_only
def test_an_empty_database_file_is_to_be_initialised(site: Site) -> None:
    empty = site.tmp / "empty.db"
    empty.touch(mode=0o600)
    site.configure(store={"url": str(empty)})
    run = site.doctor(*ROOMY)
    assert run.one_failure() == (f"✗ database {empty}: not a casedesk database yet (no tables) "
                                 "— run `casedesk init` to create its tables")
    assert empty.stat().st_size == 0  # the doctor changes nothing


@pytest.mark.sqlite_only
def test_an_unreachable_postgresql_is_said_in_words_without_its_password(site: Site) -> None:
    port = free_port()  # nothing listens there
    site.configure(store={"url": f"postgresql://casedesk:s3cret-pw@127.0.0.1:{port}/casedesk"})
    run = site.doctor(*ROOMY)
    line = run.one_failure()
    assert line.startswith(f"✗ database postgresql+psycopg://casedesk:***@127.0.0.1:{port}/"
                           "casedesk: ")
    assert f"cannot connect to the database server at 127.0.0.1:{port}" in line
    assert "`systemctl status postgresql`" in line
    assert "s3cret-pw" not in "\n".join(run.lines) + run.err


# -- modes -----------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_world_readable_database_is_a_failure_whose_fix_is_init(site: Site) -> None:
    path = site.db.path
    assert path is not None
    path.chmod(0o644)
    run = site.doctor(*ROOMY)
    assert run.one_failure() == (
        f"✗ the database {path}: mode 0644: its group and others may read it — `casedesk init` "
        "narrows it "
        f"(or `chmod 0600 {path}`)")


@pytest.mark.sqlite_only
def test_a_config_others_may_read_is_a_failure(site: Site) -> None:
    site.config.chmod(0o644)
    run = site.doctor(*ROOMY)
    assert run.one_failure() == (
        f"✗ the config file {site.config}: mode 0644: others may read it — `chmod 0600 "
        f"{site.config}`: it may name passwords, and the commands that print them")


@pytest.mark.sqlite_only
def test_an_authorized_keys_others_may_write_is_a_failure(site: Site) -> None:
    site.keys.chmod(0o662)
    run = site.doctor(*ROOMY)
    assert run.one_failure() == (
        f"✗ authorized_keys {site.keys}: mode 0662: its group may read and write it, others "
        f"may write it — `chmod 0600 {site.keys}`: the keys in it say who each agent is")


# -- mail ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_wrong_password_is_the_servers_refusal(site: Site) -> None:
    site.configure(imap={"password_command": "echo not-the-password"})
    line = site.doctor(*ROOMY).one_failure()
    box = site.mailbox
    assert line == (f"✗ mailbox {box.user}@{box.host}:{box.port}/INBOX: the server refused the "
                    f"login as {box.user} — check the username, and the password its "
                    "password_command gives (the server said: [AUTHENTICATIONFAILED] "
                    "Authentication failed.)")  # Dovecot's own words


@pytest.mark.sqlite_only
def test_a_closed_port_is_nothing_answering(site: Site) -> None:
    port = free_port()
    site.configure(imap={"port": port})
    line = site.doctor(*ROOMY).one_failure()
    user = site.mailbox.user
    assert line.startswith(f"✗ mailbox {user}@127.0.0.1:{port}/INBOX: cannot reach "
                           f"127.0.0.1:{port} (Connection refused) — check host, port and "
                           "security")


@pytest.mark.sqlite_only
def test_tls_without_the_servers_certificate_authority_fails(site: Site) -> None:
    site.configure(imap={"port": site.mailbox.ssl_port, "security": "ssl", "cafile": None})
    line = site.doctor(*ROOMY).one_failure()
    where = f"{site.mailbox.host}:{site.mailbox.ssl_port}"
    assert f"/INBOX: TLS with {where} failed — check security (ssl, or starttls on the plain " \
        "port) and, for a certificate of the server's own, cafile (TLS said: " in line


@pytest.mark.sqlite_only
def test_a_failing_password_command_is_its_own_failure(site: Site) -> None:
    site.configure(imap={"password_command": "false"})
    line = site.doctor(*ROOMY).one_failure()
    assert ": its password_command gave no password: the command `false` failed (exit 1) — " \
        in line
    assert line.endswith("— run it as the account casedesk runs as (the daemon's User=) and make "
                         "it print the password")


@pytest.mark.sqlite_only
def test_a_folder_the_server_lacks_is_named(site: Site) -> None:
    site.configure(imap={"after_ingest": "move:Casedesk"})
    line = site.doctor(*ROOMY).one_failure()
    assert ": no folder Casedesk on the server — correct the [[mailbox]]'s folder or " \
        "after_ingest, or create it (the server has INBOX)" in line


@pytest.mark.sqlite_only
def test_an_email_channel_without_smtp_is_a_failure(site: Site) -> None:
    """Its replies would wait in the outbox for ever, said as "goes out shortly"."""
    site.smtp_section.clear()
    site.configure()
    line = site.doctor(*ROOMY).one_failure()
    assert line == ("✗ no [smtp]: the replies of Support (email) wait in the outbox and are "
                    "never sent — add [smtp] to the config (see config.example.toml), then "
                    "restart the daemon")


@pytest.mark.sqlite_only
def test_an_smtp_server_that_is_down_cannot_be_reached(site: Site) -> None:
    site.smtp.stop()
    line = site.doctor(*ROOMY).one_failure()
    where = f"{site.smtp.host}:{site.smtp.port}"
    assert line.startswith(f"✗ SMTP {where}: cannot reach {where} (Connection refused) — check "
                           "host, port and security")


@pytest.mark.sqlite_only
def test_an_smtp_login_refused_is_the_servers_words(site: Site) -> None:
    with SmtpServer(auth=("support", "right"), starttls=True) as server:
        site.configure(smtp={"port": server.port, "security": "starttls",
                             "cafile": str(server.cafile), "username": "support",
                             "password_command": "echo wrong"})
        line = site.doctor(*ROOMY).one_failure()
    assert line.startswith(f"✗ SMTP 127.0.0.1:{server.port}: the server refused the login as "
                           "support — check the username, and the password its "
                           "password_command gives (the server said: 535 ")


# -- the daemon ------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_lease_left_by_a_dead_daemon_says_the_daemon_is_not_running(site: Site) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that no longer runs
    dead = f"{leases.host_name()}:{child.pid}:dead"
    config, _ = load_config(site.config)
    name = Poller(site.db, config.mailbox[0], MailSettings()).lease
    leases.release(site.db, name, _holder_of(site.db, name))  # the live daemon's hold
    assert leases.acquire(site.db, name, dead, now=datetime.now(UTC)) is None
    line = site.doctor(*ROOMY).one_failure()
    box = site.mailbox
    assert line == (f"✗ the daemon is not running: the poller of {box.user}@{box.host}:"
                    f"{box.port}/INBOX was left by pid {child.pid} on this host, which is gone — "
                    "start it: `systemctl start casedesk` (why it stopped: `systemctl status "
                    "casedesk`, `journalctl -u casedesk`), or run `casedesk daemon`")


@pytest.mark.sqlite_only
def test_no_lease_at_all_means_no_daemon_polls(site: Site) -> None:
    config, _ = load_config(site.config)
    poller = Poller(site.db, config.mailbox[0], MailSettings())
    leases.release(site.db, poller.lease, _holder_of(site.db, poller.lease))
    line = site.doctor(*ROOMY).one_failure()
    assert line.startswith(f"✗ no daemon polls {config.mailbox[0].key} — start it: ")


def _holder_of(db: Database, name: str) -> str:
    holder = leases.held(db, name, now=datetime.now(UTC))
    assert holder is not None
    return holder


# -- agents' keys ----------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_key_whose_program_is_gone(site: Site) -> None:
    key = _key(site.tmp, "bo")
    add_key(site.keys, ["/opt/old-casedesk/bin/casedesk"], "bo", key)
    line = site.doctor(*ROOMY).one_failure()
    assert line == (f"✗ authorized_keys line 3 (bo's key {key.fingerprint}): its program "
                    "/opt/old-casedesk/bin/casedesk does not exist — `casedesk agent key remove "
                    f"bo {key.fingerprint}`, then add it again with this casedesk: `casedesk "
                    "agent key add bo KEYFILE`")


@pytest.mark.sqlite_only
def test_a_key_of_an_agent_who_does_not_exist(site: Site) -> None:
    key = _key(site.tmp, "zed")
    add_key(site.keys, [str(CASEDESK)], "zed", key)
    line = site.doctor(*ROOMY).one_failure()
    assert line == (f"✗ authorized_keys line 3 (zed's key {key.fingerprint}): there is no agent "
                    "'zed' — `casedesk agent key remove zed`, or add the agent: `casedesk agent "
                    "add zed`")


@pytest.mark.sqlite_only
def test_a_key_of_a_deactivated_agent(site: Site, team) -> None:  # type: ignore[no-untyped-def]
    add_key(site.keys, [str(CASEDESK)], "bo", _key(site.tmp, "bo"))
    team.as_("boss").set_active("bo", active=False)
    line = site.doctor(*ROOMY).one_failure()
    assert "(bo's key SHA256:" in line
    assert line.endswith(": bo is deactivated — `casedesk agent key remove bo` (or `casedesk "
                         "agent activate bo`)")


# -- disk space ------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_too_little_free_disk_space(site: Site) -> None:
    run = site.doctor("--min-free", "1000000000")  # a billion GB: no disk has it
    line = run.one_failure()
    assert line.startswith("✗ disk space at ")
    assert "(the database, the attachments, casedesk's data folder)" in line
    assert line.endswith("— free some room or grow the disk: under 1000000000.0 GB or 5% free, "
                         "a write may fail (and change nothing)")
