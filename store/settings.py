"""The `[store]` section of the config."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


def beside_config(text: str | None, config_file: Path | None) -> Path | None:
    """A path the config names (a rules file, a folder of articles): a relative one is
    taken from the config file's folder, as a person reading the file expects."""
    if text is None:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() or config_file is None else config_file.parent / path


class StoreSettings(BaseModel):
    """Where the cases live."""

    model_config = ConfigDict(extra="forbid", strict=True)

    url: str | None = Field(
        default=None,
        description="The database: a file path (SQLite) or an SQLAlchemy URL. "
        "Default: casedesk.db in the platform's data folder.",
    )
    files: str | None = Field(
        default=None,
        description="A folder for attachments, e.g. one that every host of the team mounts. "
        "Default: beside an SQLite database (casedesk.db.files/); in the database itself on "
        "PostgreSQL.",
    )
    share_with_group: bool = Field(
        default=False,
        description="Create the database and the files beside it readable and writable by "
        "their group too (0660/0770), for a team sharing one server; otherwise owner only.",
    )


class CsatSettings(BaseModel):
    """`[csat]`: the satisfaction survey."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool = Field(
        default=False,
        description="When a case of an email channel becomes Solved, mail its customer one "
        "short survey (\"Svara med en siffra 1–5\"); a reply that is just a rating is "
        "kept as the case's rating and does not reopen it. Never to machine mail, never "
        "twice for one case.")
