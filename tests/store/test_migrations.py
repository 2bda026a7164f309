"""The migrations and the models agree: a change to a table without a migration fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from store.db import EXPRESSION_INDEXES, Database, include_in_migrations


def test_the_migrated_schema_is_the_models_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_in_migrations}),
                                SQLModel.metadata)
    assert diff == []


def test_the_expression_indexes_exist(db: Database) -> None:
    import sqlalchemy as sa

    query = ("SELECT name FROM sqlite_master WHERE type = 'index'"
             if db.engine.dialect.name == "sqlite" else
             "SELECT indexname FROM pg_indexes WHERE tablename IN ('cases', 'contact')")
    with db.engine.connect() as conn:
        names = set(conn.scalars(sa.text(query)))
    assert set(EXPRESSION_INDEXES) <= names


def test_downgrade_and_upgrade_again(db: Database) -> None:
    from alembic import command

    with db.write_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "base")
    assert db.schema_revisions()[0] is None
    db.upgrade()
    db.check_schema()


def test_the_head_read_from_the_files_is_alembics(db: Database) -> None:
    from alembic.script import ScriptDirectory

    import store.db

    with db.engine.connect() as conn:
        alembic_head = ScriptDirectory.from_config(db._alembic_config(conn)).get_current_head()
    assert store.db.head_revision(store.db.MIGRATIONS) == alembic_head
    assert db.schema_revisions() == (alembic_head, alembic_head)


def test_an_early_database_without_the_late_tables_is_repaired(db: Database) -> None:
    import sqlalchemy as sa
    from alembic import command

    with db.write_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0003")
        conn.execute(sa.text("DROP TABLE agent_preference"))
        conn.execute(sa.text("DROP TABLE quick_reply"))
    db.upgrade()
    with db.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {"agent_preference", "quick_reply"} <= names


def test_events_written_as_sentences_become_kinds_and_values(team) -> None:
    """0009 reads the English sentences earlier versions stored back into a kind and
    its values; each says the same sentence again, and the TUI can translate it."""
    import sqlalchemy as sa
    from alembic import command

    from store.events import loaded

    db = team.db
    number = team.new_case()
    written = [
        "Status: waiting → open (the customer replied)",
        "Status: solved → closed (solved for 7 days)",
        "Status: closed → archived (the night after it closed)",
        "Status: open → solved",
        "Priority: low → high",
        "Assigned to anna",
        "Unassigned",
        "Unassigned: bo is not in Chat",
        "bo added to Support",
        "Title changed from “Fakturan (igen)”",
        "Moved from channel Support to Chat",
        "Case #4 (Faktura) was merged into this case: 3 messages moved",
        "Delivery failed: 550 5.1.1 no such user (the reply to kund@example.se)",
        "Delivery delayed: mailbox full (the acknowledgement to kund@example.se)",
        "It is not known whether the reply to kund@example.se went out (timed out). Check "
        "with the customer, or send it again with `casedesk outbox retry 12`.",
        "Automatic acknowledgement sent to kund@example.se:\nTack!\nVi svarar snart.",
        "SLA: the solution is overdue",
        # Words in the values that look like another kind's sentence
        "Title changed from “Item added to cart twice”",
        "Delivery failed: 550 x (the user is over quota) (the reply to a@b.se)",
        "Automatic acknowledgement sent to a@b.se:\nYour mail has been added to our queue.",
        "Status: waiting → open (weird {x)",
        "Något helt annat",
    ]
    attachment = ("The attachment 'report (1).pdf' (12.0 MB) is larger than the limit and "
                  "was not stored with the message; the original mail keeps it.")
    with db.write_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0008")
        conn.execute(sa.text("DELETE FROM message WHERE kind = 'event'"))
        for text in [*written, attachment]:
            conn.execute(sa.text(
                "INSERT INTO message (case_id, kind, author, text, flags, created_at, "
                "sender_address) VALUES (:n, 'event', 'system', :text, '', "
                "CURRENT_TIMESTAMP, '')"), {"n": number, "text": text})
    db.upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT text, event_kind, event_params FROM message WHERE kind = 'event' "
            "ORDER BY id")).all()
    *rows, stored = rows
    assert [row.text for row in rows] == [""] * len(written)
    assert [loaded(row.event_kind, row.event_params).english() for row in rows] == written
    kinds = [row.event_kind for row in rows]
    assert kinds[:4] == ["status"] * 4
    assert kinds[-5:] == ["title", "delivery-failed", "acknowledged", "status", "text"]
    assert kinds[-1] == "text"  # no known form: kept in its words
    assert "text" not in kinds[:-1]
    assert loaded(rows[1].event_kind, rows[1].event_params).params == {
        "start": "solved", "end": "closed", "why": "solved-for", "days": "7"}
    assert loaded(stored.event_kind, stored.event_params).params == {
        "filename": "report (1).pdf", "megabytes": "12.0"}
    # And back: a downgrade writes each sentence as it was.
    with db.write_engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0008")
    with db.engine.connect() as conn:
        again = list(conn.scalars(sa.text(
            "SELECT text FROM message WHERE kind = 'event' ORDER BY id")))
    assert again == [*written, attachment]
    db.upgrade()
