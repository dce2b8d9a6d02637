"""Why an office has its score and stars, item by item, and what single change would lift it a star.

``explain(office_row, rubric)`` re-scores one office with the same code as :func:`metrics.scoring.score`
and returns an :class:`Explanation`: per item the value, floor, target, points earned and lost and one
Chinese sentence; the cap that applied; and the smallest change of a single indicator that lifts the
office to the next star (checked by re-scoring the changed office), or the statement that no single
indicator can. ``Explanation.waterfall()`` gives the structured steps for the app's chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metrics.ranking import SCORE_TOLERANCE
from metrics.rubric import Cap, Item, Rubric
from metrics.scoring import score, stars_text

# Chinese names of the indicators of metrics.md (for indicators used by caps but not scored as items).
METRIC_LABELS = {
    "alerts": "警情总数", "dispute_alerts": "纠纷类警情", "criminal_cases": "刑事立案", "fraud_cases": "电诈案件",
    "civil_to_criminal": "民转刑", "avg_daily_hours": "驻社区日均时长", "visit_coverage": "走访覆盖率",
    "officer_familiarity": "民警对群众熟悉率", "resident_familiarity": "群众对民警熟悉率", "satisfaction": "群众满意度",
    "alerts_yoy": "警情总数同比", "dispute_alerts_yoy": "纠纷类警情同比", "criminal_cases_yoy": "刑事立案同比",
    "fraud_cases_yoy": "电诈案件同比", "disputes": "受理纠纷数", "resolved": "已化解", "transferred": "已移交",
    "failed": "调解不成", "open": "化解中", "resolution_rate": "矛盾纠纷化解率", "on_time_rate": "按期化解率",
    "follow_up_rate": "回访率", "proactive_rate": "事前排查率", "grassroots_rate": "基层化解率",
    "overdue_open": "超期未化解", "red_open": "红色未化解", "repeat_disputes": "重复纠纷",
}  # fmt: skip


def metric_kind(metric: str) -> str:
    """How a metric is shown: "percent" (fractions, e.g. rates and year-on-year), "hours" or "count"."""
    if metric == "avg_daily_hours":
        return "hours"
    if metric.endswith(("_rate", "_yoy", "familiarity", "coverage", "satisfaction", "_yoy_pp")):
        return "percent"
    if metric.endswith("_z"):
        return "number"
    return "count"


def format_value(metric: str, value: float | None) -> str:
    """A metric value as shown to people: 95.4%, −20.0% (year-on-year, signed), 7.50 小时, 3."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    kind = metric_kind(metric)
    if kind == "percent":
        text = f"{value * 100:.1f}%"
        if metric.endswith(("_yoy", "_yoy_pp")) and value > 0:
            text = "+" + text
        return text.replace("-", "−")
    if kind == "hours":
        return f"{value:.2f} 小时"
    if kind == "count" and float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def _grid(metric: str) -> float:
    """Resolution at which a proposed value is stated (and rounded towards better)."""
    kind = metric_kind(metric)
    return {"percent": 0.001, "hours": 0.01, "count": 1.0}.get(kind, 0.01)


def _label(rubric: Rubric, metric: str) -> str:
    for it in rubric.items:
        if it.metric == metric:
            return it.label
    return METRIC_LABELS.get(metric, metric)


