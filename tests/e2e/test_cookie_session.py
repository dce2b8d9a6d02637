"""Signing in survives a reload, a second tab, a bookmark and a second app process; signing out (or
the timeout) ends it everywhere — in a real browser against ``streamlit run serve.py``.

Every request the browser makes is recorded: none may leave the app's own address (no icon, font
or anything else from the internet)."""

from __future__ import annotations

import time

import pytest
from e2e_helpers import click, fill, go, main, open_app, sign_in, sign_out, wait_idle

from services import accounts
from services.context import open_app as open_installation
from services.demo import DEMO_PASSWORD
from services.settings import Settings, sqlite_url
from tests.dbfixtures import pg_server  # noqa: F401  (fixture: the throwaway PostgreSQL server)
from web.cookies import SESSION_COOKIE

pytestmark = pytest.mark.e2e

SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
PW = "Blue-Lantern-77"


def _signed_in(page) -> bool:
    return page.locator(SIDEBAR_NAV).count() > 0


def _on_sign_in_form(page) -> bool:
    return page.get_by_role("button", name="登录", exact=True).count() > 0


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == SESSION_COOKIE), None)


def _wait_cookie(context, present: bool, timeout_s: float = 10) -> dict | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        c = _session_cookie(context)
        if (c is not None) == present:
            return c
        time.sleep(0.1)
    raise AssertionError(f"session cookie {'never set' if present else 'never cleared'}: {context.cookies()}")


def _reload(page) -> None:
    """F5: the same address loaded again (one page load, so one new Streamlit session)."""
    page.reload()
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=60_000)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                           timeout=60_000)
    wait_idle(page)


def _record_requests(context) -> list[str]:
    urls: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    return urls


def _foreign(urls: list[str], base: str) -> list[str]:
    return [u for u in urls if not (u.startswith(base + "/") or u == base or u.startswith(("data:", "blob:")))]


def test_reload_second_tab_and_bookmark_keep_the_sign_in_and_sign_out_ends_it_everywhere(browser, demo_app):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(30_000)
    urls = _record_requests(context)
    tab_a = context.new_page()
    sign_in(tab_a, demo_app.url, "demo_eval", DEMO_PASSWORD)
    cookie = _wait_cookie(context, present=True)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http on loopback; Secure over HTTPS (test_http_routes.py)
    assert tab_a.evaluate("document.cookie").find(SESSION_COOKIE) == -1  # no script can read it
    assert "h=" not in tab_a.url and cookie["value"] not in tab_a.url

    # F5
    _reload(tab_a)
    assert _signed_in(tab_a) and not _on_sign_in_form(tab_a)
    assert "demo_eval" in tab_a.locator('[data-testid="stSidebar"]').inner_text()

    # a second tab, and a bookmarked page address in a third
    tab_b = context.new_page()
    open_app(tab_b, demo_app.url)
    assert _signed_in(tab_b)
    tab_c = context.new_page()
    open_app(tab_c, demo_app.url + "/rating")
    assert _signed_in(tab_c) and "星级评定" in main(tab_c).inner_text()
    tab_c.close()

    # a copy of the cookie in another browser works while the session lives …
    copied = browser.new_context()
    copied.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    thief = copied.new_page()
    open_app(thief, demo_app.url)
    assert _signed_in(thief)
    thief.close()

    # sign out in tab A: tab B is signed out at its next step, and the browser drops the cookie
    sign_out(tab_a)
    assert _on_sign_in_form(tab_a)
    _wait_cookie(context, present=False)
    go(tab_b, "指标分析")
    assert _on_sign_in_form(tab_b) and not _signed_in(tab_b)
    _reload(tab_b)
    assert _on_sign_in_form(tab_b)

    # … and stops working after the sign-out
    thief = copied.new_page()
    open_app(thief, demo_app.url + "/rating")
    assert _on_sign_in_form(thief) and not _signed_in(thief)
    assert "星级评定" not in main(thief).inner_text()
    copied.close()

    assert not _foreign(urls, demo_app.url), _foreign(urls, demo_app.url)
    context.close()


