"""How much a ranking depends on the exact weights (shared/spec/rubric.md, "Robustness of the ranking").

Each of ``draws`` perturbations multiplies every weight by a factor drawn uniformly from [0.8, 1.2]
(fixed seed, so the result is reproducible) and rescales the weights to 100; the offices are then
re-scored with the same missing-data rule, bands, caps and quota, and re-ranked with the same
tie-breaks. Per office: the median rank, the 5th–95th percentile rank range, and the share of draws in
which its star level differs from the unperturbed one; offices above 10 % are flagged.

Vectorised: item fractions (offices × items) times perturbed weights (items × draws) give every score
of every draw in two matrix products; ranks come from one sort per draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.ranking import SCORE_TOLERANCE, order, tie_break_order
from metrics.rubric import Rubric
from metrics.scoring import cap_limits, fractions, score

DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20251
SPREAD = 0.2
FLAG_SHARE = 0.10
PERCENTILES = (5.0, 50.0, 95.0)
_UNRATED_KEY = 2e11  # after every quantised score (scores are 0..100 → keys −1e11..0)


def perturbed_weights(rubric: Rubric, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> np.ndarray:
    """draws × items matrix: each weight × U[0.8, 1.2], each row rescaled to sum to 100."""
    base = np.array([it.weight for it in rubric.items], dtype="float64")
    rng = np.random.default_rng(seed)
    w = base * rng.uniform(1.0 - SPREAD, 1.0 + SPREAD, size=(draws, len(base)))
    return w * (100.0 / w.sum(axis=1, keepdims=True))


def _bands_matrix(scores: np.ndarray, rubric: Rubric) -> np.ndarray:
    """Band stars for a matrix of scores (0 where NaN)."""
    asc = sorted(rubric.bands, key=lambda b: b.min_score)
    thresholds = np.array([b.min_score - SCORE_TOLERANCE for b in asc])
    levels = np.array([1] + [b.stars for b in asc], dtype="int8")
    idx = np.searchsorted(thresholds, np.nan_to_num(scores, nan=-np.inf), side="right")
    return np.where(np.isnan(scores), 0, levels[idx]).astype("int8")


def _percentiles(ranks: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Row-wise linear-interpolated percentiles ignoring NaN (numpy's default method), fast."""
    srt = np.sort(ranks, axis=1)  # NaN sorts last
    counts = (~np.isnan(ranks)).sum(axis=1)
    rows = np.arange(ranks.shape[0])
    out = []
    for q in qs:
        pos = (counts - 1) * (q / 100.0)
        lo = np.clip(np.floor(pos).astype("int64"), 0, max(ranks.shape[1] - 1, 0))
        hi = np.clip(np.ceil(pos).astype("int64"), 0, max(ranks.shape[1] - 1, 0))
        frac = pos - np.floor(pos)
        if ranks.shape[1] == 0:
            out.append(np.full(ranks.shape[0], np.nan))
            continue
        v = srt[rows, lo] * (1 - frac) + srt[rows, hi] * frac
        out.append(np.where(counts > 0, v, np.nan))
    return out


def simulate(units: pd.DataFrame, rubric: Rubric, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks and stars of every office (rows) under every weight vector (columns of the result).

    Ranks are float with NaN where the office is 待评 in that draw; stars are 0 there.
    """
    n, draws = len(units), weights.shape[0]
    frac = fractions(units, rubric)
    has = ~np.isnan(frac)
    num = np.nan_to_num(frac, nan=0.0) @ weights.T
    den = has.astype("float64") @ weights.T
    rated = den >= rubric.min_weight_with_data - SCORE_TOLERANCE
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(rated, num * 100.0 / den, np.nan)
    limit, _ = cap_limits(units, rubric)
    stars = np.minimum(_bands_matrix(scores, rubric), limit[:, None]).astype("int8")
    stars[~rated] = 0

    # One ordering per draw. Key = score quantised to 1e-9 (as in ranking.order), then the tie-break
    # position: unique int64 keys, so an ordinary (fast, unstable) sort gives the exact ranking order.
    base = tie_break_order(units)
    tie_pos = np.empty(n, dtype="int64")
    tie_pos[base] = np.arange(n)
    q = np.where(rated, np.rint(-np.nan_to_num(scores, nan=0.0) * 1e9), _UNRATED_KEY).astype("int64")
    key = q.T * n + tie_pos[None, :]  # draws × n
    ordered = np.argsort(key, axis=1)  # office positions, best first
    positions = np.empty(draws * n, dtype="float64")
    flat = (np.arange(draws, dtype="int64")[:, None] * n + ordered).ravel()
    positions[flat] = np.tile(np.arange(1, n + 1, dtype="float64"), draws)
    ranks = positions.reshape(draws, n).T.copy()
    ranks[~rated] = np.nan

    if rubric.quota.enabled and n:
        top = rubric.top_stars
        next_stars = rubric.bands[1].stars if len(rubric.bands) > 1 else top - 1
        allowed = np.floor(rubric.quota.top_share * rated.sum(axis=0) + 1e-9)  # per draw
        is_top = np.take_along_axis(stars.T, ordered, axis=1) == top  # draws × n in rank order
        over = is_top & (np.cumsum(is_top, axis=1) > allowed[:, None])
        drop = np.zeros((draws, n), dtype=bool)
        np.put_along_axis(drop, ordered, over, axis=1)
        stars[drop.T] = next_stars
    return ranks, stars


def robustness(
    units: pd.DataFrame, rubric: Rubric, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Per office: ``rank`` and ``stars`` unperturbed, ``median_rank``, ``rank_p5``, ``rank_p95``,
    ``star_change_share`` (share of draws with a different star level, 待评 counting as a level),
    ``rated_share`` and ``unstable`` (star change in more than 10 % of draws). Rows in ``units`` order.
    """
    scored = score(units, rubric)
    base_stars = scored["stars"].fillna(0).to_numpy(dtype="int64")
    base_ranks = np.full(len(units), np.nan)
    if len(units):
        ordered = order(scored)
        rated = scored["rated"].to_numpy(dtype=bool)
        pos = np.empty(len(units))
        pos[ordered] = np.arange(1, len(units) + 1)
        base_ranks = np.where(rated, pos, np.nan)
    weights = perturbed_weights(rubric, draws, seed)
    ranks, stars = simulate(units, rubric, weights)
    p5, p50, p95 = _percentiles(ranks, PERCENTILES)
    change = (stars != base_stars[:, None]).mean(axis=1) if draws else np.zeros(len(units))
    out = pd.DataFrame(
        {
            "code": scored["code"].to_numpy(),
            "name": scored["name"].to_numpy(),
            "station": scored["station"].to_numpy(),
            "branch": scored["branch"].to_numpy(),
            "rank": pd.array(base_ranks, dtype="Int64") if len(units) else pd.array([], dtype="Int64"),
            "stars": scored["stars"].array,
            "median_rank": p50,
            "rank_p5": p5,
            "rank_p95": p95,
            "star_change_share": change,
            "rated_share": (~np.isnan(ranks)).mean(axis=1) if draws else np.zeros(len(units)),
        }
    )
    out["unstable"] = out["star_change_share"] > FLAG_SHARE
    out.attrs.update(draws=draws, seed=seed, spread=SPREAD, rubric_version=rubric.version)
    return out

