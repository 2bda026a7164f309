"""The `[triage]` section of the config."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from store.settings import beside_config
from store.triage.detect import URGENT_WORDS, Detectors


class TriageSettings(BaseModel):
    """What marks a new case urgent or frustrated (README, "Triage")."""

    model_config = ConfigDict(extra="forbid", strict=True)

    urgent: bool = Field(
        default=True,
        description="Mark a new case `urgent` (and make it High priority) when its title or "
        "first message speaks of an outage, a payment gone wrong or security.",
    )
    urgent_words: list[str] = Field(
        default_factory=list,
        description='The team\'s own urgent words and phrases, added to the built-in ones, '
        'e.g. ["strömavbrott", "elavbrott"]; whole words, a trailing * for a word\'s '
        "beginning, any case and accents.",
    )
    frustrated: bool = Field(
        default=True,
        description="Mark a new case `frustrated` when its first message sounds so.",
    )
    rules: str | None = Field(
        default=None,
        description="The team's triage rules: a TOML file of [[rule]] tables, relative to "
        "the config file (`casedesk rules check` checks it; README, \"Triage rules\").",
    )

    def rules_path(self, config_file: Path | None) -> Path | None:
        """The rules file, a relative path taken from the config file's folder."""
        return beside_config(self.rules, config_file)

    def detectors(self) -> Detectors:
        return Detectors((*URGENT_WORDS, *self.urgent_words), urgent=self.urgent,
                         tone=self.frustrated)
