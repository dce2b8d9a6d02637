"""系统管理 and navigation by role: only admins reach it; users, registry, audit log and backup work."""

from __future__ import annotations

import pytest
from app_helpers import no_failure, sign_in

from services import accounts
from services.demo import DEMO_PASSWORD
from ui.nav import pages_for


def test_navigation_per_role_follows_app_md():
    assert pages_for("station_head") == ["overview", "upload", "indicators", "disputes", "rating"]
    assert pages_for("leadership") == ["overview", "indicators", "disputes", "rating"]
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


def test_backup_is_a_link_to_the_admin_only_route_not_a_media_address(demo_app):
    """The backup no longer travels as bytes through Streamlit (a /media/ address anyone could fetch):
    the tab links to /download/backup, which checks the session cookie (tests/e2e/test_http_routes.py)."""
    at = sign_in(demo_app, "admin", "pages/admin.py")
    no_failure(at)
    links = [b for b in at.get("link_button") if b.proto.url == "/download/backup"]
    assert len(links) == 1 and links[0].proto.label == "生成并下载备份"
    assert not [b for b in at.get("download_button") if "备份" in b.label]
    assert not list(demo_app.settings.backup_dir.glob("*.sqlite3"))  # nothing made until asked


def test_admin_ends_a_users_sessions_from_the_user_panel(demo_app):
    head = accounts.authenticate(demo_app, "demo_head", DEMO_PASSWORD)
    at = sign_in(demo_app, "admin", "pages/admin.py")
    users = {u["username"]: u["id"] for u in accounts.list_users(demo_app, accounts.authenticate(
        demo_app, "demo_admin", DEMO_PASSWORD).actor)}
    at.selectbox(key="adm_pick_user").set_value(users["demo_head"]).run()
    at.button(key="adm_revoke_sessions").click().run()
    no_failure(at)
    assert "已退出该用户在所有浏览器中的登录。" in [s.value for s in at.success]
    with pytest.raises(Exception, match="登录已失效"):
        accounts.validate_session(demo_app, head.token)