def _isnan(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


@dataclass(frozen=True)
class ItemExplanation:
    """One item of one office: value, floor, target, points earned (None when missing) and lost."""

    key: str
    label: str
    metric: str
    better: str
    weight: float
    floor: float
    target: float
    value: float | None
    points: float | None
    lost: float | None
    contribution: float | None
    """Points as they count in the (rescaled) score: points × 100 / weight with data."""
    sentence: str


@dataclass(frozen=True)
class NextStar:
    """A single-indicator change that lifts the office to ``stars``."""

    metric: str
    label: str
    from_value: float | None
    to_value: float
    stars: int
    sentence: str


@dataclass(frozen=True)
class Explanation:
    code: str
    name: str
    rubric_version: str
    rated: bool
    score: float | None
    stars: int | None
    band_stars: int | None
    capped_by: str | None
    quota_dropped: bool
    weight_with_data: float
    items: tuple[ItemExplanation, ...]
    cap_sentence: str | None
    next_star: NextStar | None
    next_star_sentence: str
    sentences: tuple[str, ...] = field(default=())

    def waterfall(self) -> list[dict[str, Any]]:
        """Steps for a waterfall chart: each item's contribution to the score, then the total."""
        steps = [
            {"label": it.label, "metric": it.metric, "contribution": it.contribution, "points": it.points,
             "weight": it.weight, "lost": it.lost, "missing": it.points is None}
            for it in self.items
        ]  # fmt: skip
        steps.append({"label": "总分", "metric": None, "contribution": self.score, "points": None,
                      "weight": 100.0, "lost": None, "missing": False, "total": True})  # fmt: skip
        return steps


def _values(row: Mapping[str, Any] | pd.Series, rubric: Rubric) -> dict[str, float]:
    metrics = {it.metric for it in rubric.items} | {c.metric for c in rubric.caps} | {"resolution_rate"}
    out = {}
    for m in metrics:
        v = row.get(m) if hasattr(row, "get") else None
        out[m] = math.nan if _isnan(v) else float(v)
    return out


def _rescore(values: Mapping[str, float], rubric: Rubric) -> pd.Series:
    frame = pd.DataFrame([{"code": "", "name": "", "station": "", "branch": "", **values}])
    return score(frame, rubric).iloc[0]


def _rescore_many(rows: list[dict[str, float]], rubric: Rubric) -> np.ndarray:
    """Stars (0 for 待评) of several variants of one office, scored together."""
    frame = pd.DataFrame([{"code": str(i), "name": "", "station": "", "branch": "", **r} for i, r in enumerate(rows)])
    return score(frame, rubric)["stars"].fillna(0).to_numpy(dtype="int64")


def _stars_of(scored: pd.Series) -> int:
    return 0 if _isnan(scored["stars"]) else int(scored["stars"])


def _item_sentence(it: Item, value: float | None, pts: float | None, lost: float | None) -> str:
    w = f"{it.weight:g}"
    if pts is None:
        return f"{it.label} 无数据：不计分，总分按其余有数据的项折算（满分 {w} 分）。"
    direction = "，越低越好" if it.better == "lower" else ""
    return (
        f"{it.label} {format_value(it.metric, value)}（起点 {format_value(it.metric, it.floor)}，"
        f"目标 {format_value(it.metric, it.target)}{direction}）：得 {pts:.2f} 分，失 {lost:.2f} 分（满分 {w} 分）。"
    )


def _cap_bounds(cap: Cap, grid: float) -> tuple[float, float]:
    """Values for which ``cap`` does not hold, as a closed interval [lo, hi]."""
    if cap.op == ">":
        return -math.inf, cap.threshold
    if cap.op == ">=":
        return -math.inf, cap.threshold - grid
    if cap.op == "<":
        return cap.threshold, math.inf
    return cap.threshold + grid, math.inf


def _round_towards(value: float, grid: float, up: bool) -> float:
    q = value / grid
    q = math.ceil(q - 1e-9) if up else math.floor(q + 1e-9)
    return round(q * grid, 10)


def _candidates(values: dict[str, float], scored: pd.Series, rubric: Rubric, goal: int) -> list[NextStar]:
    """Every single-indicator change that reaches ``goal`` stars, each verified by re-scoring."""
    bands = [b for b in rubric.bands if b.stars >= goal]
    if not bands:
        return []
    need_score = min(b.min_score for b in bands)
    binding = [c for c in rubric.caps if c.triggered(values.get(c.metric, math.nan)) and c.max_stars < goal]
    binding_metrics = {c.metric for c in binding}
    if len(binding_metrics) > 1:
        return []
    w_data = float(scored["weight_with_data"])
    total_points = sum(
        0.0 if _isnan(scored[f"points.{it.key}"]) else float(scored[f"points.{it.key}"]) for it in rubric.items
    )
    metrics = [it.metric for it in rubric.items] + sorted(binding_metrics - {it.metric for it in rubric.items})
    pending: list[list[Any]] = []
    for metric in metrics:
        if binding_metrics and metric not in binding_metrics:
            continue
        current = values.get(metric, math.nan)
        grid = _grid(metric)
        lo, hi = -math.inf, math.inf
        item = next((it for it in rubric.items if it.metric == metric), None)
        if item is not None:
            has = not math.isnan(current)
            p_i = float(scored[f"points.{item.key}"]) if has else 0.0
            weight_total = w_data if has else w_data + item.weight
            need = need_score * weight_total / 100.0 - (total_points - p_i)
            if need > item.weight + 1e-9:
                continue
            if not has or need > p_i + 1e-12:
                frac = max(need, 0.0) / item.weight
                v = item.floor + frac * (item.target - item.floor)
                if item.better == "higher":
                    lo = v
                else:
                    hi = v
        elif float(scored["score"]) < need_score - SCORE_TOLERANCE:
            continue
        for cap in binding:
            c_lo, c_hi = _cap_bounds(cap, grid)
            lo, hi = max(lo, c_lo), min(hi, c_hi)
        if lo > hi:
            continue
        if math.isnan(current):
            start = lo if item is None or item.better == "higher" else hi
            if math.isinf(start):
                start = item.target if item is not None else 0.0
        else:
            start = min(max(current, lo), hi)
        up = start >= current if not math.isnan(current) else (item is None or item.better == "higher")
        pending.append([metric, current, _round_towards(start, grid, up), up, grid])
    # Verify every proposal by re-scoring (all at once); a proposal that falls short by rounding moves one
    # display step further, at most twice.
    found: list[NextStar] = []
    for _ in range(3):
        if not pending:
            break
        trials = _rescore_many([dict(values, **{p[0]: p[2]}) for p in pending], rubric)
        still = []
        for p, ok in zip(pending, trials >= goal, strict=True):
            if ok:
                found.append(_next_star(rubric, p[0], p[1], p[2], p[3], goal))
            else:
                p[2] = round(p[2] + (p[4] if p[3] else -p[4]), 10)
                still.append(p)
        pending = still
    return [ns for ns in found if ns.from_value is None or ns.to_value != ns.from_value]


def _next_star(rubric: Rubric, metric: str, current: float, proposal: float, up: bool, goal: int) -> NextStar:
    label = _label(rubric, metric)
    verb = "提高到" if up else "降低到"
    target_stars = stars_text(goal, rubric.top_stars)
    if math.isnan(current):
        sentence = f"补充{label}数据且达到 {format_value(metric, proposal)} 即可升至 {target_stars}"
    else:
        sentence = (
            f"{label} 从 {format_value(metric, current)} {verb} {format_value(metric, proposal)} "
            f"即可升至 {target_stars}"
        )
    return NextStar(metric, label, None if math.isnan(current) else current, proposal, goal, sentence)


def _size(ns: NextStar, rubric: Rubric) -> float:
    """How big a change is: share of the item's floor→target range (missing data counts as bigger)."""
    item = next((it for it in rubric.items if it.metric == ns.metric), None)
    if item is None:
        return abs(ns.to_value - (ns.from_value or 0.0)) / max(abs(ns.from_value or 0.0), 1.0)
    span = abs(item.target - item.floor)
    if ns.from_value is None:
        return 1.0 + abs(ns.to_value - item.floor) / span
    return abs(ns.to_value - ns.from_value) / span


def _options(values: dict[str, float], scored: pd.Series, rubric: Rubric) -> list[NextStar]:
    if not bool(scored["rated"]):
        return []
    current = _stars_of(scored)
    if current >= rubric.top_stars:
        return []
    return sorted(_candidates(values, scored, rubric, current + 1), key=lambda ns: _size(ns, rubric))


def next_star_options(office_row: Mapping[str, Any] | pd.Series, rubric: Rubric) -> list[NextStar]:
    """Every single-indicator change lifting the office one star, smallest first (empty when none can)."""
    values = _values(office_row, rubric)
    return _options(values, _rescore(values, rubric), rubric)


def explain(office_row: Mapping[str, Any] | pd.Series, rubric: Rubric) -> Explanation:
    """The explanation of one office's score and stars (a row of the indicator or scored table).

    Stars come from re-scoring the row's indicators; when the row says the top-star quota dropped the
    office (``quota_dropped``), that is honoured and stated.
    """
    values = _values(office_row, rubric)
    scored = _rescore(values, rubric)
    code = "" if _isnan(office_row.get("code")) else str(office_row.get("code"))
    name = "" if _isnan(office_row.get("name")) else str(office_row.get("name"))
    rated = bool(scored["rated"])
    quota_dropped = bool(office_row.get("quota_dropped", False)) if rated else False
    stars = _stars_of(scored) if rated else None
    if quota_dropped and stars is not None and "stars" in office_row and not _isnan(office_row["stars"]):
        stars = int(office_row["stars"])
    band = None if _isnan(scored["band_stars"]) else int(scored["band_stars"])
    w_data = float(scored["weight_with_data"])

    items: list[ItemExplanation] = []
    for it in rubric.items:
        v = values.get(it.metric, math.nan)
        pts = scored[f"points.{it.key}"]
        if _isnan(pts):
            entry = ItemExplanation(it.key, it.label, it.metric, it.better, it.weight, it.floor, it.target,
                                    None, None, None, None, _item_sentence(it, None, None, None))  # fmt: skip
        else:
            pts = float(pts)
            lost = it.weight - pts
            contribution = pts * 100.0 / w_data if rated else None
            entry = ItemExplanation(it.key, it.label, it.metric, it.better, it.weight, it.floor, it.target,
                                    v, pts, lost, contribution, _item_sentence(it, v, pts, lost))  # fmt: skip
        items.append(entry)

    sentences: list[str] = []
    top = rubric.top_stars
    cap_sentence = None
    capped_by = scored["capped_by"]
    if not rated:
        sentences.append(f"待评：{scored['reason']}，不评分、不评星、不排名。")
        next_star, next_sentence = None, "待评单位不计算升星条件。"
    else:
        total = float(scored["score"])
        rescale = "" if abs(w_data - 100) < 1e-9 else f"（有数据的评分项权重 {w_data:g} 分，按 100 分折算）"
        sentences.append(f"总分 {total:.2f}{rescale}，按分数档为 {stars_text(band, top)}。")
        if capped_by is not None:
            cap = next(c for c in rubric.caps if c.metric == capped_by and c.triggered(values[c.metric]))
            cap_sentence = (
                f"封顶：{cap.label}（{_label(rubric, cap.metric)} {format_value(cap.metric, values[cap.metric])}），"
                f"最高 {stars_text(cap.max_stars, top)}，由 {stars_text(band, top)} 降为 {stars_text(stars, top)}。"
            )
            sentences.append(cap_sentence)
        if quota_dropped:
            cap_sentence = f"五星名额限制：五星不超过已评单位的 {rubric.quota.top_share:.0%}，按得分由低到高降为 {stars_text(stars, top)}。"
            sentences.append(cap_sentence)
        if stars is not None and stars >= top:
            next_star, next_sentence = None, "已是最高星级。"
        elif quota_dropped:
            next_star, next_sentence = None, "受五星名额限制，能否升星取决于其他单位的得分，无法由单项变化确定。"
        else:
            options = _options(values, scored, rubric)
            if options:
                next_star = options[0]
                next_sentence = next_star.sentence + "。"
            else:
                next_star = None
                next_sentence = f"没有任何单项指标的变化能单独使其升至 {stars_text((stars or 0) + 1, top)}。"
        sentences.append(f"最终评定 {stars_text(stars, top)}。")
    sentences.extend(it.sentence for it in items)
    sentences.append(next_sentence)
    return Explanation(
        code=code, name=name, rubric_version=rubric.version, rated=rated,
        score=float(scored["score"]) if rated else None, stars=stars, band_stars=band,
        capped_by=capped_by, quota_dropped=quota_dropped, weight_with_data=w_data, items=tuple(items),
        cap_sentence=cap_sentence, next_star=next_star, next_star_sentence=next_sentence,
        sentences=tuple(sentences),
    )  # fmt: skip


__all__ = ["Explanation", "ItemExplanation", "NextStar", "explain", "format_value", "next_star_options"]
