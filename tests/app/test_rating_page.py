"""星级评定 through AppTest on the demo bureau: every role renders; the ranking is metrics' ranking;
a station head sees the bureau ranking but only their own offices' details; exports are audited."""

from __future__ import annotations

import analysis_helpers
import numpy as np
import pandas as pd
import pytest
from analysis_helpers import actor
from app_helpers import no_failure, sign_in

from metrics.dataset import Dataset
from metrics.indicators import compute
from metrics.ranking import rank
from metrics.rubric import load_rubric
from metrics.scoring import score
from services import rating_views as rv
from services.errors import PermissionDenied
from store import audit, rows

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)
PAGE = "pages/rating.py"


@pytest.mark.parametrize("role", ["leadership", "station_head", "evaluator", "admin"])
def test_rating_page_renders_for_every_role(demo, role):
    at = sign_in(demo, role, PAGE)
    no_failure(at)
    assert at.title[0].value == "星级评定"
    assert len(at.dataframe[0].value) > 0


def test_ranking_on_the_page_matches_metrics_scoring_of_the_stored_rows(demo):
    at = sign_in(demo, "evaluator", PAGE)
    shown = at.dataframe[0].value
    month = at.selectbox(key="rat_month").value
    with demo.db.read() as conn:
        ds = Dataset(monthly=rows.current_monthly(conn), ledger=rows.current_ledger(conn))
    expected = rank(score(compute(ds, month, "office").units, load_rubric()))
    assert list(shown["code"]) == list(expected["code"])
    np.testing.assert_allclose(shown["score"].to_numpy(dtype=float), expected["score"].to_numpy(dtype=float),
                               equal_nan=True)
    assert list(shown["rank"].astype("Int64")) == list(expected["rank"])
    stars = ["待评" if s is pd.NA else "★" * int(s) + "☆" * (5 - int(s)) for s in expected["stars"]]
    assert list(shown["stars_text"]) == stars


def test_station_head_sees_bureau_ranking_but_only_own_item_points_and_offices_to_explain(demo):
    head = actor(demo, "station_head")
    at = sign_in(demo, "station_head", PAGE)
    no_failure(at)
    shown = at.dataframe[0].value
    assert len(set(shown["station"])) > 1, "the bureau ranking"
    others = shown[shown["station"] != head.scope_value]
    assert others["points.resolution_rate"].isna().all()
    office_codes = at.selectbox(key="rat_office").options
    own = set(shown.loc[shown["station"] == head.scope_value, "code"])
    assert {c.split("（")[-1].rstrip("）") for c in office_codes} == own
    assert not [b for b in at.button if b.key == "rat_export_make"], "station heads do not export"
    other_code = others["code"].iloc[0]
    with pytest.raises(PermissionDenied):
        rv.explain_office(demo, head, at.selectbox(key="rat_month").value, 0, other_code)
    with pytest.raises(PermissionDenied):
        rv.export_ranking(demo, head, at.selectbox(key="rat_month").value, 0, "csv")


def test_station_head_ranking_shows_other_offices_name_station_stars_score_and_rank_only(demo):
    """Issue 17: other stations' offices came with their reasons ("有数据的评分项权重合计 … 缺少：…"),
    caps and ranks within their branch and station."""
    head = actor(demo, "station_head")
    full = sign_in(demo, "evaluator", PAGE).dataframe[0].value.set_index("code")
    shown = sign_in(demo, "station_head", PAGE).dataframe[0].value.set_index("code")
    others = shown[shown["station"] != head.scope_value]
    assert (full.loc[others.index, "reason"] != "").any() or (full.loc[others.index, "capped"] != "").any()
    assert (others["reason"] == "").all() and (others["capped"] == "").all()
    assert others["rank_in_branch"].isna().all() and others["rank_in_station"].isna().all()
    item_cols = [c for c in others.columns if c.startswith("points.")]
    assert item_cols and others[item_cols].isna().all().all()
    for col in ("name", "station", "stars_text"):
        assert others[col].equals(full.loc[others.index, col]), col
    np.testing.assert_allclose(others["score"].to_numpy(dtype=float),
                               full.loc[others.index, "score"].to_numpy(dtype=float), equal_nan=True)
    mine = shown[shown["station"] == head.scope_value]
    assert mine["rank_in_station"].notna().any()


def test_export_builds_workbook_and_csv_and_records_an_audit_event(demo):
    at = sign_in(demo, "leadership", PAGE)
    at.button(key="rat_export_make").click().run()
    no_failure(at)
    assert any("已生成导出文件" in s.value for s in at.success)
    with demo.db.read() as conn:
        events = audit.events(conn, "RankingExported")
    assert {e["details"]["format"] for e in events} >= {"xlsx", "csv"}
    assert events[0]["actor_name"] == "demo_leader"
