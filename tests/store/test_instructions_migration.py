"""The instructions migration upgrades a database that already holds data, on SQLite and PostgreSQL."""

from alembic import command
from sqlalchemy import insert, inspect, select

from store import audit, migrate
from store.tables import instructions, users

NEW_TABLES = {"instruction_settings", "instructions", "instruction_events", "instruction_notes"}


def _run(db, fn, target):
    cfg = migrate.alembic_config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, target)


def test_upgrade_from_the_initial_schema_keeps_its_rows(db):
    _run(db, command.downgrade, "0001")
    with db.read() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
    with db.write() as conn:
        conn.execute(insert(users), {"username": "old", "display_name": "旧账号", "password_hash": "x",
                                     "role": "evaluator", "scope_kind": "bureau", "disabled": False,
                                     "failed_logins": 0, "created_at": audit.now()})
    migrate.upgrade(db)
    with db.read() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        assert conn.execute(select(users.c.display_name)).scalars().all() == ["旧账号"]
        assert conn.execute(select(instructions)).all() == []
    assert migrate.current_revision(db) == migrate.head_revision()
