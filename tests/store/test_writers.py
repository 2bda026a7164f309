"""Many writers at once, on either engine: nothing lost, no lock error escapes."""

from __future__ import annotations

import multiprocessing
import threading

import forked  # tests/ is on sys.path
import pytest
import sqlalchemy as sa

from store.db import Busy, Database
from store.service import CaseFilter, CaseService, ContactInput, MessageInput, bootstrap

WRITERS = 8
NOTES_EACH = 6


def _writer(url: str, login: str, cases: list[int], queue: multiprocessing.Queue) -> None:
    try:
        db = Database(url)
        service = CaseService(db, login)
        for i in range(NOTES_EACH):
            for number in cases:
                service.note(number, f"{login} note {i}")
            service.add_message(cases[i % len(cases)], MessageInput(f"{login} kund {i}"))
        mine = service.create_case(channel="Support", contact=ContactInput(name=login),
                                   title=f"{login}s eget ärende")
        service.set_status(mine, "open")
        queue.put(("ok", login))
    except Exception as exc:  # reported to the test, which fails on it
        queue.put(("error", f"{login}: {type(exc).__name__}: {exc}"))


def test_eight_writer_processes_lose_nothing(db: Database) -> None:
    bootstrap(db, "boss")
    boss = CaseService(db, "boss")
    boss.add_channel("Support", kind="chat")
    logins = [f"agent{i}" for i in range(WRITERS)]
    for login in logins:
        boss.add_agent(login)
        boss.set_membership("Support", login, member=True)
    cases = [boss.create_case(channel="Support", contact=ContactInput(name=f"K{i}"),
                              title=f"Delat ärende {i}") for i in range(3)]
    url = db.url.render_as_string(hide_password=False)
    queue = forked.CONTEXT.Queue()  # (forked warm: tests/forked.py)
    procs = [forked.CONTEXT.Process(target=_writer, args=(url, login, cases, queue))
             for login in logins]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [r for r in results if r[0] == "error"] == []
    with db.read() as session:
        notes = session.scalar(sa.text("SELECT count(*) FROM message WHERE kind = 'note'"))
        customer = session.scalar(sa.text("SELECT count(*) FROM message WHERE kind='customer'"))
        own = session.scalar(sa.text("SELECT count(*) FROM cases WHERE status = 'open'"))
    assert notes == WRITERS * NOTES_EACH * len(cases)
    assert customer == WRITERS * NOTES_EACH
    assert own == WRITERS + len(cases)  # their own, and the shared ones their notes opened
    # Every note is also in the search index of its case.
    hits = boss.list_cases(CaseFilter(search="note", limit=10))
    assert set(cases) <= {r.number for r in hits}


def test_a_writer_held_up_too_long_is_told_busy_and_changes_nothing(db: Database) -> None:
    bootstrap(db, "boss")
    setup = CaseService(db, "boss")
    setup.add_channel("Chat", kind="chat")
    number = setup.create_case(channel="Chat", contact=ContactInput(name="K"), title="T")
    impatient = CaseService(Database(db.url, busy_timeout_ms=100), "boss")
    held, release = threading.Event(), threading.Event()

    def hold(session: sa.orm.Session) -> None:  # another writer, mid-transaction
        session.execute(sa.text("UPDATE cases SET version = version WHERE id = :n"),
                        {"n": number})
        held.set()
        release.wait(30)

    holder = threading.Thread(target=db.write, args=(hold,))
    holder.start()
    held.wait(30)
    try:
        with pytest.raises(Busy, match="nothing was changed: try again"):
            impatient.set_status(number, "open")
    finally:
        release.set()
        holder.join(30)
    assert setup.get_case(number).status == "new"
    assert impatient.set_status(number, "open").status == "open"
