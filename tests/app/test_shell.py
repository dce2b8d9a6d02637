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



def _routed_app_test(tmp_path):
    """An AppTest that routes every run through ``app.py``'s ``st.navigation``, as a server does.

    AppTest resets Streamlit's page-folder flag before each run, so with a ``pages/`` folder beside the
    script a run asked for ``/rubric`` would execute ``pages/rubric.py`` alone (the server does that
    only before ``app.py`` first runs, see ``ui.state.current_actor``). A link to ``app.py`` in a folder
    without ``pages/`` gives the server's routing; ``app.py`` finds its pages from its real location."""
    from app_helpers import APP_FILE, TIMEOUT
    from streamlit.testing.v1 import AppTest

    entry = tmp_path / "entry" / "app.py"
    entry.parent.mkdir()
    entry.symlink_to(APP_FILE)
    return AppTest.from_file(str(entry), default_timeout=TIMEOUT)


def _open_address(at, url_path: str):
    """Run ``at`` on the screen address ``/url_path`` as the browser asks for it (Streamlit identifies a
    page of ``st.navigation`` by the hash of its URL path)."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    return at.run()


def test_station_head_at_a_forbidden_address_gets_a_chinese_no_access_page_and_nothing_of_it(shared_demo,
                                                                                              tmp_path):
    from app_helpers import DEMO_USERS

    from ui.i18n import MESSAGES

    at = _routed_app_test(tmp_path)
    at.session_state["auth_token"] = accounts.authenticate(shared_demo, DEMO_USERS["station_head"],
                                                           DEMO_PASSWORD).token
    at.run()
    assert at.title[0].value == "总览"
    for path, title in (("rubric", "评分规则"), ("admin", "系统管理")):
        _open_address(at, path)
        no_failure(at)
        assert [x.value for x in at.title] == [MESSAGES["no_access_title"][0]]
        assert any("无权访问此页面" in e.value for e in at.error)
        assert not any(title in x for x in texts(at))
        assert not at.main.dataframe and not at.main.text_input and not at.main.text_area
    _open_address(at, "upload")  # an address the role has still opens its screen
    no_failure(at)
    assert at.title[0].value == "数据上报"


def test_signed_out_a_screen_address_shows_the_sign_in_form_and_signing_in_lands_there(shared_demo, tmp_path):
    at = _open_address(_routed_app_test(tmp_path), "rubric")
    no_failure(at)
    assert at.text_input(key="signin_user") and "auth_token" not in at.session_state
    assert "评分规则" not in texts(at)
    at.text_input(key="signin_user").input("demo_eval")
    at.text_input(key="signin_pw").input(DEMO_PASSWORD)
    at.button[0].click().run()
    no_failure(at)
    assert at.title[0].value == "评分规则"  # the evaluator's role has it


def test_a_page_run_without_app_py_goes_to_the_sign_in_form_not_a_blank_screen(shared_demo):
    """Streamlit's first run after a start, at a page address, runs the page file alone (AppTest does
    it on every run): with nobody signed in that run goes through app.py's sign-in form."""
    at = _open_address(new_app_test(), "rubric")
    no_failure(at)
    assert at.text_input(key="signin_user")
    assert "评分规则" not in texts(at)
