"""The first tables, and the search index (FTS5 on SQLite)

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 15:39:58.622139
"""
from alembic import op
import sqlalchemy as sa

# Frozen copies: a migration must not change when store.search does.
CREATE_DOC_VIEW = """
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title AS title,
       coalesce((SELECT group_concat(text, char(10)) FROM
                 (SELECT m.text AS text FROM message m
                  WHERE m.case_id = c.id AND m.kind != 'event' ORDER BY m.id)), '') AS body
FROM cases c
"""
CREATE_FTS = """
CREATE VIRTUAL TABLE case_fts USING fts5(
    title, body,
    content='case_doc', content_rowid='id',
    tokenize='unicode61 remove_diacritics 0',
    prefix='2 3'
)
"""

# PostgreSQL: the same documents, in a tsvector table ('simple': no stemming, so
# whole words and prefixes mean what they mean on SQLite; å, ä, ö kept).
PG_DOC_VIEW = """
CREATE VIEW case_doc AS
SELECT c.id AS id, c.title AS title,
       coalesce((SELECT string_agg(m.text, E'\\n' ORDER BY m.id) FROM message m
                 WHERE m.case_id = c.id AND m.kind != 'event'), '') AS body
FROM cases c
"""
PG_SEARCH = """
CREATE TABLE case_search (
    case_id integer PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    doc tsvector NOT NULL
)
"""

ACTIVE_SQL = "status IN ('new', 'escalated', 'open', 'parked', 'waiting', 'solved')"


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('is_supervisor', sa.Boolean(), nullable=False),
    sa.Column('is_ai', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login')
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.String(), nullable=False),
    sa.Column('after', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_case_id'), ['case_id'], unique=False)

    op.create_table('change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    op.create_table('channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('customer_type', sa.String(length=20), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_phone'), ['phone'], unique=False)

    op.create_table('agent_preference',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'key')
    )
    op.create_table('quick_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('title')
    )
    op.create_table('stored_file',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('lease',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('mailbox_state',
    sa.Column('mailbox', sa.String(length=300), nullable=False),
    sa.Column('uidvalidity', sa.Integer(), nullable=False),
    sa.Column('last_uid', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('mailbox')
    )
    op.create_table('setting',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('labels', sa.String(length=1000), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('solved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['merged_into_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_assignee_updated', ['assignee_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_channel_updated', ['channel_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_contact_updated', ['contact_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_merged_into_id', ['merged_into_id'], unique=False, sqlite_where=sa.text('merged_into_id IS NOT NULL'), postgresql_where=sa.text('merged_into_id IS NOT NULL'))
        batch_op.create_index('ix_cases_status_updated', ['status', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_priority_updated', ['priority', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_status_channel', ['status', 'channel_id'], unique=False)
        batch_op.create_index('ix_cases_status_assignee', ['status', 'assignee_id', 'channel_id'], unique=False)
        batch_op.create_index('ix_cases_status_contact', ['status', 'contact_id', 'channel_id'], unique=False)
        batch_op.create_index('ix_cases_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_active_updated', ['updated_at', 'id'], unique=False, sqlite_where=sa.text(ACTIVE_SQL), postgresql_where=sa.text(ACTIVE_SQL))

    op.create_table('channel_member',
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('channel_id', 'agent_id')
    )
    with op.batch_alter_table('channel_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_member_agent_id'), ['agent_id'], unique=False)

    op.create_table('workspace_settings',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('new_case_kinds', sa.String(length=100), nullable=False),
    sa.Column('leave_on_solved', sa.Boolean(), nullable=False),
    sa.Column('leave_on_waiting', sa.Boolean(), nullable=False),
    sa.Column('leave_on_parked', sa.Boolean(), nullable=False),
    sa.Column('add_assigned', sa.Boolean(), nullable=False),
    sa.Column('add_watched_on_activity', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('agent_id')
    )
    op.create_table('case_link',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'other_id')
    )
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_link_other_id'), ['other_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('author_agent_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('origin_case_id', sa.Integer(), nullable=True),
    sa.Column('mail_message_id', sa.String(length=998), nullable=True),
    sa.ForeignKeyConstraint(['author_agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_message_mail_message_id', ['mail_message_id'], unique=False, sqlite_where=sa.text('mail_message_id IS NOT NULL'), postgresql_where=sa.text('mail_message_id IS NOT NULL'))

    op.create_table('watch',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'agent_id')
    )
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_agent_id'), ['agent_id'], unique=False)

    op.create_table('workspace_entry',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('unread', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'case_id')
    )
    with op.batch_alter_table('workspace_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspace_entry_case_id'), ['case_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_sha256'), ['sha256'], unique=False)

    op.create_table('mention',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'agent_id')
    )
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mention_agent_id'), ['agent_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('from_addr', sa.String(length=320), nullable=False),
    sa.Column('to_addr', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=1000), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('mail_message_id', sa.String(length=998), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_state'), ['state'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        op.execute(CREATE_DOC_VIEW)
        op.execute(CREATE_FTS)
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DOC_VIEW)
        op.execute(PG_SEARCH)
        op.execute("CREATE INDEX ix_case_search_doc ON case_search USING gin (doc)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE case_fts")
        op.execute("DROP VIEW case_doc")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE case_search")
        op.execute("DROP VIEW case_doc")

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_state'))
        batch_op.drop_index(batch_op.f('ix_outbox_case_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('mention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mention_agent_id'))

    op.drop_table('mention')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachment_message_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('workspace_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspace_entry_case_id'))

    op.drop_table('workspace_entry')
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_agent_id'))

    op.drop_table('watch')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_mail_message_id')
        batch_op.drop_index('ix_message_case')

    op.drop_table('message')
    with op.batch_alter_table('case_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_link_other_id'))

    op.drop_table('case_link')
    op.drop_table('workspace_settings')
    with op.batch_alter_table('channel_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_member_agent_id'))

    op.drop_table('channel_member')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated')
        batch_op.drop_index('ix_cases_active_updated')
        batch_op.drop_index('ix_cases_status_updated')
        batch_op.drop_index('ix_cases_priority_updated')
        batch_op.drop_index('ix_cases_status_channel')
        batch_op.drop_index('ix_cases_status_assignee')
        batch_op.drop_index('ix_cases_status_contact')
        batch_op.drop_index('ix_cases_merged_into_id')
        batch_op.drop_index('ix_cases_contact_updated')
        batch_op.drop_index('ix_cases_channel_updated')
        batch_op.drop_index('ix_cases_assignee_updated')

    op.drop_table('cases')
    op.drop_table('setting')
    op.drop_table('mailbox_state')
    op.drop_table('lease')
    op.drop_table('stored_file')
    op.drop_table('quick_reply')
    op.drop_table('agent_preference')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_phone'))
        batch_op.drop_index(batch_op.f('ix_contact_email'))

    op.drop_table('contact')
    op.drop_table('channel')
    op.drop_table('change')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_case_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    op.drop_table('agent')

