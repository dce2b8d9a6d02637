"""Funnel limits, zones and the pure chart builders of the F2 screens (no Streamlit session needed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metrics.explain import explain
from metrics.rubric import load_rubric
from ui.funnel import Z95, Z998, funnel_figure, funnel_limits, funnel_points, overall_rate
from ui.heatmap import heatmap_figure, heatmap_matrix
from ui.risk_board import board_counts, risk_board_figure
from ui.waterfall import waterfall_figure, waterfall_steps


def test_limits_match_the_binomial_normal_approximation_by_hand():
    # p0 = 0.9, n = 100: sd = sqrt(0.09/100) = 0.03 → 95 %: 0.9 ± 1.96·0.03
    low, high = funnel_limits(0.9, [100], Z95)
    assert low[0] == pytest.approx(0.9 - 1.959964 * 0.03, abs=1e-6)
    assert high[0] == pytest.approx(0.9 + 1.959964 * 0.03, abs=1e-6)
    low, high = funnel_limits(0.9, [100], Z998)
    assert low[0] == pytest.approx(0.9 - 3.090232 * 0.03, abs=1e-6)


def test_limits_narrow_as_volume_grows_and_stay_within_zero_and_one():
    vols = np.array([1, 4, 25, 100, 400, 10_000])
    low, high = funnel_limits(0.95, vols, Z998)
    assert np.all(np.diff(high - low) < 0)
    assert np.all((low >= 0) & (high <= 1))
    assert high[0] == 1.0  # clipped for tiny volumes


def test_limits_are_nan_where_there_is_no_volume():
    low, high = funnel_limits(0.5, [0, -1, 10], Z95)
    assert math.isnan(low[0]) and math.isnan(high[1]) and not math.isnan(low[2])


def test_overall_rate_is_a_ratio_of_sums_not_a_mean_of_rates():
    # rates 1/1 and 10/100: mean of rates 0.55, ratio of sums 11/101
    assert overall_rate([1, 10], [1, 100]) == pytest.approx(11 / 101)
    assert math.isnan(overall_rate([0], [0]))


def test_points_are_classified_by_zone_and_units_without_volume_are_left_out():
    frame = pd.DataFrame({
        "code": ["A", "B", "C", "D"], "name": ["甲", "乙", "丙", "丁"],
        "num": [900.0, 400.0, 99.0, 0.0], "den": [1000.0, 1000.0, 100.0, 0.0],
    })
    pts, p0 = funnel_points(frame, "num", "den")
    assert list(pts["code"]) == ["A", "B", "C"]
    assert p0 == pytest.approx(1399 / 2100)
    zones = dict(zip(pts["code"], pts["zone"], strict=True))
    assert zones["A"] == "above_998"
    assert zones["B"] == "below_998"
    # C: 0.99 at n=100 vs p0≈0.666: sd≈0.047, 99.8 % upper ≈ 0.812 → above
    assert zones["C"] == "above_998"


def test_a_point_between_the_95_and_998_limits_is_flagged_at_95_only():
    # Two units: a big one fixes p0 near 0.8; a small one sits 2.5 sd above it.
    big = 80_000.0
    n = 100.0
    sd = math.sqrt(0.8 * 0.2 / n)
    num_small = round((0.8 + 2.5 * sd) * n)
    frame = pd.DataFrame({"code": ["BIG", "S"], "name": ["大", "小"], "num": [big * 0.8, num_small],
                          "den": [big, n]})
    pts, p0 = funnel_points(frame, "num", "den")
    assert dict(zip(pts["code"], pts["zone"], strict=True))["S"] == "above_95"


def test_funnel_figure_has_both_limit_pairs_the_overall_line_and_chinese_axis_titles():
    frame = pd.DataFrame({"code": ["A", "B"], "name": ["甲", "<b>乙</b>"], "num": [9.0, 40.0], "den": [10.0, 50.0]})
    pts, p0 = funnel_points(frame, "num", "den")
    fig = funnel_figure(pts, p0, title="化解率漏斗图", rate_label="化解率", volume_label="应化解纠纷数")
    names = [t.name for t in fig.data]
    assert "95%控制限" in names and "99.8%控制限" in names and any(n.startswith("总体") for n in names)
    assert fig.layout.xaxis.title.text == "应化解纠纷数（件）"
    assert fig.layout.yaxis.title.text == "化解率（%）"
    assert fig.layout.title.text == "化解率漏斗图"


def test_heatmap_keeps_two_offices_of_the_same_name_apart_and_reverses_colours_for_lower_is_better():
    series = pd.DataFrame({
        "code": ["1", "1", "2", "2"], "name": ["湖山警务室"] * 4, "month": ["2026-01", "2026-02"] * 2,
        "value": [1.0, 2.0, np.nan, 4.0],
    })
    m = heatmap_matrix(series)
    assert m.shape == (2, 2)
    assert math.isnan(m.loc["湖山警务室（2）", "2026-01"])
    fig = heatmap_figure(series, "alerts")
    assert fig.data[0].reversescale is True
    assert heatmap_figure(series, "resolution_rate").data[0].reversescale is False
    assert fig.layout.xaxis.title.text == "月份"


def test_waterfall_steps_add_up_to_the_office_score():
    rubric = load_rubric()
    row = {"code": "X", "name": "测试", "resolution_rate": 0.9, "on_time_rate": 0.8, "follow_up_rate": 0.7,
           "proactive_rate": 0.6, "dispute_alerts_yoy": 0.0, "criminal_cases_yoy": -0.1, "avg_daily_hours": 6.0,
           "officer_familiarity": 0.8, "resident_familiarity": None, "visit_coverage": 0.5, "civil_to_criminal": 0}
    ex = explain(row, rubric)
    steps = waterfall_steps(ex)
    assert steps[-1]["measure"] == "total"
    assert sum(s["value"] for s in steps[:-1]) == pytest.approx(ex.score)
    assert any(s["text"].startswith("无数据") for s in steps)


def test_risk_board_counts_every_colour_and_unfilled_risk():
    open_d = pd.DataFrame({"risk": ["红", "红", "蓝", None]})
    counts = board_counts(open_d)
    assert counts == {"红": 2, "黄": 0, "蓝": 1, "未填": 1}
    fig = risk_board_figure(counts)
    assert list(fig.data[0].y) == [2, 0, 1, 1]
    assert fig.layout.yaxis.title.text == "未化解纠纷数（件）"


def test_waterfall_draws_points_lost_as_red_bars_and_names_missing_items_once():
    from ui.palette import BAD

    rubric = load_rubric()
    row = {"code": "X", "name": "测试", "resolution_rate": 0.9, "on_time_rate": 0.8, "follow_up_rate": 0.7,
           "proactive_rate": 0.6, "dispute_alerts_yoy": 0.0, "criminal_cases_yoy": -0.1, "avg_daily_hours": 6.0,
           "officer_familiarity": 0.8, "resident_familiarity": None, "visit_coverage": None, "civil_to_criminal": 0}
    ex = explain(row, rubric)
    fig = waterfall_figure(ex)
    earned, lost = fig.data
    assert lost.marker.color == BAD and lost.name == "失分"
    # items with data: earned + lost is the item's weight rescaled; all of them add up to 100
    assert sum(earned.x[1:]) == pytest.approx(ex.score) and sum(lost.x[1:]) == pytest.approx(100 - ex.score)
    assert lost.x[0] == pytest.approx(100 - ex.score)  # the total bar (drawn at the bottom)
    missing = [it.label for it in ex.items if it.points is None]
    assert len(missing) == 2 and not set(missing) & set(earned.y)
    notes = [a.text for a in fig.layout.annotations]
    assert len(notes) == 1 and all(m in notes[0] for m in missing)
