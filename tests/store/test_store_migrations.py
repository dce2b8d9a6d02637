"""Migrations create exactly the declared tables, on both databases, and running them again is a no-op."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store import migrate
from store.db import WRITE_LOCK_KEY
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


def test_connections_are_opened_as_hardening_md_asks(db):
    """SQLite: WAL, foreign keys, busy timeout, writes begin IMMEDIATE. PostgreSQL: reads see one
    snapshot (REPEATABLE READ) and a write holds the advisory lock that serialises writers."""
    if db.is_sqlite:
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        path = db.engine.url.database
        with db.write():
            # BEGIN IMMEDIATE has taken the write lock before any statement ran: another writer waits.
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
        return
    assert db.dialect == "postgresql"
    with db.read() as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
    with db.write() as conn:
        held = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
            f"AND objid = {WRITE_LOCK_KEY} AND granted").scalar()
        assert held == 1


def test_a_database_stamped_with_a_revision_we_do_not_have_is_refused_and_left_alone(db):
    """A stamp that only abbreviates one of ours (``0002``, the session-handoffs migration before it
    was renumbered 0003_sessions at the merge) is not taken for ``0002_rubric``: Alembic would then run
    0003 on a schema that already has session_handoffs and lacks the rubric columns."""
    from sqlalchemy import text

    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    with db.read() as conn:
        before = sorted(inspect(conn).get_table_names())
    with pytest.raises(migrate.UnknownRevision, match="0002"):
        migrate.upgrade(db)
    assert migrate.current_revision(db) == "0002"
    with db.read() as conn:
        assert sorted(inspect(conn).get_table_names()) == before
