"""The tables some early databases lack: 0001 gained agent_preference and quick_reply
after the first databases were made with it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "agent_preference" not in tables:
        op.create_table(
            "agent_preference",
            sa.Column("agent_id", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("value", sa.String(), nullable=False),
            sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("agent_id", "key"),
        )
    if "quick_reply" not in tables:
        op.create_table(
            "quick_reply",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("text", sa.String(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("title"),
        )


def downgrade() -> None:
    pass  # the tables belong to 0001
