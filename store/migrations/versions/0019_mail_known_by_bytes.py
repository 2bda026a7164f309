"""A mail is known by its bytes wherever it was read: the digest index without the mailbox

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:10:00
"""
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_inbound_mail_sha256", table_name="inbound_mail")
    op.create_index("ix_inbound_mail_sha256", "inbound_mail", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_inbound_mail_sha256", table_name="inbound_mail")
    op.create_index("ix_inbound_mail_sha256", "inbound_mail", ["mailbox", "sha256"])
