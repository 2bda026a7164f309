"""The tables of the case store.

SQLModel classes, used only inside `store/`: every service returns frozen views
(`store.views`), never one of these. Datetimes are timezone-aware UTC at this
boundary (`UTCDateTime`); SQLite keeps no zone, so they are stored as naive UTC.

Schema changes go through Alembic (`store/migrations`); a change here without a
migration fails `tests/store/test_migrations.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from store.statuses import ACTIVE, SLA_DONE, rank_sql, sql_in
from store.statuses import Status as Status  # the column's values, imported from here too


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, naive UTC in the database (SQLite has no zones)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_field(*, nullable: bool = False, index: bool = False) -> datetime:
    return Field(
        default=None if nullable else ...,
        sa_type=UTCDateTime,
        nullable=nullable,
        index=index,
    )


# The statuses of a case still being worked on, as SQL (see ix_cases_active_updated).
ACTIVE_SQL = sql_in(ACTIVE)
# Sort keys a list can be ordered by from an index, spelled literally so that the
# planner matches the expression indexes below. Ranks count down: newest-first
# (descending) order then shows statuses in lifecycle order and high priority first.
STATUS_RANK_SQL = rank_sql()
PRIORITY_RANK_SQL = "(CASE priority WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END)"
ASSIGNEE_KEY_SQL = "(coalesce(assignee_id, 0))"  # unassigned sorts as 0, never NULL
# The next SLA due time (CaseRow.sla_due in SQL), as two keys that are never NULL — a
# NULL would break keyset paging: whether there is one (0) or not (1), then the due
# time, or for a case without one its last update.
_SLA_DUE = (f"CASE WHEN {sql_in(SLA_DONE)} THEN NULL "
            "WHEN first_response_at IS NULL AND first_response_due IS NOT NULL "
            "THEN first_response_due WHEN resolved_at IS NULL THEN resolution_due END")
SLA_NONE_SQL = f"(CASE WHEN ({_SLA_DUE}) IS NULL THEN 1 ELSE 0 END)"
SLA_KEY_SQL = f"(coalesce({_SLA_DUE}, updated_at))"


# The customer types (store/standing.py): set on a contact, or derived.
STANDINGS = ("new", "existing", "internal")


class ChannelKind(StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    FORM = "form"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class MessageKind(StrEnum):
    """What a line of the conversation is.

    `customer` is anything inbound from outside (the customer's own words, their
    auto-replies, bounces — flagged in `Message.flags`); `ai` an AI agent's line;
    `reply` an agent's answer the customer sees; `note` internal, never sent;
    `event` a system event (status change, assignment, merge, …).
    """

    CUSTOMER = "customer"
    AI = "ai"
    REPLY = "reply"
    NOTE = "note"
    EVENT = "event"


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Agent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, max_length=64)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    is_supervisor: bool = False
    # An AI agent (a bot reaching casedesk through ingest): never solves a case.
    is_ai: bool = False
    is_active: bool = True
    created_at: datetime = utc_field()


class Channel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    kind: str = Field(max_length=10)  # ChannelKind
    address: str = Field(default="", max_length=320)
    # Added below every mail the channel sends (replies, acknowledgements): a name, a
    # phone number, a word on how the sender's data is handled.
    signature: str = Field(default="", sa_column_kwargs={"server_default": ""})
    created_at: datetime = utc_field()


class ChannelMember(SQLModel, table=True):
    __tablename__ = "channel_member"
    channel_id: int = Field(foreign_key="channel.id", primary_key=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, index=True, ondelete="CASCADE")


class TeamVersion(SQLModel, table=True):
    """One row: a number moved by triggers on every change to agents, channels and
    memberships (migration 0022). What someone may see is kept until it moves."""

    __tablename__ = "team_version"
    id: int = Field(primary_key=True)
    version: int


class Contact(SQLModel, table=True):
    # A list grouped by contact pages through the contacts by name (queries.py).
    __table_args__ = (sa.Index("ix_contact_name_key", sa.text("lower(name)"), "id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320, index=True)
    phone: str = Field(default="", max_length=50, index=True)
    customer_type: str = Field(default="private", max_length=20)  # private | business
    # The customer type as set: new, existing or internal; None: derived
    # (store/standing.py).
    standing: str | None = Field(default=None, max_length=20)
    tier: str = Field(default="standard", max_length=20)  # standard | premium | …
    created_at: datetime = utc_field()


class Case(SQLModel, table=True):
    """A case. `id` is the case number people see and quote as `[#number]`.

    `version` counts edits of the case's own fields (status, assignee, priority,
    labels, channel, title); appending to the conversation does not bump it, so
    an append never conflicts while a stale edit does.
    """

    # "case" is an SQL keyword: the table is "cases".
    __tablename__ = "cases"
    __table_args__ = (
        # The list queries: one filter + "last updated" order (and keyset paging on id).
        sa.Index("ix_cases_status_updated", "status", "updated_at", "id"),
        sa.Index("ix_cases_channel_updated", "channel_id", "updated_at", "id"),
        sa.Index("ix_cases_assignee_updated", "assignee_id", "updated_at", "id"),
        sa.Index("ix_cases_contact_updated", "contact_id", "updated_at", "id"),
        sa.Index("ix_cases_priority_updated", "priority", "updated_at", "id"),
        sa.Index("ix_cases_flags_updated", "flags", "updated_at", "id"),
        sa.Index("ix_cases_updated", "updated_at", "id"),
        # A report's period: the cases created in it; its backlog: those not closed
        # before its end (store/metrics).
        sa.Index("ix_cases_created", "created_at", "id"),
        sa.Index("ix_cases_closed_at", "closed_at"),
        # Sorting by another column: keyset pages in that order, read from an index.
        sa.Index("ix_cases_title", "title", "id"),
        sa.Index("ix_cases_status_rank", sa.text(STATUS_RANK_SQL), "updated_at", "id"),
        sa.Index("ix_cases_priority_rank", sa.text(PRIORITY_RANK_SQL), "updated_at", "id"),
        sa.Index("ix_cases_assignee_key", sa.text(ASSIGNEE_KEY_SQL), "updated_at", "id"),
        sa.Index("ix_cases_sla_due", sa.text(SLA_NONE_SQL), sa.text(SLA_KEY_SQL), "id"),
        # The default view (every status but closed and archived) in list order: both
        # ends of it at once, however many ended cases lie between. The queries spell
        # the condition out literally so that the planner can match it.
        sa.Index("ix_cases_active_updated", "updated_at", "id",
                 sqlite_where=sa.text(ACTIVE_SQL), postgresql_where=sa.text(ACTIVE_SQL)),
        # The same view by number: read in order, however few of all the cases are active.
        sa.Index("ix_cases_active_number", "id",
                 sqlite_where=sa.text(ACTIVE_SQL), postgresql_where=sa.text(ACTIVE_SQL)),
        # Counts and group counts within a set of statuses, read from the index
        # alone — channel_id included for an agent, who sees only their channels.
        sa.Index("ix_cases_status_channel", "status", "channel_id"),
        sa.Index("ix_cases_status_assignee", "status", "assignee_id", "channel_id"),
        sa.Index("ix_cases_status_contact", "status", "contact_id", "channel_id"),
        sa.Index("ix_cases_status_labels", "status", "labels", "channel_id"),
        # Partial: few cases are merged, and a full index here lures the planner away
        # from the list indexes above.
        sa.Index("ix_cases_merged_into_id", "merged_into_id",
                 sqlite_where=sa.text("merged_into_id IS NOT NULL"),
                 postgresql_where=sa.text("merged_into_id IS NOT NULL")),
        # The scheduler's SLA check: clocks past a time, among the few that have one.
        sa.Index("ix_cases_first_response_soon", "first_response_soon",
                 sqlite_where=sa.text("first_response_soon IS NOT NULL"),
                 postgresql_where=sa.text("first_response_soon IS NOT NULL")),
        sa.Index("ix_cases_resolution_soon", "resolution_soon",
                 sqlite_where=sa.text("resolution_soon IS NOT NULL"),
                 postgresql_where=sa.text("resolution_soon IS NOT NULL")),
        # Numbers are never reused, even after the newest case is purged.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=500)
    channel_id: int = Field(foreign_key="channel.id")
    contact_id: int = Field(foreign_key="contact.id")
    assignee_id: int | None = Field(default=None, foreign_key="agent.id")
    status: str = Field(max_length=12)  # Status
    priority: str = Field(default=Priority.MEDIUM.value, max_length=8)  # Priority
    labels: str = Field(default="", max_length=1000)  # comma-separated, sorted
    flags: int = 0  # what triage found (store/triage: urgent, frustrated) as bits
    version: int = 1
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    first_response_at: datetime | None = utc_field(nullable=True)
    solved_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    archived_at: datetime | None = utc_field(nullable=True)
    # Service levels (store/sla.py): when the first answer and the solution are due,
    # and when each is "due soon"; when it was solved (cleared if it reopens); how long
    # the clocks have stood still while it waited for the customer; which SLA events
    # (first-soon, first-breached, resolution-soon, resolution-breached) were recorded.
    first_response_due: datetime | None = utc_field(nullable=True)
    first_response_soon: datetime | None = utc_field(nullable=True)
    resolution_due: datetime | None = utc_field(nullable=True)
    resolution_soon: datetime | None = utc_field(nullable=True)
    resolved_at: datetime | None = utc_field(nullable=True)
    sla_paused_at: datetime | None = utc_field(nullable=True)
    sla_paused_hours: float = 0.0
    sla_events: str = Field(default="", max_length=200)
    # Set when this case was merged into another; it stays findable by its number.
    merged_into_id: int | None = Field(default=None, foreign_key="cases.id")


class CaseLink(SQLModel, table=True):
    """Related cases. Stored once per pair with `case_id < other_id`."""

    __tablename__ = "case_link"
    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    other_id: int = Field(foreign_key="cases.id", primary_key=True, index=True, ondelete="CASCADE")
    kind: str = Field(default="related", max_length=20)  # related | split | follow-up
    created_at: datetime = utc_field()


class Message(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_message_case", "case_id", "id"),
        # Partial: most messages (chat, phone, notes) have no Message-ID.
        sa.Index("ix_message_mail_message_id", "mail_message_id",
                 sqlite_where=sa.text("mail_message_id IS NOT NULL"),
                 postgresql_where=sa.text("mail_message_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    kind: str = Field(max_length=10)  # MessageKind
    author_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    # Who wrote it, as shown: the contact's name, the agent's, "system", the AI agent's.
    author: str = Field(default="", max_length=200)
    text: str = ""
    # Comma-separated marks on inbound mail: auto-reply, bounce, bulk, no-sender …
    flags: str = Field(default="", max_length=200)
    created_at: datetime = utc_field()
    # The case it was first written on, kept when a merge or split moves it.
    origin_case_id: int | None = Field(default=None)
    # Mail threading: our own or the sender's Message-ID, and what it replies to.
    mail_message_id: str | None = Field(default=None, max_length=998)
    # The address an inbound mail came from: who took part in a case (threading by a
    # `[#number]` tag trusts only them and the case's contact).
    sender_address: str = Field(default="", max_length=320)
    # A system event (kind `event`): what happened and its values, never words
    # (store/events.py; the TUI says it in its language). Its `text` stays empty.
    event_kind: str = Field(default="", max_length=40)
    event_params: str = ""  # a JSON object of strings


class Mention(SQLModel, table=True):
    message_id: int = Field(foreign_key="message.id", primary_key=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, index=True)


class Attachment(SQLModel, table=True):
    """Attachment metadata. The bytes live in the content-addressed folder beside the
    database (`Database.files_dir`), named by their SHA-256."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str = Field(default="", max_length=500)
    content_type: str = Field(default="application/octet-stream", max_length=200)
    size: int = 0
    sha256: str = Field(max_length=64, index=True)


