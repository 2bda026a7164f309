"""The checks of `casedesk doctor`: whether a team server's set-up works (README, "A
team server"). Each check is a small function returning a `Result` — ok or not, what
was checked in words, and the fix when not ok; `run` puts them in order and skips
what needs a part that failed. Nothing here prints (cli/doctor.py does, a line each)
and nothing here changes anything: the database is opened read-only, and an SQLite
file that is missing is not created.

The mail servers are asked in server/mailcheck.py, each with a timeout, all at once.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import sqlalchemy as sa

from mail.settings import MailboxSettings, SmtpSettings
from server.keys import KeyLine, KeysError, read_keys
from server.mailcheck import Probes, Progress, imap_mailbox, smtp_server
from server.result import Result, failed, passed, skipped
from store.db import MIGRATIONS, Database, to_url
from store.errors import StoreError, describe_failure
from store.private import Modes, allowed

__all__ = ["Result", "Setup", "run"]

TIMEOUT = 10.0  # s: each mail server's answer (and the database server's connection)
MIN_FREE_BYTES = 1_000_000_000  # a disk with less free is a ✗ …
MIN_FREE_SHARE = 0.05  # … and so is one with less than this share of it free
# A daemon's lease that ran out this long ago was left by a daemon that stopped
# (a live one renews its hold on a mailbox every third of [scheduler] lease_seconds).
STALE_AFTER = timedelta(minutes=5)
DAEMON_JOBS = ("poll:", "send", "scheduler")  # the leases a daemon's parts take
DAEMON_FIX = ("start it: `systemctl start casedesk` (why it stopped: `systemctl status "
              "casedesk`, `journalctl -u casedesk`), or run `casedesk daemon`")


@dataclass(frozen=True)
class Setup:
    """What the config says, handed over by the command line (which reads it)."""

    config_file: Path  # where the config is, or would be
    config_error: str | None = None  # the config did not load: why
    database_url: str | None = None
    share_with_group: bool = False
    files: str | None = None  # [store] files
    data_dir: Path | None = None  # casedesk's data folder (the TUI's background.log)
    mailboxes: Sequence[MailboxSettings] = ()
    smtp: SmtpSettings | None = None
    keys_path: Path | None = None  # the service account's authorized_keys
    timeout: float = TIMEOUT
    min_free_bytes: int = MIN_FREE_BYTES
    min_free_share: float = MIN_FREE_SHARE


def run(setup: Setup) -> Iterator[Result]:
    """Every check, in order, as each is done. The mail servers are asked first, all at
    once, and their answers come after the checks on this host."""
    yield config(setup.config_file, setup.config_error)
    yield from _guarded("the config file's mode", lambda: [path_mode(
        setup.config_file, "the config file", 0o750, fix_mode=0o600,
        why="it may name passwords, and the commands that print them")])
    if setup.config_error is not None or setup.database_url is None:
        for what in ("the database", "the modes of casedesk's files", "the mailboxes and SMTP",
                     "the daemon", "authorized_keys", "the disk space"):
            yield skipped(what, "the config did not load")
        return
    asked: list[tuple[str, Callable[[Progress], Result]]] = [
        (f"mailbox {box.key}", partial(imap_mailbox, box, setup.timeout))
        for box in setup.mailboxes]
    if setup.smtp is not None:
        asked.append((f"SMTP {setup.smtp.host}:{setup.smtp.port}",
                      partial(smtp_server, setup.smtp, setup.timeout)))
    probes = Probes(asked, setup.timeout)
    found, db = open_database(setup.database_url, share_with_group=setup.share_with_group,
                              files=setup.files, timeout=setup.timeout)
    yield found
    usable = db if found.ok else None
    unusable = "the database is not usable"
    keys = setup.keys_path
    try:
        yield from _guarded("the modes of casedesk's files", lambda: [
            path_mode(path, what, mode, is_dir=is_dir, fix="`casedesk init` narrows it")
            for path, what, mode, is_dir in casedesk_paths(db, setup)])
        if keys is not None:
            yield from _guarded("the SSH folder's modes", lambda: ssh_modes(keys))
        if setup.mailboxes:
            yield from _guarded("the mailboxes' channels", lambda: [
                mailbox_channels(usable, setup.mailboxes) if usable is not None
                else skipped("the mailboxes' channels", unusable)])
        if setup.smtp is None and usable is not None:
            yield from _guarded("the outbox's sender", lambda: [replies_go_out(usable)])
        yield from probes.results()
        yield from _guarded("the daemon", lambda: [
            daemon(usable, setup.mailboxes, datetime.now(UTC)) if usable is not None
            else skipped("the daemon", unusable)])
        if keys is not None:
            yield from _guarded("authorized_keys", lambda: agent_keys(
                keys, agents(usable) if usable is not None else None))
            if usable is not None and _has_agent_keys(keys):
                yield from _guarded("agents' keys", lambda: [keys_may_act(usable)])
        yield from _guarded("the disk space", lambda: disk_space(
            _places(db, setup.data_dir), setup.min_free_bytes, setup.min_free_share))
    finally:
        if db is not None:
            db.dispose()


def _guarded(what: str, check: Callable[[], Iterable[Result | None]]) -> list[Result]:
    """What `check` found (None: nothing to check); a failure of its own is a ✗ line in
    words, not the end of the run (CASEDESK_DEBUG=1 raises it)."""
    try:
        return [result for result in check() if result is not None]
    except Exception as exc:
        if os.environ.get("CASEDESK_DEBUG"):
            raise
        return [failed(f"{what}: could not be checked: {describe_failure(exc).text}",
                       "CASEDESK_DEBUG=1 casedesk doctor shows the detail")]


def _places(db: Database | None, data_dir: Path | None) -> list[tuple[str, Path]]:
    """Where casedesk writes on this host: the SQLite database's folder, the attachments
    and casedesk's data folder."""
    places = [("the database", db.path.parent)] if db is not None and db.path else []
    if db is not None and db.files_dir is not None:
        places.append(("the attachments", db.files_dir))
    if data_dir is not None:
        places.append(("casedesk's data folder", data_dir))
    return places


