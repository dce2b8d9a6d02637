"""Migrations create exactly the declared tables, on both databases, and running them again is a no-op."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store import migrate
from store.tables import metadata


def test_migrated_schema_matches_the_declared_tables(db):
    with db.read() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []
    assert migrate.current_revision(db) == migrate.head_revision()


def test_upgrade_twice_changes_nothing(db):
    with db.read() as conn:
        before = sorted(inspect(conn).get_table_names())
    migrate.upgrade(db)
    migrate.upgrade(db)
    with db.read() as conn:
        assert sorted(inspect(conn).get_table_names()) == before
    assert "monthly_rows" in before and "audit_events" in before


def test_sqlite_is_opened_in_wal_with_foreign_keys_and_busy_timeout(db):
    if not db.is_sqlite:
        return
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
