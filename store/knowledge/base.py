"""The knowledge folder as a searchable base: its articles read again when a file in it
is added, changed or removed, and ranked against a case's words.

The ranking is SQLite FTS5's bm25 over an in-memory table (title, tags, body), built
anew on each reload and never on the case database. Inside a write transaction (the
acknowledgement) it is asked with `look=False`: the articles as last read, no file read
under the database's lock. A
case's words are or-ed — an article sharing any of them is a candidate — and bm25
weighs them: a word few articles have counts more than a common one, and a word in
a title more than in a body.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from store.knowledge.articles import Article, parse_article, search_words, words

# Under "casedesk": the daemon's and the background poller's log file has it.
log = logging.getLogger("casedesk.knowledge")

# How often the folder is looked at for a change: each look stats every file.
CHECK_SECONDS = 1.0
# What one case costs, whatever its length: its first characters and distinct words.
MOST_CHARS = 20_000
MOST_WORDS = 200
# A larger file is no article (a log or an export dropped in the folder by mistake).
MOST_BYTES = 1_000_000
# bm25's column weights: title, tags, body.
WEIGHTS = (5.0, 2.0, 1.0)
# What an article's files are stamped by: a change of any is a change of the folder.
Stamp = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class Suggestion:
    """An article for a case: `score` is bm25's (higher is better, rounded to 3
    decimals; it grows with the words shared and how rare they are among the
    articles); `words` the case's words the article has, folded."""

    article: Article
    score: float
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Index:
    """One reading of the folder: its articles and their FTS5 table (rowid = place in
    `articles`); used only under the base's lock."""

    articles: tuple[Article, ...]
    vocabulary: tuple[frozenset[str], ...]
    connection: sqlite3.Connection
    # Each article's own title and tag words: what it is about.
    headline: tuple[tuple[str, ...], ...] = ()


