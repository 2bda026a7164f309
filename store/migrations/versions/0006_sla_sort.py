"""An index for sorting the case list by the next SLA due time

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00
"""
from alembic import op
import sqlalchemy as sa

# Frozen copies of store.models' expressions: a migration must not change with them.
_SLA_DUE = ("CASE WHEN status IN ('solved', 'closed', 'archived') THEN NULL "
            "WHEN first_response_at IS NULL AND first_response_due IS NOT NULL "
            "THEN first_response_due WHEN resolved_at IS NULL THEN resolution_due END")
SLA_NONE_SQL = f"(CASE WHEN ({_SLA_DUE}) IS NULL THEN 1 ELSE 0 END)"
SLA_KEY_SQL = f"(coalesce({_SLA_DUE}, updated_at))"

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_sla_due", "cases",
                    [sa.text(SLA_NONE_SQL), sa.text(SLA_KEY_SQL), "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_sla_due", table_name="cases")
