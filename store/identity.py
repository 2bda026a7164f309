"""Who is running casedesk.

The identity is the operating-system login of the process (from its user id, not
from $USER, which anyone can set), mapped to an agent record by `login`.

Acting as someone else (`CASEDESK_LOGIN`) is honoured only for the owner of the
database file: whoever can write that file can already change anything in it, so
it grants nothing new. This is how a single-user database (the demo) or a test
tries out another agent's view. On a team server the database belongs to a
service account; agents reach it through SSH with a forced command per key
(`command="env CASEDESK_LOGIN=anna casedesk"` in that account's authorized_keys, as
gitolite does), which runs as the owner and so may name the agent — while an
agent logged in as themselves owns nothing and cannot pretend.
"""

from __future__ import annotations

import os
import pwd

from store.db import Database
from store.errors import Forbidden
from store.permissions import SYSTEM_LOGIN

LOGIN_ENV = "CASEDESK_LOGIN"


def os_login() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        raise Forbidden(f"your user id {os.getuid()} has no login name on this system") from None


def current_login(db: Database, *, requested: str | None = None) -> str:
    """The login to act as: the OS login, or `requested` (or $CASEDESK_LOGIN) when
    the OS user owns the database."""
    login = os_login()
    wanted = requested or os.environ.get(LOGIN_ENV) or None
    if SYSTEM_LOGIN in (login, wanted):
        # The scheduler's identity is never a person's, whatever the login is called.
        raise Forbidden("the login 'system' is casedesk's own: use another account")
    if not wanted or wanted == login:
        return login
    if db.path is None:
        raise Forbidden(
            f"acting as {wanted!r} works only on an SQLite database owned by you; "
            f"you are {login!r}"
        )
    try:
        # db.path is the file SQLite opens, however the URL named it (store.db.sqlite_file).
        owner = db.path.stat().st_uid
    except FileNotFoundError:
        owner = os.getuid()  # a database this process is about to create
    if owner != os.getuid():
        raise Forbidden(
            f"you are {login!r}: only the owner of {db.path} may act as another agent "
            f"({LOGIN_ENV}={wanted})"
        )
    return wanted
