"""A web form's fields on its case (an order number, a category), found by search.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Frozen copies (a migration must not change when store.search does): 0010's document,
# its title column followed by the fields' names and values. A case without fields has
# the document it had, so nothing is indexed again.
WHO = ("CAST(c.id AS TEXT) || ' ' || coalesce(ct.name, '') || ' ' || coalesce(ct.email, '')"
       " || ' ' || coalesce(ct.phone, '') || ' ' || replace(replace(replace(replace("
       "replace(coalesce(ct.phone, ''), ' ', ''), '-', ''), '+', ''), '(', ''), ')', '')")
BODY_SQLITE = """coalesce((SELECT group_concat(text, char(10)) FROM
                 (SELECT m.text AS text FROM message m
                  WHERE m.case_id = c.id AND m.kind != 'event' ORDER BY m.id)), '')"""
BODY_PG = """coalesce((SELECT string_agg(m.text, E'\\n' ORDER BY m.id) FROM message m
                 WHERE m.case_id = c.id AND m.kind != 'event'), '')"""
FIELDS_SQLITE = """coalesce(char(10) || (SELECT group_concat(t, ' ') FROM
                 (SELECT f.name || ' ' || f.value AS t FROM case_field f
                  WHERE f.case_id = c.id ORDER BY f.name)), '')"""
FIELDS_PG = """coalesce(E'\\n' || (SELECT string_agg(f.name || ' ' || f.value, ' '
                 ORDER BY f.name) FROM case_field f WHERE f.case_id = c.id), '')"""


def _view(fields: bool) -> str:
    pg = op.get_bind().dialect.name == "postgresql"
    newline = "E'\\n'" if pg else "char(10)"
    extra = (" || " + (FIELDS_PG if pg else FIELDS_SQLITE)) if fields else ""
    return f"""
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title || {newline} || {WHO}{extra} AS title,
       {BODY_PG if pg else BODY_SQLITE} AS body
FROM cases c LEFT JOIN contact ct ON ct.id = c.contact_id
"""


def upgrade() -> None:
    op.create_table(
        "case_field",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "name"),
    )
    op.execute("DROP VIEW case_doc")
    op.execute(_view(fields=True))


PG_VECTOR = ("to_tsvector('simple', regexp_replace(title || ' ' || body, "
             "'[[:punct:][:space:]]+', ' ', 'g'))")


def downgrade() -> None:
    # The documents of cases with fields change: the index is made again from the view
    # (FTS5 deletes need the document a row was indexed with).
    op.execute("DROP VIEW case_doc")
    op.execute(_view(fields=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM case_search")
        op.execute(f"INSERT INTO case_search (case_id, doc) SELECT id, {PG_VECTOR} "
                   "FROM case_doc")
    else:
        op.execute("INSERT INTO case_fts(case_fts) VALUES('rebuild')")
    op.drop_table("case_field")
