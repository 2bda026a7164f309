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

    def text(self, text: str) -> Masked:
        return mask(text, self.mask)


MASK_ALL = Privacy()  # the default: every kind masked, the original for supervisors

__all__ = ["KINDS", "MASK_ALL", "Masked", "Privacy", "mask"]
