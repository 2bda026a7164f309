"""What the commands print: cases as lines or JSON.

Untrusted text (titles, names, bodies) passes `tui.sanitize` before it reaches the
terminal; JSON output escapes the same characters."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from tui.sanitize import clean_block, clean_line

if TYPE_CHECKING:
    from store.views import CaseRow, CaseView


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """A listing whose reader went (`casedesk cases | head -1`): it has what it wanted,
    not an error (exit 0). Only around output that changes nothing: a command that
    writes must still fail on a closed pipe."""
    try:
        yield
    except BrokenPipeError:
        # Python's own flush at exit must not fail on the closed pipe either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None


def emit_json(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=_json_default)
    # JSON escapes C0 controls itself; escape what terminals act on beyond them.
    text = "".join(_json_escape(ch) if ch != "\n" and clean_line(ch) != ch else ch for ch in text)
    typer.echo(text)


def _json_escape(ch: str) -> str:
    """A character as a JSON \\u escape (a surrogate pair beyond the BMP)."""
    units = ch.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}"
                   for i in range(0, len(units), 2))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")


def row_json(row: CaseRow) -> dict[str, Any]:
    return {
        "number": row.number, "title": row.title, "status": row.status,
        "channel": row.channel, "contact": row.contact, "assignee": row.assignee,
        "priority": row.priority, "labels": list(row.labels), "flags": list(row.flags),
        "created_at": row.created_at, "updated_at": row.updated_at, "version": row.version,
        "sla": {"first_response_due": row.first_response_due,
                "first_response_at": row.first_response_at,
                "resolution_due": row.resolution_due, "resolved_at": row.resolved_at,
                "next_due": row.sla_due, "state": row.sla_state or "ok",
                "events": list(row.sla_events)},
    }


def case_json(view: CaseView) -> dict[str, Any]:
    return {
        "number": view.number, "title": view.title, "status": view.status,
        "channel": view.channel, "channel_kind": view.channel_kind,
        "contact": {
            "name": view.contact.name, "email": view.contact.email, "phone": view.contact.phone,
            "customer_type": view.contact.customer_type, "tier": view.contact.tier,
            # new, existing or internal: set on the contact, or derived (standing_set)
            "standing": view.contact.standing, "standing_set": view.contact.standing_set,
        },
        "assignee": view.assignee, "priority": view.priority, "labels": list(view.labels),
        "flags": list(view.flags), "fields": dict(view.fields), "rating": view.rating,
        "version": view.version, "created_at": view.created_at, "updated_at": view.updated_at,
        "first_response_at": view.first_response_at, "solved_at": view.solved_at,
        "closed_at": view.closed_at, "archived_at": view.archived_at,
        "merged_into": view.merged_into, "watchers": list(view.watchers),
        "related": list(view.related),
        "messages": [
            {
                "id": m.id, "kind": m.kind, "author": m.author, "text": m.text,
                "created_at": m.created_at, "flags": list(m.flags),
                "mentions": list(m.mentions), "origin_case": m.origin_case,
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size,
                     "sha256": a.sha256}
                    for a in m.attachments
                ],
            }
            for m in view.messages
        ],
    }


def local(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else "-"


def print_rows(rows: list[CaseRow], *, empty: str = "No cases.") -> None:
    if not rows:
        typer.echo(empty)
        return
    with reader_may_leave():
        for r in rows:
            typer.echo(
                f"#{r.number:<7} {r.status:<9} {r.priority:<6} "
                f"{clean_line(r.channel)[:16]:<16} {clean_line(r.assignee or '-'):<10} "
                f"{local(r.updated_at)}  {clean_line(r.title)}  — {clean_line(r.contact)}"
                + (f"  [{', '.join(r.flags)}]" if r.flags else "")
            )


def flag_text(view: CaseView) -> str:
    """Each flag triage set, with the words that set it."""
    said = view.flagged_by
    return clean_line(", ".join(f"{flag} ({said[flag]})" if said.get(flag) else flag
                                for flag in view.flags)) or "-"


def print_case(view: CaseView) -> None:
    c = view.contact
    lines = [
        f"#{view.number}  {clean_line(view.title)}",
        f"  status     {clean_line(view.status)}" + (f" (merged into #{view.merged_into})"
                                         if view.merged_into else ""),
        f"  channel    {clean_line(view.channel)} ({view.channel_kind})",
        f"  contact    {clean_line(c.name)} <{clean_line(c.email or '-')}> "
        f"{clean_line(c.phone)} {clean_line(c.customer_type)}/{clean_line(c.tier)}, "
        f"{c.standing}{'' if c.standing_set else ' (derived)'}",
        f"  assignee   {clean_line(view.assignee or '-')}",
        f"  priority   {view.priority}",
        f"  flags      {flag_text(view)}",
        f"  labels     {clean_line(', '.join(view.labels) or '-')}",
        *([f"  rating     {view.rating}/5"] if view.rating is not None else []),
        *(f"  {clean_line(name)}: {clean_line(value)}" for name, value in view.fields),
        f"  watchers   {clean_line(', '.join(view.watchers)) or '-'}",
        f"  related    {' '.join(f'#{n}' for n in view.related) or '-'}",
        f"  created    {local(view.created_at)}   updated {local(view.updated_at)}"
        f"   version {view.version}",
        "",
    ]
    marks = {"customer": "<<", "ai": "AI", "reply": ">>", "note": "## INTERNAL NOTE",
             "event": "--"}
    for m in view.messages:
        extra = f" [{clean_line(', '.join(m.flags))}]" if m.flags else ""
        head = f"{marks.get(m.kind, m.kind)} {clean_line(m.signed)}, {local(m.created_at)}" \
               f" (message {m.id}){extra}"
        if m.kind == "event":
            lines.append(f"-- {local(m.created_at)} {clean_line(m.author)}: {clean_line(m.text)}")
            continue
        lines.append(head)
        lines.extend("   " + line for line in clean_block(m.text).split("\n"))
        lines.extend(f"   [attachment] {clean_line(a.filename)} ({a.size} bytes)"
                     for a in m.attachments)
        lines.append("")
    typer.echo("\n".join(lines).rstrip())


def read_text(text: str) -> str:
    """`-` reads the text from standard input."""
    return sys.stdin.read() if text == "-" else text
