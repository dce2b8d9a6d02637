"""Schema migrations (Alembic), applied automatically and idempotently at start.

:func:`upgrade` brings any database — empty or older — to the newest schema inside one write
transaction (``BEGIN IMMEDIATE`` on SQLite, the write advisory lock on PostgreSQL), so that two
processes starting at once do not both migrate. Running it again changes nothing.

A database stamped with a revision that is not exactly one of ours (for instance ``0002`` from a branch
whose migration was renumbered when it was merged) is refused: Alembic would otherwise take the stamp as
an abbreviation of the revision it prefixes (``0002`` → ``0002_rubric``) and apply the next migrations to
a schema they were not written for.
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


class UnknownRevision(RuntimeError):
    """The database is stamped with a revision this version of the program does not have."""


def known_revisions() -> set[str]:
    return {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> str:
    """Apply every pending migration; return the revision the database is now at."""
    cfg = alembic_config()
    with db.write() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current is not None and current not in known_revisions():
            raise UnknownRevision(
                f"数据库的结构版本 {current!r} 不是本程序的任何一个版本（已知：{', '.join(sorted(known_revisions()))}），"
                "未做任何更改。请用建立它的程序版本打开，或从备份恢复。"
                f" / The database is at schema revision {current!r}, which this program does not know; "
                "nothing was changed.")
        if current != head_revision():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return head_revision()
