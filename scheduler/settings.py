"""The `[lifecycle]` section of the config: when the scheduler moves cases on."""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from store.sla import SlaSettings

LOCALTIME = Path("/etc/localtime")


def machine_zone() -> str:
    """The machine's time zone name (TZ, else /etc/localtime), or UTC — only a name
    ZoneInfo knows: TZ may be a POSIX rule like CET-1CEST,M3.5.0,M10.5.0/3."""
    named = os.environ.get("TZ", "").strip(":")
    if _known(named):
        return named
    try:
        target = LOCALTIME.resolve(strict=True)
        named = str(target).split("zoneinfo/", 1)[1]
    except (OSError, IndexError):
        return "UTC"
    return named if _known(named) else "UTC"


def _known(name: str) -> bool:
    if not name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class LifecycleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    solved_days: float = Field(
        default=7, gt=0, description="A case solved this many days ago with no reply from "
        "the customer becomes closed.")
    archive_hour: int = Field(
        default=2, ge=0, le=23, description="A closed case is archived at this hour (team "
        "time) of the first night after the day it closed.")
    timezone: str | None = Field(
        default=None, description="The team's time zone, e.g. Europe/Stockholm. Default: "
        "the machine's.")
    retention_days: float | None = Field(
        default=None, gt=0, description="Archived cases older than this many days are "
        "purged: conversation, attachments and contact data no other case uses (an audit "
        "record without personal data stays). Default: kept for ever.")

    sla: SlaSettings = Field(default_factory=SlaSettings, description="Service levels: "
                             "targets by priority and tier, and how hours are counted.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not _known(value):
            raise ValueError(f"unknown time zone {value!r} (like Europe/Stockholm)")
        return value

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone_name())

    def zone_name(self) -> str:
        return self.timezone or machine_zone()


class SchedulerSettings(BaseModel):
    """Who runs the background work: the daemon, and whether a TUI may too."""

    model_config = ConfigDict(extra="forbid", strict=True)

    in_tui: bool | None = Field(
        default=None, description="Whether an open TUI runs the scheduler (and, with "
        "[[mailbox]]/[smtp], the poller and the sender) in the background while no daemon "
        "does. Default: on for a personal database (SQLite, not shared with a group), off "
        "for a team's, where `casedesk daemon` under the service account does it.")
    lease_seconds: float = Field(
        default=60, ge=2, le=3600, description="How long a daemon's hold on a mailbox lasts "
        "without renewal (it renews every third of it). With daemons on several hosts, one "
        "polls each mailbox and the others stand by: when it dies, another takes over "
        "within this time and a third of it.")