class StoredFile(SQLModel, table=True):
    """File bytes kept in the database (PostgreSQL's default; see `store.files`)."""

    __tablename__ = "stored_file"
    sha256: str = Field(primary_key=True, max_length=64)
    content: bytes = Field(sa_type=sa.LargeBinary)


class CaseField(SQLModel, table=True):
    """A web form's field on its case, as the form sent it (an order number,
    a category): shown with the case's facts, found by search, matched by rules."""

    __tablename__ = "case_field"
    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    name: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=1000)


class Watch(SQLModel, table=True):
    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, index=True)


class WorkspaceEntry(SQLModel, table=True):
    __tablename__ = "workspace_entry"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    case_id: int = Field(foreign_key="cases.id", primary_key=True, index=True, ondelete="CASCADE")
    added_at: datetime = utc_field()
    unread: bool = False


class Presence(SQLModel, table=True):
    """Who has a case open right now, and whether they are writing to the customer: one
    row per running TUI (`holder`: an agent may run two), renewed while it is so; a
    row not renewed for a while belongs to a TUI that has gone."""

    holder: str = Field(primary_key=True, max_length=64)
    agent_id: int = Field(foreign_key="agent.id")
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    doing: str = Field(max_length=20)  # "viewing" or "replying"
    seen_at: datetime = utc_field()


