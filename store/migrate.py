"""Schema migrations (Alembic), applied automatically and idempotently at start.

:func:`upgrade` brings any database — empty or older — to the newest schema inside one write
transaction (``BEGIN IMMEDIATE`` on SQLite, the write advisory lock on PostgreSQL), so that two
processes starting at once do not both migrate. Running it again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from store.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> str:
    """Apply every pending migration; return the revision the database is now at."""
    cfg = alembic_config()
    with db.write() as conn:
        if MigrationContext.configure(conn).get_current_revision() != head_revision():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return head_revision()
