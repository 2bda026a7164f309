"""What one check of `casedesk doctor` found (server/doctor.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    ok: bool
    what: str  # what was checked, and what was found, in words
    fix: str = ""  # when not ok: what to do
    skipped: bool = False  # not done: a part it needs failed (`fix` says which)


def passed(what: str) -> Result:
    return Result(True, what)


def failed(what: str, fix: str) -> Result:
    return Result(False, what, fix)


def skipped(what: str, why: str) -> Result:
    return Result(False, what, why, skipped=True)
