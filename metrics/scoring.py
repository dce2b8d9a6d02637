"""Scores and stars from office indicators and a rubric (shared/spec/rubric.md).

Input: the office-level indicator table (``metrics.indicators.compute(...).units``): one row per office
with ``code, name, station, branch`` and the metric keys of metrics.md (floats, NaN = null).

* item points = weight × clip((value − floor) / (target − floor), 0, 1); a missing value earns nothing
  and is listed in ``missing``;
* items with data carry ≥ ``min_weight_with_data`` weight points → score = Σ points × 100 / Σ weights
  with data; otherwise the office is 待评: no score, no stars, no rank, and ``reason`` says why;
* stars from the bands on the unrounded score (noise below 1e-9 ignored), then caps (一票否决 and key
  targets: at most N stars when a condition holds), then the optional top-star quota.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from metrics.ranking import SCORE_TOLERANCE, order
from metrics.rubric import Cap, Rubric

POINTS_PREFIX = "points."
ID_COLUMNS = ("code", "name", "station", "branch")
RESULT_COLUMNS = (
    "score", "stars", "band_stars", "rated", "capped_by", "quota_dropped", "missing", "weight_with_data",
    "reason",
)  # fmt: skip


def points_column(key: str) -> str:
    """Name of the column holding an item's points in the scored frame."""
    return POINTS_PREFIX + key