class Draft(SQLModel, table=True):
    """What an agent has written in a case and not sent: kept as they type, so a lost
    connection or a closed terminal loses nothing (one per agent and case)."""

    agent_id: int = Field(foreign_key="agent.id", primary_key=True, ondelete="CASCADE")
    case_id: int = Field(foreign_key="cases.id", primary_key=True, index=True,
                         ondelete="CASCADE")
    text: str = ""
    note: bool = False  # an internal note, not a reply
    status: str | None = Field(default=None, max_length=20)  # the status after sending
    saved_at: datetime = utc_field()


class IngestKey(SQLModel, table=True):
    """A `casedesk ingest` line that carried its source system's id, and what it made:
    taken once, however often the file is run. The id is scoped by where the line
    points — `channel:ID` for a new case (the channel the line names), `case:N` for a
    message line (the case it names) — so two source systems that number alike but
    feed different channels never collide."""

    __tablename__ = "ingest_key"
    scope: str = Field(primary_key=True, max_length=40)
    source_id: str = Field(primary_key=True, max_length=200)
    case_id: int = Field(foreign_key="cases.id", index=True, ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True,
                                   ondelete="CASCADE")
    created_at: datetime = utc_field()


class WorkspaceSettings(SQLModel, table=True):
    """Which cases enter and leave an agent's workspace (README.md, "My workspace")."""

    __tablename__ = "workspace_settings"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    # Channel kinds whose new cases are added, comma-separated.
    new_case_kinds: str = Field(default="", max_length=100)
    leave_on_solved: bool = True
    leave_on_waiting: bool = False
    leave_on_parked: bool = False
    add_assigned: bool = True
    add_watched_on_activity: bool = True


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what, when, with the values before and after (JSON)."""

    __tablename__ = "audit_event"
    # `casedesk audit --agent`: one login's events, newest first, without reading all.
    __table_args__ = (sa.Index("ix_audit_event_actor", "actor", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=50)
    case_id: int | None = Field(default=None, index=True)
    before: str = ""
    after: str = ""


class Satisfaction(SQLModel, table=True):
    """A solved case's satisfaction survey (README, "Metrics"): asked once by mail, its
    reply's rating 1–5 kept here, never as a message of the case."""

    case_id: int = Field(foreign_key="cases.id", primary_key=True, ondelete="CASCADE")
    asked_at: datetime = utc_field()
    # The survey's own Message-ID: a reply names it in its threading headers.
    mail_message_id: str = Field(default="", max_length=998, index=True)
    language: str = Field(default="sv", max_length=2)
    rating: int | None = None
    rated_at: datetime | None = utc_field(nullable=True)


