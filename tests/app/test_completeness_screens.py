"""Every screen with a period says what data it stands on, on the demo bureau after one station uploaded
2026-11 early (2026-10 still misses one station: 36 of 40 offices):

* each screen opens on the latest complete month (2026-09, 40/40), not on 2026-11 or 2026-10;
* it shows ``已上报 N/M 个警务室`` and, for an incomplete month, the yellow note;
* 总览's 警情总数 card shows the change 指标分析 shows for the bureau (the engine's like-for-like 同比).
"""

from __future__ import annotations

import analysis_helpers
import pytest
from analysis_helpers import actor
from app_helpers import no_failure, sign_in, texts

from metrics.indicators import compute
from services import completeness, reading
from tests.dbfixtures import make_upload, store_as

demo = analysis_helpers.demo  # a module-scoped private copy of the demo installation
EARLY_STATION = "兰街派出所"
INCOMPLETE = "本期数据不完整，同比仅比较已上报的警务室"
PAGES = {"pages/indicators.py": "ind", "pages/disputes.py": "dis", "pages/rating.py": "rat", None: "ov_period"}


@pytest.fixture(scope="module")
def early(demo):
    """The demo bureau with 兰街派出所's 2026-11 report stored (a copy of its 2026-10 rows)."""
    ds = reading.stored(demo).dataset
    m = ds.monthly
    rows = m[(m["station"] == EARLY_STATION) & (m["month"] == "2026-10")]
    recs = [{**r, "month": "2026-11"} for r in rows.drop(columns=[c for c in m.columns if c.startswith("_")])
            .to_dict("records")]
    assert len(recs) == 4
    store_as(demo, actor(demo, "evaluator").id, make_upload("兰街_2026-11.xlsx", recs))
    return demo


def test_the_early_month_and_the_incomplete_month_are_not_the_default(early):
    lead = actor(early, "leadership")
    c = {p: completeness.period_completeness(early, lead, p) for p in ("2026-09", "2026-10", "2026-11")}
    assert [(x.reported, x.expected) for x in c.values()] == [(40, 40), (36, 40), (4, 40)]
    assert completeness.default_periods(early, lead)["month"] == "2026-09"


@pytest.mark.parametrize("page", list(PAGES))
def test_each_screen_opens_on_the_latest_complete_month_and_says_so(early, page):
    at = sign_in(early, "leadership", page)
    no_failure(at)
    assert at.selectbox(key=f"{PAGES[page]}_month").value == "2026-09"
    shown = texts(at)
    assert "已上报 40/40 个警务室" in shown
    assert not any(INCOMPLETE in s for s in shown)


@pytest.mark.parametrize("page", list(PAGES))
def test_an_incomplete_month_is_marked_on_each_screen(early, page):
    at = sign_in(early, "leadership", page)
    at.selectbox(key=f"{PAGES[page]}_month").select("2026-10").run()
    no_failure(at)
    shown = texts(at)
    assert "已上报 36/40 个警务室" in shown
    assert any(INCOMPLETE in w.value for w in at.warning)


def test_rubric_comparison_opens_on_the_latest_complete_month(early):
    from services import rating_views as rv
    from services import rubrics

    ev = actor(early, "evaluator")
    rubrics.save_draft(early, ev, rv.editable_rubric(early, ev, 0), "用于比较", based_on=0)  # two versions
    at = sign_in(early, "evaluator", "pages/rubric.py")
    no_failure(at)
    assert at.selectbox(key="rub_month").value == "2026-09"
    assert "已上报 40/40 个警务室" in texts(at)


def test_overview_card_change_equals_the_indicator_screen_and_the_engine(early):
    ov = sign_in(early, "leadership")
    ov.selectbox(key="ov_period_month").select("2026-10").run()
    no_failure(ov)
    card = next(m for m in ov.metric if m.label == "警情总数")
    engine = compute(reading.stored(early).dataset, "2026-10", "bureau").units.iloc[0]
    pct = f"{engine['alerts_yoy'] * 100:+.1f}%"
    assert card.delta == f"{engine['alerts'] - engine['alerts_prior']:+,.0f}（{pct}）"
    # 指标分析 at the bureau level shows the same 同比 to the digit
    ind = sign_in(early, "leadership", "pages/indicators.py")
    ind.selectbox(key="ind_month").select("2026-10").run()
    ind.radio(key="ind_level").set_value("bureau").run()
    no_failure(ind)
    table = ind.dataframe[0].value
    assert f"{table['alerts_yoy'].iloc[0]:+.1f}%" == pct
