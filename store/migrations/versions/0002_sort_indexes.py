"""Indexes for sorting the case list by title, status, priority and assignee

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:20:00
"""
from alembic import op
import sqlalchemy as sa

# Frozen copies of store.models' expressions: a migration must not change with them.
STATUS_RANK_SQL = ("(CASE status WHEN 'new' THEN 7 WHEN 'escalated' THEN 6 WHEN 'open' THEN 5 "
                   "WHEN 'parked' THEN 4 WHEN 'waiting' THEN 3 WHEN 'solved' THEN 2 "
                   "WHEN 'closed' THEN 1 ELSE 0 END)")
PRIORITY_RANK_SQL = "(CASE priority WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END)"
ASSIGNEE_KEY_SQL = "(coalesce(assignee_id, 0))"

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES: dict[str, list[str | sa.TextClause]] = {
    "ix_cases_title": ["title", "id"],
    "ix_cases_status_rank": [sa.text(STATUS_RANK_SQL), "updated_at", "id"],
    "ix_cases_priority_rank": [sa.text(PRIORITY_RANK_SQL), "updated_at", "id"],
    "ix_cases_assignee_key": [sa.text(ASSIGNEE_KEY_SQL), "updated_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="cases")
