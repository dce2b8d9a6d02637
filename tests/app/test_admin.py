"""系统管理 and navigation by role: only admins reach it; users, registry, audit log and backup work."""

from __future__ import annotations

import pytest
from app_helpers import no_failure, sign_in

from services import accounts
from services.demo import DEMO_PASSWORD
from store import audit, rows
from ui.nav import pages_for
from ui.safe import md_escape
from ui.user_forms import new_user_key, role_key


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
    audit = next(f for f in frames if "event" in f.columns)
    assert {"保存上报", "创建用户", "登录成功"} <= set(audit["event"])
    assert "kind" not in audit.columns  # codes stay out of the screen and its CSV
    assert "创建用户：demo_head 所长（兰街派出所）" in set(audit["details"])


def test_audit_log_filters_by_event_kind_named_in_chinese(shared_demo):
    at = sign_in(shared_demo, "admin", "pages/admin.py")
    kinds = at.multiselect(key="adm_audit_kinds")
    assert kinds.placeholder == "全部事件（可多选）"
    assert "创建用户" in kinds.options and "UserCreated" not in kinds.options
    kinds.set_value(["UserCreated"]).run()
    no_failure(at)
    audit = next(d.value for d in at.dataframe if "event" in d.value.columns)
    assert set(audit["event"]) == {"创建用户"} and len(audit) == 4
    assert all(d.startswith("创建用户：") for d in audit["details"])
    assert at.text_input(key="adm_audit_who").placeholder == "输入用户名的一部分"
    csv = next(b for b in at.get("download_button") if b.proto.label == "下载表格（CSV）" and "adm_audit" in b.proto.id)
    assert csv


