"""Ranks from scores (shared/spec/rubric.md, "Ranking").

Rank by score, highest first; ties broken by resolution_rate (higher first), then avg_daily_hours
(higher first), then office code (ascending). Ranks are 1, 2, 3 … with no gaps, within the bureau,
within each branch and within each station. 待评 (unrated) offices get no rank.

Scores are compared unrounded, except that differences below ``SCORE_TOLERANCE`` (floating-point noise,
far below the 2 decimals shown) count as equal so the tie-breaks decide, not the last bit of a float.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCORE_TOLERANCE = 1e-9
TIE_BREAKS = ("resolution_rate", "avg_daily_hours", "code")
_DECIMALS = 9


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.full(len(frame), np.nan)


def tie_break_order(frame: pd.DataFrame) -> np.ndarray:
    """Positions of ``frame``'s rows in tie-break order only (resolution_rate ↓, avg_daily_hours ↓, code ↑).

    A missing resolution_rate or avg_daily_hours sorts after every present value.
    """
    res = _column(frame, "resolution_rate")
    hours = _column(frame, "avg_daily_hours")
    codes = frame["code"].astype(str).to_numpy()
    # np.lexsort: last key is primary. NaN → +inf after negation puts missing values last.
    return np.lexsort((codes, np.nan_to_num(-hours, nan=np.inf), np.nan_to_num(-res, nan=np.inf)))


def quantised(scores: np.ndarray) -> np.ndarray:
    """Scores rounded to 1e-9 for ordering (noise below that is not a difference)."""
    return np.round(scores.astype("float64"), _DECIMALS)


def order(frame: pd.DataFrame, scores: np.ndarray | None = None) -> np.ndarray:
    """Positions of ``frame``'s rows from best to worst; rows with a NaN score come last (by code)."""
    s = frame["score"].to_numpy(dtype="float64", na_value=np.nan) if scores is None else scores
    base = tie_break_order(frame)
    key = -quantised(s[base])
    key = np.where(np.isnan(key), np.inf, key)
    return base[np.argsort(key, kind="stable")]


def rank(scored: pd.DataFrame) -> pd.DataFrame:
    """``scored`` (from :func:`metrics.scoring.score`) sorted best first, with ``rank``,
    ``rank_in_branch`` and ``rank_in_station`` (nullable integers; empty for 待评 offices).

    A station is identified by its branch and its name, so two stations of the same name in different
    branches are ranked separately.
    """
    out = scored.iloc[order(scored)].reset_index(drop=True)
    rated = out["rated"].to_numpy(dtype=bool) if "rated" in out else ~out["score"].isna().to_numpy()
    n = len(out)
    overall = np.full(n, np.nan)
    overall[rated] = np.arange(1, int(rated.sum()) + 1)
    out["rank"] = pd.array(overall, dtype="Int64") if n else pd.array([], dtype="Int64")
    sub = out.loc[rated]
    branch = sub["branch"].astype(str) if "branch" in sub else pd.Series("", index=sub.index)
    station = sub["station"].astype(str) if "station" in sub else pd.Series("", index=sub.index)
    in_branch = branch.groupby(branch, sort=False).cumcount() + 1
    in_station = station.groupby([branch, station], sort=False).cumcount() + 1
    out["rank_in_branch"] = pd.array([pd.NA] * n, dtype="Int64")
    out["rank_in_station"] = pd.array([pd.NA] * n, dtype="Int64")
    out.loc[rated, "rank_in_branch"] = in_branch.to_numpy()
    out.loc[rated, "rank_in_station"] = in_station.to_numpy()
    return out
