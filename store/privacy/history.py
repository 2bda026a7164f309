"""The stored history masked after the fact (`casedesk privacy mask`, README,
"Privacy"): what came in before masking was on, or before a kind was added.

Pass by pass — messages (their text and their events' values), case titles, form
fields, outgoing mail, audit values, and with `keep_raw = "masked"` the original
mail — in batches by id, each batch one transaction that also moves the mark
(`setting` "privacy.masked_through": the policy it was made for, the pass, the last
id). An interrupted run goes on where it stopped; a changed policy (a kind added,
the originals now kept masked) starts again from the first pass.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from store import audit, search
from store.core import ServiceCore
from store.errors import InvalidInput
from store.models import (
    AuditEvent,
    Case,
    CaseField,
    InboundMail,
    Message,
    Outbox,
    Setting,
    StoredFile,
)
from store.permissions import Actor, require_supervisor
from store.privacy import Privacy
from store.privacy.mask import may_hold
from store.privacy.original import masked_original
from store.tables import table_of

MASKED_THROUGH = "privacy.masked_through"
_JSON = ("event_params", "before", "after")  # JSON documents: their strings masked
PASSES = ("message", "title", "field", "outbox", "audit", "original")
MAILS_A_BATCH = 100


@dataclass
class MaskRun:
    """What one `mask_history` call changed (or, dry, would): rows and numbers."""

    messages: int = 0
    titles: int = 0
    fields: int = 0
    other: int = 0  # outgoing mail, audit values, originals
    found: Counter[str] = field(default_factory=Counter)
    done: bool = False  # nothing left after this batch
    step: str = ""  # the pass it worked on, and its last id
    through: int = 0


def _policy(privacy: Privacy) -> str:
    return ",".join(sorted(privacy.mask)) + "|" + privacy.keep_raw


def _json(text: str, privacy: Privacy, found: Counter[str]) -> str | None:
    """A JSON document with its strings masked; None when nothing changed."""
    if not may_hold(text):  # (most values: ids and words)
        return None
    try:
        value = json.loads(text)
    except ValueError:
        masked = privacy.text(text)
        found += masked.found
        return masked.text if masked.changed else None
    changed = False

    def walk(item: Any) -> Any:
        nonlocal changed
        if isinstance(item, str):
            masked = privacy.text(item)
            if masked.changed:
                changed = True
                found.update(masked.found)
            return masked.text
        if isinstance(item, list):
            return [walk(i) for i in item]
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        return item

    value = walk(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if changed \
        else None


class HistoryOps(ServiceCore):
    """`mask_history`: the stored history masked, resumably."""

    def mask_history(self, *, dry_run: bool = False, limit: int = 2000) -> MaskRun:
        """One batch of up to `limit` rows of the pass the mark is at (see the module):
        masked and indexed anew, the mark moved, in one transaction. Call again until
        `done`. `dry_run`: what the whole run would change from the mark on, counted,
        nothing written. A supervisor's."""
        privacy = self.db.privacy
        if not privacy.mask:
            raise InvalidInput("masking is off ([privacy] mask = []): nothing to do")

        def work(session: Session, actor: Actor) -> MaskRun:
            require_supervisor(actor, "mask the stored history")
            # Locked: two runs at once take turns, neither does a batch twice.
            mark = session.get(Setting, MASKED_THROUGH, with_for_update=True)
            step, through = self._start(mark)
            run = MaskRun(step=step)
            rows = self._batch(session, step, through, limit, run)
            run.through = rows if rows is not None else through
            last = PASSES.index(step) == len(PASSES) - 1
            if rows is None:  # this pass is done: the next one starts at its first id
                run.done = last
                run.step, run.through = (step, through) if last else (
                    PASSES[PASSES.index(step) + 1], 0)
            value = json.dumps({"policy": _policy(privacy), "step": run.step,
                                "through": run.through})
            if mark is None:
                session.add(Setting(key=MASKED_THROUGH, value=value))
            else:
                mark.value = value
            if run.found:
                audit.record(session, actor, "privacy.mask", at=self._now(), after={
                    "step": step, "through": run.through, "found": dict(run.found)})
            return run

        def count(session: Session, actor: Actor) -> MaskRun:
            require_supervisor(actor, "mask the stored history")
            step, through = self._start(session.get(Setting, MASKED_THROUGH))
            run = MaskRun(done=True, step=step)
            for name in PASSES[PASSES.index(step):]:
                self._batch(session, name, through if name == step else 0, None, run)
            return run

        return self._read(count) if dry_run else self._write(work)

    def _start(self, mark: Setting | None) -> tuple[str, int]:
        """Where the mark says to go on: (pass, last id done); the first pass when
        there is none, or it was made for another policy."""
        try:
            value = json.loads(mark.value) if mark is not None else {}
        except ValueError:
            value = {}
        if value.get("policy") != _policy(self.db.privacy) or value.get("step") not in PASSES:
            return PASSES[0], 0
        return value["step"], int(value.get("through", 0))

    def _batch(self, session: Session, step: str, through: int, limit: int | None,
               run: MaskRun) -> int | None:
        """Pass `step` after id `through`: masked (`limit` rows; None: every row,
        counted only). Returns the last id of a full batch, or None: the pass is done."""
        privacy = self.db.privacy
        if step == "original":
            if privacy.keep_raw != "masked":
                return None
            return self._originals(session, through, limit, run)
        specs: dict[str, tuple[type[SQLModel], str, tuple[str, ...], str]] = {
            "message": (Message, "id", ("text", "event_params"), "messages"),
            "title": (Case, "id", ("title",), "titles"),
            "field": (CaseField, "case_id", ("value", "name"), "fields"),
            "outbox": (Outbox, "id", ("subject", "body"), "other"),
            "audit": (AuditEvent, "id", ("before", "after"), "other"),
        }
        table, key, columns, kind = specs[step]
        t = table_of(table)
        query = sa.select(t.c[key], *(t.c[c] for c in columns)).where(
            t.c[key] > through).order_by(t.c[key])
        if limit is not None and step == "field":  # a case's fields all in one batch
            keys = list(session.scalars(sa.select(t.c.case_id).where(
                t.c.case_id > through).distinct().order_by(t.c.case_id).limit(limit)))
            rows: Any = session.execute(query.where(t.c.case_id.in_(keys))).all()
            full = keys[-1] if len(keys) >= limit else None
        elif limit is not None:
            rows = session.execute(query.limit(limit)).all()
            full = rows[-1][0] if len(rows) >= limit else None
        else:
            rows, full = session.execute(query.execution_options(yield_per=5000)), None
        changes: list[tuple[Any, dict[str, str]]] = []
        for row in rows:
            values = {}
            for name, text in zip(columns, row[1:], strict=True):
                if name == "name":
                    continue  # (a field's name: its key, not its value)
                masked = (_json(text, privacy, run.found) if name in _JSON
                          else self._plain(text, run.found))
                if masked is not None:
                    values[name] = masked
            if values:
                changes.append((row, values))
        setattr(run, kind, getattr(run, kind) + len(changes))
        if limit is not None and changes:
            self._write_changes(session, step, t, key, changes)
        return full

    def _plain(self, text: str, found: Counter[str]) -> str | None:
        masked = self.db.privacy.text(text or "")
        found.update(masked.found)
        return masked.text if masked.changed else None

    @staticmethod
    def _write_changes(session: Session, step: str, t: sa.Table, key: str,
                       changes: Sequence[tuple[Any, dict[str, str]]]) -> None:
        cases: set[int] = set()
        if step == "message":
            cases = {session.scalar(sa.select(col(Message.case_id)).where(
                col(Message.id) == row[0])) or 0 for row, _ in changes}
        elif step in ("title", "field"):
            cases = {row[0] for row, _ in changes}
        with search.reindexing(session, *sorted(cases)):
            for row, values in changes:
                where = t.c[key] == row[0]
                if step == "field":
                    where = sa.and_(where, t.c.name == row[-1])
                session.execute(sa.update(t).where(where).values(**values))

    def _originals(self, session: Session, through: int, limit: int | None,
                   run: MaskRun) -> int | None:
        """The kept originals, masked in place (under the digest of the bytes fetched,
        which still knows the same mail again)."""
        query = sa.select(table_of(InboundMail).c.id, col(StoredFile.sha256),
                          col(StoredFile.content)).join(
            StoredFile, col(StoredFile.sha256) == col(InboundMail.sha256)).where(
            col(InboundMail.id) > through).order_by(col(InboundMail.id))
        # Mails are big (up to the size limit each): a few at a time in memory.
        limit = min(limit, MAILS_A_BATCH) if limit is not None else None
        rows = session.execute(query.limit(limit) if limit is not None else
                               query.execution_options(yield_per=50))
        seen, last = 0, through
        for mail_id, digest, raw in rows:
            seen, last = seen + 1, mail_id
            masked = masked_original(bytes(raw), self.db.privacy.mask)
            if masked != bytes(raw):
                run.other += 1
                if limit is not None:
                    session.execute(sa.update(StoredFile).where(
                        col(StoredFile.sha256) == digest).values(content=masked))
        return last if limit is not None and seen >= limit else None

