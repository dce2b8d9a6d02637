"""The per-office waterfall: how each rubric item builds the score, and what each item lost.

Input is ``metrics.explain.Explanation`` (the engine explains; this module only draws). Each item's
bar is its contribution to the (rescaled) score; the text on the bar says points earned and lost out
of the item's weight; an item without data is shown as "无数据"; the last bar is the total.
"""

from __future__ import annotations

import plotly.graph_objects as go

from metrics.explain import Explanation
from metrics.scoring import stars_text
from ui.palette import ACCENT, BAD, GOOD, base_layout
from ui.safe import plot_text


def waterfall_steps(explanation: Explanation) -> list[dict]:
    """Bars of the chart: ``label, measure ('relative'|'total'), value, text`` in rubric order."""
    steps = []
    for it in explanation.items:
        if it.points is None:
            steps.append(dict(label=it.label, measure="relative", value=0.0,
                              text=f"无数据（满分{it.weight:g}）"))
        else:
            steps.append(dict(label=it.label, measure="relative", value=float(it.contribution or 0.0),
                              text=f"得{it.points:.2f} 失{it.lost:.2f}"))
    total = explanation.score if explanation.score is not None else 0.0
    steps.append(dict(label="总分", measure="total", value=float(total), text=f"{total:.2f}"))
    return steps


def waterfall_figure(explanation: Explanation, *, top_stars: int = 5) -> go.Figure:
    """The waterfall chart for one office, titled with its name, score and stars."""
    steps = waterfall_steps(explanation)
    stars = stars_text(explanation.stars, top_stars)
    score = "—" if explanation.score is None else f"{explanation.score:.2f} 分"
    fig = go.Figure(go.Waterfall(
        x=[plot_text(s["label"]) for s in steps], y=[s["value"] for s in steps], measure=[s["measure"] for s in steps],
        text=[s["text"] for s in steps], textposition="outside",
        increasing=dict(marker=dict(color=GOOD)), decreasing=dict(marker=dict(color=BAD)),
        totals=dict(marker=dict(color=ACCENT)), connector=dict(line=dict(color="#B0BEC5")),
        hovertemplate="%{x}：%{y:.2f} 分<extra></extra>",
    ))
    fig.update_layout(**base_layout(f"{plot_text(explanation.name)}：得分构成（{score}，{stars}）"), showlegend=False,
                      height=460)
    fig.update_xaxes(title_text="评分项", tickangle=-30)
    fig.update_yaxes(title_text="计入总分的分数（分）", range=[0, 110], gridcolor="#E0E0E0")
    return fig
