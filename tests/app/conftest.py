"""AppTest fixtures: one demo database seeded once per test session through ``services.demo`` (the real
upload services), copied into a fresh data folder for every test that changes data. Helpers (sign-in by
role, screen text) live in ``app_helpers``; they are re-exported here for older imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_helpers import APP_FILE, TIMEOUT, _env, new_app_test, no_failure, sign_in, texts  # noqa: F401

from services.context import open_app
from services.demo import ensure_demo
from services.settings import from_env


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo_template")
    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(folder)}))
    assert ensure_demo(app)
    app.close()
    return folder


@pytest.fixture
def demo_app(demo_template, tmp_path, monkeypatch):
    """A private copy of the demo installation; the environment points the app at it."""
    target = tmp_path / "data"
    shutil.copytree(demo_template, target)
    _env(monkeypatch, target, demo=True)
    app = open_app(from_env())
    yield app
    app.close()


@pytest.fixture
def shared_demo(demo_template, monkeypatch):
    """The session's demo installation itself, for tests that change no data (sign-ins only): screens
    cached by data version are then shared between tests, as between users of one server."""
    _env(monkeypatch, demo_template, demo=True)
    app = open_app(from_env())
    yield app
    app.close()


@pytest.fixture
def empty_env(tmp_path, monkeypatch) -> Path:
    """An empty installation (no account, no data)."""
    target = tmp_path / "empty"
    _env(monkeypatch, target, demo=False)
    return target


