"""Plotly charts with one visual language: Chinese titles, axis labels with units, large fonts for a
projector, and colours that mean the same everywhere (good/bad by the indicator's direction, 红/黄/蓝
for dispute risk). Directions and labels come from ``metrics.indicators.registry`` (labels in the
current language: Chinese by default, English when the user switches).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.indicators.registry import INDICATORS
from ui.i18n import indicator_label, t
from ui.safe import plot_text

GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#1f4e79"
MUTED = "#9e9e9e"
RISK_COLOURS = {"红": "#d32f2f", "黄": "#f9a825", "蓝": "#1976d2"}
STAR_COLOURS = {5: "#1b5e20", 4: "#43a047", 3: "#fbc02d", 2: "#fb8c00", 1: "#e53935", 0: MUTED}
FONT = {"family": "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif", "size": 15}

UNIT_KEYS = {"ratio": "unit_ratio", "count": "unit_count", "hours": "unit_hours", "pp": "unit_pp_axis",
             "z": "unit_z"}
"""Indicator unit → message key of its axis unit ("%", "起/个", …)."""


def unit_label(key: str) -> str:
    """The axis unit of indicator ``key`` ("%", "起/个", …) in the current language."""
    return t(UNIT_KEYS[INDICATORS[key].unit])


def axis_title(key: str) -> str:
    """"群众满意度（%）" — label and unit for an axis, in the current language."""
    return t("axis_with_unit", label=indicator_label(key), unit=unit_label(key))


def display_values(key: str, values: pd.Series) -> pd.Series:
    """Values as plotted: ratios and percentage points ×100, others unchanged."""
    v = pd.to_numeric(values, errors="coerce")
    return v * 100.0 if INDICATORS[key].unit in ("ratio", "pp") else v


def good_bad_colour(key: str, value: float, reference: float) -> str:
    """GOOD when ``value`` is on the better side of ``reference`` for ``key``, BAD on the worse side,
    NEUTRAL when the indicator has no direction or a value is missing."""
    better = INDICATORS[key].better
    if better is None or pd.isna(value) or pd.isna(reference) or value == reference:
        return NEUTRAL
    up = value > reference
    return GOOD if up == (better == "higher") else BAD


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 20}}, font=FONT, template="plotly_white",
                      xaxis_title=x_title, yaxis_title=y_title, margin={"l": 60, "r": 20, "t": 60, "b": 60},
                      legend={"orientation": "h", "y": -0.2}, height=420)
    return fig


def trend_chart(series: pd.DataFrame, key: str, title: str | None = None) -> go.Figure:
    """Line chart of indicator ``key`` over months: ``series`` has ``month``, ``value`` and optionally
    ``name`` (one line per name; user text, escaped here for the legend and hover)."""
    fig = go.Figure()
    names = series["name"].unique() if "name" in series else [indicator_label(key)]
    for name in names:
        part = series[series["name"] == name] if "name" in series else series
        fig.add_trace(go.Scatter(x=part["month"], y=display_values(key, part["value"]), mode="lines+markers",
                                 name=plot_text(name), line={"width": 3}))
    if len(names) == 1:
        fig.update_traces(line_color=NEUTRAL)
    if "complete" in series and "name" not in series and (~series["complete"].astype(bool)).any():
        part = series[~series["complete"].astype(bool)]  # months not yet reported in full: marked, not hidden
        import ui.screen_text  # noqa: F401  (registers the legend text)

        fig.add_trace(go.Scatter(x=part["month"], y=display_values(key, part["value"]), mode="markers",
                                 name=t("trend_incomplete"),
                                 marker={"symbol": "circle-open", "size": 16, "color": BAD, "line": {"width": 2}}))
    fig = _layout(fig, title or t("chart_trend_title", label=indicator_label(key)), t("month_axis"),
                  axis_title(key))
    # months as written (2026-10), never read as dates and relabelled "Oct 2025"
    fig.update_xaxes(type="category", categoryorder="category ascending")
    return fig


def _bar_text(key: str, shown: float, raw: float, reported: float | None) -> str:
    """A bar's value as written beside its unit's name: "92.3", "—" (no value), "未上报" (no row)."""
    if reported is not None and not pd.isna(reported) and reported == 0:
        return t("not_reported_bar")
    if pd.isna(raw):
        return "—"
    return f"{shown:,.0f}" if INDICATORS[key].unit == "count" else f"{shown:.1f}"


def bar_compare(frame: pd.DataFrame, key: str, reference: float | None = None, title: str | None = None,
                name_col: str = "name") -> go.Figure:
    """Horizontal bars of ``key`` per unit (``frame[name_col]``, user text: escaped here), coloured good/bad
    against ``reference`` (e.g. the scope total) by the indicator's direction; the reference as a dashed
    line named in the legend. Each unit's value is written in its axis label ("兰街派出所  92.3"), never on
    the bar, so neither the line nor its label can cover it; a unit without any monthly row in the
    period (``months_reported`` 0) reads "未上报" instead of a blank bar."""
    import ui.screen_text  # noqa: F401  (registers "未上报")

    df = frame[[name_col, key]].copy()
    df["reported"] = frame["months_reported"] if "months_reported" in frame.columns else float("nan")
    df["shown"] = display_values(key, df[key])
    better = INDICATORS[key].better
    df = df.sort_values("shown", ascending=(better != "lower"), na_position="first")
    colours = [good_bad_colour(key, v, reference) if reference is not None else NEUTRAL for v in df[key]]
    labels = [f"{plot_text(n)}  {_bar_text(key, v, r, rep)}" for n, v, r, rep in
              zip(df[name_col].astype(str), df["shown"], df[key], df["reported"], strict=True)]
    fig = go.Figure(go.Bar(x=df["shown"], y=labels, orientation="h", marker_color=colours, showlegend=False,
                           hovertemplate="%{y}<extra></extra>"))
    if reference is not None and not pd.isna(reference) and len(df):
        ref = float(display_values(key, pd.Series([reference])).iloc[0])
        fig.add_trace(go.Scatter(x=[ref, ref], y=[labels[0], labels[-1]], mode="lines", yaxis="y2",
                                 line={"dash": "dash", "color": MUTED, "width": 2}, hoverinfo="skip",
                                 name=f"{t('chart_overall')} {_bar_text(key, ref, reference, None)}"))
        fig.update_layout(yaxis2={"overlaying": "y", "visible": False, "range": [0, 1]})
        fig.data[-1].update(y=[0, 1])
    fig = _layout(fig, title or t("chart_compare_title", label=indicator_label(key)), axis_title(key), "")
    fig.update_layout(height=max(300, 40 * len(df) + 140), showlegend=True)
    fig.update_yaxes(type="category", automargin=True)
    return fig


def star_distribution_chart(counts: pd.DataFrame, title: str = "星级分布") -> go.Figure:
    """Bars of office counts per star level: ``counts`` has ``label`` (★★★★★ / 待评), ``stars`` and ``count``."""
    colours = [STAR_COLOURS.get(int(s) if not pd.isna(s) else 0, MUTED) for s in counts["stars"]]
    fig = go.Figure(go.Bar(x=counts["label"], y=counts["count"], marker_color=colours, text=counts["count"],
                           textposition="auto"))
    fig = _layout(fig, title, t("star_axis"), t("office_count_axis"))
    most = int(pd.to_numeric(counts["count"], errors="coerce").fillna(0).max()) if len(counts) else 0
    # counts of offices: whole-number ticks only (no 0.5 or 1.5 when every bar is 0, 1 or 2)
    fig.update_yaxes(rangemode="tozero", tick0=0, dtick=1 if most <= 10 else None, tickformat=",d")
    return fig