def _installation(server, database_url: str | None = None):
    url = database_url or sqlite_url(server.data_dir / "dashboard.sqlite3")
    return open_installation(Settings(data_dir=server.data_dir, database_url=url))


def test_session_ends_after_the_shortened_idle_timeout(browser, start_server):
    server = start_server("idle", {"DASHBOARD_SESSION_IDLE_MINUTES": "0.15"})  # 9 seconds
    app = _installation(server)
    accounts.create_first_admin(app, "root", PW)
    app.close()
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, server.url, "root", PW)
    _wait_cookie(context, present=True)
    time.sleep(4)
    _reload(page)  # within the timeout: still signed in, and the activity counts
    assert _signed_in(page)
    time.sleep(11)
    _reload(page)
    assert _on_sign_in_form(page)
    assert "长时间未操作，登录已过期" in main(page).inner_text()
    _wait_cookie(context, present=False)  # the dead cookie is removed
    context.close()


def test_two_app_processes_on_one_postgresql_database_share_the_sign_in(browser, start_server, request):
    pg = request.getfixturevalue("pg_server")
    url = pg.url(pg.new_database(template=pg.template))
    proc_a = start_server("pg-a", {"DASHBOARD_DATABASE_URL": url})
    proc_b = start_server("pg-b", {"DASHBOARD_DATABASE_URL": url})
    app = _installation(proc_a, url)
    accounts.create_first_admin(app, "root", PW)
    app.close()

    on_a = browser.new_context(locale="zh-CN")
    on_a.set_default_timeout(30_000)
    page_a = on_a.new_page()
    sign_in(page_a, proc_a.url, "root", PW)
    cookie = _wait_cookie(on_a, present=True)

    # the cookie process A set, in a browser talking to process B (another port: its own cookie jar)
    on_b = browser.new_context(locale="zh-CN")
    on_b.set_default_timeout(30_000)
    on_b.add_cookies([{"name": SESSION_COOKIE, "value": cookie["value"], "url": proc_b.url}])
    page_b = on_b.new_page()
    open_app(page_b, proc_b.url)
    assert _signed_in(page_b) and "root" in page_b.locator('[data-testid="stSidebar"]').inner_text()
    open_app(page_b, proc_b.url + "/admin")  # a bookmarked page, in a new Streamlit session on B
    assert _signed_in(page_b) and "系统管理" in main(page_b).inner_text()

    # signing out on B ends the session on A as well
    sign_out(page_b)
    go(page_a, "星级评定")
    assert _on_sign_in_form(page_a)
    on_a.close()
    on_b.close()


def test_password_change_signs_out_and_the_new_password_signs_in(browser, start_server):
    server = start_server("pwchange")
    app = _installation(server)
    accounts.create_first_admin(app, "root", PW)
    app.close()
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, server.url, "root", PW)
    old_cookie = _wait_cookie(context, present=True)
    other_tab = context.new_page()
    open_app(other_tab, server.url)
    assert _signed_in(other_tab)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("修改密码").first.click()
    fill(page, "原密码", PW, scope=sidebar)
    fill(page, "新密码", "Green-Lantern-88", scope=sidebar)
    click(page, "修改密码", scope=sidebar.locator('[data-testid="stForm"]'))
    wait_idle(page)
    assert _on_sign_in_form(page) and "请用新密码重新登录" in main(page).inner_text()
    _wait_cookie(context, present=False)
    go(other_tab, "系统管理")
    assert _on_sign_in_form(other_tab)
    thief = browser.new_context()
    thief.add_cookies([{k: old_cookie[k] for k in ("name", "value", "domain", "path")}])
    p = thief.new_page()
    open_app(p, server.url)
    assert _on_sign_in_form(p)
    thief.close()
    sign_in(page, server.url, "root", "Green-Lantern-88")
    assert _signed_in(page)
    context.close()
