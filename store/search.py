"""Full-text search over cases: titles, conversations, numbers and contacts.

One search document per case — its title, number and contact's name, email and phone
(and the phone's digits alone), a web form's fields, and the text of its messages (not
the system events)
— computed by the view `case_doc`. A contact's name or phone filled in later changes
the documents of its cases (store/records.py, through `reindexing`).

SQLite: the FTS5 table `case_fts` (rowid = case number) with external content
from `case_doc`, so nothing is stored twice and `rebuild` can always recreate the
index. FTS5 needs the old document to delete a row (a DELETE on the index reads it
from `case_doc`), so every change of a title or a conversation goes through
`reindexing()`: the case's row out of the index before the change, in again from
`case_doc` after it, in the same transaction — the documents never leave the database.
PostgreSQL: the table `case_search` (case_id, tsvector with the 'simple'
configuration: no stemming, no accent folding) under a GIN index, kept by the same
`reindexing()`.

Meaning, the same on both: case-insensitive, whole words, `fakt*` for prefixes,
all words must occur somewhere in the case; å, ä and ö are letters of their own.
Results are newest first (highest case number): FTS5 yields them in that order
from the index, without ranking every hit.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.errors import InvalidInput
from store.models import Case
from store.tables import column_of, dialect_of, run

# A word: letters, digits and the joiners that unicode61 splits on anyway.
_WORD = re.compile(r"[\w]+\*?", re.UNICODE)


def _terms(text: str) -> list[tuple[list[str], bool]]:
    """The words of what a person typed: each a list of parts (a_b is a phrase of two)
    and whether it ends in `*` (a prefix)."""
    terms = []
    for match in _WORD.finditer(text):
        word = match.group()
        parts = word.rstrip("*").replace("_", " ").split()
        if parts:
            terms.append(([p.lower() for p in parts], word.endswith("*")))
    if not terms:
        raise InvalidInput(f"nothing to search for in {text!r}: give a word")
    return terms


# What a person types for a phone number: + or 0 first, then digits and the signs
# written between them (two case numbers, "2940 2941", are no phone number).
_PHONE = re.compile(r"(?:\+|0)[\d\s()-]{6,}")


def phone_forms(text: str) -> list[str]:
    """A phone number typed as a search, as the digits a document may hold it by:
    written nationally ("070-123 45 67") or internationally ("+46 70 123 45 67",
    "0046 …", "+46 (0)70 …"), whichever way the contact's number was stored; the
    digits as typed first. [] when `text` is no phone number."""
    if not _PHONE.fullmatch(text.strip()):
        return []
    typed = re.sub(r"\D", "", text)
    if len(typed) < 7:
        return []
    digits = typed[2:] if typed.startswith("00") else typed
    if digits.startswith("460"):  # +46 (0)70 …: the trunk zero written in
        digits = "46" + digits[3:]
    national = ("0" + digits[2:] if digits.startswith("46") else
                digits if digits.startswith("0") else None)
    if national is None:
        return [typed]
    international = "46" + national[1:]
    return list(dict.fromkeys([typed, national, international, "00" + international,
                               "460" + national[1:]]))


def fts_query(text: str) -> str:
    """An FTS5 query: every word quoted (so no FTS5 operator or column filter can be
    injected), a trailing `*` kept as a prefix."""
    words = " ".join(f'"{" ".join(parts)}"' + ("*" if prefix else "")
                     for parts, prefix in _terms(text))
    # A phone number: also its digits in each way it may have been stored (the words
    # as typed still find it written in a message).
    return " OR ".join([f"({words})", *(f'"{form}"' for form in phone_forms(text))]
                       ) if phone_forms(text) else words


def ts_query(text: str) -> str:
    """The same as a PostgreSQL tsquery: words and-ed, `:*` for a prefix. The parts
    are letters and digits only, so quoting them as lexemes is safe."""
    words = " & ".join(
        "(" + " <-> ".join(f"'{p}'" + (":*" if prefix and i == len(parts) - 1 else "")
                           for i, p in enumerate(parts)) + ")"
        for parts, prefix in _terms(text)
    )
    forms = phone_forms(text)
    return " | ".join([f"({words})", *(f"'{form}'" for form in forms)]) if forms else words


# PostgreSQL's parser keeps "anna@example.se", "foo.com", "3.5" and "/usr/bin" as one
# lexeme each, while a query (like FTS5 on SQLite) splits them into words: split the
# document the same way first, so the same words find the same cases on both.
def pg_vector(table: str = "") -> str:
    """The tsvector of the `title` and `body` columns (of `table`, as "d.")."""
    return (f"to_tsvector('simple', regexp_replace({table}title || ' ' || {table}body, "
            "'[[:punct:][:space:]]+', ' ', 'g'))")


# Built once: every reply and note reindexes its case. The documents go from the
# view into the index inside the database, never through Python.
_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
_PG_PUT = sa.text(
    f"INSERT INTO case_search (case_id, doc) SELECT id, {pg_vector()} FROM case_doc "
    "WHERE id IN :ids ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc"
).bindparams(_IDS)
_FTS_PUT = sa.text("INSERT INTO case_fts(rowid, title, body) SELECT id, title, body "
                   "FROM case_doc WHERE id IN :ids").bindparams(_IDS)
# FTS5 (external content) reads the document it indexed from `case_doc`: run while
# the view still gives that document, before the change.
_FTS_DELETE = sa.text("DELETE FROM case_fts WHERE rowid IN :ids").bindparams(_IDS)
_PG_DELETE = sa.text("DELETE FROM case_search WHERE case_id IN :ids").bindparams(_IDS)


def _put(session: Session, case_ids: list[int]) -> None:
    """Index these cases' documents as `case_doc` gives them now (on PostgreSQL, in
    place of what was indexed for them; on SQLite, `_forget` them first)."""
    if case_ids:
        run(session, _PG_PUT if dialect_of(session) == "postgresql" else _FTS_PUT,
            {"ids": case_ids})


def _forget(session: Session, case_ids: list[int]) -> None:
    """Out of the index, while their rows and `case_doc` still give what was indexed."""
    if case_ids:
        run(session, _PG_DELETE if dialect_of(session) == "postgresql" else _FTS_DELETE,
            {"ids": case_ids})


@contextmanager
def reindexing(session: Session, *case_ids: int | None) -> Iterator[None]:
    """Wrap a change to the titles, conversations or contacts of `case_ids`; their
    search documents are replaced in the same transaction, set-wise."""
    ids = sorted({i for i in case_ids if i is not None})
    if dialect_of(session) != "postgresql":
        _forget(session, ids)
    try:
        yield
    except BaseException:
        # Failed halfway: the documents in again as they are now, should the unit of
        # work go on after all (one the failure broke cannot, and says so itself).
        with contextlib.suppress(Exception):
            _put(session, ids)
        raise
    _put(session, ids)


def index_new_case(session: Session, case_id: int) -> None:
    """Add the document of a case created in this transaction."""
    _put(session, [case_id])


def forget_cases(session: Session, case_ids: list[int]) -> None:
    """Take cases out of the index (before their rows go)."""
    _forget(session, sorted(set(case_ids)))


def index_new_cases(session: Session, case_ids: list[int]) -> None:
    """Add the documents of many cases created in this transaction, in one statement."""
    _put(session, sorted(set(case_ids)))


def rebuild(session: Session) -> None:
    """Recreate the whole index from the cases (after a bulk load, or to repair)."""
    if dialect_of(session) == "postgresql":
        session.execute(sa.text("DELETE FROM case_search"))
        session.execute(sa.text(
            f"INSERT INTO case_search (case_id, doc) SELECT id, {pg_vector()} FROM case_doc"))
        return
    session.execute(sa.text("INSERT INTO case_fts(case_fts) VALUES('rebuild')"))


_FTS = sa.table("case_fts", sa.column("rowid", sa.Integer))
_PG = sa.table("case_search", sa.column("case_id", sa.Integer), sa.column("doc"))


def _matching(text: str, dialect: str) -> tuple[sa.TableClause, sa.ColumnElement[int],
                                                 sa.TextClause]:
    """The index's table, its case number, and the term that matches `text` in it."""
    if dialect == "postgresql":
        return _PG, _PG.c.case_id, sa.text(
            "case_search.doc @@ to_tsquery('simple', :tsq)").bindparams(tsq=ts_query(text))
    return _FTS, _FTS.c.rowid, sa.text("case_fts MATCH :fts").bindparams(fts=fts_query(text))


