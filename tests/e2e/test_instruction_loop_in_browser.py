"""The warning loop in a real browser on the demo bureau: a leader sees overdue instructions, the station
head signs and answers one, an evaluator returns it, the head answers again, the evaluator closes it."""

from __future__ import annotations

import pytest
from e2e_helpers import choose, click, go, grid_rows, main, no_error_shown, shot, sign_in, sign_out, wait_idle
from playwright.sync_api import expect

from services import instruction_views as iv
from services import instructions as ins
from services.context import open_app
from services.demo import DEMO_PASSWORD, DEMO_USERS
from services.settings import from_env
from store.tables import users

pytestmark = pytest.mark.e2e
PAGE = "预警处置"


def _store(server):
    return open_app(from_env({"DASHBOARD_DATA_DIR": str(server.data_dir)}), migrate_now=False)


def _uid(app, role):
    from sqlalchemy import select
    with app.db.read() as conn:
        return conn.execute(select(users.c.id).where(users.c.username == DEMO_USERS[role])).scalar_one()


def _label(app, iid):
    one = ins.instruction(app, _uid(app, "evaluator"), iid)
    from metrics.early_warnings import RULES
    return f"#{iid} · {one['station']} · {one['office_name']} · {RULES[one['rule']][1]}"


def _as(page, server, role, app, iid):
    sign_in(page, server.url, DEMO_USERS[role], DEMO_PASSWORD)
    go(page, PAGE)
    choose(page, "查看指令", _label(app, iid))
    no_error_shown(page)


def _feedback(page, text):
    main(page).get_by_label("反馈内容（做了什么）", exact=True).fill(text)
    click(page, "提交反馈")


def test_leader_sees_overdue_and_the_loop_runs_to_its_close(demo_app, page):
    page.set_viewport_size({"width": 1600, "height": 1200})
    app = _store(demo_app)
    try:
        head = _uid(app, "station_head")
        iid = next(i["id"] for i in ins.list_instructions(app, head)
                   if i["status"] == "new" and not i["supervision_notes"])

        sign_in(page, demo_app.url, DEMO_USERS["leadership"], DEMO_PASSWORD)
        go(page, PAGE)
        assert PAGE in main(page).locator("h1").all_inner_texts()
        page.get_by_role("tab", name="逾期", exact=True).click()
        wait_idle(page)
        overdue = [r for r in grid_rows(page, main(page)) if r.get("指令号")]
        want = iv.board(app, _uid(app, "leadership")).overdue
        assert overdue and sorted(int(r["指令号"]) for r in overdue) == sorted(want["id"].astype(int).tolist())
        shot(page, "instructions_leader_overdue")
        sign_out(page)

        _as(page, demo_app, "station_head", app, iid)
        click(page, "签收")
        # the rerun that follows the click may still be drawing on a busy machine: wait for the text
        expect(main(page)).to_contain_text("已签收", timeout=30_000)
        assert ins.instruction(app, head, iid)["status"] == "acknowledged"
        _feedback(page, "已上门调解，双方达成初步协议")
        assert ins.instruction(app, head, iid)["status"] == "answered"
        sign_out(page)

        _as(page, demo_app, "evaluator", app, iid)
        main(page).get_by_label("核查说明（退回时必填）", exact=True).fill("请附调解协议")
        click(page, "退回")
        assert ins.instruction(app, head, iid)["status"] == "returned"
        sign_out(page)

        _as(page, demo_app, "station_head", app, iid)
        _feedback(page, "已补充调解协议")
        sign_out(page)

        _as(page, demo_app, "evaluator", app, iid)
        click(page, "办结")
        no_error_shown(page)
        got = ins.instruction(app, head, iid)
        assert got["status"] == "closed"
        assert [h["label"] for h in got["history"]] == ["生成指令", "签收", "反馈", "核查退回", "反馈", "核查办结"]
        assert "核查办结" in main(page).inner_text() or any("核查办结" in v for r in grid_rows(page, main(page))
                                                           for v in r.values())
        shot(page, "instructions_closed")
    finally:
        app.close()
