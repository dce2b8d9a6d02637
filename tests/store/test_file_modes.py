"""The database file, its WAL and SHM, and backups are owner-only (600), like the key files: the
database holds password and token hashes. Checked under the usual umask 022, which alone would give
644."""

import os
import stat

import pytest
from sqlalchemy import text

from store import backup, migrate
from store.db import Database


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_wal_shm_and_backup_are_owner_only(tmp_path, umask_022):
    path = tmp_path / "data" / "dashboard.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    migrate.upgrade(db)
    with db.engine.connect() as conn:  # keep a connection open so that the WAL and SHM stay
        conn.execute(text("SELECT 1"))
        with db.write() as w:
            w.execute(text("CREATE TABLE probe (x INTEGER)"))
        files = sorted(p.name for p in path.parent.iterdir())
        assert {"dashboard.sqlite3", "dashboard.sqlite3-wal", "dashboard.sqlite3-shm"} <= set(files)
        for name in files:
            assert _mode(path.parent / name) == 0o600, name
    target = backup.backup_sqlite(db, tmp_path / "backups" / "b.sqlite3")
    assert _mode(target) == 0o600 and backup.integrity_ok(target)
    assert _mode(target.parent) == 0o700
    db.dispose()


def test_an_existing_world_readable_database_is_tightened(tmp_path, umask_022):
    path = tmp_path / "old.sqlite3"
    Database.open(f"sqlite:///{path}").dispose()
    os.chmod(path, 0o644)
    db = Database.open(f"sqlite:///{path}")
    assert _mode(path) == 0o600
    db.dispose()