# -- the config ------------------------------------------------------------------------------


def config(file: Path, error: str | None) -> Result:
    if error is not None:
        if not file.exists():
            return failed(f"config: {error}", "name the config that exists with --config or "
                          "CASEDESK_CONFIG (the daemon's unit sets CASEDESK_CONFIG)")
        return failed(f"config: {error}", "correct it in the file: every key, and what it "
                      "takes, is in config.example.toml")
    if not file.exists():
        return passed(f"config: none at {file}, so every setting is its default")
    return passed(f"config {file}: loads, every key valid")


# -- the database ----------------------------------------------------------------------------


def open_database(url: str, *, share_with_group: bool = False, files: str | None = None,
                  timeout: float = TIMEOUT) -> tuple[Result, Database | None]:
    """The database opened read-only, and whether it is reachable and at this casedesk's
    schema; None when it cannot even be opened."""
    try:
        target = to_url(url)
        if target.get_backend_name() == "postgresql" and "connect_timeout" not in target.query:
            # A server that never answers is a ✗ in seconds, not a hang.
            target = target.update_query_dict({"connect_timeout": str(max(1, round(timeout)))})
        db = Database(target, share_with_group=share_with_group, files=files, read_only=True)
        where = db.location if db.is_sqlite else to_url(url).render_as_string(hide_password=True)
    except StoreError as exc:
        return failed(f"database: {exc}", URL_FIX), None
    except Exception:  # not a URL, or one of no database casedesk speaks (never its text:
        # it may hold a password)
        return failed("database: [store] url (or --db) names no database casedesk can use",
                      URL_FIX), None
    return database(db, where), db


URL_FIX = ("give [store] url (or --db) a file path, or a URL like "
           "postgresql://user@host/dbname")


