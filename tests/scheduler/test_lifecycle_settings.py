"""`[lifecycle]`: the defaults the issue names, and the team's time zone — given, or
the machine's."""

from __future__ import annotations

import pytest

from scheduler import settings as lifecycle
from scheduler.settings import LifecycleSettings


def test_the_defaults() -> None:
    s = LifecycleSettings()
    assert (s.solved_days, s.archive_hour, s.timezone, s.retention_days) == (7, 2, None, None)
    assert s.sla.business_hours
    assert s.sla.pause_when_waiting
    assert s.sla.holidays == "se"
    assert s.sla.due_soon == 0.8


def test_the_zone_is_the_machines_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert LifecycleSettings().zone_name() == "America/New_York"
    assert LifecycleSettings(timezone="Europe/Stockholm").zone_name() == "Europe/Stockholm"
    monkeypatch.setenv("TZ", ":Asia/Tokyo")  # the POSIX form with a colon
    assert lifecycle.machine_zone() == "Asia/Tokyo"


def test_a_machine_without_a_zone_counts_in_utc(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(lifecycle, "LOCALTIME", tmp_path / "no-such-file")
    assert lifecycle.machine_zone() == "UTC"
    assert str(LifecycleSettings().zone()) == "UTC"


def test_an_unknown_zone_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Stokholm'"):
        LifecycleSettings(timezone="Europe/Stokholm")


def test_a_posix_tz_string_gives_way_to_the_machines_zone(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path) -> None:  # type: ignore[no-untyped-def]
    # TZ in the POSIX form names no zone ZoneInfo knows: /etc/localtime, else UTC.
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    zoneinfo = tmp_path / "usr/share/zoneinfo/Europe"
    zoneinfo.mkdir(parents=True)
    (zoneinfo / "Stockholm").write_bytes(b"")
    (tmp_path / "localtime").symlink_to(zoneinfo / "Stockholm")
    monkeypatch.setattr(lifecycle, "LOCALTIME", tmp_path / "localtime")
    assert lifecycle.machine_zone() == "Europe/Stockholm"
    assert str(LifecycleSettings().zone()) == "Europe/Stockholm"
    monkeypatch.setattr(lifecycle, "LOCALTIME", tmp_path / "no-such-file")
    assert lifecycle.machine_zone() == "UTC"
    # A link into zoneinfo that names no zone either.
    (zoneinfo / "Nowhere").write_bytes(b"")
    (tmp_path / "odd").symlink_to(zoneinfo / "Nowhere")
    monkeypatch.setattr(lifecycle, "LOCALTIME", tmp_path / "odd")
    assert lifecycle.machine_zone() == "UTC"
