"""A case number as people write it — `2940` or `#2940` — read in one place for the
command line, the TUI's go-to and its command palette. No other imports: the
command line's `--help` stays quick."""

from __future__ import annotations

HINT = "case number must be a whole number, e.g. 2940"
LARGEST = 2**31 - 1  # a case's id is an INTEGER column (PostgreSQL: int4)


def case_number(text: str) -> int | None:
    """The number in `text`, or None when it is not one (ASCII digits only: `٢٩٤٠`
    is not a number a case has)."""
    digits = text.strip().removeprefix("#").strip()
    if not (digits.isascii() and digits.isdigit()) or int(digits) > LARGEST:
        return None
    return int(digits)
