"""The `[server]` section of the config: the team server's SSH keys."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    authorized_keys: str | None = Field(
        default=None,
        description="The service account's authorized_keys file, where `casedesk agent key "
        "add` writes each agent's key with its forced command. Default: "
        "~/.ssh/authorized_keys.")

    def keys_path(self) -> Path:
        return Path(self.authorized_keys or "~/.ssh/authorized_keys").expanduser()
