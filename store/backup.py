"""Consistent copies of a running database.

SQLite: ``VACUUM INTO`` a new, owner-only (600) file — a transactionally consistent snapshot taken while other
connections keep writing (never copy the live file: WAL pages would be missing). PostgreSQL: the
server's own tool, ``pg_dump``, is the right one; :func:`pg_dump_advice` says how.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine

from store.db import Database, owner_only_file


def backup_sqlite(db: Database, target: Path) -> Path:
    """Write a consistent copy of the SQLite database to ``target`` (which must not exist)."""
    if not db.is_sqlite:
        raise ValueError("backup_sqlite needs a SQLite database")
    target = Path(target)
    if target.exists():
        raise FileExistsError(str(target))
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner_only_file(target)  # VACUUM INTO fills an empty file and keeps its mode 600
    raw = db.engine.raw_connection()  # outside any transaction: VACUUM refuses to run inside one
    try:
        raw.driver_connection.execute("VACUUM INTO ?", (str(target),))
    finally:
        raw.close()
    return target


def integrity_ok(path: Path) -> bool:
    """``PRAGMA integrity_check`` on a SQLite file."""
    engine: Engine = create_engine(f"sqlite:///{Path(path).resolve()}")
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()


def pg_dump_advice(db: Database) -> str:
    u = db.engine.url
    return (f"PostgreSQL 请使用 pg_dump 备份（在应用运行时也能得到一致的快照）：\n"
            f"  pg_dump --format=custom --host {u.host or 'localhost'} --port {u.port or 5432} "
            f"--username {u.username or 'postgres'} --file 备份.dump {u.database}\n"
            f"恢复：pg_restore --clean --dbname {u.database} 备份.dump")
