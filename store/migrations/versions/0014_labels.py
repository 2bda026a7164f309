"""The team's labels: a list a supervisor keeps, seeded with the labels already on cases

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:30:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    label = op.create_table(
        "label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    # The labels a team already uses become its list (each distinct set of labels read
    # once: a big database has many cases but few sets).
    names: set[str] = set()
    for (text,) in op.get_bind().execute(sa.text(
            "SELECT DISTINCT labels FROM cases WHERE labels <> ''")):
        # (a label longer than a name of the list is left off it: it stays on its cases)
        names.update(name for name in text.split(",") if name and len(name) <= 100)
    now = datetime.now(UTC).replace(tzinfo=None)
    if names:
        op.bulk_insert(label, [{"name": name, "created_at": now}
                               for name in sorted(names)])


def downgrade() -> None:
    op.drop_table("label")
