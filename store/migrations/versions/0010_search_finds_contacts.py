"""Search finds a case by its number and its contact (name, email, phone)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:00:00
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen copies (a migration must not change when store.search does). The document's
# first column holds the title, then the case's number and its contact's words; a
# phone number also as its digits alone ("070-123 45 67" is found by "0701234567").
WHO = ("CAST(c.id AS TEXT) || ' ' || coalesce(ct.name, '') || ' ' || coalesce(ct.email, '')"
       " || ' ' || coalesce(ct.phone, '') || ' ' || replace(replace(replace(replace("
       "replace(coalesce(ct.phone, ''), ' ', ''), '-', ''), '+', ''), '(', ''), ')', '')")
SQLITE_VIEW = f"""
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title || char(10) || {WHO} AS title,
       coalesce((SELECT group_concat(text, char(10)) FROM
                 (SELECT m.text AS text FROM message m
                  WHERE m.case_id = c.id AND m.kind != 'event' ORDER BY m.id)), '') AS body
FROM cases c LEFT JOIN contact ct ON ct.id = c.contact_id
"""
PG_VIEW = f"""
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title || E'\\n' || {WHO} AS title,
       coalesce((SELECT string_agg(m.text, E'\\n' ORDER BY m.id) FROM message m
                 WHERE m.case_id = c.id AND m.kind != 'event'), '') AS body
FROM cases c LEFT JOIN contact ct ON ct.id = c.contact_id
"""
OLD_SQLITE_VIEW = """
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title AS title,
       coalesce((SELECT group_concat(text, char(10)) FROM
                 (SELECT m.text AS text FROM message m
                  WHERE m.case_id = c.id AND m.kind != 'event' ORDER BY m.id)), '') AS body
FROM cases c
"""
OLD_PG_VIEW = """
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title AS title,
       coalesce((SELECT string_agg(m.text, E'\\n' ORDER BY m.id) FROM message m
                 WHERE m.case_id = c.id AND m.kind != 'event'), '') AS body
FROM cases c
"""
PG_VECTOR = ("to_tsvector('simple', regexp_replace(title || ' ' || body, "
             "'[[:punct:][:space:]]+', ' ', 'g'))")


def _use(sqlite_view: str, pg_view: str) -> None:
    """The documents as `*_view` makes them, and the index rebuilt from them."""
    op.execute("DROP VIEW case_doc")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(pg_view)
        op.execute("DELETE FROM case_search")
        op.execute(f"INSERT INTO case_search (case_id, doc) SELECT id, {PG_VECTOR} "
                   "FROM case_doc")
    else:
        op.execute(sqlite_view)
        op.execute("INSERT INTO case_fts(case_fts) VALUES('rebuild')")


def upgrade() -> None:
    _use(SQLITE_VIEW, PG_VIEW)


def downgrade() -> None:
    _use(OLD_SQLITE_VIEW, OLD_PG_VIEW)
