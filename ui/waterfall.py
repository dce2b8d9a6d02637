"""The per-office score chart: for each rubric item, the points it earned and the points it lost.

Input is ``metrics.explain.Explanation`` (the engine explains; this module only draws). Each item with
data is one horizontal bar of its share of the (rescaled) score: points earned in green, points lost in
red beside them — earned plus lost is the item's weight as it counts in the score — and the last bar is
the total (the score earned, 100 minus it lost). Items without data have no bar; they are named once
under the chart ("无数据：…"), so their labels never crowd the bars.
"""

from __future__ import annotations

import plotly.graph_objects as go

from metrics.explain import Explanation
from metrics.scoring import stars_text
from ui.palette import ACCENT, BAD, GOOD, base_layout
from ui.safe import plot_text


def waterfall_steps(explanation: Explanation) -> list[dict]:
    """Bars of the chart: ``label, measure ('relative'|'total'), value (earned), lost, text`` in rubric
    order; an item without data has ``missing`` True, value and lost 0. ``value`` and ``lost`` are in
    score points (rescaled to the weight with data: earned values add up to the score)."""
    scale = 100.0 / explanation.weight_with_data if explanation.weight_with_data else 0.0
    steps = []
    for it in explanation.items:
        if it.points is None:
            steps.append(dict(label=it.label, measure="relative", value=0.0, lost=0.0, missing=True,
                              text=f"无数据（满分{it.weight:g}）"))
        else:
            lost = float(it.lost or 0.0) * scale
            steps.append(dict(label=it.label, measure="relative", value=float(it.contribution or 0.0), lost=lost,
                              missing=False, text=f"得{it.points:.2f} 失{float(it.lost or 0.0):.2f}"))
    total = explanation.score if explanation.score is not None else 0.0
    steps.append(dict(label="总分", measure="total", value=float(total), lost=max(0.0, 100.0 - float(total)),
                      missing=False, text=f"{total:.2f}"))
    return steps


def waterfall_figure(explanation: Explanation, *, top_stars: int = 5) -> go.Figure:
    """The score chart for one office, titled with its name, score and stars."""
    steps = waterfall_steps(explanation)
    shown = [s for s in steps if not s["missing"]]
    labels = [plot_text(s["label"]) for s in shown][::-1]  # rubric order from the top
    earned = [s["value"] for s in shown][::-1]
    lost = [s["lost"] for s in shown][::-1]
    colours = [ACCENT if s["measure"] == "total" else GOOD for s in shown][::-1]
    stars = stars_text(explanation.stars, top_stars)
    score = "—" if explanation.score is None else f"{explanation.score:.2f} 分"
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=earned, orientation="h", name="得分", marker_color=colours,
                         text=[f"{v:.2f}" for v in earned], textposition="inside", insidetextanchor="middle",
                         hovertemplate="%{y}：得 %{x:.2f} 分<extra></extra>"))
    fig.add_trace(go.Bar(y=labels, x=lost, orientation="h", name="失分", marker_color=BAD,
                         text=[f"−{v:.2f}" if v >= 0.005 else "" for v in lost], textposition="inside",
                         insidetextanchor="middle", hovertemplate="%{y}：失 %{x:.2f} 分<extra></extra>"))
    fig.update_layout(**base_layout(f"{plot_text(explanation.name)}：得分与失分（{score}，{stars}）"), barmode="stack",
                      showlegend=True, legend=dict(orientation="h", y=-0.18), height=max(360, 44 * len(shown) + 160))
    fig.update_xaxes(title_text="计入总分的分数（分，得分 + 失分 = 该项折算满分）", range=[0, 100], gridcolor="#E0E0E0")
    fig.update_yaxes(title_text="评分项", type="category", automargin=True)
    missing = [plot_text(s["label"]) for s in steps if s["missing"]]
    if missing:
        fig.add_annotation(text="无数据（不计入，其余项按比例折算）：" + "、".join(missing), xref="paper", yref="paper",
                           x=0, y=-0.32, showarrow=False, xanchor="left", font=dict(size=13, color="#607D8B"))
        fig.update_layout(margin=dict(l=60, r=30, t=60, b=110))
    return fig
