"""A case's system events — a status change, an assignment, a returned mail — as a kind
and its values, the way they are stored in the conversation (`Message.event_kind`,
`Message.event_params`).

The words are not stored: `english` says an event for the command line and the export;
the TUI says it in its own language from the same kind and values (`tui/words.py`).
A kind's values are strings; statuses and priorities by their identifiers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

# Each kind with its values, in English.
ENGLISH: dict[str, str] = {
    "status": "Status: {start} → {end}",
    "priority": "Priority: {start} → {end}",
    "assigned": "Assigned to {login}",
    "unassigned": "Unassigned",
    "unassigned-not-member": "Unassigned: {login} is not in {channel}",
    "member-added": "{login} added to {channel}",
    "title": "Title changed from “{before}”",
    "channel": "Moved from channel {start} to {end}",
    "linked": "Linked to #{number}",
    "merged-here": "Case #{number} ({title}) was merged into this case: {messages} messages moved",
    "merged-into": "Merged into #{number}",
    "split-into": "A message was split off into #{number}",
    "split-from": "Split off from #{number}",
    "follow-up-of": "Follow-up of #{number}, which is {status}",
    "followed-up": "The customer wrote again: follow-up is #{number}",
    "delivery-failed": "Delivery failed: {why} (the {what} to {to})",
    "delivery-delayed": "Delivery delayed: {why} (the {what} to {to})",
    "reply-requeued": "The reply is queued to be sent again (by {by})",
    "reply-failed": "The reply to {to} could not be sent: {error}",
    "reply-unknown": ("It is not known whether the reply to {to} went out ({error}). Check with "
                      "the customer, or send it again with `casedesk outbox retry {outbox}`."),
    "acknowledged": "Automatic acknowledgement sent to {to}:\n{text}",
    "not-acknowledged": "No automatic acknowledgement was sent: {why}.",
    "satisfaction-asked": "Satisfaction survey sent to {to}",
    "satisfaction-rated": "The customer rated the help {rating} of 5",
    "attachment-too-large": ("The attachment “{filename}” ({megabytes} MB) is larger than the "
                             "limit and was not stored with the message; the original mail "
                             "keeps it."),
    "flagged": "Triage: marked {flag} ({words})",
    "triaged": "Triage: the rule “{rule}” set {changes}",
    "sla-first-soon": "SLA: the first answer is due soon",
    "sla-first-breached": "SLA: the first answer is overdue",
    "sla-resolution-soon": "SLA: the solution is due soon",
    "sla-resolution-breached": "SLA: the solution is overdue",
    "text": "{text}",  # an event written before events had kinds, as it was written
}
# Why a status changed (the status event's `why`), in English.
REASONS: dict[str, str] = {
    "customer-replied": "the customer replied",
    "solved-for": "solved for {days} days",
    "night-after-close": "the night after it closed",
    "assigned": "it was assigned",
    "answered": "an agent answered",
    "imported": "as its imported mail says",
}

# What a triage rule set (the `triaged` event's values), in English; `way`: how the
# assignee was picked.
TRIAGED: dict[str, str] = {
    "priority": "priority {priority}", "labels": "labels {labels}",
    "channel": "channel {channel}", "assignee": "assignee {assignee}",
    "notify": "told {notify}",
}
WAYS: dict[str, str] = {"round-robin": "in turn", "least-loaded": "the least loaded"}


def triaged(params: Mapping[str, str], parts: Mapping[str, str],
            ways: Mapping[str, str]) -> str:
    """A `triaged` event's changes, in the words given (`TRIAGED`, `WAYS` or a
    translation of them)."""
    values = Values(params)
    said = []
    for key, part in parts.items():
        if key in params:
            text = part.format_map(values)
            if key == "assignee" and params.get("way"):
                text += f" ({ways.get(params['way'], params['way'])})"
            said.append(text)
    return ", ".join(said)


@dataclass(frozen=True)
class Event:
    kind: str
    params: Mapping[str, str] = field(default_factory=dict)

    def stored(self) -> str:
        """The values as the `event_params` column holds them."""
        return json.dumps(dict(self.params), ensure_ascii=False, sort_keys=True)

    def english(self) -> str:
        return english(self.kind, self.params)


def event(kind: str, **params: object) -> Event:
    if kind not in ENGLISH:
        raise ValueError(f"unknown event kind {kind!r}")
    return Event(kind, {k: str(v) for k, v in params.items() if v is not None and v != ""})


def status(start: str, end: str, why: str = "", **why_params: object) -> Event:
    """A status change, with why it happened (a key of REASONS) when the system moved it."""
    if why and why not in REASONS:
        raise ValueError(f"unknown reason {why!r}")
    return event("status", start=start, end=end, why=why, **why_params)


def loaded(kind: str, params: str) -> Event:
    """An event as read from its row."""
    try:
        values = json.loads(params) if params else {}
    except ValueError:
        values = {}
    if not isinstance(values, dict):
        values = {}
    return Event(kind, {str(k): str(v) for k, v in values.items()})


def english(kind: str, params: Mapping[str, str]) -> str:
    template = ENGLISH.get(kind)
    if template is None:  # a kind from a newer casedesk: its values at least
        return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    values = Values(params)
    if kind == "triaged":
        values["changes"] = triaged(params, TRIAGED, WAYS)
    text = template.format_map(values)
    why = params.get("why")
    if kind == "status" and why:
        text += f" ({REASONS[why].format_map(Values(params)) if why in REASONS else why})"
    return text


class Values(dict[str, str]):
    """Values for a template; one missing reads as empty rather than failing a view."""

    def __missing__(self, key: str) -> str:
        return ""
