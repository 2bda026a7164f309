"""Full-text search over case titles and conversations (SQLite FTS5).

One search document per case — its title and the text of its messages (not the
system events) — in the FTS5 table `case_fts`, rowid = case number. The table
has external content: the view `case_doc` computes each document, so nothing is
stored twice and `rebuild` can always recreate the index from the cases.
FTS5 needs the old document to delete a row, so every change of a title or a
conversation goes through `reindexing()`, which reads the documents before and
after the change in the same transaction.

Meaning: case-insensitive, whole words, `fakt*` for prefixes, all words must
occur somewhere in the case; å, ä and ö are letters of their own
(`remove_diacritics 0`). Results are newest first (highest case number), which
FTS5 answers from the index without ranking every hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.errors import InvalidInput
from store.models import Case

# A word: letters, digits and the joiners that unicode61 splits on anyway.
_WORD = re.compile(r"[\w]+\*?", re.UNICODE)


def fts_query(text: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word quoted (so no
    FTS5 operator or column filter can be injected), a trailing `*` kept as a prefix."""
    terms = []
    for match in _WORD.finditer(text):
        word = match.group()
        prefix = word.endswith("*")
        word = word.rstrip("*").replace("_", " ").strip()
        if not word:
            continue
        terms.append(f'"{word}"' + ("*" if prefix else ""))
    if not terms:
        raise InvalidInput(f"nothing to search for in {text!r}: give a word")
    return " ".join(terms)


def _docs(session: Session, case_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = session.execute(
        sa.text("SELECT id, title, body FROM case_doc WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )
    return {row.id: (row.title, row.body) for row in rows}


@contextmanager
def reindexing(session: Session, *case_ids: int | None) -> Iterator[None]:
    """Wrap a change to the titles or conversations of `case_ids`; their search
    documents are replaced in the same transaction."""
    ids = [i for i in case_ids if i is not None]
    session.flush()
    before = _docs(session, ids)
    yield
    session.flush()
    after = _docs(session, ids)
    for case_id in ids:
        old = before.get(case_id)
        new = after.get(case_id)
        if old == new:
            continue
        if old is not None:
            session.execute(
                sa.text(
                    "INSERT INTO case_fts(case_fts, rowid, title, body) "
                    "VALUES('delete', :id, :title, :body)"
                ),
                {"id": case_id, "title": old[0], "body": old[1]},
            )
        if new is not None:
            session.execute(
                sa.text("INSERT INTO case_fts(rowid, title, body) VALUES (:id, :title, :body)"),
                {"id": case_id, "title": new[0], "body": new[1]},
            )


def index_new_case(session: Session, case_id: int) -> None:
    """Add the document of a case created in this transaction."""
    session.flush()
    doc = _docs(session, [case_id])[case_id]
    session.execute(
        sa.text("INSERT INTO case_fts(rowid, title, body) VALUES (:id, :title, :body)"),
        {"id": case_id, "title": doc[0], "body": doc[1]},
    )


def rebuild(session: Session) -> None:
    """Recreate the whole index from the cases (after a bulk load, or to repair)."""
    session.execute(sa.text("INSERT INTO case_fts(case_fts) VALUES('rebuild')"))


_FTS = sa.table("case_fts", sa.column("rowid", sa.Integer))


def join_hits(query: sa.Select, text: str) -> tuple[sa.Select, sa.ColumnElement[int]]:  # type: ignore[type-arg]
    """Join the search hits for `text` into a case query; returns it and the hit's key
    (the case number), to order by so the index yields the newest hits first."""
    joined = query.join(_FTS, _FTS.c.rowid == Case.id).where(
        sa.text("case_fts MATCH :fts").bindparams(fts=fts_query(text))
    )
    return joined, _FTS.c.rowid


def matching_cases(query: str) -> sa.TextClause:
    """A select of the case numbers matching `query` (bind `:fts`), newest first."""
    return sa.text("SELECT rowid AS id FROM case_fts WHERE case_fts MATCH :fts").bindparams(
        fts=fts_query(query)
    )
