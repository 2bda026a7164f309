"""The default view sorted by number, read from an index of the active cases

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:20:00
"""
import sqlalchemy as sa
from alembic import op

# As written when the index was made (a later lifecycle makes its own migration).
ACTIVE_SQL = "status IN ('new', 'escalated', 'open', 'parked', 'waiting', 'solved')"

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_active_number", "cases", ["id"],
                    sqlite_where=sa.text(ACTIVE_SQL), postgresql_where=sa.text(ACTIVE_SQL))


def downgrade() -> None:
    op.drop_index("ix_cases_active_number", table_name="cases")
