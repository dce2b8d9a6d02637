"""Two ``streamlit run serve.py`` processes on one PostgreSQL (issue 16), in a real browser: a leader
has 总览 open on process B; an upload is stored (through the services, on process A's installation);
B's next page run — a menu click in the same session, no reload, no restart — shows the new data
version and that every station has now reported the month the store fills (2026-10). 总览 opens on
the latest complete month (2026-09, complete before the store too), so the test picks 2026-10 in
``统计期`` before and after the store."""

from __future__ import annotations

import re

import pytest
from e2e_helpers import choose, go, main, no_error_shown, sign_in

from services import uploads
from services.context import open_app as open_installation
from services.demo import DEMO_PASSWORD, UPLOAD_DATE, ensure_demo, sample_files
from services.settings import from_env
from tests.dbfixtures import pg_server  # noqa: F401  (fixture: the throwaway PostgreSQL server)

pytestmark = pytest.mark.e2e
VERSION = re.compile(r"数据版本 (\d+)")
REPORTED = re.compile(r"已上报 (\d+)/(\d+) 个警务室")
MONTH = "2026-10"  # the month the station workbooks (and so the store) fill


def _version(page) -> int:
    return int(VERSION.search(main(page).inner_text()).group(1))


def _reported(page) -> tuple[int, int]:
    found = REPORTED.search(main(page).inner_text())
    assert found, main(page).inner_text()
    return int(found.group(1)), int(found.group(2))


def test_a_store_shows_in_the_other_process_on_the_next_page_run(browser, start_server, request):
    pg = request.getfixturevalue("pg_server")
    url = pg.url(pg.new_database(template=pg.template))
    proc_a = start_server("xproc-a", {"DASHBOARD_DATABASE_URL": url, "DASHBOARD_DEMO": "1"})
    proc_b = start_server("xproc-b", {"DASHBOARD_DATABASE_URL": url, "DASHBOARD_DEMO": "1"})
    app = open_installation(from_env({"DASHBOARD_DATA_DIR": str(proc_a.data_dir), "DASHBOARD_DATABASE_URL": url,
                                      "DASHBOARD_DEMO": "1"}))
    try:
        assert ensure_demo(app, skip_stations=1)
        _, stations = sample_files()
        last = stations[-1]
        context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, proc_b.url, "demo_leader", DEMO_PASSWORD)
        before = _version(page)
        all_in = f"范围内所有派出所均已上报 {MONTH} 月报。"
        choose(page, "统计期", MONTH)
        assert all_in not in main(page).inner_text()  # one station has not reported the month yet
        reported_before, offices = _reported(page)
        assert reported_before < offices
        go(page, "星级评定")
        go(page, "总览")
        assert _version(page) == before  # nothing changed: the same version from B's caches
        choose(page, "统计期", MONTH)
        assert _reported(page) == (reported_before, offices)

        from services import accounts

        evaluator = accounts.authenticate(app, "demo_eval", DEMO_PASSWORD).actor
        plan = uploads.prepare_upload(app, evaluator, [(last.name, last.read_bytes())], upload_date=UPLOAD_DATE)
        stored = uploads.commit_upload(app, evaluator, plan, acknowledge_warnings=True).upload_ids
        assert len(stored) == 1 and stored[0] > before

        go(page, "星级评定")
        go(page, "总览")  # B's next runs, same Streamlit session
        assert _version(page) == stored[0]
        no_error_shown(page)
        choose(page, "统计期", MONTH)
        page.get_by_text(all_in).first.wait_for(timeout=10_000)  # the last station has now reported
        reported_after, offices_after = _reported(page)
        assert offices_after == offices and reported_after > reported_before
        context.close()
    finally:
        app.close()
