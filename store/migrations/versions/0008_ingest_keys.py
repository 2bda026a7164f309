"""Ingest keys: a line with its source system's id is taken once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_key",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scope", "source_id"),
    )
    op.create_index("ix_ingest_key_case_id", "ingest_key", ["case_id"])
    op.create_index("ix_ingest_key_message_id", "ingest_key", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_ingest_key_message_id", table_name="ingest_key")
    op.drop_index("ix_ingest_key_case_id", table_name="ingest_key")
    op.drop_table("ingest_key")
