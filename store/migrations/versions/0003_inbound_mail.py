"""Mail in and out: raw inbound mail by (mailbox, UIDVALIDITY, UID), the sender of a
message, and the reply headers of an outbox mail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=300), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("server_done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_mail_key"),
    )
    op.create_index("ix_inbound_mail_case_id", "inbound_mail", ["case_id"])
    op.create_index("ix_inbound_mail_sha256", "inbound_mail", ["mailbox", "sha256"])
    op.create_index("ix_inbound_mail_pending", "inbound_mail", ["mailbox", "server_done"],
                    sqlite_where=sa.text("server_done = 0"),
                    postgresql_where=sa.text("server_done = false"))
    # Plain ALTER TABLE ADD COLUMN: a batch (table copy) would break the search view.
    op.add_column("message", sa.Column("sender_address", sa.String(length=320),
                                       nullable=False, server_default=""))
    op.add_column("outbox", sa.Column("in_reply_to", sa.String(length=998), nullable=False,
                                      server_default=""))
    op.add_column("outbox", sa.Column("references", sa.String(), nullable=False,
                                      server_default=""))
    op.add_column("outbox", sa.Column("auto_submitted", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("outbox", "auto_submitted")
    op.drop_column("outbox", "references")
    op.drop_column("outbox", "in_reply_to")
    op.drop_column("message", "sender_address")
    op.drop_index("ix_inbound_mail_pending", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_sha256", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_case_id", table_name="inbound_mail")
    op.drop_table("inbound_mail")