def test_the_lockout_time_in_the_users_table_is_beijing_time(demo_app):
    from datetime import timedelta

    from services import clock
    from services.errors import ServiceError

    t0 = audit.now()
    for i in range(accounts.LOCK_AFTER):
        with pytest.raises(ServiceError):
            accounts.authenticate(demo_app, "demo_eval", "wrong-password-1", now=t0 + timedelta(minutes=i))
    until = t0 + timedelta(minutes=accounts.LOCK_AFTER - 1) + accounts.LOCK_FOR
    at = sign_in(demo_app, "admin", "pages/admin.py")
    users = next(d.value for d in at.dataframe if "username" in d.value.columns).set_index("username")
    shown = users.loc["demo_eval", "locked_until"]
    assert shown == clock.local_text(until, demo_app.settings, seconds=False)
    assert shown == (until + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def test_admin_creates_a_user_and_locks_then_unlocks_it(demo_app):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    at.text_input(key=new_user_key("username")).input("zhang_san")
    at.text_input(key=new_user_key("password")).input("Strong-pass-77")
    at.selectbox(key=new_user_key("role")).set_value("leadership")
    at.button(key=new_user_key("create")).click().run()
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


def _users(app) -> dict:
    return {u["username"]: u for u in accounts.list_users(app, 1)}


def _stored(app, name: str) -> tuple:
    u = _users(app)[name]
    return u["role"], u["scope_kind"], u["scope_value"]


def _pick(at, app, name: str):
    user = _users(app)[name]
    at.selectbox(key="adm_pick_user").set_value(user["id"]).run()
    no_failure(at)
    return user


def test_picking_another_user_shows_their_role_and_an_unchanged_form_saves_nothing(demo_app):
    """The blocker of issue 17: the form kept the first user's 管理员/全局 after picking demo_head, and
    pressing the button made the station head an administrator."""
    at = sign_in(demo_app, "admin", "pages/admin.py")
    head = _pick(at, demo_app, "demo_head")
    assert at.selectbox(key=role_key(head, "role")).value == "station_head"
    assert at.selectbox(key=role_key(head, "scope_station")).value == head["scope_value"]
    assert at.button(key=role_key(head, "save")).disabled  # nothing changed: nothing to save
    # an edit left unsaved does not follow the admin to another user, nor back
    at.selectbox(key=role_key(head, "role")).set_value("admin").run()
    lead = _pick(at, demo_app, "demo_leader")
    assert at.selectbox(key=role_key(lead, "role")).value == "leadership"
    assert at.selectbox(key=role_key(lead, "kind")).value == "bureau"
    head = _pick(at, demo_app, "demo_head")
    assert at.selectbox(key=role_key(head, "role")).value == "station_head"
    assert _stored(demo_app, "demo_head") == ("station_head", "station", "兰街派出所")


def test_granting_admin_needs_a_confirmation_that_names_the_change(demo_app):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    head = _pick(at, demo_app, "demo_head")
    at.selectbox(key=role_key(head, "role")).set_value("admin").run()
    no_failure(at)
    assert at.button(key=role_key(head, "save")).disabled
    confirm = at.checkbox(key=role_key(head, "confirm"))
    assert confirm.label == md_escape("确认：将 demo_head 从 所长（兰街派出所）改为 管理员（全局）")
    confirm.check().run()
    at.button(key=role_key(head, "save")).click().run()
    no_failure(at)
    assert _stored(demo_app, "demo_head") == ("admin", "bureau", None)
    assert any("已修改角色与范围" in s.value for s in at.success)
    with demo_app.db.read() as conn:
        ev = audit.events(conn, "RoleChanged")[0]
    assert ev["details"]["old"] == ["station_head", "station", "兰街派出所"]


def test_a_station_is_picked_from_the_registry_and_changes_only_the_scope(demo_app):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    head = _pick(at, demo_app, "demo_head")
    box = at.selectbox(key=role_key(head, "scope_station"))
    with demo_app.db.read() as conn:
        registry = rows.office_registry(conn)
    assert set(box.options) == {f"{r['branch']} / {r['station']}" for r in registry.values()}
    other = sorted({r["station"] for r in registry.values()} - {"兰街派出所"})[0]
    box.set_value(other).run()
    assert not at.checkbox  # no grant: no confirmation
    at.button(key=role_key(head, "save")).click().run()
    no_failure(at)
    assert _stored(demo_app, "demo_head") == ("station_head", "station", other)


def test_a_branch_leader_gets_a_branch_from_the_registry(demo_app):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    lead = _pick(at, demo_app, "demo_leader")
    assert not [s for s in at.selectbox if s.key and s.key.startswith(role_key(lead, "scope_"))]
    at.selectbox(key=role_key(lead, "kind")).set_value("branch").run()
    branches = at.selectbox(key=role_key(lead, "scope_branch"))
    assert branches.value is None and at.button(key=role_key(lead, "save")).disabled
    branch = branches.options[0]
    branches.set_value(branch).run()
    at.button(key=role_key(lead, "save")).click().run()
    no_failure(at)
    assert _stored(demo_app, "demo_leader") == ("leadership", "branch", branch)


def test_a_new_station_head_is_scoped_from_the_registry_and_a_new_admin_needs_confirmation(demo_app):
    at = sign_in(demo_app, "admin", "pages/admin.py")
    at.text_input(key=new_user_key("username")).input("wang_head")
    at.text_input(key=new_user_key("password")).input("Strong-pass-77")
    at.selectbox(key=new_user_key("role")).set_value("station_head").run()
    assert at.button(key=new_user_key("create")).disabled  # no station picked yet
    at.selectbox(key=new_user_key("scope_station")).set_value("兰街派出所").run()
    at.button(key=new_user_key("create")).click().run()
    no_failure(at)
    assert _stored(demo_app, "wang_head") == ("station_head", "station", "兰街派出所")
    assert at.text_input(key=new_user_key("username", 1)).value == ""  # fresh, empty widgets
    at.text_input(key=new_user_key("username", 1)).input("li_admin")
    at.text_input(key=new_user_key("password", 1)).input("Strong-pass-78")
    at.selectbox(key=new_user_key("role", 1)).set_value("admin").run()
    assert at.button(key=new_user_key("create", 1)).disabled
    at.checkbox(key=new_user_key("confirm", 1)).check().run()
    at.button(key=new_user_key("create", 1)).click().run()
    no_failure(at)
    assert _stored(demo_app, "li_admin") == ("admin", "bureau", None)


def test_upload_history_times_are_beijing_time_too(shared_demo):
    """One zone on every panel: the upload history showed the stored (UTC) time."""
    from datetime import UTC, timedelta

    import pandas as pd

    from services import uploads

    at = sign_in(shared_demo, "station_head", "pages/upload.py")
    no_failure(at)
    shown = at.dataframe[-1].value.iloc[0]["created_at"]
    stored = pd.Timestamp(uploads.upload_history(shared_demo, accounts.find_user(
        shared_demo, 1, "demo_head")["id"])[0]["created_at"])
    stored = stored.tz_localize(UTC) if stored.tzinfo is None else stored
    assert shown == (stored + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
