"""Sensitive numbers in text people wrote, found and masked (README, "Privacy").

Three kinds, each found by its form and then its checksum, so that order numbers,
phone numbers and dates stay as written:

- `card`: a payment card number, 13–19 digits, spaces or dashes between them
  allowed, valid by Luhn. A longer run of digits is no card; a run of digit groups
  is tried group-aligned ("order 1234 4111 1111 1111 1111" holds one).
- `personnummer`: a Swedish personal identity number or coordination number
  (samordningsnummer: the day plus 60), 10 or 12 digits, `-` or `+` before the last
  four or none, a plausible date, valid by Luhn over its last ten digits. A bare ten
  digits beginning 07 is a Swedish mobile number, not a person.
- `iban`: an international bank account number, valid by its country's length and
  form and by mod 97 (python-stdnum).

Pure: no database, no config. `mask` keeps what identifies the number to the one
who wrote it (a card's last four digits, a person's birth date, an account's
country and last four) and nothing more.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

KINDS = ("card", "personnummer", "iban")
DOT = "•"

# Letters, digits and the signs a number is written with must not touch a match:
# "A4111…", "4111…7" and "12-4111…" are parts of something else.
# Between a number's groups: a space (also a no-break or thin one), a tab, a dash or
# a dot.
_SEP = "[ \t\u00a0\u202f.-]"
_IBAN = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){11,30}(?![\w])")
# A run's first group follows no other group ("SE45 5000 0000 …": an account's).
_DIGIT_RUN = re.compile(rf"(?<![\w+-])(?<!\d{_SEP})\d(?:{_SEP}?\d){{12,}}(?![\w])")
_PERSON = re.compile(r"(?<![\w+-])(\d{6}|\d{8})([-+ ]?)(\d{4})(?![\w])")
# Cheap gates: most text has no run of ten digits at all.
_MAYBE = re.compile(rf"\d(?:(?:{_SEP}|\+)?\d){{9}}")


@dataclass
class Masked:
    """Text with its sensitive numbers masked, and how many of each kind."""

    text: str
    found: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.found)


def _luhn(digits: str) -> bool:
    # python-stdnum imports pydoc and ssl: only when a candidate is there to check.
    from stdnum import luhn

    return luhn.is_valid(digits)


def _card_ok(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _mask_card(written: str) -> str:
    digits = re.sub(r"\D", "", written)
    if written.isdigit():  # as one run: shown in groups of four, the last four kept
        hidden = DOT * (len(digits) - 4)
        groups = [hidden[i:i + 4] for i in range(0, len(hidden), 4)]
        return " ".join([*groups, digits[-4:]])
    return _keep_last(written, 4)


def _keep_last(written: str, keep: int, start: int = 0) -> str:
    """Each letter and digit of `written[start:]` hidden but the last `keep`, the
    separators as written."""
    out = []
    for char in reversed(written[start:]):
        if char.isalnum():
            out.append(char if keep > 0 else DOT)
            keep -= 1
        else:
            out.append(char)
    return written[:start] + "".join(reversed(out))


def _cards(match: re.Match[str], found: Counter[str]) -> str:
    run = match.group()
    if _card_ok(re.sub(r"\D", "", run)):
        found["card"] += 1
        return _mask_card(run)
    # Groups written apart: cards may be some of them ("order 12 4111 1111 1111
    # 1111", two cards one after the other), whole groups, each of four digits but
    # the last (one to four), or one alone; looked for again after each found.
    groups = [m.span() for m in re.finditer(r"\d+", run)]
    out, done, first = [], 0, 0
    while first < len(groups):
        for last in range(len(groups) - 1, first - 1, -1):
            window = groups[first:last + 1]
            if len(window) > 1 and (any(b - a != 4 for a, b in window[:-1])
                                    or window[-1][1] - window[-1][0] > 4):
                continue  # (one group alone: a card written as one run)
            a, b = window[0][0], window[-1][1]
            if _card_ok(re.sub(r"\D", "", run[a:b])):
                found["card"] += 1
                out += [run[done:a], _mask_card(run[a:b])]
                done, first = b, last + 1
                break
        else:
            first += 1
    return "".join(out) + run[done:]


def _plausible_day(year: int, month: int, day: int) -> bool:
    if day > 60:  # samordningsnummer: the day plus 60
        day -= 60
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def person_ok(front: str, sign: str, last: str) -> bool:
    """Whether YYMMDD / YYYYMMDD, the sign and the last four are a personnummer."""
    if len(front) == 8:
        if front[:2] not in ("18", "19", "20"):
            return False
        year, short = int(front[:4]), front[2:]
    else:
        if not sign and (front + last).startswith("07"):
            return False  # a Swedish mobile number, 07x-xxx xx xx, written bare
        year, short = 2000 + int(front[:2]), front  # any century: a leap day allowed
        if not _plausible_day(year, int(short[2:4]), int(short[4:6])):
            year -= 100
    return (_plausible_day(year, int(short[2:4]), int(short[4:6]))
            and _luhn(short + last))


def _persons(match: re.Match[str], found: Counter[str]) -> str:
    front, sign, last = match.groups()
    sign = sign.strip()
    if not person_ok(front, sign, last):
        return match.group()
    found["personnummer"] += 1
    return front + (sign or "-") + DOT * 4


def _ibans(match: re.Match[str], found: Counter[str]) -> str:
    from stdnum import iban

    written = match.group()
    # The pattern may have taken words that follow: drop them from the end.
    chars = list(written)
    while len(chars) >= 15:
        candidate = "".join(chars).rstrip()
        if iban.is_valid(candidate.upper().replace("\u00a0", " ")):
            found["iban"] += 1
            rest = written[len(candidate):]
            return _keep_last(candidate, 4, start=2) + rest
        chars.pop()
    return written


_STEPS: dict[str, tuple[re.Pattern[str], Callable[[re.Match[str], Counter[str]], str]]] = {
    # An account number first: its digits would otherwise read as a card's.
    "iban": (_IBAN, _ibans),
    "card": (_DIGIT_RUN, _cards),
    "personnummer": (_PERSON, _persons),
}


def may_hold(text: str) -> bool:
    """Whether `text` has ten digits close enough together to be one of the numbers
    (cheap: most text has not)."""
    return bool(text) and _MAYBE.search(text) is not None


def mask(text: str, kinds: Iterable[str] = KINDS) -> Masked:
    """`text` with the numbers of `kinds` masked."""
    found: Counter[str] = Counter()
    if not may_hold(text):
        return Masked(text, found)
    wanted = set(kinds)
    for kind, (pattern, replace) in _STEPS.items():
        if kind in wanted:
            text = pattern.sub(lambda m, r=replace: r(m, found), text)  # type: ignore[misc]
    return Masked(text, found)


def notice(written: str, stored: str) -> str | None:
    """What to tell someone whose text was stored masked: None when it was not."""
    if written == stored:
        return None
    return f"masked before it was stored: {describe(mask(written).found) or 'numbers'}"


def describe(found: Counter[str]) -> str:
    """"2 card numbers, 1 personnummer" for a notice."""
    names = {"card": ("card number", "card numbers"), "personnummer":
             ("personnummer", "personnummer"), "iban": ("IBAN", "IBANs")}
    return ", ".join(f"{n} {names[k][n != 1]}" for k, n in sorted(found.items()) if n)
