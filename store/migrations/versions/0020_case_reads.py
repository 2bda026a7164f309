"""Who read which case when: the access log

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_read",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
    )
    op.create_index("ix_case_read_case", "case_read", ["case_id", "id"])
    op.create_index("ix_case_read_login", "case_read", ["login", "id"])


def downgrade() -> None:
    op.drop_table("case_read")
