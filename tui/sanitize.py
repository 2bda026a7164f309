"""The one sanitizer between untrusted text and the terminal (ARCHITECTURE.md,
"Untrusted text").

Subjects, names, bodies and filenames come from strangers. Terminals act on ESC,
CSI, OSC (clipboard writes, titles, links), C1 controls; bidi overrides and
zero-width characters make text lie about what it says. Every such character is
replaced by a visible marker, so nothing reaches the terminal as a control and
nothing is silently hidden. The result is plain text: give it to Rich/Textual only
as `Text`/`Content`, never as markup.
"""

from __future__ import annotations

import unicodedata

# Characters shown by name, because their effect is to hide or reorder text.
_NAMED = {
    "\u200b": "ZWSP", "\u200c": "ZWNJ", "\u200d": "ZWJ", "\u2060": "WJ", "\ufeff": "BOM",
    "\u200e": "LRM", "\u200f": "RLM", "\u061c": "ALM",
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
}


def _marker(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␛ for ESC, ␇ for BEL …
    if code == 0x7F:
        return "\u2421"  # ␡
    name = _NAMED.get(ch)
    return f"⟨{name}⟩" if name else f"⟨U+{code:04X}⟩"


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    if ch in _NAMED:
        return True
    # Other invisible formatting, private-use and unassigned code points.
    return unicodedata.category(ch) in ("Cf", "Co", "Cn", "Cs", "Zl", "Zp")


def clean_line(text: str) -> str:
    """One line: every control, format or line-break character becomes a marker."""
    if text.isprintable() and text.isascii():
        return text
    return "".join(_marker(ch) if _unsafe(ch) else ch for ch in text)


def clean_block(text: str) -> str:
    """Several lines (a message body): line breaks and tabs kept, the rest as markers."""
    text = text.replace("\r\n", "\n").expandtabs(4)
    return "\n".join(clean_line(line) for line in text.split("\n"))
