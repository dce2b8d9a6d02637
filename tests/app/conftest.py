"""AppTest fixtures: one demo database seeded once per test session through ``services.demo`` (the real
upload services), copied into a fresh data folder for every test, and helpers to sign in by role."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from services import accounts  # noqa: E402
from services.context import open_app  # noqa: E402
from services.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo  # noqa: E402
from services.settings import from_env  # noqa: E402

APP_FILE = str(ROOT / "app.py")
TIMEOUT = 60


def _env(monkeypatch, data_dir: Path, demo: bool) -> None:
    for name in ("DASHBOARD_DATABASE_URL", "DASHBOARD_SECRET_KEY_FILE", "DASHBOARD_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_dir))
    if demo:
        monkeypatch.setenv("DASHBOARD_DEMO", "1")
    else:
        monkeypatch.delenv("DASHBOARD_DEMO", raising=False)


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


def new_app_test() -> AppTest:
    return AppTest.from_file(APP_FILE, default_timeout=TIMEOUT)


def sign_in(app, role: str, page: str | None = None) -> AppTest:
    """An AppTest whose session holds a real token of the demo account of ``role``, run once (on
    ``page`` when given, e.g. ``"pages/upload.py"``)."""
    token = accounts.authenticate(app, DEMO_USERS[role], DEMO_PASSWORD).token
    at = new_app_test()
    at.session_state["auth_token"] = token
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def texts(at: AppTest) -> list[str]:
    """Every text-like value on the screen (for "shows / does not show" checks)."""
    out = []
    for kind in ("title", "header", "subheader", "text", "caption", "markdown", "info", "warning", "error",
                 "success"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return out


def no_failure(at: AppTest) -> None:
    """No exception and no "unexpected error" message on the screen."""
    assert not at.exception, [e.value for e in at.exception]
    from ui.i18n import MESSAGES

    assert MESSAGES["unexpected_error"][0] not in texts(at), texts(at)
