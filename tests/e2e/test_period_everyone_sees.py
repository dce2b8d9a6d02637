"""The period everyone sees, in a real browser: after one station uploads 2026-11 early, a leader signs in
and 总览 opens on the latest complete month (2026-09), says ``已上报 40/40 个警务室``, and the 警情总数
card's change equals the bureau's 同比 on 指标分析 — both the engine's like-for-like value."""

from __future__ import annotations

import re

import pytest
from e2e_helpers import choose, go, grid_rows, main, no_error_shown, shot, sign_in, wait_idle

from services.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.e2e


def _selected(page, label: str) -> str:
    return main(page).get_by_role("combobox", name=label, exact=True).first.input_value()


def test_leader_sees_the_latest_complete_month_and_card_changes_equal_the_indicators(early_demo_app, page):
    sign_in(page, early_demo_app.url, DEMO_USERS["leadership"], DEMO_PASSWORD)
    no_error_shown(page)
    text = main(page).inner_text()
    assert "2026-09" in _selected(page, "统计期")
    assert "已上报 40/40 个警务室" in text and "本期数据不完整" not in text
    card = main(page).locator('[data-testid="stMetric"]').filter(has_text="警情总数").first
    delta = card.locator('[data-testid="stMetricDelta"]').inner_text()
    pct = re.search(r"（([+-]\d+\.\d)%）", delta)
    assert pct, delta
    shot(page, "period_overview_latest_complete")

    # the early month itself is marked incomplete when chosen
    choose(page, "统计期", "2026-11")
    text = main(page).inner_text()
    assert "已上报 4/40 个警务室" in text and "本期数据不完整，同比仅比较已上报的警务室" in text

    go(page, "指标分析")
    no_error_shown(page)
    assert "2026-09" in _selected(page, "统计期")
    main(page).get_by_text("全局", exact=True).first.click()
    wait_idle(page)
    page.set_viewport_size({"width": 7000, "height": 1000})  # the grid renders only the columns in view
    wait_idle(page)
    rows = grid_rows(page)
    yoy = next((v for k, v in rows[0].items() if k.startswith("警情总数同比")), None)
    assert yoy is not None, list(rows[0])
    assert f"{float(pct.group(1)):+.1f}" == f"{float(yoy.rstrip('%')):+.1f}", (delta, yoy)
