"""Helpers for the F2 screen tests: one demo installation per test module (so in-process caches stay
warm between its tests and the AppTest runs stay lean), and demo actors by role."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from services.actors import Actor, reload
from services.context import App, open_app
from services.demo import DEMO_USERS
from services.settings import from_env
from store.tables import users


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory) -> App:
    """A private copy of the demo installation shared by one test module."""
    target = tmp_path_factory.mktemp("f2demo") / "data"
    shutil.copytree(demo_template, target)
    mp = pytest.MonkeyPatch()
    for name in ("DASHBOARD_DATABASE_URL", "DASHBOARD_SECRET_KEY_FILE", "DASHBOARD_LANGUAGE"):
        mp.delenv(name, raising=False)
    mp.setenv("DASHBOARD_DATA_DIR", str(target))
    mp.setenv("DASHBOARD_DEMO", "1")
    app = open_app(from_env())
    yield app
    app.close()
    mp.undo()


def actor(app: App, role: str) -> Actor:
    """The demo account of ``role`` as stored."""
    with app.db.read() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == DEMO_USERS[role])).scalar_one()
        return reload(conn, uid)
