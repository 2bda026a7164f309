"""What every command is handed: the config, the database and the service, opened
on first use from the global options; and the error a user can act on.

Store and config imports happen inside, so `--help` is quick."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from cli.config import Config
    from store.db import Database
    from store.service import CaseService


class CliError(Exception):
    """An error the user can act on; printed on one line."""


@dataclass
class Context:
    config_path: Path | None
    db_arg: str | None
    read_all: bool = False
    # Set by `casedesk ssh-session LOGIN` (cli/server.py): whom a key's command acts as,
    # and that its TUI runs no background work (`casedesk daemon` does).
    acting_as: str | None = None
    background: bool = True
    _config: Config | None = None
    _config_file: Path | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from cli.config import load_config

            self._config, self._config_file = load_config(self.config_path)
        return self._config

    @property
    def config_file(self) -> Path | None:
        """The config file read (named, from $CASEDESK_CONFIG or the default place)."""
        _ = self.config
        return self._config_file

    def invocation(self) -> list[str]:
        """This casedesk as a command another process runs as it runs here (a key's
        forced command, a systemd unit): its absolute path, the config file it read,
        the --db it was given. A --db holding a password is refused: such a command
        line is written into a file and shown by `ps`."""
        from store.db import sqlite_file, to_url

        args = casedesk_command()
        if self.config_file is not None:
            args += ["--config", str(self.config_file.absolute())]
        if self.db_arg:
            url = to_url(self.database_url())
            if url.password:
                raise CliError("--db holds a password, which must not be written into a "
                               "command line (a unit file, authorized_keys; `ps` shows it): "
                               "put the URL in [store] url of the config, or the password "
                               "in ~/.pgpass")
            args += ["--db", str(sqlite_file(url)[0]) if url.get_backend_name() == "sqlite"
                     and not (url.database or "").startswith("file:") else self.db_arg]
        return args

    def refuse_server_files(self, service: CaseService) -> None:
        """An agent's SSH key names no file on the server: it would be written or read
        as the service account (server/session.py refuses the option first)."""
        if self.acting_as is not None and not service.whoami().is_supervisor:
            raise CliError("over SSH an agent's command names no file on the server: leave "
                           "--output out and redirect on your side")

    def rules_path(self) -> Path | None:
        """The triage rules file the config names (relative to the config file)."""
        return self.config.triage.rules_path(self._config_file)

    def knowledge_path(self) -> Path | None:
        """The knowledge base's folder the config names (relative to the config file)."""
        return self.config.knowledge.folder_path(self._config_file)

    def database_url(self) -> str:
        if self.db_arg:
            return self.db_arg
        if self.config.store.url:
            return self.config.store.url
        from cli.config import default_data_dir

        return str(default_data_dir() / "casedesk.db")

    def open_db(self, *, check: bool = True, read_only: bool = False,
                triage: bool = True) -> Database:
        """The database as the config says. `triage=False`: no detectors, no rules
        (`casedesk import --no-rules`)."""
        from store.db import Database
        from store.triage import Detectors
        from store.triage.routing import RuleSource

        store = self.config.store
        rules = self.rules_path() if triage else None
        db = Database(self.database_url(), share_with_group=store.share_with_group,
                      files=store.files, read_only=read_only,
                      detectors=self.config.triage.detectors() if triage
                      else Detectors(urgent=False, tone=False),
                      rules=RuleSource(rules) if rules is not None else None,
                      knowledge=self.config.knowledge.base(self._config_file),
                      csat=self.config.csat.enabled, privacy=self.config.privacy.policy())
        if check:
            db.check_schema()
        return db

    def login(self, db: Database) -> str:
        """Whom this command acts as (store/identity.py says who may act as another)."""
        from store.identity import current_login

        return current_login(db, requested=self.acting_as)

    def service(self) -> CaseService:
        from store.service import CaseService

        if self.read_all:  # a supervisor's every-case look; anyone else is refused
            db = self.open_db(read_only=True)
            return CaseService.read_all(db, self.login(db))
        db = self.open_db()
        return CaseService(db, self.login(db))


def ctx_of(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj


def casedesk_command() -> list[str]:
    """The casedesk running now, as an absolute command: the console script it was
    started as, else the one beside this Python, else this Python with `-m cli`."""
    started = sys.argv[0]
    if Path(started).name == "casedesk":
        found = started if os.sep in started else shutil.which(started)
        if found and os.access(found, os.X_OK):
            return [str(Path(found).resolve())]
    # Not resolved: a virtualenv's python is a link out of the environment.
    python = Path(sys.executable).absolute()
    beside = python.parent / "casedesk"
    if os.access(beside, os.X_OK):
        return [str(beside)]
    return [str(python), "-m", "cli"]
