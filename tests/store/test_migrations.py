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
             "SELECT indexname FROM pg_indexes WHERE tablename = 'cases'")
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
