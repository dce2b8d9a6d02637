"""The shell: first-run setup, sign-in, demo banner, role-based navigation."""

from __future__ import annotations

from app_helpers import new_app_test, no_failure, texts

from services import accounts
from services.demo import DEMO_PASSWORD


def test_first_start_on_empty_database_creates_the_first_admin(empty_env):
    at = new_app_test().run()
    no_failure(at)
    assert any("创建管理员" in x for x in texts(at))
    at.text_input(key="setup_user").input("chief")
    at.text_input(key="setup_pw1").input("Very-secret-2026")
    at.text_input(key="setup_pw2").input("Very-secret-2026")
    at.button[0].click().run()  # the form's submit button
    no_failure(at)
    assert any("管理员账号已创建" in x for x in texts(at))
    from services.context import open_app
    from services.settings import from_env

    app = open_app(from_env())
    assert accounts.authenticate(app, "chief", "Very-secret-2026").actor.role == "admin"


def test_wrong_password_shows_the_chinese_error_and_no_page(demo_app):
    at = new_app_test().run()
    at.text_input(key="signin_user").input("demo_eval")
    at.text_input(key="signin_pw").input("not-the-password")
    at.button[0].click().run()
    no_failure(at)
    assert "用户名或密码错误。" in [e.value for e in at.error]
    assert "auth_token" not in at.session_state


def test_right_password_signs_in_and_shows_the_demo_banner(demo_app):
    at = new_app_test().run()
    assert any("演示模式" in w.value for w in at.warning)
    at.text_input(key="signin_user").input("demo_leader")
    at.text_input(key="signin_pw").input(DEMO_PASSWORD)
    at.button[0].click().run()
    no_failure(at)
    assert at.session_state["auth_token"]
    assert any("演示模式" in w.value for w in at.warning)
    assert at.title[0].value == "总览"
