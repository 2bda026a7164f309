"""The audit log read by who did it (`casedesk audit --agent`)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 06:10:00
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_event_actor", "audit_event", ["actor", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_actor", table_name="audit_event")