def database(db: Database, where: str | None = None) -> Result:
    """Reachable, and at the schema this casedesk needs. `where`: the database as the
    config names it, without its password (default: `db.location`)."""
    where = where or db.location
    if db.path is not None and not db.path.exists():
        return failed(f"database: no database at {where}", "run `casedesk init` to create it")
    try:
        current, head = db.schema_revisions()
        tables = _tables(db) if current is None else set()
    except Exception as exc:
        what, fix = _unreachable(db, exc)
        return failed(f"database {where}: {what}", fix)
    if current == head:
        return passed(f"database {where}: reachable, schema {head} (this casedesk's)")
    if current is None and tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        return failed(f"database {where}: another program's database (tables: {shown})",
                      "give casedesk a database of its own ([store] url or --db)")
    if current is None:
        return failed(f"database {where}: not a casedesk database yet (no tables)",
                      "run `casedesk init` to create its tables")
    if current in _revisions():
        return failed(f"database {where}: schema {current}, older than this casedesk's {head}",
                      "run `casedesk init` to upgrade it (make a backup first: "
                      "`casedesk backup PATH`)")
    return failed(f"database {where}: schema {current}, which this casedesk does not know "
                  "(a newer casedesk made it)", "upgrade casedesk to the version that made it")


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def _revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def _unreachable(db: Database, exc: BaseException) -> tuple[str, str]:
    """What went wrong and the fix, in words: never the driver's text, which may carry
    the URL and its password (store.errors.describe_failure)."""
    if db.is_sqlite:
        return describe_failure(exc).text, ("check the file and its folder: readable and "
                                            "writable by this account, on a disk that works")
    state = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    user, name = db.url.username or "(none)", db.url.database or "(none)"
    where = f"{db.url.host or 'localhost'}:{db.url.port or 5432}"
    if state.startswith("28"):
        return (f"the server refused the login of {user}",
                "check the user and its password in [store] url (or ~/.pgpass) and the "
                "server's pg_hba.conf")
    if state == "3D000":
        return (f"the server has no database {name}",
                f"create it (`createdb -O {user} {name}`), then run `casedesk init`")
    if state or not isinstance(exc, sa.exc.OperationalError):
        return describe_failure(exc).text, "CASEDESK_DEBUG=1 casedesk cases shows the detail"
    return (f"cannot connect to the database server at {where} (nothing answers, or not in "
            "time)", "check that PostgreSQL runs there and takes connections from this host "
            "(`systemctl status postgresql`), and the host and port in [store] url")


def agents(db: Database) -> dict[str, bool]:
    """Every agent's login, and whether they are active."""
    from store.service import CaseService

    return {a.login: a.is_active for a in CaseService.system(db).list_agents()}


def mailbox_channels(db: Database, mailboxes: Sequence[MailboxSettings]) -> Result:
    """Each mailbox's channel exists and takes email (the daemon refuses to start else)."""
    from store.service import CaseService

    kinds = {c.name: c.kind for c in CaseService.system(db).list_channels()}
    problems = []
    for box in mailboxes:
        kind = kinds.get(box.channel)
        if kind is None:
            problems.append(f"{box.key} names the channel {box.channel!r}, which does not exist")
        elif kind != "email":
            problems.append(f"{box.key}'s channel {box.channel!r} is a {kind} channel")
    if problems:
        return failed("the mailboxes' channels: " + "; ".join(problems),
                      "add it (`casedesk channel add NAME --kind email --address ADDRESS`), or "
                      "correct the [[mailbox]]'s channel")
    names = ", ".join(sorted({box.channel for box in mailboxes}))
    return passed(f"the mailboxes' channels: {names} (email)")


def replies_go_out(db: Database) -> Result | None:
    """An email channel's replies wait in the outbox until a sender has an [smtp]."""
    from store.service import CaseService

    email = sorted(c.name for c in CaseService.system(db).list_channels() if c.kind == "email")
    if not email:
        return None
    return failed(f"no [smtp]: the replies of {', '.join(email)} (email) wait in the outbox "
                  "and are never sent", "add [smtp] to the config (see config.example.toml), "
                  "then restart the daemon")


# -- modes -----------------------------------------------------------------------------------


def casedesk_paths(db: Database | None, setup: Setup) -> list[tuple[Path, str, int, bool]]:
    """(path, what it is, the mode bits it may have, a folder?) of everything casedesk
    makes: the modes [store] share_with_group asks for (store/private.py)."""
    modes = Modes.of(setup.share_with_group)
    found: list[tuple[Path, str, int, bool]] = []
    if db is not None and db.path is not None:
        found += [(db.path, "the database", modes.file, False),
                  (Path(f"{db.path}-wal"), "the database's -wal", modes.file, False),
                  (Path(f"{db.path}-shm"), "the database's -shm", modes.file, False),
                  *([(db.turns.folder, "the writers' queue", modes.dir, True)]
                    if db.turns is not None else [])]
    if db is not None and db.files_dir is not None:
        found.append((db.files_dir, "the attachments folder", modes.dir, True))
    if setup.data_dir is not None:
        found += [(setup.data_dir, "casedesk's data folder", modes.dir, True),
                  (setup.data_dir / "background.log", "the TUI's background log", modes.file,
                   False)]
    return found


