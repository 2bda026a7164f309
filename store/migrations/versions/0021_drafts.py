"""Drafts: what an agent wrote in a case and has not sent, kept as they type

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("note", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agent_id", "case_id"),
    )
    op.create_index("ix_draft_case_id", "draft", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_draft_case_id", table_name="draft")
    op.drop_table("draft")