@dataclass(eq=False)
class KnowledgeBase:
    """The articles of `folder` (`*.md`, subfolders too, hidden names left out). A file
    that cannot be read is skipped and logged once; `problem` says what is wrong with
    the folder (missing, unreadable) or which files were skipped, as of the last look
    (`articles` and `suggest` look, once a second at most). Threads share it.

    `acknowledge`, `strong_share` and `strong_words`: the config's `[knowledge]`
    (`strong`: whether a suggestion is good enough to mail unasked)."""

    folder: Path
    acknowledge: bool = False
    strong_share: float = 0.5
    strong_words: int = 2
    problem: str | None = field(default=None, init=False)
    _index: _Index | None = field(default=None, init=False, repr=False)
    # The folder's problem and its files' stamps, when last read.
    _stamp: tuple[str | None, Stamp] | None = field(default=None, init=False, repr=False)
    _checked: float = field(default=-math.inf, init=False, repr=False)
    _logged: set[tuple[str, int, int, int]] = field(default_factory=set, init=False,
                                                    repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def articles(self) -> list[Article]:
        """Every article, by path."""
        with self._lock:
            return list(self._current().articles)

    def suggest(self, text: str, limit: int = 3, *, look: bool = True) -> list[Suggestion]:
        """The articles that share words with `text`, best first, `limit` at most.
        `look` False: the articles as last read, the folder not looked at (inside a
        write transaction: no file is read under the database's lock)."""
        query = search_words(text[:MOST_CHARS], MOST_WORDS)
        if not query or limit < 1:
            return []
        with self._lock:
            index = self._current() if look or self._index is None else self._index
            rows = index.connection.execute(_RANKED, (match_query(query), limit)).fetchall()
        return [Suggestion(index.articles[i], round(-rank, 3) + 0.0, tuple(
            w for w in query if w in index.vocabulary[i])) for i, rank in rows]

    def strong(self, text: str, *, look: bool = True) -> Suggestion | None:
        """The best suggestion when it matches strongly: it shares `strong_words`
        distinct words with `text` (one rare word alone is a coincidence too often), one
        of them in its title or tags, and scores at least `strong_share` of what its
        own title and tags score on it — a share, so that it means the same with ten
        articles as with a thousand (a bare bm25 score grows with their number)."""
        best = next(iter(self.suggest(text, 1, look=look)), None)
        if best is None or len(best.words) < self.strong_words:
            return None
        with self._lock:
            index = self._index
            if index is None:
                return None
            place = index.articles.index(best.article)
            headline = index.headline[place]
            if not set(best.words) & set(headline):
                return None
            (rank,) = index.connection.execute(
                _OWN, (match_query(list(headline)), place)).fetchone() or (0.0,)
        return best if -rank > 0 and best.score >= self.strong_share * -rank else None

    def recheck(self) -> None:
        """Look at the folder again on the next call, however soon."""
        with self._lock:
            self._checked = -math.inf

    # -- reading the folder (under the lock) ---------------------------------------------

    def _current(self) -> _Index:
        now = time.monotonic()
        if self._index is not None and now - self._checked < CHECK_SECONDS:
            return self._index
        self._checked = now
        # Stamped before reading: a file written meanwhile differs at the next look.
        stamp, files = self._scan()
        if self._index is None or stamp != self._stamp:
            self._index = self._load(stamp, files)
        return self._index

    def _scan(self) -> tuple[tuple[str | None, Stamp], list[str]]:
        """The folder's problem (missing, unreadable) and its article files' stamps;
        the files' paths beside them."""
        if not self.folder.is_dir():
            why = "not a folder" if self.folder.exists() else "no such folder"
            return (f"{self.folder}: {why}", ()), []
        refusals: list[str] = []
        found: list[tuple[tuple[str, int, int, int], str]] = []
        folders = [""]
        while folders:  # os.scandir rather than Path: a look at 1,000 files costs ~ms
            inside = folders.pop()
            try:
                with os.scandir(self.folder / inside) as entries:
                    listed = sorted(entries, key=lambda e: e.name)
            except OSError as exc:
                refusals.append(f"{exc.filename}: cannot read it: {exc.strerror or exc}")
                continue
            for entry in listed:
                relative = f"{inside}{entry.name}"
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):  # (a link may loop)
                        folders.append(relative + "/")
                    elif entry.name.endswith(".md"):
                        st = entry.stat()
                        found.append(((relative, st.st_mtime_ns, st.st_size, st.st_ino),
                                      entry.path))
                except OSError:  # gone since the listing: no article any more
                    continue
        found.sort()
        return ("; ".join(refusals) or None, tuple(f[0] for f in found)), [f[1] for f in found]

    def _load(self, stamp: tuple[str | None, Stamp], files: list[str]) -> _Index:
        folder_problem, stamps = stamp
        if folder_problem and (self._stamp is None or self._stamp[0] != folder_problem):
            log.warning("knowledge: %s", folder_problem)
        articles: list[Article] = []
        skipped: list[str] = []
        logged = set()
        for path, key in zip(files, stamps, strict=True):
            relative = key[0]
            article, why = _read(relative, Path(path))
            if why:
                if key not in self._logged:  # once per version of the file
                    log.warning("knowledge: %s: %s", path, "; ".join(why))
                logged.add(key)
            if article is None:
                skipped.append(f"{relative} ({why[0]})")
            else:
                articles.append(article)
        self._logged = logged
        connection = sqlite3.connect(":memory:", check_same_thread=False)  # used under the lock
        connection.execute("CREATE VIRTUAL TABLE article USING fts5(title, tags, body, "
                           "tokenize = 'unicode61 remove_diacritics 2')")
        # Indexed as folded words: a case's words are folded alike, so both split and
        # compare the same way whatever the tokenizer would make of "æ" or "ß".
        columns = [[list(words(part)) for part in (a.title, " ".join(a.tags), a.body)]
                   for a in articles]
        connection.executemany(
            "INSERT INTO article (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
            [(i, *(" ".join(part) for part in parts)) for i, parts in enumerate(columns)])
        vocabulary = tuple(frozenset().union(*parts) for parts in columns)
        headline = tuple(tuple(search_words(f"{a.title} {' '.join(a.tags)}", MOST_WORDS))
                         for a in articles)
        if self._index is not None:
            self._index.connection.close()
        self._stamp = stamp
        problems = [folder_problem] if folder_problem else []
        if skipped:
            problems.append(f"skipped {len(skipped)} file{'s' if len(skipped) != 1 else ''}: "
                            + ", ".join(skipped[:5]) + (", …" if len(skipped) > 5 else ""))
        self.problem = "; ".join(problems) or None
        return _Index(tuple(articles), vocabulary, connection, headline)


def _read(relative: str, path: Path) -> tuple[Article | None, list[str]]:
    """The article in a file, or None and why not; what was wrong either way."""
    try:
        with path.open("rb") as file:
            data = file.read(MOST_BYTES + 1)
    except OSError as exc:
        return None, [f"cannot read it: {exc.strerror or exc}"]
    if len(data) > MOST_BYTES:
        return None, [f"larger than {MOST_BYTES // 1_000_000} MB"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, ["not UTF-8 text"]
    return parse_article(text, relative)


# The articles a query matches, best first (bm25 is lower the better); one article's.
_BM25 = f"bm25(article, {', '.join(map(str, WEIGHTS))})"
_RANKED = (f"SELECT rowid, {_BM25} AS rank FROM article WHERE article MATCH ? "
           "ORDER BY rank, rowid LIMIT ?")
_OWN = f"SELECT {_BM25} FROM article WHERE article MATCH ? AND rowid = ?"


def match_query(query: list[str]) -> str:
    """An FTS5 query that any of the words matches. Each is a quoted string (a quote in
    it doubled), so nothing in a case can become an FTS5 operator or a column filter."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in query)
