"""Migration 0002 on a database holding rubric versions saved the old way (SQLite and PostgreSQL): the
version that was in force stays in force for every period, the older ones are retired, nothing is lost."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from metrics.rubric import load_rubric, rubric_from_dict, rubric_to_toml
from store import migrate
from store.db import Database


@pytest.fixture(params=("sqlite", "postgresql"))
def old_db(request, tmp_path):
    """A database at revision 0001 (before rubric versions had a status)."""
    if request.param == "sqlite":
        db = Database.open(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    else:
        server = request.getfixturevalue("pg_server")
        db = Database.open(server.url(server.new_database()))
    cfg = migrate.alembic_config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    yield db
    db.dispose()


def _body(version: str, weight: float, legacy_reversed: bool = False) -> str:
    data = copy.deepcopy(load_rubric().to_dict())
    data["version"] = version
    data["items"][0]["weight"] = weight
    data["items"][1]["weight"] = 30 - weight
    if legacy_reversed:  # what the old editor let through: 按期化解率 floor 70 (meant 70 %), target 0.95
        data["items"][1]["floor"] = 70.0
    return rubric_to_toml(rubric_from_dict(data, strict=False))


def test_old_versions_keep_the_newest_in_force_from_the_start_and_retire_the_rest(old_db):
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with old_db.write() as conn:
        conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, scope_kind, disabled, "
                          "failed_logins, created_at) VALUES (1, 'eval', 'eval', 'x', 'evaluator', 'bureau', false, 0, "
                          ":now)"), {"now": now})
        for v, weight, rev in ((1, 25, False), (2, 15, True)):
            conn.execute(text("INSERT INTO rubric_versions (version, body, comment, based_on, author_id, author_name, "
                              "created_at) VALUES (:v, :b, :c, :based, 1, 'eval', :now)"),
                         {"v": v, "b": _body(f"v{v}", weight, rev), "c": f"第{v}次修改", "based": v - 1, "now": now})
    assert migrate.upgrade(old_db) == migrate.head_revision()
    with old_db.read() as conn:
        rows = conn.execute(text("SELECT version, status, effective_from, comment, published_by_name "
                                 "FROM rubric_versions ORDER BY version")).all()
    assert [tuple(r) for r in rows] == [(1, "retired", None, "第1次修改", "eval"),
                                        (2, "published", None, "第2次修改", "eval")]

    from services import rubrics
    from services.context import App
    from services.settings import Settings

    app = App(Settings(data_dir=old_db.engine.url.database or ".", database_url=""), old_db, b"p" * 32, b"s" * 32)
    for period in ("2020-01", "2026Q3", "2031"):
        assert rubrics.in_force(app, period) == 2
    used = rubrics.rubric_of(app, None, 2)  # saved under the old checks: read as it was, scores unchanged
    assert used.version == "第 2 版（自始适用）" and used.item("on_time_rate").floor == 70.0
    assert used.item("resolution_rate").weight == 15
