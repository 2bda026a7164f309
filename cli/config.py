"""Reading the config file: once, in the CLI, handing each package its section.

The file is TOML; where it is comes from `--config`, then `CASEDESK_CONFIG`, then
the platform's config folder. A missing file at the default place is fine (all
defaults); a missing file that was named, a typo, a wrong type or an unknown key is
an error naming the key and the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mail.settings import MailboxSettings, MailSettings, SmtpSettings
from scheduler.settings import LifecycleSettings, SchedulerSettings
from server.settings import ServerSettings
from store.errors import describe_validation
from store.knowledge.settings import KnowledgeSettings
from store.privacy.settings import PrivacySettings
from store.settings import CsatSettings, StoreSettings
from store.triage.settings import TriageSettings
from tui.words import Language

APP_NAME = "casedesk"


class ConfigError(Exception):
    """The config cannot be used; the message names the file and the key."""


class UiSettings(BaseModel):
    """The `[ui]` section: the terminal UI."""

    model_config = ConfigDict(extra="forbid", strict=True)

    language: Language | None = Field(
        default=None,
        description='The terminal UI\'s language: "sv" (Swedish) or "en" (English). Default: '
        "the locale's (the first of LC_ALL, LC_MESSAGES and LANG that is set): Swedish when "
        "it starts with sv, English otherwise. The command line speaks English either way.",
    )


class Config(BaseModel):
    """The whole config file; every package owns its section's model."""

    model_config = ConfigDict(extra="forbid", strict=True)

    store: StoreSettings = Field(default_factory=StoreSettings, description="The database.")
    ui: UiSettings = Field(default_factory=UiSettings, description="The terminal UI.")
    mailbox: list[MailboxSettings] = Field(
        default_factory=list, description="The IMAP mailboxes mail comes in from.")
    smtp: SmtpSettings | None = Field(default=None, description="Where replies go out.")
    mail: MailSettings = Field(default_factory=MailSettings, description="Mail handling.")
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings,
                                         description="When cases close, archive and go.")
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings,
                                         description="Who runs the background work.")
    triage: TriageSettings = Field(default_factory=TriageSettings,
                                   description="What marks a new case urgent or frustrated.")
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings,
                                         description="The articles suggested for a case.")
    csat: CsatSettings = Field(default_factory=CsatSettings,
                               description="The satisfaction survey of a solved case.")
    privacy: PrivacySettings = Field(default_factory=PrivacySettings,
                                     description="Sensitive numbers masked, the original mail.")
    server: ServerSettings = Field(default_factory=ServerSettings,
                                   description="The team server's SSH keys.")


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def config_path(path: Path | None) -> tuple[Path, bool]:
    """Where the config is read from (`--config`, then CASEDESK_CONFIG, then the
    default place), and whether it was named (a named file must exist)."""
    named = path is not None
    if path is None:
        env = os.environ.get("CASEDESK_CONFIG")
        named = bool(env)
        path = Path(env) if env else default_config_path()
    return path.expanduser(), named


def load_config(path: Path | None) -> tuple[Config, Path | None]:
    """The config from `path` (or the default place). Returns it and the file read."""
    path, named = config_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if named:
            raise ConfigError(f"{path}: no such config file") from None
        return Config(), None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Config.model_validate(data), path
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation(exc)}") from None
