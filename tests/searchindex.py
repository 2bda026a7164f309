"""Looking into the search index itself, on either engine (for the store's tests)."""

from __future__ import annotations

import sqlalchemy as sa


def fts_hits(db, word: str) -> set[int]:  # type: ignore[no-untyped-def]
    """The raw index, merged cases included (the case lists hide those)."""
    with db.read() as session:
        if db.is_sqlite:
            rows = session.execute(sa.text("SELECT rowid FROM case_fts WHERE case_fts MATCH :q"),
                                   {"q": f'"{word}"'})
        else:
            rows = session.execute(sa.text(
                "SELECT case_id FROM case_search WHERE doc @@ to_tsquery('simple', :q)"),
                {"q": f"'{word.lower()}'"})
        return {r[0] for r in rows}


def index_is_consistent(db) -> bool:  # type: ignore[no-untyped-def]
    """The index matches the documents of every case (FTS5's own integrity check on
    SQLite; each stored tsvector against a fresh one on PostgreSQL)."""
    if db.is_sqlite:
        db.write(lambda s: s.execute(
            sa.text("INSERT INTO case_fts(case_fts, rank) VALUES('integrity-check', 1)")))
        return True
    from store.search import pg_vector

    vector = pg_vector("d.")
    with db.read() as session:
        wrong = session.scalar(sa.text(
            "SELECT count(*) FROM case_doc d FULL JOIN case_search s ON s.case_id = d.id "
            f"WHERE s.doc IS DISTINCT FROM {vector}"))
    return wrong == 0
