"""Funnel plots: a rate against its volume, with 95 % and 99.8 % control limits around the overall rate.

A small office with 3 disputes and one unresolved is not the same signal as a large one with 300 and
100 unresolved. The funnel shows how far each unit's rate is from the overall rate (ratio of sums)
compared with what chance alone gives at its volume (Spiegelhalter, "Funnel plots for comparing
institutional performance", 2005): limits p0 ± z·√(p0(1 − p0)/n), clipped to [0, 1].

Pure functions (no Streamlit): :func:`funnel_limits`, :func:`funnel_points`, :func:`funnel_figure`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.palette import ACCENT, BAD, GOOD, LIMIT_95, LIMIT_998, NEUTRAL, base_layout
from ui.safe import plot_text

Z95 = 1.959963984540054
"""Two-sided 95 %: about 1 unit in 20 falls outside by chance."""
Z998 = 3.090232306167813
"""Two-sided 99.8 %: about 1 unit in 500 falls outside by chance."""

ZONE_LABELS = {
    "above_998": "高于99.8%上限",
    "above_95": "高于95%上限",
    "within": "在控制限内",
    "below_95": "低于95%下限",
    "below_998": "低于99.8%下限",
}


def overall_rate(numerators, denominators) -> float:
    """The overall rate as a ratio of sums (NaN when the total denominator is 0)."""
    num = float(np.nansum(np.asarray(numerators, dtype="float64")))
    den = float(np.nansum(np.asarray(denominators, dtype="float64")))
    return num / den if den > 0 else math.nan


def funnel_limits(p0: float, volumes, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper control limits at each volume: p0 ± z·√(p0(1 − p0)/n), clipped to [0, 1].

    NaN where the volume is not positive or ``p0`` is NaN.
    """
    n = np.asarray(volumes, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p0 * (1.0 - p0) / n)
        low = np.where(n > 0, np.clip(p0 - half, 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(p0 + half, 0.0, 1.0), np.nan)
    return low, high


def funnel_points(frame: pd.DataFrame, numerator: str, denominator: str) -> tuple[pd.DataFrame, float]:
    """Units with a positive volume: ``code, name, station, branch, num, volume, rate`` plus their
    limits at their own volume and ``zone`` (a key of ``ZONE_LABELS``); and the overall rate p0."""
    cols = [c for c in ("code", "name", "station", "branch") if c in frame.columns]
    num = pd.to_numeric(frame[numerator], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    den = pd.to_numeric(frame[denominator], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    keep = np.nan_to_num(den) > 0
    out = frame.loc[keep, cols].reset_index(drop=True)
    out["num"] = num[keep]
    out["volume"] = den[keep]
    out["rate"] = out["num"] / out["volume"]
    p0 = overall_rate(out["num"], out["volume"])
    lo95, hi95 = funnel_limits(p0, out["volume"], Z95)
    lo998, hi998 = funnel_limits(p0, out["volume"], Z998)
    out["low95"], out["high95"], out["low998"], out["high998"] = lo95, hi95, lo998, hi998
    rate = out["rate"].to_numpy()
    zone = np.select(
        [rate > hi998, rate > hi95, rate < lo998, rate < lo95],
        ["above_998", "above_95", "below_998", "below_95"],
        default="within",
    )
    out["zone"] = zone
    return out, p0


def _zone_colour(zone: str, better: str | None) -> str:
    if zone == "within" or better is None:
        return NEUTRAL if zone == "within" else ACCENT
    good = zone.startswith("above") == (better == "higher")
    return GOOD if good else BAD


def funnel_figure(
    points: pd.DataFrame,
    p0: float,
    *,
    title: str,
    rate_label: str,
    volume_label: str,
    better: str | None = "higher",
) -> go.Figure:
    """The funnel plot of :func:`funnel_points` output: points coloured by zone (green = better than
    chance allows, red = worse, grey = within limits), the overall rate and both pairs of limits."""
    fig = go.Figure()
    if len(points) and not math.isnan(p0):
        vmax = float(points["volume"].max())
        grid = np.unique(np.concatenate([np.linspace(1, max(vmax * 1.05, 2), 200), points["volume"].to_numpy()]))
        for z, name, colour, dash in ((Z95, "95%控制限", LIMIT_95, "dash"), (Z998, "99.8%控制限", LIMIT_998, "dot")):
            lo, hi = funnel_limits(p0, grid, z)
            fig.add_trace(go.Scatter(x=grid, y=hi * 100, mode="lines", name=name, line=dict(color=colour, dash=dash),
                                     hoverinfo="skip", legendgroup=name))
            fig.add_trace(go.Scatter(x=grid, y=lo * 100, mode="lines", name=name, showlegend=False,
                                     line=dict(color=colour, dash=dash), hoverinfo="skip", legendgroup=name))
        fig.add_trace(go.Scatter(x=[grid[0], grid[-1]], y=[p0 * 100, p0 * 100], mode="lines",
                                 name=f"总体 {p0 * 100:.1f}%", line=dict(color=ACCENT, width=2), hoverinfo="skip"))
        colours = [_zone_colour(z, better) for z in points["zone"]]
        labels = [ZONE_LABELS[z] for z in points["zone"]]
        fig.add_trace(go.Scatter(
            x=points["volume"], y=points["rate"] * 100, mode="markers", name="单位",
            marker=dict(color=colours, size=11, line=dict(color="white", width=1)),
            customdata=np.column_stack([[plot_text(n) for n in points["name"]], points["num"], labels]),
            hovertemplate="%{customdata[0]}<br>" + rate_label + "：%{y:.1f}%<br>" + volume_label
            + "：%{x:.0f}<br>%{customdata[2]}<extra></extra>",
        ))
    fig.update_layout(**base_layout(title), legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title_text=f"{volume_label}（件）", showgrid=True, gridcolor="#E0E0E0", rangemode="tozero")
    fig.update_yaxes(title_text=f"{rate_label}（%）", showgrid=True, gridcolor="#E0E0E0", range=[0, 101])
    return fig
