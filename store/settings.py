"""The `[store]` section of the config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
