"""Who is running casedesk.

The identity is the operating-system login of the process (from its user id, not
from $USER, which anyone can set), mapped to an agent record by `login`.

Acting as someone else (`CASEDESK_LOGIN`, or the login a key's forced command names:
`casedesk ssh-session LOGIN`) is honoured for two kinds of process, and no other:
- the owner of an SQLite database file: whoever can write that file can already
  change anything in it, so it grants nothing new (the demo, a test, a single user);
- an operating-system account a supervisor trusts (`casedesk server trust ACCOUNT`,
  kept in the database itself): the team server's service account, which owns the
  team's config and passwords, on PostgreSQL as on SQLite.
Both are checked against the process's real user id; a config file of your own
grants nothing. An agent logged in as themselves owns nothing and cannot pretend.
"""

from __future__ import annotations

import json
import os
import pwd

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from store import audit
from store.core import ServiceCore
from store.db import Database
from store.errors import Forbidden, InvalidInput
from store.models import Setting
from store.permissions import SYSTEM_LOGIN, Actor, check_login, require_supervisor

LOGIN_ENV = "CASEDESK_LOGIN"
TRUSTED = "trusted_accounts"  # the Setting: a JSON list of OS account names


def os_login() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        raise Forbidden(f"your user id {os.getuid()} has no login name on this system") from None


def current_login(db: Database, *, requested: str | None = None) -> str:
    """The login to act as: the OS login, or `requested` (or $CASEDESK_LOGIN) when
    this process may act as another (see above)."""
    login = os_login()
    wanted = requested or os.environ.get(LOGIN_ENV) or None
    if SYSTEM_LOGIN in (login, wanted):
        # The scheduler's identity is never a person's, whatever the login is called.
        raise Forbidden("the login 'system' is casedesk's own: use another account")
    if not wanted or wanted == login:
        return login
    if why_may_act_as_others(db) is not None:
        return wanted
    where = (f"only the owner of {db.path} or " if db.path is not None else "only ")
    raise Forbidden(
        f"you are {login!r}: {where}an account a supervisor trusts (`casedesk server trust "
        f"ACCOUNT`) may act as another agent ({wanted})"
    )


def why_may_act_as_others(db: Database) -> str | None:
    """Why this process may act as any agent ("owns the database", "is trusted"), or
    None when it may not."""
    if _owns_file(db):
        return "owns the database"
    if os_login() in trusted_accounts(db):
        return "is trusted"
    return None


def _owns_file(db: Database) -> bool:
    if db.path is None:
        return False
    try:
        # db.path is the file SQLite opens, however the URL named it (store.db.sqlite_file).
        owner = db.path.stat().st_uid
    except FileNotFoundError:
        owner = os.getuid()  # a database this process is about to create
    return owner == os.getuid()


def trusted_accounts(db: Database) -> list[str]:
    """The OS accounts a supervisor trusts to act as any agent."""
    with db.read() as session:
        return _trusted(session)


def _trusted(session: Session) -> list[str]:
    text = session.scalar(sa.select(col(Setting.value)).where(col(Setting.key) == TRUSTED))
    return sorted(json.loads(text)) if text else []


class TrustOps(ServiceCore):
    """Which OS accounts may act as any agent: supervisors only, audited."""

    def trusted_accounts(self) -> list[str]:
        return self._read(lambda session, actor: _trusted(session))

    def set_trust(self, account: str, *, trusted: bool) -> list[str]:
        """Trust (or stop trusting) the OS account `account`; returns the list."""

        def work(session: Session, actor: Actor) -> list[str]:
            require_supervisor(actor, "choose whom the server trusts")
            name = check_login(account.strip())
            if trusted:
                try:
                    pwd.getpwnam(name)
                except KeyError:
                    raise InvalidInput(f"there is no account {name!r} on this host") from None
            before = _trusted(session)
            after = sorted(set(before) | {name}) if trusted else [a for a in before if a != name]
            if after != before:
                session.merge(Setting(key=TRUSTED, value=json.dumps(after)))
                audit.record(session, actor, "server.trust" if trusted else "server.untrust",
                             at=self._now(), before={"trusted": before},
                             after={"trusted": after})
            return after

        return self._write(work)
