"""The three-colour board (红/黄/蓝): open disputes by risk level, as counts and lists.

:func:`board_counts` and :func:`risk_board_figure` are pure; :func:`show` renders the board with
Streamlit (counts as metrics, each list as a dataframe — user text never goes through Markdown — and
the open disputes of every colour as one formula-safe CSV download).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.schema import RISK
from ui.palette import RISK_COLOURS, base_layout

RISK_LEVELS = tuple(RISK.values)
"""红, 黄, 蓝 — from the schema vocabulary."""
UNKNOWN_RISK = "未填"


def board_counts(open_disputes: pd.DataFrame) -> dict[str, int]:
    """Open disputes per risk level (every level present, in schema order; 未填 only when any)."""
    risk = open_disputes["risk"] if "risk" in open_disputes else pd.Series(dtype=object)
    counts = {lv: int((risk == lv).sum()) for lv in RISK_LEVELS}
    missing = int(risk.isna().sum())
    if missing:
        counts[UNKNOWN_RISK] = missing
    return counts


def risk_board_figure(counts: dict[str, int], *, title: str = "未化解纠纷风险等级分布") -> go.Figure:
    """Bar chart of :func:`board_counts` in the risk colours."""
    levels = list(counts)
    fig = go.Figure(go.Bar(
        x=[f"{lv}色" if lv in RISK_COLOURS else lv for lv in levels], y=[counts[lv] for lv in levels],
        marker_color=[RISK_COLOURS.get(lv, "#9E9E9E") for lv in levels],
        text=[counts[lv] for lv in levels], textposition="outside",
        hovertemplate="%{x}：%{y} 件<extra></extra>",
    ))
    top = max(counts.values(), default=0)
    fig.update_layout(**base_layout(title), showlegend=False, height=360)
    fig.update_xaxes(title_text="风险等级")
    fig.update_yaxes(title_text="未化解纠纷数（件）", range=[0, max(1, top) * 1.2], gridcolor="#E0E0E0")
    return fig


def show(open_disputes: pd.DataFrame, display: pd.DataFrame, *, key: str) -> None:
    """Render the board: one column per colour with its count and its list.

    ``open_disputes`` carries the ``risk`` column; ``display`` is the same rows ready to show (same
    index, Chinese headers).
    """
    import streamlit as st

    counts = board_counts(open_disputes)
    cols = st.columns(len(RISK_LEVELS))
    for col, level in zip(cols, RISK_LEVELS, strict=True):
        with col:
            st.metric(f"{level}色 未化解", f"{counts[level]} 件")
            rows = display.loc[open_disputes["risk"] == level]
            if rows.empty:
                st.caption("无")
            else:
                dates = {c: st.column_config.DateColumn(c, format="YYYY-MM-DD") for c in rows.columns
                         if pd.api.types.is_datetime64_any_dtype(rows[c])}
                st.dataframe(rows, hide_index=True, width="stretch", height=240, key=f"{key}_{level}",
                             column_config=dates)
    if counts.get(UNKNOWN_RISK):
        st.caption(f"另有 {counts[UNKNOWN_RISK]} 件未填写风险等级。")
    if len(display):
        from ui.i18n import t
        from ui.tables import csv_bytes

        st.download_button(t("download_csv"), csv_bytes(display), file_name="未化解纠纷_三色预警.csv",
                           mime="text/csv", key=f"{key}_csv", icon=":material/download:")