def path_mode(path: Path, what: str, mode: int, *, is_dir: bool = False, own: bool = False,
              fix: str | None = None, fix_mode: int | None = None,
              why: str | None = None) -> Result | None:
    """`path` has no mode bit beyond `mode` (and, with `own`, is this account's); None
    when it is not there. The fix narrows it, as `casedesk init` would (never widening)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return failed(f"{what} {path}: cannot look at it ({exc.strerror})",
                      "check the folders above it: this account must be able to enter them")
    current = stat.S_IMODE(st.st_mode)
    extra = current & 0o777 & ~mode
    me = os.geteuid()
    problems = [f"mode {current:04o}: {_exposure(extra, is_dir)}"] if extra else []
    if own and st.st_uid != me:
        problems.append(f"owned by {_account(st.st_uid)}, not by this account ({_account(me)})")
    if not problems:
        whom = "owner only" if not current & 0o077 else "owner and group"
        return passed(f"{what} {path}: mode {current:04o} ({whom})")
    fixes = []
    if extra:
        wanted = allowed(current, fix_mode if fix_mode is not None else mode, is_dir=is_dir)
        fixes.append(f"{fix} (or `chmod {wanted:04o} {path}`)" if fix
                     else f"`chmod {wanted:04o} {path}`")
    if own and st.st_uid != me:
        fixes.append(f"`chown {_account(me)} {path}`")
    return failed(f"{what} {path}: " + "; ".join(problems),
                  " and ".join(fixes) + (f": {why}" if why else ""))


def ssh_modes(keys: Path) -> Iterator[Result]:
    """~/.ssh 0700 and authorized_keys 0600, this account's: what `agent key add`
    writes, and what sshd trusts (a file in another folder: that file alone)."""
    why = "the keys in it say who each agent is"
    if keys.parent.name == ".ssh":
        folder = path_mode(keys.parent, "the SSH folder", 0o700, is_dir=True, own=True, why=why)
        if folder is not None:
            yield folder
    found = path_mode(keys, "authorized_keys", 0o600, own=True, why=why)
    if found is not None:
        yield found


def _exposure(extra: int, is_dir: bool) -> str:
    """What the mode bits `extra` let others do, in words."""
    def verbs(bits: int) -> str:
        return " and ".join(verb for bit, verb in ((4, "read"), (2, "write"),
                                                   (1, "enter" if is_dir else "run"))
                            if bits & bit)

    group, others = verbs((extra >> 3) & 0o7), verbs(extra & 0o7)
    if group == others:
        return f"its group and others may {group} it"
    return ", ".join(f"{whom} may {what} it" for whom, what in (("its group", group),
                                                               ("others", others)) if what)


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


# -- the daemon ------------------------------------------------------------------------------


def daemon(db: Database, mailboxes: Sequence[MailboxSettings], now: datetime) -> Result:
    """The daemon runs: no lease of its parts left by a process that is gone (or ran out
    long ago), and every mailbox polled by a live holder."""
    from mail.poller import lease_name
    from store.lease_states import lease_states

    states = lease_states(db)
    polls = {lease_name(box): box.key for box in mailboxes}

    def job(name: str) -> str:
        return f"the poller of {polls[name]}" if name in polls else f"the {name} job"

    stale = [s for s in states if s.name.startswith(DAEMON_JOBS)
             and (s.gone or s.expires_at < now - STALE_AFTER)]
    if stale:
        first = stale[0]
        host, pid = _holder(first.holder)
        how = (f"pid {pid} on this host, which is gone" if first.gone else
               f"pid {pid} on {host}, whose hold ran out at {first.expires_at:%Y-%m-%d %H:%M} UTC")
        more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
        return failed(f"the daemon is not running: {job(first.name)} was left by {how}{more}",
                      DAEMON_FIX)
    live = {s.name: s.holder for s in states if s.expires_at > now}
    unpolled = [key for name, key in polls.items() if name not in live]
    if unpolled:
        return failed(f"no daemon polls {', '.join(unpolled)}", DAEMON_FIX)
    if polls:
        holders = sorted({"pid {1} on {0}".format(*_holder(live[name])) for name in polls})
        return passed(f"the daemon polls every mailbox ({', '.join(holders)})")
    return passed("the daemon: no job left by a process that is gone")


def _holder(holder: str) -> tuple[str, str]:
    """(host, pid) of a holder's name, host:pid:token (store/leases.py)."""
    host, pid, _token = (["?", "?", ""] + holder.rsplit(":", 2))[-3:]
    return host, pid


