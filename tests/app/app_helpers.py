"""Helpers for the AppTest screen tests (a uniquely named module, so that test files import it rather
than ``conftest``, which is ambiguous when several test folders run together)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services import accounts
from services.demo import DEMO_PASSWORD, DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]

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
