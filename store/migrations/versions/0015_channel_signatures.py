"""A signature per channel, an English version of a quick reply, a contact's customer
type as set by a person, and group counts by labels from an index

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (a batch's table copy would break the search view); nullable or
    # with a constant default, SQLite adds each without rewriting the table.
    op.add_column("channel", sa.Column("signature", sa.String(), nullable=False,
                                       server_default=""))
    op.add_column("quick_reply", sa.Column("text_en", sa.String(), nullable=True))
    op.add_column("contact", sa.Column("standing", sa.String(length=20), nullable=True))
    op.create_index("ix_cases_status_labels", "cases", ["status", "labels", "channel_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_status_labels", table_name="cases")
    op.drop_column("contact", "standing")
    op.drop_column("quick_reply", "text_en")
    op.drop_column("channel", "signature")