def join_hits(query: sa.Select, text: str,
              dialect: str) -> tuple[sa.Select, sa.ColumnElement[Any]]:
    """Join the search hits for `text` into a case query; returns it and the hit's key
    (the case number), to order by so the index yields the newest hits first. (The
    hits drive the query: never a list of every hit built first, as `matching_cases`.)"""
    table, number, match = _matching(text, dialect)
    joined = query.join(table, number == Case.id).where(match)
    # SQLite walks its index by rowid: ordering on it stops after a page.
    return joined, column_of(Case.id) if dialect == "postgresql" else number


def hit_count(text: str, dialect: str) -> sa.Select:
    """How many cases match `text`, from the index alone (every case is in it)."""
    table, _number, match = _matching(text, dialect)
    return sa.select(sa.func.count()).select_from(table).where(match)


def is_hit(text: str, dialect: str) -> sa.Exists:
    """Whether the case of the query around it matches `text`: one look-up in the index
    per case (for a few cases: one, or the merged ones)."""
    table, number, match = _matching(text, dialect)
    return sa.exists().where(number == Case.id, match)


def matching_cases(text: str, dialect: str) -> sa.Select:
    """A select of the numbers of the cases matching `text`: every hit, listed first
    (the planner's choice for the group counts of a search)."""
    table, number, match = _matching(text, dialect)
    return sa.select(number).select_from(table).where(match)
