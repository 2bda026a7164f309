"""The JSON ingest interface for chat, phone, web forms and AI agents.

One JSON object per line: a new case —
    {"channel": NAME, "contact": {"name", "email", "phone"}, "title": …,
     "messages": [{"from": "customer"|"agent"|"ai", "text": …, "at": ISO-TIME?}],
     "escalated": true?, "priority"?, "labels"?, "fields": {NAME: TEXT}?}
— or a message on an existing case — {"case": NUMBER, "message": {…}}.
A bad line is reported as `line N: what is wrong`; every good line is still taken —
unless the database itself fails in a way every line would (read-only, busy for a
minute, unreachable, full): then ingest stops at that line, saying so in words.

Either kind may carry `"id"`: the source system's id for it (a chat transcript's, a
form submission's). Such a line is taken once: run again, it is reported as already
taken, with its case, and changes nothing — so a file whose run was killed half-way
can simply be run again. The id is scoped by where the line points: the channel of a
new case, the case of a message line (store.models.IngestKey). A line without an id is
taken every time it is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from store.errors import describe_failure, describe_validation
from store.ingest_keys import AlreadyTaken
from store.permissions import MAX_NUMBER
from store.service import CaseService, ContactInput, MessageInput
from store.views import Landing


class _Strict(BaseModel):
    # Strict: `"case": true` or `"1"` is a mistake, not case #1.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class _Line(_Strict):
    # The source system's id (a string, or a whole number: 17 and "17" are one id).
    id: str | int | None = None

    @field_validator("id")
    @classmethod
    def _an_id(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, str) and not 1 <= len(value) <= 200:
            raise ValueError("an id is 1 to 200 characters")
        return value

    @property
    def source_id(self) -> str | None:
        return None if self.id is None else str(self.id)


class IngestContact(_Strict):
    name: str = ""
    email: str = ""
    phone: str = ""
    customer_type: str | None = None
    tier: str | None = None


class IngestMessage(_Strict):
    sender: Literal["customer", "agent", "ai"] = Field(alias="from")
    text: str = Field(min_length=1)
    at: datetime | None = None
    author: str = ""

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone, for example 2026-03-01T10:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _agent_lines_are_the_runners(self) -> IngestMessage:
        if self.sender == "agent" and self.author:
            raise ValueError("an agent line is written by whoever runs ingest: leave out "
                             "'author'")
        return self

    def to_input(self) -> MessageInput:
        return MessageInput(text=self.text, sender=self.sender, at=self.at, author=self.author)


class NewCase(_Line):
    channel: str
    contact: IngestContact
    title: str
    messages: list[IngestMessage] = Field(default_factory=list)
    escalated: bool = False
    priority: str | None = None
    labels: list[str] = Field(default_factory=list)
    # A web form's fields, as text: {"ordernummer": "4457000", "kategori": "Retur"}.
    fields: dict[str, str] = Field(default_factory=dict)


class CaseMessage(_Line):
    case: int = Field(ge=1, le=MAX_NUMBER)
    message: IngestMessage


@dataclass(frozen=True)
class IngestResult:
    line: int
    case: int | None = None
    error: str | None = None  # in words: never SQL, its parameters or row values
    created: bool = False
    # A message line's: where it went, said against the case it named (that case may
    # be merged into another, or have ended and been followed up).
    landing: Landing | None = None
    # Taken before (its id was): `case` is the case it made then; nothing changed now.
    already: bool = False
    # The error is the database's and every further line would meet it (read-only,
    # busy, unreachable, full): `ingest_lines` stops after this line.
    stop: bool = False
    # What was raised, for a caller that shows the detail (CASEDESK_DEBUG=1).
    exception: BaseException | None = field(default=None, compare=False, repr=False)


def ingest_line(service: CaseService, number: int, line: str) -> IngestResult | None:
    """Take one line; None for a blank line. Every failure is this line's error."""
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return IngestResult(number, error=f"not JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(data, dict):
        return IngestResult(number, error="expected a JSON object")
    try:
        if "case" in data:
            item = CaseMessage.model_validate_json(line)
            landing = service.add_message(item.case, item.message.to_input(),
                                          source_id=item.source_id)
            return IngestResult(number, case=landing.case, created=landing.new_case,
                                landing=landing)
        new = NewCase.model_validate_json(line)
        created = service.create_case(
            channel=new.channel,
            contact=ContactInput(**new.contact.model_dump()),
            title=new.title,
            messages=[m.to_input() for m in new.messages],
            escalated=new.escalated,
            priority=new.priority,
            labels=new.labels,
            fields=new.fields,
            source_id=new.source_id,
        )
        return IngestResult(number, case=created, created=True)
    except AlreadyTaken as taken:
        return IngestResult(number, case=taken.case, already=True)
    except ValidationError as exc:
        return IngestResult(number, error=describe_validation(exc))
    except Exception as exc:  # one bad line never stops the others; the database may
        failure = describe_failure(exc)
        return IngestResult(number, error=failure.text, stop=failure.lasting, exception=exc)


def ingest_lines(service: CaseService, lines: Iterable[bytes | str]) -> Iterator[IngestResult]:
    """Take every line, yielding each result as soon as that line is committed; after
    a result with `stop` (a database error every line would meet) read no further."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                # The offset within the line (from 0) of the first byte that is not UTF-8.
                yield IngestResult(number, error=f"not UTF-8 text at byte {exc.start}")
                continue
        result = ingest_line(service, number, raw)
        if result is not None:
            yield result
            if result.stop:
                return