def metric_values(units: pd.DataFrame, metric: str) -> np.ndarray:
    """A metric column as float64 (NaN where null or where the column is absent)."""
    if metric in units.columns:
        return pd.to_numeric(units[metric], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.full(len(units), np.nan)


def fractions(units: pd.DataFrame, rubric: Rubric) -> np.ndarray:
    """offices × items matrix of the share of each item's weight earned (0..1, NaN when missing)."""
    if not rubric.items:
        return np.empty((len(units), 0))
    values = np.column_stack([metric_values(units, it.metric) for it in rubric.items])
    floor = np.array([it.floor for it in rubric.items])
    target = np.array([it.target for it in rubric.items])
    with np.errstate(invalid="ignore"):
        return np.clip((values - floor) / (target - floor), 0.0, 1.0)


def band_stars(scores: np.ndarray, rubric: Rubric) -> np.ndarray:
    """Stars of the bands for each (unrounded) score; 0 where the score is NaN (待评)."""
    s = np.asarray(scores, dtype="float64")
    out = np.where(np.isnan(s), 0, 1).astype("int8")
    # Bands are strictly descending: walk from the lowest up so the highest reached band wins.
    for band in reversed(rubric.bands):
        out = np.where(s >= band.min_score - SCORE_TOLERANCE, np.int8(band.stars), out)
    return out


def cap_triggered(cap: Cap, values: np.ndarray) -> np.ndarray:
    """Where ``cap`` holds (a missing value never triggers a cap)."""
    v = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        if cap.op == ">":
            hit = v > cap.threshold
        elif cap.op == ">=":
            hit = v >= cap.threshold
        elif cap.op == "<":
            hit = v < cap.threshold
        else:
            hit = v <= cap.threshold
    return hit & ~np.isnan(v)


def cap_limits(units: pd.DataFrame, rubric: Rubric) -> tuple[np.ndarray, np.ndarray]:
    """Per office: the most stars the caps allow (``rubric.top_stars`` when none holds) and the index of
    the cap giving that limit (−1 when none; the first in rubric order among equally strict caps)."""
    n = len(units)
    limit = np.full(n, rubric.top_stars, dtype="int8")
    which = np.full(n, -1, dtype="int64")
    for idx, cap in enumerate(rubric.caps):
        hit = cap_triggered(cap, metric_values(units, cap.metric)) & (cap.max_stars < limit)
        limit = np.where(hit, np.int8(cap.max_stars), limit)
        which = np.where(hit, idx, which)
    return limit, which


def quota_size(rubric: Rubric, n_rated: int) -> int:
    """How many rated offices may keep the top star under the quota."""
    return int(math.floor(rubric.quota.top_share * n_rated + 1e-9))


def _label(rubric: Rubric, metric: str) -> str:
    for it in rubric.items:
        if it.metric == metric:
            return it.label
    return metric


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-D object array holding ``values`` as they are (lists stay lists, None stays None)."""
    arr = np.empty(len(values), dtype="object")
    for i, v in enumerate(values):
        arr[i] = v
    return arr


def score(units: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """``units`` with scores and stars added (same rows, same order).

    Added columns: ``points.<item key>`` (NaN when the item has no data), ``score`` (unrounded, NaN for
    待评), ``band_stars`` (stars from the bands alone), ``stars`` (after caps and quota; nullable Int64,
    NA for 待评), ``rated``, ``capped_by`` (metric key of the cap that lowered the stars, or None),
    ``quota_dropped``, ``missing`` (list of metric keys without data), ``weight_with_data``, ``reason``
    (why an office is 待评, else None). ``attrs["rubric_version"]`` records the rubric.
    """
    n = len(units)
    frac = fractions(units, rubric)
    weights = np.array([it.weight for it in rubric.items], dtype="float64")
    has = ~np.isnan(frac)
    points = frac * weights
    added: dict[str, Any] = {}
    for col in ID_COLUMNS:
        if col not in units.columns:
            added[col] = [""] * n
    for j, it in enumerate(rubric.items):
        added[points_column(it.key)] = points[:, j]

    w_data = has.astype("float64") @ weights
    rated = w_data >= rubric.min_weight_with_data - SCORE_TOLERANCE
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(rated, np.nansum(points, axis=1) * 100.0 / w_data, np.nan)

    bands = band_stars(scores, rubric)
    limit, which = cap_limits(units, rubric)
    stars = np.where(rated, np.minimum(bands, limit), 0).astype("int8")
    capped = rated & (limit < bands)
    capped_by = [rubric.caps[which[i]].metric if capped[i] else None for i in range(n)]

    quota_dropped = np.zeros(n, dtype=bool)
    top = rubric.top_stars
    if rubric.quota.enabled and n:
        allowed = quota_size(rubric, int(rated.sum()))
        codes = units["code"] if "code" in units.columns else pd.Series([""] * n)
        ranked = order(pd.DataFrame({"code": codes.to_numpy(), "resolution_rate": metric_values(units, "resolution_rate"),
                                     "avg_daily_hours": metric_values(units, "avg_daily_hours")}), scores)
        at_top = ranked[stars[ranked] == top]
        dropped = at_top[allowed:]
        next_stars = rubric.bands[1].stars if len(rubric.bands) > 1 else top - 1
        stars[dropped] = next_stars
        quota_dropped[dropped] = True

    missing = [[it.metric for j, it in enumerate(rubric.items) if not has[i, j]] for i in range(n)]
    reasons: list[str | None] = []
    for i in range(n):
        if rated[i]:
            reasons.append(None)
        else:
            labels = "、".join(_label(rubric, m) for m in missing[i])
            reasons.append(
                f"有数据的评分项权重合计 {w_data[i]:g} 分，低于 {rubric.min_weight_with_data:g} 分"
                f"（缺少：{labels}）"
            )

    added["score"] = scores
    added["band_stars"] = pd.array([int(b) if ok else pd.NA for b, ok in zip(bands, rated, strict=True)], dtype="Int64")
    added["stars"] = pd.array([int(s) if ok else pd.NA for s, ok in zip(stars, rated, strict=True)], dtype="Int64")
    added["rated"] = rated
    added["capped_by"] = pd.Series(_objects(capped_by), index=units.index, dtype="object")
    added["quota_dropped"] = quota_dropped
    added["missing"] = pd.Series(_objects(missing), index=units.index, dtype="object")
    added["weight_with_data"] = w_data
    added["reason"] = pd.Series(_objects(reasons), index=units.index, dtype="object")
    base = units.drop(columns=[c for c in added if c in units.columns])
    out = pd.concat([base, pd.DataFrame(added, index=units.index)], axis=1)
    out.attrs["rubric_version"] = rubric.version
    return out


STAR, HOLLOW = "★", "☆"


def stars_text(stars: int | None, top: int = 5) -> str:
    """Stars as text, filled then hollow to ``top`` ("★★★★☆"); "待评" when ``stars`` is None/NA."""
    if stars is None or stars is pd.NA or (isinstance(stars, float) and math.isnan(stars)):
        return "待评"
    k = int(stars)
    return STAR * k + HOLLOW * max(0, top - k)
