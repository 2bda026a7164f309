"""Customers' data: masked where it comes in (`mask.py`), and the policy that says
what is masked and who reads the original mail."""

from __future__ import annotations

from dataclasses import dataclass

from store.privacy.mask import KINDS, Masked, mask


@dataclass(frozen=True)
class Privacy:
    """The config's `[privacy]` as the store applies it."""

    mask: tuple[str, ...] = KINDS
    keep_raw: str = "supervisors"  # | "masked"
    # How the team handles a sender's data, by language ("sv", "en"), told under the
    # mail of `notice_on` ("acknowledgement", "signature"): none when empty.
    notice: tuple[tuple[str, str], ...] = ()
    notice_on: tuple[str, ...] = ("acknowledgement", "signature")

    def text(self, text: str) -> Masked:
        return mask(text, self.mask)

    def notice_for(self, where: str, language: str | None) -> str:
        """The data-handling text under a mail of kind `where` to a customer who
        writes `language` (Swedish when unknown, or when only Swedish is set)."""
        if where not in self.notice_on:
            return ""
        texts = dict(self.notice)
        return (texts.get(language or "sv") or texts.get("sv") or texts.get("en") or "").strip()


MASK_ALL = Privacy()  # the default: every kind masked, the original for supervisors

__all__ = ["KINDS", "MASK_ALL", "Masked", "Privacy", "mask"]
