"""The team's version: a number every change to agents, channels or memberships moves,
so that a process may keep who someone is and what they see until it moves

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLES = ("agent", "channel", "channel_member")
_BUMP = "UPDATE team_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "team_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO team_version (id, version) VALUES (1, 1)")
    # Triggers, not the store's code: a change by any path (an admin's SQL, a copy, a
    # restore) moves the number too.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION team_changed() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {_BUMP}; RETURN NULL; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_team_changed AFTER INSERT OR UPDATE OR DELETE "
                       f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION team_changed()")
        return
    for table in TABLES:
        for change in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_{change.lower()}_team_changed AFTER {change} "
                       f"ON {table} BEGIN {_BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_team_changed ON {table}")
        op.execute("DROP FUNCTION team_changed()")
    else:
        for table in TABLES:
            for change in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{change}_team_changed")
    op.drop_table("team_version")
