"""Triage: what a new case is marked with before anyone reads it (README, "Triage").

The built-in detectors (`detect.py`) look at a new case's title and first message: an
urgent topic marks it `urgent` and makes it High priority (the README's priority guide), a
frustrated tone marks it `frustrated`. The marks are kept on the case as bits
(`Case.flags`: a list sorts and filters on them in SQL) and, with the words that set
them, as an event in its conversation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from store.errors import InvalidInput
from store.inputs import MACHINE_FLAGS, MessageInput
from store.models import Priority
from store.triage.detect import BUILT_IN, FLAGS, FRUSTRATED, URGENT, Detectors, Finding

# A flag's bit in `Case.flags`; urgent the higher, so a list sorted on the flags puts
# urgent cases first.
BITS = {URGENT: 2, FRUSTRATED: 1}


@functools.cache  # (a list turns thousands of rows a second into flags)
def flags_of(bits: int) -> tuple[str, ...]:
    """The flags a `Case.flags` value holds, urgent first."""
    return tuple(flag for flag in FLAGS if bits & BITS[flag])


def bits_of(flags: Iterable[str]) -> int:
    return sum(BITS[flag] for flag in set(flags))


def parse_flag(text: str) -> str:
    if text not in BITS:
        raise InvalidInput(f"unknown flag {text!r}: use {' or '.join(FLAGS)}")
    return text


def holding(flag: str) -> list[int]:
    """Every `Case.flags` value with `flag` set (a filter as an indexable IN list)."""
    return [bits for bits in range(1 << len(BITS)) if bits & BITS[flag]]


@dataclass(frozen=True)
class Assessment:
    """What the detectors found in a new case."""

    findings: tuple[Finding, ...] = ()

    @property
    def bits(self) -> int:
        return bits_of(f.flag for f in self.findings)

    def priority(self, given: str | None) -> str | None:
        """The priority the case starts with: the one its creator gave (a person's
        choice wins), else High for an urgent topic, else the default (None)."""
        if given or not self.bits & BITS[URGENT]:
            return given
        return Priority.HIGH.value

    def events(self) -> list[dict[str, str]]:
        """The `flagged` events' values, one per flag."""
        return [{"flag": f.flag, "words": ", ".join(f.words)} for f in self.findings]


def assess(detectors: Detectors, title: str, text: str) -> Assessment:
    """The detectors on a new case: its title and what the customer wrote, without the
    history a mail quotes ("> …" lines, and all under "On … wrote:")."""
    return Assessment(tuple(detectors.find(f"{title}\n{own_words(text)}")))


def assess_message(detectors: Detectors, title: str, message: MessageInput) -> Assessment:
    """`assess` for a message from outside: nothing for machine mail (an out-of-office
    "offline until Monday" is no outage), nor for what an AI agent or a colleague
    wrote rather than the customer."""
    if message.sender != "customer" or MACHINE_FLAGS & set(message.flags):
        return Assessment()
    return assess(detectors, title, message.text)


# "On Mon, 3 Mar 2026 at 10:12, X wrote:" / "Den 3 mars 2026 kl. 10:12 skrev X:"
_QUOTE_HEADER = re.compile(r"^\s*(?:On\b.{0,200}\bwrote|Den\b.{0,200}\bskrev)\b.{0,100}:\s*$",
                           re.IGNORECASE)


def own_words(text: str) -> str:
    """The lines of a message that are its writer's own: up to a quote's header, and
    never a line that starts with ">"."""
    kept = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line) or line.lstrip().startswith("-----Original Message"):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept)


__all__ = ["BITS", "BUILT_IN", "FLAGS", "Assessment", "Detectors", "assess",
           "assess_message", "bits_of", "flags_of", "holding", "own_words", "parse_flag"]
