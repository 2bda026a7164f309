"""A knowledge-base article as its Markdown file holds it, and the words it is found by.

A file may open with front matter between `---` lines, `key: value` and
`key: [a, b]` lines (YAML's simplest form, read without a YAML library):

    ---
    title: Återställ lösenord
    tags: [lösenord, konto]
    url: https://help.example.se/losenord
    ---

Only `title`, `tags` and `url` are read; other keys are the writer's own. Without
front matter (or with one that never closes) the whole file is the body and the title
is its first `# heading`, else the file's name. Values are kept as written: whoever
shows them sanitizes them. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

from store.triage.detect import fold


@dataclass(frozen=True)
class Article:
    """One article; `path` is relative to the knowledge folder, with `/`."""

    title: str
    path: str
    tags: tuple[str, ...]
    url: str | None
    body: str


_FENCE = re.compile(r"-{3,}\s*")
_KEY = re.compile(r"([A-Za-z_][\w-]*)\s*:(.*)")
_HEADING = re.compile(r"#\s+(.+?)\s*#*\s*")
# A link a mail may carry: no spaces, no quotes or angle brackets to break out of.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def parse_article(text: str, path: str) -> tuple[Article, list[str]]:
    """The article in a file's text, and what was wrong with its front matter (an
    unclosed front matter, a url that is no web address): never an error, the article
    is kept with what could be read."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    meta, body, problems = _front_matter(text)
    title, url = _text(meta.get("title")), _text(meta.get("url"))
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = _list(tags)
    if url and not _URL.fullmatch(url):
        problems.append(f"url {url[:80]!r} is no http(s) address: left out")
        url = ""
    if not title:
        title = _heading(body) or PurePath(path).stem.replace("-", " ").replace("_", " ")
    return Article(title=title, path=path, tags=tuple(t for t in tags if t), url=url or None,
                   body=body.strip()), problems


def _text(value: str | list[str] | None) -> str:
    """A single value (a list where one was meant counts as none)."""
    return _unquote(value).strip() if isinstance(value, str) else ""


def _front_matter(text: str) -> tuple[dict[str, str | list[str]], str, list[str]]:
    lines = text.split("\n")
    if not lines or not _FENCE.fullmatch(lines[0]):
        return {}, text, []
    end = next((i for i in range(1, len(lines)) if _FENCE.fullmatch(lines[i])), None)
    if end is None:  # nothing lost: the writer sees it all as the body
        return {}, text, ["front matter opened by --- is never closed: read as the body"]
    meta: dict[str, str | list[str]] = {}
    key = None
    for line in lines[1:end]:
        item = line.strip()
        if item.startswith("- ") and key is not None:  # a block list under `key:`
            listed = meta.setdefault(key, [])
            if isinstance(listed, list):
                listed.append(_unquote(item[2:]))
            continue
        found = _KEY.fullmatch(line)
        if found is None:
            key = None
            continue
        key, value = found.group(1).lower(), found.group(2).strip()
        if value:
            meta[key] = value
    return meta, "\n".join(lines[end + 1:]), []


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _list(value: str) -> list[str]:
    """`[a, b]` or `a, b` as its items."""
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    return [_unquote(item) for item in inner.split(",")]


def _heading(body: str) -> str:
    for line in body.split("\n"):
        found = _HEADING.fullmatch(line.strip())
        if found:
            return found.group(1)
    return ""


# -- words ------------------------------------------------------------------------------

# Letters and digits; an apostrophe splits ("don't": don, t), as FTS5's unicode61 does.
_WORD = re.compile(r"[^\W_]+")

# Words nearly every case and article has: matched, they would tie everything to
# everything. Swedish and English, folded (å, ä, ö as a, a, o).
_SWEDISH = """
    och att det som en ett på är av för med till den de inte om jag du han hon vi ni
    man min mitt mina din ditt dina er ert era vår vårt våra sin sitt sina mig dig oss
    dem honom henne sig kan ska skall skulle vill kunde måste får fick få har hade ha
    varit vara blir blev bli gör gjorde göra så men eller när hur vad varför var från
    ut upp in vid efter över under här där nu då också bara mycket lite något någon
    några alla allt detta denna dessa ingen inget inga hej hejsan tack mvh vänliga
    hälsningar hälsning ja nej än sedan redan ju väl eftersom dock utan mot
"""
_ENGLISH = """
    the a an and or but is are was were be been being i me my mine you your yours we
    our ours us they them their he him his she her it its to of in on at for with
    from by as this that these those have has had do does did not no can could would
    should will shall may might must hi hello dear thanks thank regards please so if
    then than there here what when how why where which who whom am just also about
    up out get got im ive id dont doesnt didnt isnt wasnt arent cant couldnt wont
    don doesn didn isn wasn aren couldn won wouldn shouldn haven hasn yes any some
    all very
"""
STOP_WORDS = frozenset(fold(w) for w in (_SWEDISH + _ENGLISH).split())


def words(text: str) -> Iterator[str]:
    """The words of `text` as they are compared: folded (any case and accents, å/ä/ö
    as a/a/o: a customer without a Swedish keyboard writes "losenord")."""
    for match in _WORD.finditer(text):
        yield fold(match.group())


def search_words(text: str, most: int) -> list[str]:
    """A case's distinct words worth searching for, in the order written, `most` at
    most: no stop words, no single letters."""
    found: dict[str, None] = {}
    for word in words(text):
        if len(word) > 1 and word not in STOP_WORDS:
            found[word] = None
            if len(found) >= most:
                break
    return list(found)
