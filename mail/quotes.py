"""Where a customer's new words end and the quoted history of the thread begins.

mail-parser-reply knows the reply headers of many mail programs and languages
(Swedish "Den … skrev", Outlook's "Ursprungligt meddelande", English "On … wrote").
Pure: text in, text out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailparser_reply import EmailReplyParser


_SEPARATOR = re.compile(r"^-{3,}.*-{3,}$")

LANGUAGES = ["sv", "en", "de", "fi", "da"]


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=LANGUAGES)


def split_quoted(text: str) -> tuple[str, str]:
    """(the new words, the quoted history); the history is "" when there is none.
    Together they are the whole text: nothing is dropped, only folded."""
    try:
        replies = _parser().read(text).replies
    except Exception:  # a parser's trouble must never hide a message
        return text, ""
    if len(replies) < 2:
        return text, ""
    first_line = next((line for line in replies[1].content.splitlines() if line.strip()), "")
    cut = text.find(first_line.strip()) if first_line.strip() else -1
    if cut <= 0:
        return text, ""
    start = text.rfind("\n", 0, cut) + 1
    # Outlook's "-----Original Message-----" line belongs to the history too.
    before = text[:start].rstrip("\n")
    last = before.rsplit("\n", 1)[-1]
    if _SEPARATOR.match(last.strip()):
        start = len(before) - len(last)
    if not text[:start].strip():
        return text, ""
    return text[:start].rstrip("\n"), text[start:]
