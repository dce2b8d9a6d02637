"""Comparison bars and the star distribution read right: the overall line never covers a value, a unit
that has not reported says "未上报" (not a blank bar), and office counts have whole-number ticks."""

from __future__ import annotations

import pandas as pd

from ui.charts import bar_compare, star_distribution_chart


def _stations():
    return pd.DataFrame({"name": ["兰街派出所", "西亭派出所", "南口派出所"],
                         "resolution_rate": [0.9, float("nan"), 0.8], "months_reported": [1.0, 0.0, 1.0]})


def test_a_unit_without_rows_reads_not_reported_and_values_sit_in_the_labels():
    fig = bar_compare(_stations(), "resolution_rate", reference=0.85)
    bars = fig.data[0]
    assert "西亭派出所  未上报" in bars.y
    assert "兰街派出所  90.0" in bars.y and "南口派出所  80.0" in bars.y
    assert bars.text is None  # nothing written on the bars for the line to cover


def test_the_overall_level_is_a_legend_entry_not_a_label_on_the_bars():
    fig = bar_compare(_stations(), "resolution_rate", reference=0.85)
    assert not fig.layout.annotations and not fig.layout.shapes
    line = fig.data[1]
    assert line.name == "整体水平 85.0" and line.line.dash == "dash" and fig.layout.showlegend


def test_a_no_value_unit_that_reported_reads_a_dash():
    frame = _stations().assign(months_reported=[1.0, 1.0, 1.0])
    assert "西亭派出所  —" in bar_compare(frame, "resolution_rate").data[0].y


def test_star_counts_have_whole_number_ticks():
    counts = pd.DataFrame({"label": ["★★★★★", "★★★★☆", "待评"], "stars": [5, 4, 0], "count": [0, 2, 1]})
    axis = star_distribution_chart(counts).layout.yaxis
    assert axis.dtick == 1 and axis.tick0 == 0 and axis.tickformat == ",d"


def test_trend_months_are_written_as_months_not_dates():
    from ui.charts import trend_chart

    series = pd.DataFrame({"month": ["2025-11", "2025-12", "2026-01"], "value": [3.0, float("nan"), 5.0]})
    fig = trend_chart(series, "alerts")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == ["2025-11", "2025-12", "2026-01"]
