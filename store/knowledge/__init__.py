"""The knowledge base (README, "Knowledge base"): the team's articles, Markdown files in
a folder, suggested for a case by the words they share with it.

`articles.py` reads a file (front matter, title, tags, url) and a text's words, pure;
`base.py` keeps the folder as a ranked full-text index (`KnowledgeBase`), read again
when a file changes; `settings.py` is the config's `[knowledge]`; `ops.py` the
service's operation (`suggest_articles`) and what an acknowledgement carries.
"""

from __future__ import annotations

from store.knowledge.articles import Article
from store.knowledge.base import KnowledgeBase, Suggestion
from store.knowledge.settings import KnowledgeSettings

__all__ = ["Article", "KnowledgeBase", "KnowledgeSettings", "Suggestion"]
