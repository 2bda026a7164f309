"""System events as a kind and its values: the English sentences stored so far are
read back into `event_kind` and `event_params`, and their `text` emptied

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:00:00
"""
import ast
import json
import re

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000

# The sentences earlier versions wrote, with the kind each becomes. A copy, not an
# import: a migration reads what was written then, whatever the code says later.
WRITTEN = [
    ("status", "Status: {start} → {end} ({why})"),
    ("status", "Status: {start} → {end}"),
    ("priority", "Priority: {start} → {end}"),
    ("assigned", "Assigned to {login}"),
    ("unassigned", "Unassigned"),
    ("unassigned-not-member", "Unassigned: {login} is not in {channel}"),
    ("member-added", "{login} added to {channel}"),
    ("title", "Title changed from “{before}”"),
    ("channel", "Moved from channel {start} to {end}"),
    ("linked", "Linked to #{number}"),
    ("merged-here", "Case #{number} ({title}) was merged into this case: {messages} messages moved"),
    ("merged-into", "Merged into #{number}"),
    ("split-into", "A message was split off into #{number}"),
    ("split-from", "Split off from #{number}"),
    ("follow-up-of", "Follow-up of #{number}, which is {status}"),
    ("followed-up", "The customer wrote again: follow-up is #{number}"),
    ("delivery-failed", "Delivery failed: {why} (the {what} to {to})"),
    ("delivery-delayed", "Delivery delayed: {why} (the {what} to {to})"),
    ("reply-requeued", "The reply is queued to be sent again (by {by})"),
    ("reply-failed", "The reply to {to} could not be sent: {error}"),
    ("reply-unknown", "It is not known whether the reply to {to} went out ({error}). Check with "
                      "the customer, or send it again with `casedesk outbox retry {outbox}`."),
    ("acknowledged", "Automatic acknowledgement sent to {to}:\n{text}"),
    ("not-acknowledged", "No automatic acknowledgement was sent: {why}."),
    ("attachment-too-large", "The attachment {filename} ({megabytes} MB) is larger than the "
                             "limit and was not stored with the message; the original mail "
                             "keeps it."),
    ("sla-first-soon", "SLA: the first answer is due soon"),
    ("sla-first-breached", "SLA: the first answer is overdue"),
    ("sla-resolution-soon", "SLA: the solution is due soon"),
    ("sla-resolution-breached", "SLA: the solution is overdue"),
]
REASONS = [
    ("customer-replied", "the customer replied"),
    ("solved-for", "solved for {days} days"),
    ("night-after-close", "the night after it closed"),
]


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                    for i, p in enumerate(parts))
    return re.compile(regex, re.DOTALL)


_WRITTEN = [(kind, _pattern(template)) for kind, template in WRITTEN]
_REASONS = [(key, _pattern(template)) for key, template in REASONS]


def read(text: str) -> tuple[str, dict[str, str]]:
    """An event's sentence as (kind, values); one of no known form keeps its words."""
    for kind, pattern in _WRITTEN:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = found.groupdict()
        if kind == "status" and "why" in values:
            for key, reason in _REASONS:
                why = reason.fullmatch(values["why"])
                if why is not None:
                    values.update(why.groupdict(), why=key)
                    break
        if kind == "attachment-too-large":  # written as repr()
            try:
                values["filename"] = str(ast.literal_eval(values["filename"]))
            except (ValueError, SyntaxError):
                pass
        return kind, values
    return "text", {"text": text}


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch (table copy) would break the search view.
    op.add_column("message", sa.Column("event_kind", sa.String(length=40), nullable=False,
                                       server_default=""))
    op.add_column("message", sa.Column("event_params", sa.String(), nullable=False,
                                       server_default=""))
    conn = op.get_bind()
    message = sa.table("message", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                       sa.column("text", sa.String), sa.column("event_kind", sa.String),
                       sa.column("event_params", sa.String))
    update = sa.update(message).where(message.c.id == sa.bindparam("row_id")).values(
        text="", event_kind=sa.bindparam("kind_"), event_params=sa.bindparam("params"))
    after = 0
    while True:
        rows = conn.execute(sa.select(message.c.id, message.c.text).where(
            message.c.kind == "event", message.c.id > after).order_by(message.c.id)
            .limit(BATCH)).all()
        if not rows:
            return
        changes = []
        for row_id, text in rows:
            kind, values = read(text)
            changes.append({"row_id": row_id, "kind_": kind, "params": json.dumps(
                values, ensure_ascii=False, sort_keys=True)})
        conn.execute(update, changes)
        after = rows[-1][0]


def downgrade() -> None:
    # The kinds' English, as the store says it (store/events.py), back into `text`.
    from store.events import loaded

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, event_kind, event_params FROM message WHERE kind = 'event'")).all()
    for row_id, kind, params in rows:
        conn.execute(sa.text("UPDATE message SET text = :text WHERE id = :id"),
                     {"text": loaded(kind or "text", params).english(), "id": row_id})
    op.drop_column("message", "event_params")
    op.drop_column("message", "event_kind")
