"""Demo seeding: through the real upload services, one account per role, idempotent."""

from __future__ import annotations

from services import accounts
from services.context import open_app
from services.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo, sample_files
from services.settings import from_env
from store import audit, rows


def test_demo_seeds_accounts_and_bureau_once_through_the_upload_services(tmp_path):
    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(tmp_path)}))
    assert ensure_demo(app) is True
    for role, name in DEMO_USERS.items():
        assert accounts.authenticate(app, name, DEMO_PASSWORD).actor.role == role
    with app.db.read() as conn:
        version = rows.data_version(conn)
        stored = audit.events(conn, "UploadStored")
        months = rows.current_monthly(conn)
    _, stations = sample_files()
    # one event per stored file: the history workbook and every station workbook but one
    assert len(stored) == len(stations) and all(e["actor_name"] == "demo_eval" for e in stored)
    skipped = stations[-1].name.split("_")[1]
    last = months[months["month"] == "2026-10"]
    assert skipped not in set(last["station"]) and len(set(last["station"])) == len(stations) - 1
    assert ensure_demo(app) is False  # a restart seeds nothing more
    with app.db.read() as conn:
        assert rows.data_version(conn) == version
    app.close()


def test_demo_does_nothing_on_an_installation_that_has_accounts(tmp_path):
    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(tmp_path)}))
    accounts.create_first_admin(app, "chief", "Very-secret-2026")
    assert ensure_demo(app) is False
    with app.db.read() as conn:
        assert rows.data_version(conn) == 0
    app.close()
