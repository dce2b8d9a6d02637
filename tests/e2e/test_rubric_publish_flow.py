"""A rubric version's life in a real browser: the evaluator drafts a change, compares it, publishes it
from the next quarter; leadership then sees this quarter's ranking unchanged and the next quarter's
rated by the new version. (The sample bureau's data ends in 2026-10: "this quarter" is 2026Q3 and the
next one 2026Q4.) The version is retired at the end, so the shared demo server rates as before."""

from __future__ import annotations

import pytest
from e2e_helpers import choose, click, go, grid_rows, main, no_error_shown, shot, sign_in, sign_out, wait_idle

from services.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.e2e
THIS_QUARTER, NEXT_QUARTER = "2026Q3", "2026Q4"


def _type(page, label: str, nth: int, value: str) -> None:
    """Type into the ``nth`` live text input labelled ``label`` (checked as you type: no Enter)."""
    box = main(page).get_by_label(label, exact=True).nth(nth)
    box.fill(value)
    page.wait_for_timeout(400)  # the live input's pause before it reruns
    wait_idle(page)


def _ranking(page, quarter: str) -> tuple[str, list[tuple[str, str]]]:
    choose(page, "统计期类型", "季度")
    choose(page, "统计期", quarter)
    caption = next(c for c in main(page).locator('[data-testid="stCaptionContainer"]').all_inner_texts()
                   if "评分规则" in c)
    rows = grid_rows(page, main(page).locator('[data-testid="stDataFrame"]').first.locator(".."))
    return caption, [(r["单位"], r["得分"]) for r in rows if "单位" in r][:15]


def _retire_everything_published(data_dir) -> None:
    from sqlalchemy import select

    from services import rubrics
    from services.context import open_app
    from services.settings import Settings, sqlite_url
    from store.tables import users

    app = open_app(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir / "dashboard.sqlite3"), demo=True))
    try:
        with app.db.read() as conn:
            uid = conn.execute(select(users.c.id).where(users.c.username == DEMO_USERS["evaluator"])).scalar_one()
        for v in rubrics.list_versions(app, uid):
            if v.number and v.status != "retired":
                rubrics.retire(app, uid, v.number)
    finally:
        app.close()


def test_draft_compare_publish_from_next_quarter(demo_app, page):
    try:
        sign_in(page, demo_app.url, DEMO_USERS["leadership"], DEMO_PASSWORD)
        go(page, "星级评定")
        before_caption, before = _ranking(page, THIS_QUARTER)
        assert "第 0 版（系统默认）" in before_caption and len(before) >= 10
        sign_out(page)

        sign_in(page, demo_app.url, DEMO_USERS["evaluator"], DEMO_PASSWORD)
        go(page, "评分规则")
        no_error_shown(page)
        body = main(page)
        assert body.get_by_text("目前只有一个版本").count() == 1
        _type(page, "权重", 0, "30")              # 矛盾纠纷化解率 20 → 30
        body.get_by_text("权重合计必须为 100，当前为 110").first.wait_for()  # checked as typed, no Enter
        _type(page, "权重", 6, "5")               # 驻社区日均时长 15 → 5
        _type(page, "起点（0 分）%", 1, "60%")     # 按期化解率 floor 70 % → 60 %, typed as a percentage
        body.get_by_text("规则检查通过。").first.wait_for()
        _type(page, "版本说明（必填：为什么修改、改了什么）", 0, "化解率加权，时长减权")
        click(page, "另存为新草稿")
        body.get_by_text("已保存第 1 版（草稿）").first.wait_for()  # after the save's own rerun
        wait_idle(page)
        no_error_shown(page)
        compared = body.get_by_text("从第 0 版（系统默认）改为第 1 版（草稿）")
        compared.first.wait_for()
        assert "警务室" in compared.first.inner_text()
        shot(page, "rubric_draft_compared")

        _type(page, "首个生效期间（如 2027Q1、2027-01、2027）", 0, NEXT_QUARTER)
        body.get_by_text("我已比较过该版本与现行版本的评定结果，确认发布").click()
        wait_idle(page)
        click(page, "发布第 1 版（草稿）")
        body.get_by_text(f"第 1 版（{NEXT_QUARTER} 起）已发布。").first.wait_for()
        wait_idle(page)
        sign_out(page)

        sign_in(page, demo_app.url, DEMO_USERS["leadership"], DEMO_PASSWORD)
        go(page, "星级评定")
        after_caption, after = _ranking(page, THIS_QUARTER)
        assert "第 0 版（系统默认）" in after_caption and after == before, "this quarter is rated as before"
        next_caption, nxt = _ranking(page, NEXT_QUARTER)
        assert f"第 1 版（{NEXT_QUARTER} 起）" in next_caption
        shot(page, "rubric_next_quarter_rating")
        no_error_shown(page)
    finally:
        _retire_everything_published(demo_app.data_dir)
