"""No markup from data reaches plotly (issue 17): plotly reads ``<a href>``, ``<b>``, ``<span style>`` …
in every text it draws, so an office, station or branch name or a rubric label carrying them became a live
link in 指标分析's charts. Every chart builder is given hostile names; no string anywhere in the figure's
JSON — titles, tick labels, legend names, bar texts, hover texts, custom data — may hold a tag that did
not come from our own hover templates."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from metrics.explain import explain
from metrics.rubric import load_rubric
from ui import charts
from ui.funnel import funnel_figure, funnel_points
from ui.heatmap import heatmap_figure
from ui.safe import plot_text
from ui.waterfall import waterfall_figure

HOSTILE = '<a href="http://evil.test/x">点我</a><b>粗</b><span style="color:red">红</span>'
OURS = re.compile(r"<br>|<extra></extra>")
"""Tags our own hover templates use (never taken from data)."""


def _strings(obj, path=""):
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple | np.ndarray):
        for i, v in enumerate(list(obj)):
            yield from _strings(v, f"{path}[{i}]")


def assert_no_markup_from_data(fig) -> None:
    js = fig.to_plotly_json()
    seen = False
    for path, text in _strings(js):
        if "点我" in text:
            seen = True
        rest = OURS.sub("", text) if path.endswith("hovertemplate") else text
        assert "<" not in rest, f"markup at {path}: {text!r}"
    assert seen, "the hostile name should be in the figure (escaped)"


def _units(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"code": [f"C{i}" for i in range(n)], "name": [f"{HOSTILE}{i}" for i in range(n)],
                         "station": [HOSTILE] * n, "branch": [HOSTILE] * n})


def test_plot_text_escapes_every_tag_and_ampersand():
    assert plot_text("<a href='x'>&lt;</a>") == "&lt;a href='x'&gt;&amp;lt;&lt;/a&gt;"


def test_trend_chart_legend_and_hover_names_are_literal():
    s = pd.DataFrame({"name": [HOSTILE, HOSTILE, "城关"], "month": ["2026-09", "2026-10", "2026-10"],
                      "value": [0.5, 0.6, 0.7]})
    assert_no_markup_from_data(charts.trend_chart(s, "resolution_rate"))


def test_bar_compare_tick_labels_are_literal():
    frame = _units().assign(resolution_rate=[0.5, 0.7, np.nan])
    assert_no_markup_from_data(charts.bar_compare(frame, "resolution_rate", reference=0.6))


def test_heatmap_rows_are_literal():
    units = _units(2)
    series = pd.DataFrame({"code": list(units["code"]) * 2, "name": list(units["name"]) * 2,
                           "month": ["2026-09"] * 2 + ["2026-10"] * 2, "value": [0.1, 0.2, 0.3, 0.4]})
    assert_no_markup_from_data(heatmap_figure(series, "resolution_rate"))


def test_funnel_hover_names_are_literal():
    frame = _units().assign(num=[8, 40, 90], den=[10, 50, 100])
    points, p0 = funnel_points(frame, "num", "den")
    assert_no_markup_from_data(funnel_figure(points, p0, title="化解率", rate_label="化解率", volume_label="应化解纠纷数"))


@pytest.mark.parametrize("hostile_label", [False, True])
def test_waterfall_title_and_item_labels_are_literal(hostile_label):
    rubric = load_rubric()
    row = {"code": "X", "name": HOSTILE, "resolution_rate": 0.9, "on_time_rate": 0.8, "follow_up_rate": 0.7,
           "proactive_rate": 0.6, "dispute_alerts_yoy": 0.0, "criminal_cases_yoy": -0.1, "avg_daily_hours": 6.0,
           "officer_familiarity": 0.8, "resident_familiarity": None, "visit_coverage": 0.5, "civil_to_criminal": 0}
    ex = explain(row, rubric)
    if hostile_label:  # an evaluator's rubric labels are user text too
        ex = dataclasses.replace(ex, items=tuple(dataclasses.replace(it, label=HOSTILE) for it in ex.items))
    assert_no_markup_from_data(waterfall_figure(ex))


def test_star_distribution_and_risk_board_hold_only_our_own_labels():
    from ui.risk_board import risk_board_figure
    counts = pd.DataFrame({"label": ["★★★★★", "待评"], "stars": [5, np.nan], "count": [3, 1]})
    for fig in (charts.star_distribution_chart(counts), risk_board_figure({"红": 1, "黄": 0, "蓝": 2, "未填": 1})):
        for _path, text in _strings(fig.to_plotly_json()):
            assert "<a" not in OURS.sub("", text)
