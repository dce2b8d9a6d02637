"""Office × month heat map of one indicator (pure: data in, plotly figure out).

Colour follows the indicator's direction from the registry: the good end is green, the bad end red,
so a dark red cell is bad news whether the indicator is a rate (higher better) or alerts (lower
better). Indicators without a direction use a neutral blue scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.indicators.registry import INDICATORS
from ui.i18n import indicator_label, t
from ui.palette import base_layout
from ui.safe import plot_text

_RED_TO_GREEN = [[0.0, "#B71C1C"], [0.5, "#FFF8E1"], [1.0, "#1B5E20"]]
_BLUES = [[0.0, "#F1F6FB"], [1.0, "#1F4E79"]]

UNIT_SUFFIX = {"ratio": "%", "count": "件", "hours": "小时", "pp": "个百分点", "z": ""}


def display_scale(key: str) -> float:
    """Multiplier from stored value to shown value (rates and pp as percent)."""
    return 100.0 if INDICATORS[key].unit in ("ratio", "pp") else 1.0


def heatmap_matrix(series: pd.DataFrame) -> pd.DataFrame:
    """Long ``monthly_series`` output (``code, name, month, value``) → matrix unit × month.

    Rows are labelled "name（code）" so two offices of the same name stay apart; months ascending.
    """
    if series.empty:
        return pd.DataFrame()
    s = series.assign(_label=series["name"].astype(str) + "（" + series["code"].astype(str) + "）")
    m = s.pivot_table(index="_label", columns="month", values="value", aggfunc="first", dropna=False, sort=True)
    order = s.drop_duplicates("_label")["_label"]
    m = m.reindex(order)
    m.index.name = None
    m.columns.name = None
    return m


def heatmap_figure(series: pd.DataFrame, key: str, *, title: str | None = None) -> go.Figure:
    """The heat map for indicator ``key``; NaN cells stay blank (no data)."""
    ind = INDICATORS[key]
    m = heatmap_matrix(series)
    scale = display_scale(key)
    unit = UNIT_SUFFIX.get(ind.unit, "")
    if ind.better == "higher":
        colours, reverse = _RED_TO_GREEN, False
    elif ind.better == "lower":
        colours, reverse = _RED_TO_GREEN, True
    else:
        colours, reverse = _BLUES, False
    z = m.to_numpy(dtype="float64") * scale if len(m) else np.empty((0, 0))
    fig = go.Figure(go.Heatmap(
        z=z, x=list(m.columns), y=[plot_text(r) for r in m.index], colorscale=colours, reversescale=reverse,
        colorbar=dict(title=dict(text=unit)), hoverongaps=False,
        hovertemplate="%{y}<br>%{x}：%{z:.1f}" + unit + "<extra></extra>",
    ))
    fig.update_layout(**base_layout(title or t("chart_heat_title", label=indicator_label(key))),
                      height=max(320, 26 * len(m) + 140))
    fig.update_xaxes(title_text=t("month_axis"), type="category")
    fig.update_yaxes(title_text=t("chart_unit_axis"), autorange="reversed", type="category")
    return fig
