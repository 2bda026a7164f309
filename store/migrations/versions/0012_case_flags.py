"""What triage found on a case (store/triage: urgent, frustrated), as bits a list sorts
and filters on.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch (table copy) would break the search view;
    # with a constant default SQLite adds it without rewriting the table.
    op.add_column("cases", sa.Column("flags", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_cases_flags_updated", "cases", ["flags", "updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_flags_updated", table_name="cases")
    op.drop_column("cases", "flags")
