"""Service levels on the case: due times, due-soon times, the resolution time, the
pause while waiting, and the SLA events recorded

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TIMES = ("first_response_due", "first_response_soon", "resolution_due", "resolution_soon",
         "resolved_at", "sla_paused_at")


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch (table copy) would break the search view.
    for name in TIMES:
        op.add_column("cases", sa.Column(name, sa.DateTime(), nullable=True))
    op.add_column("cases", sa.Column("sla_paused_hours", sa.Float(), nullable=False,
                                     server_default="0"))
    op.add_column("cases", sa.Column("sla_events", sa.String(length=200), nullable=False,
                                     server_default=""))
    # What the scheduler looks for: open clocks past a time.
    op.create_index("ix_cases_first_response_soon", "cases", ["first_response_soon"],
                    sqlite_where=sa.text("first_response_soon IS NOT NULL"),
                    postgresql_where=sa.text("first_response_soon IS NOT NULL"))
    op.create_index("ix_cases_resolution_soon", "cases", ["resolution_soon"],
                    sqlite_where=sa.text("resolution_soon IS NOT NULL"),
                    postgresql_where=sa.text("resolution_soon IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_cases_resolution_soon", table_name="cases")
    op.drop_index("ix_cases_first_response_soon", table_name="cases")
    for name in (*TIMES, "sla_paused_hours", "sla_events"):
        op.drop_column("cases", name)
