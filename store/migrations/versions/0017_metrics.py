"""Metrics: cases by the time they were created and closed, and satisfaction surveys

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_index("ix_cases_created", "cases", ["created_at", "id"])
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"])
    op.create_table(
        "satisfaction",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("mail_message_id", sa.String(length=998), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_satisfaction_mail_message_id", "satisfaction", ["mail_message_id"])

def downgrade() -> None:
    op.drop_index("ix_satisfaction_mail_message_id", table_name="satisfaction")
    op.drop_table("satisfaction")
    op.drop_index("ix_cases_closed_at", table_name="cases")
    op.drop_index("ix_cases_created", table_name="cases")
