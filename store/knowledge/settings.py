"""The `[knowledge]` section of the config."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from store.knowledge.base import KnowledgeBase
from store.settings import beside_config


class KnowledgeSettings(BaseModel):
    """The knowledge base: articles suggested for a case (README, "Knowledge base")."""

    model_config = ConfigDict(extra="forbid", strict=True)

    folder: str | None = Field(
        default=None,
        description="A folder of Markdown articles (*.md, subfolders too), relative to the "
        "config file; each may open with front matter: title, tags, url. Read again when "
        "a file in it changes.",
    )
    acknowledge: bool = Field(
        default=False,
        description="The acknowledgement mail of a new email case ([mail] acknowledge) "
        "includes the best article when it matches strongly and is published (has a url: "
        "its title and url go out, never its text). The case stays New for a person to "
        "answer.",
    )
    strong_share: float = Field(
        default=0.5, ge=0,
        description="\"Matches strongly\": the best article's score for the case (as "
        "`casedesk kb suggest` shows it) is at least this share of what the article's own "
        "title and tags score on it, one of the words shared being in them …",
    )
    strong_words: int = Field(
        default=2, ge=1,
        description="… and it shares at least this many distinct words with the case's "
        "title and first message (stop words such as och, att, the, and not counted).",
    )

    def folder_path(self, config_file: Path | None) -> Path | None:
        """The folder, a relative path taken from the config file's folder."""
        return beside_config(self.folder, config_file)

    def base(self, config_file: Path | None) -> KnowledgeBase | None:
        """The knowledge base these settings name; None: no folder set."""
        folder = self.folder_path(config_file)
        if folder is None:
            return None
        return KnowledgeBase(folder, acknowledge=self.acknowledge,
                             strong_share=self.strong_share, strong_words=self.strong_words)
