"""The `[privacy]` section of the config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from store.privacy import Privacy

Kind = Literal["card", "personnummer", "iban"]
ALL: tuple[Kind, ...] = ("card", "personnummer", "iban")  # store/privacy/mask.py's KINDS


class PrivacySettings(BaseModel):
    """What customers' text keeps of their sensitive numbers (README, "Privacy")."""

    model_config = ConfigDict(extra="forbid", strict=True)

    mask: list[Kind] = Field(
        default_factory=lambda: list(ALL),
        description='The numbers masked where they come in, before they are stored or '
        'indexed: "card" (payment cards, Luhn-valid), "personnummer" (and '
        'samordningsnummer) and "iban". [] masks nothing.',
    )
    keep_raw: Literal["supervisors", "masked"] = Field(
        default="supervisors",
        description='The original mail as fetched: "supervisors" keeps it as it came, '
        'readable by supervisors only; "masked" keeps it with the same numbers masked, '
        "readable by everyone who sees its case.",
    )

    def policy(self) -> Privacy:
        return Privacy(mask=tuple(self.mask), keep_raw=self.keep_raw)
