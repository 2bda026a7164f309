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
    ("member-added", "{login} added to {channel}"),  # last: the one without a fixed start
]
REASONS = [
    ("customer-replied", "the customer replied"),
    ("solved-for", "solved for {days} days"),
    ("night-after-close", "the night after it closed"),
]


# What each value could have been; any other is text, as short as the sentence allows.
VALUES = {"number": r"\d+", "messages": r"\d+", "days": r"[\d.]+", "outbox": r"\d+",
          "megabytes": r"[\d.]+", "login": r"\S+", "what": "reply|acknowledgement",
          "filename": r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""}
NAMES = {"status": r"\w+", "start": r"\w+", "end": r"\w+"}  # statuses and priorities


def _pattern(kind: str, template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    values = {**VALUES, **(NAMES if kind in ("status", "priority", "follow-up-of") else {})}
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{values.get(p, '.+?')})"
                    for i, p in enumerate(parts))
    return re.compile(regex, re.DOTALL)


_WRITTEN = [(kind, _pattern(kind, template)) for kind, template in WRITTEN]
_REASONS = [(key, _pattern("reason", template)) for key, template in REASONS]


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


def written(kind: str, values: dict[str, str]) -> str:
    """An event's sentence as earlier versions wrote it."""
    if kind == "text":
        return values.get("text", "")
    values = dict(values)
    if kind == "attachment-too-large":
        values["filename"] = repr(values.get("filename", ""))
    if kind == "status" and values.get("why"):
        reason = dict(REASONS).get(values["why"], values["why"])
        values["why"] = reason.format_map(_Blank(values)) if values["why"] in dict(REASONS) \
            else reason
    forms = [t for k, t in WRITTEN if k == kind]
    if kind == "status" and not values.get("why"):
        forms = forms[1:]
    if not forms:
        return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in sorted(values.items()))
    return forms[0].format_map(_Blank(values))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def downgrade() -> None:
    conn = op.get_bind()
    message = sa.table("message", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                       sa.column("text", sa.String), sa.column("event_kind", sa.String),
                       sa.column("event_params", sa.String))
    update = sa.update(message).where(message.c.id == sa.bindparam("row_id")).values(
        text=sa.bindparam("text_"))
    after = 0
    while True:
        rows = conn.execute(sa.select(message.c.id, message.c.event_kind,
                                      message.c.event_params).where(
            message.c.kind == "event", message.c.id > after).order_by(message.c.id)
            .limit(BATCH)).all()
        if not rows:
            break
        conn.execute(update, [{"row_id": row_id, "text_": written(
            kind or "text", json.loads(params) if params else {})}
            for row_id, kind, params in rows])
        after = rows[-1][0]
    op.drop_column("message", "event_params")
    op.drop_column("message", "event_kind")
