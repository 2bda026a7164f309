"""The `[privacy]` section of the config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from store.privacy import Privacy

Kind = Literal["card", "personnummer", "iban"]
Where = Literal["acknowledgement", "signature"]
ALL: tuple[Kind, ...] = ("card", "personnummer", "iban")  # store/privacy/mask.py's KINDS
WHERE: tuple[Where, ...] = ("acknowledgement", "signature")


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

    notice_sv: str = Field(
        default="",
        description="How the team handles a sender's personal data, in Swedish (seed: "
        "\"Vi behandlar dina uppgifter enligt GDPR …\"), told under the mails `notice_on` "
        "names to a customer who writes Swedish (or whose language is not known).",
    )
    notice_en: str = Field(
        default="", description="The same in English, for a customer who writes English.")
    notice_on: list[Where] = Field(
        default_factory=lambda: list(WHERE),
        description='Where the notice goes: "acknowledgement" (the automatic answer to a '
        'new case) and "signature" (under every reply, after the channel\'s signature).',
    )

    def policy(self) -> Privacy:
        notice = tuple((lang, text) for lang, text in (("sv", self.notice_sv),
                                                       ("en", self.notice_en)) if text.strip())
        return Privacy(mask=tuple(self.mask), keep_raw=self.keep_raw, notice=notice,
                       notice_on=tuple(self.notice_on))
