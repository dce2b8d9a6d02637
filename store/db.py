"""Connecting to the database: an embedded SQLite file by default, any SQLAlchemy URL otherwise.

SQLite is opened the way hardening.md asks: the file (and so its WAL and SHM) owner-only (600), WAL journal, busy timeout of 30 s, foreign keys on, and
**every write transaction begins with ``BEGIN IMMEDIATE``** (a deferred BEGIN lets two read-then-write
transactions deadlock into "database is locked"). On PostgreSQL a write transaction takes one
transaction-scoped advisory lock first, so that writes are serialised the same way on both databases
(uploads compare against what is stored, then write: they must not interleave).

Use :meth:`Database.write` for every transaction that changes something and :meth:`Database.read`
for reads. Nothing here reads the environment: the URL comes from the caller.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

BUSY_TIMEOUT_MS = 30_000
WRITE_LOCK_KEY = 72_750_001
"""The PostgreSQL advisory lock every write transaction holds until it ends."""


def owner_only_file(path: Path) -> None:
    """Create ``path`` empty with mode 600 if it does not exist; tighten an existing file of ours that
    others can read to 600. SQLite gives its ``-wal`` and ``-shm`` files the database file's mode."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == os.geteuid():
            os.chmod(path, 0o600)
    else:
        os.close(fd)


def _sqlite_engine(url: str) -> Engine:
    u = make_url(url)
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        db_file = Path(u.database)
        db_file.parent.mkdir(parents=True, exist_ok=True)
        for path in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
            if path == db_file or path.exists():
                owner_only_file(path)
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        poolclass=NullPool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy (not pysqlite) emit BEGIN, so that we choose its kind.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("store_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def create(url: str) -> Engine:
    """An engine for ``url`` configured as described in the module docstring."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20)


@dataclass
class Database:
    """An engine plus the two ways to use it: :meth:`read` and :meth:`write`."""

    engine: Engine

    @classmethod
    def open(cls, url: str) -> Database:
        return cls(create(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with self.engine.connect() as conn:
            conn.execution_options(store_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot on both databases)."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()