# -- agents' keys ----------------------------------------------------------------------------


def agent_keys(path: Path, known: Mapping[str, bool] | None) -> list[Result]:
    """Every casedesk line of authorized_keys runs a casedesk that exists, for an agent
    who exists and is active (`known`: login → active; None: the database is not
    usable, so the agents are not checked)."""
    try:
        lines = [line for line in read_keys(path) if line.login]
    except KeysError as exc:
        return [failed(f"authorized_keys: {exc}", "make it readable by this account")]
    if not lines:
        return [passed(f"authorized_keys {path}: no agent keys yet")]
    problems = [problem for line in lines for problem in _key_problems(line, known)]
    if problems:
        return problems
    whom = "" if known is None else ", each for an active agent"
    return [passed(f"authorized_keys {path}: {len(lines)} agent key"
                   f"{'s' if len(lines) != 1 else ''}, each running a casedesk that exists{whom}")]


def _key_problems(line: KeyLine, known: Mapping[str, bool] | None) -> list[Result]:
    login = line.login or ""
    where = f"authorized_keys line {line.number} ({login}'s key {line.key.fingerprint})"
    again = (f"`casedesk agent key remove {login} {line.key.fingerprint}`, then add it again "
             f"with this casedesk: `casedesk agent key add {login} KEYFILE`")
    program = line.program or ""
    found = []
    if not Path(program).is_file():
        found.append(failed(f"{where}: its program {program} does not exist", again))
    elif not os.access(program, os.X_OK):
        found.append(failed(f"{where}: its program {program} is not executable", again))
    if known is not None and login not in known:
        found.append(failed(f"{where}: there is no agent {login!r}",
                            f"`casedesk agent key remove {login}`, or add the agent: "
                            f"`casedesk agent add {login}`"))
    elif known is not None and not known[login]:
        found.append(failed(f"{where}: {login} is deactivated",
                            f"`casedesk agent key remove {login}` (or `casedesk agent activate "
                            f"{login}`)"))
    return found


def _has_agent_keys(path: Path) -> bool:
    try:
        return any(line.login for line in read_keys(path))
    except KeysError:
        return False


def keys_may_act(db: Database) -> Result:
    """The keys' forced commands run as this account: it may act as their agents only
    if it owns the SQLite file or a supervisor trusts it (store/identity.py)."""
    from store.identity import os_login, why_may_act_as_others

    me = os_login()
    why = why_may_act_as_others(db)
    if why is not None:
        return passed(f"agents' keys act as their agents: this account ({me}) {why}")
    return failed(f"agents' keys cannot act as their agents: this account ({me}) neither owns "
                  "the database nor is trusted", f"a supervisor runs `casedesk server trust {me}`")


# -- disk space ------------------------------------------------------------------------------


def disk_space(places: Sequence[tuple[str, Path]], min_free: int,
               min_share: float) -> list[Result]:
    """Room on each disk that holds one of `places` (what, path): a ✗ under `min_free`
    bytes or `min_share` of the disk free."""
    disks: dict[int, tuple[Path, list[str]]] = {}
    for what, path in places:
        there = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
        disks.setdefault(there.stat().st_dev, (there, []))[1].append(what)
    results = []
    for there, whats in disks.values():
        usage = shutil.disk_usage(there)
        share = usage.free / usage.total if usage.total else 0.0
        what = (f"disk space at {there} ({', '.join(whats)}): {_size(usage.free)} free of "
                f"{_size(usage.total)} ({share:.0%})")
        if usage.free < min_free or share < min_share:
            results.append(failed(what, f"free some room or grow the disk: under "
                                  f"{_size(min_free)} or {min_share:.0%} free, a write may "
                                  "fail (and change nothing)"))
        else:
            results.append(passed(what))
    return results


def _size(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"
