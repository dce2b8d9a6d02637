"""Colours that mean the same thing on every chart of the F2 screens.

Good/bad follow the indicator's direction from the registry (a fall in alerts is good news); risk
levels are red/yellow/blue as in the ledger. Calm, print- and projector-friendly tones.
"""

from __future__ import annotations

GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#607D8B"
ACCENT = "#1F4E79"
LIMIT_95 = "#8D6E63"
LIMIT_998 = "#37474F"

RISK_COLOURS = {"红": "#d32f2f", "黄": "#f9a825", "蓝": "#1976d2"}
"""Risk level (schema vocabulary value) → colour (the same values as ``ui.charts``)."""

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif", size=15)
"""Large enough to read on a projector."""


def base_layout(title: str) -> dict:
    """Layout shared by every chart: Chinese title, readable font, white background."""
    return dict(
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=18)),
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(l=60, r=30, t=60, b=60),
        hoverlabel=dict(font=FONT),
    )

