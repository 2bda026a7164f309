"""Presence: who has a case open, and who is writing a reply in it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("doing", sa.String(length=20), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("holder"),
    )
    op.create_index("ix_presence_case_id", "presence", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_presence_case_id", table_name="presence")
    op.drop_table("presence")
