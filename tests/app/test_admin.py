"""系统管理 and navigation by role: only admins reach it; users, registry, audit log and backup work."""

from __future__ import annotations

import sqlite3

import pytest
from app_helpers import no_failure, sign_in

from services import accounts
from ui.nav import pages_for


def test_navigation_per_role_follows_app_md():
    assert pages_for("station_head") == ["overview", "upload", "indicators", "disputes", "rating", "instructions"]
    assert pages_for("leadership") == ["overview", "indicators", "disputes", "rating", "instructions"]
    assert "rubric" in pages_for("evaluator") and "admin" not in pages_for("evaluator")
    assert "admin" in pages_for("admin") and "upload" not in pages_for("admin")
    assert pages_for("intruder") == []


@pytest.mark.parametrize("role,page", [("station_head", "pages/admin.py"), ("leadership", "pages/admin.py"),
                                       ("evaluator", "pages/admin.py"), ("leadership", "pages/upload.py"),
                                       ("admin", "pages/upload.py")])
def test_a_page_outside_the_role_cannot_be_reached(shared_demo, role, page):
    at = sign_in(shared_demo, role)
    try:
        at.switch_page(page).run()
    except Exception:  # AppTest refuses a page that st.navigation does not list: unreachable
        return
    no_failure(at)
    assert at.title[0].value not in ("系统管理", "数据上报")


def test_admin_screen_lists_users_offices_and_audit_log(shared_demo):
    at = sign_in(shared_demo, "admin", "pages/admin.py")
    no_failure(at)
    assert at.title[0].value == "系统管理"
    frames = [d.value for d in at.dataframe]
    users = next(f for f in frames if "username" in f.columns)
    assert {"demo_admin", "demo_eval", "demo_leader", "demo_head"} <= set(users["username"])
    offices = next(f for f in frames if "updated_upload_id" in f.columns)
    assert len(offices) == 40
    audit = next(f for f in frames if "kind" in f.columns)
    assert {"UploadStored", "UserCreated", "LoginSucceeded"} <= set(audit["kind"])


def test_audit_log_filters_by_event_kind(shared_demo):
    at = sign_in(shared_demo, "admin", "pages/admin.py")
    at.multiselect(key="adm_audit_kinds").set_value(["UserCreated"]).run()
    no_failure(at)
    audit = next(d.value for d in at.dataframe if "kind" in d.value.columns)
    assert set(audit["kind"]) == {"UserCreated"} and len(audit) == 4


def test_admin_creates_a_user_and_locks_then_unlocks_it(demo_app):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    at.text_input(key="adm_new_username").input("zhang_san")
    at.text_input(key="adm_new_password").input("Strong-pass-77")
    at.selectbox(key="adm_new_role").set_value("leadership")
    submit = next(b for b in at.button if b.label == "创建用户")
    submit.click().run()
    no_failure(at)
    assert any("已创建用户" in s.value for s in at.success)
    assert accounts.authenticate(demo_app, "zhang_san", "Strong-pass-77").actor.role == "leadership"
    users = {u["username"]: u["id"] for u in accounts.list_users(demo_app, 1)}
    at.selectbox(key="adm_pick_user").set_value(users["zhang_san"]).run()
    at.button(key="adm_lock").click().run()
    no_failure(at)
    with pytest.raises(Exception, match="停用"):
        accounts.authenticate(demo_app, "zhang_san", "Strong-pass-77")
    at.button(key="adm_unlock").click().run()
    assert accounts.authenticate(demo_app, "zhang_san", "Strong-pass-77")


def test_backup_downloads_a_consistent_sqlite_copy(demo_app, tmp_path):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    at.button(key="adm_backup").click().run()
    no_failure(at)
    assert [b.label for b in at.get("download_button")][-1].startswith("下载备份文件")
    (copy,) = demo_app.settings.backup_dir.glob("*.sqlite3")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM offices").fetchone()[0] == 40
