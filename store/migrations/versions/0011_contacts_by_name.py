"""Contacts in order of their names: a list grouped by contact pages through them so

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:30:00
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_contact_name_key ON contact (lower(name), id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_contact_name_key")