class Outbox(SQLModel, table=True):
    """A reply waiting to go out by mail: queued → sending → sent / failed / unknown."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    state: str = Field(default=OutboxState.QUEUED.value, max_length=10, index=True)
    from_addr: str = Field(default="", max_length=320)
    to_addr: str = Field(max_length=320)
    subject: str = Field(max_length=1000)
    body: str = ""
    mail_message_id: str = Field(max_length=998)
    # The customer's mail this answers (In-Reply-To) and the thread (References).
    in_reply_to: str = Field(default="", max_length=998)
    references: str = ""
    # Sent by casedesk itself (an acknowledgement): marked Auto-Submitted: auto-replied.
    auto_submitted: bool = False
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field(nullable=True)
    last_error: str = ""
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class InboundMail(SQLModel, table=True):
    """Every mail fetched from a mailbox, kept raw (its bytes in the file store, by
    SHA-256) under its key (mailbox, UIDVALIDITY, UID): ingested once, whatever
    happens, and what became of it — a case, a duplicate, a quarantine — visible."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_mail_key"),
        sa.Index("ix_inbound_mail_sha256", "sha256"),  # known by its bytes anywhere
        # The few whose \Seen flag or move is still to be done on the server.
        sa.Index("ix_inbound_mail_pending", "mailbox", "server_done",
                 sqlite_where=sa.text("server_done = 0"),
                 postgresql_where=sa.text("server_done = false")),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=300)
    uidvalidity: int = Field(sa_type=sa.BigInteger)
    uid: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    size: int = 0
    received_at: datetime = utc_field()
    # ingested | duplicate | quarantined (parsed badly: the case holds the raw mail)
    outcome: str = Field(max_length=20)
    reason: str = ""
    case_id: int | None = Field(default=None, index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    server_done: bool = False


class MailboxState(SQLModel, table=True):
    """Where the IMAP poller is in each mailbox."""

    __tablename__ = "mailbox_state"
    mailbox: str = Field(primary_key=True, max_length=300)
    uidvalidity: int = 0
    last_uid: int = 0
    updated_at: datetime = utc_field()


class Lease(SQLModel, table=True):
    """Who runs a background job right now; a holder past `expires_at` is replaced."""

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=200)
    expires_at: datetime = utc_field()


class Change(SQLModel, table=True):
    """The change feed: one row per committed change to a case, so another process
    can ask "anything new since id N?" with one indexed read."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field()
    case_id: int | None = None
    kind: str = Field(max_length=30)

    __table_args__ = ({"sqlite_autoincrement": True},)


class CaseRead(SQLModel, table=True):
    """Who read which case when (README, "Privacy"): one row per open in the TUI, per
    `case show`, per case in an export. Ids only, no content; written in batches
    (store/reads.py)."""

    __tablename__ = "case_read"
    __table_args__ = (sa.Index("ix_case_read_case", "case_id", "id"),
                      sa.Index("ix_case_read_login", "login", "id"))
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field()
    login: str = Field(max_length=64)
    case_id: int
    via: str = Field(max_length=20)  # tui | show | json | export


class AgentPreference(SQLModel, table=True):
    """What an agent chose for themselves (the list's columns, …), by key."""

    __tablename__ = "agent_preference"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=100)
    value: str = ""


class Label(SQLModel, table=True):
    """One of the team's labels (store/labels.py): once there are any, a case takes no
    other."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = utc_field()


class QuickReply(SQLModel, table=True):
    """A canned answer ("snabbsvar") with variables (store/quick_replies.py): `text` as
    written, `text_en` its English version for a contact who writes English."""

    __tablename__ = "quick_reply"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200, unique=True)
    text: str
    text_en: str | None = None
    created_at: datetime = utc_field()


class Setting(SQLModel, table=True):
    """Store-wide facts, such as whether this is a demo database."""

    key: str = Field(primary_key=True, max_length=100)
    value: str = ""
