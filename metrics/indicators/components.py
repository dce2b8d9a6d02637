"""Additive components per office: the sums every indicator is a ratio (or a difference) of.

Indicators are computed in two steps so that rates above the office level are always ratios of sums:

1. here, each office's numerators, denominators and counts over the period (one row per office);
2. :mod:`metrics.indicators.compute` sums those rows per unit (station, branch, bureau) and only
   then applies the indicator functions of the registry.

Every component is a plain sum (float64), so summing offices' components gives the unit's.
Sums use ``numpy.bincount`` over the office's position in the office table — one pass per column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from metrics.schema import FOLLOW_UP_DAYS, PROACTIVE_SOURCES, TIME_LIMIT_DAYS

COUNT_COLUMNS = ("alerts", "dispute_alerts", "criminal_cases", "civil_to_criminal")
"""Required monthly counts: summed; null only when the unit has no row in the period."""
YOY_COUNTS = ("alerts", "dispute_alerts", "criminal_cases", "fraud_cases")
SURVEYS = {
    "officer_familiarity": ("officer_fam_known", "officer_fam_sampled"),
    "resident_familiarity": ("resident_fam_known", "resident_fam_surveyed"),
    "satisfaction": ("satisfaction_satisfied", "satisfaction_surveyed"),
}
"""Survey rate → (numerator column, denominator column) of the monthly sheet."""

REPEAT_WINDOW_DAYS = 90
_LEDGER_NEEDED = ("dispute_id", "office_code", "received_date", "source", "risk", "complexity", "level", "status",
                  "resolved_date", "follow_up_date", "party_key")
_DAY = np.timedelta64(1, "D")


def month_numbers(months: pd.Series) -> np.ndarray:
    """``"YYYY-MM"`` strings → integer month numbers (year × 12 + month − 1)."""
    codes, uniques = pd.factorize(np.asarray(months, dtype=object))
    numbers = np.array([int(m[:4]) * 12 + int(m[5:7]) - 1 for m in uniques], dtype="int64")
    return numbers[codes] if len(codes) else np.array([], dtype="int64")


def _positions(codes: pd.Series, offices: pd.Index) -> np.ndarray:
    """Each code's position in ``offices`` (−1 when absent); factorised first, as codes repeat a lot."""
    found, uniques = pd.factorize(np.asarray(codes, dtype=object))
    if not len(found):
        return np.array([], dtype="int64")
    return offices.get_indexer(pd.Index(uniques, dtype=object))[found]


def _bsum(pos: np.ndarray, values, n: int, groups: int = 1, group: np.ndarray | None = None) -> np.ndarray:
    """Σ values per office (and per group when ``group`` is given), NaN counted as 0."""
    w = np.nan_to_num(np.asarray(values, dtype="float64"))
    idx = pos if group is None else pos * groups + group
    return np.bincount(idx, weights=w, minlength=n * groups)


def monthly_components(
    monthly: pd.DataFrame,
    offices: pd.DataFrame,
    months: Sequence[str],
    month_groups: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Per office, the sums over its monthly rows in ``months`` that the monthly indicators need.

    Columns: ``rows`` (office-month rows), the sums of the required counts, ``fraud_rows`` /
    ``fraud_sum`` (rows giving fraud_cases and their sum), ``community_hours``, ``officer_days``,
    ``visited_last`` / ``households_last`` (the office's last month in the period), each survey's
    ``<num>`` / ``<den>`` over rows giving both, and for the year-on-year comparison: ``X_prior``
    (Σ X over the rows twelve months before each row) and ``X_missing`` (rows whose earlier row is
    missing), and the survey sums over the earlier rows that exist (``<num>_prior`` / ``<den>_prior``).

    With ``month_groups`` (month → group number) the result has one row per (office, group) instead,
    ordered office-major; used for series by month.
    """
    n = len(offices)
    g = 1 if month_groups is None else max(month_groups.values()) + 1
    sel = monthly[monthly["month"].isin(list(months))]
    pos = _positions(sel["office_code"], offices.index)
    group = None if month_groups is None else sel["month"].map(month_groups).to_numpy(dtype="int64")
    out: dict[str, np.ndarray] = {}

    def s(values) -> np.ndarray:
        return _bsum(pos, values, n, g, group)

    out["rows"] = s(np.ones(len(sel)))
    for col in COUNT_COLUMNS + ("community_hours", "officer_days"):
        out[col] = s(sel[col].to_numpy(dtype="float64"))
    fraud = sel["fraud_cases"].to_numpy(dtype="float64")
    fraud_given = ~np.isnan(fraud)
    out["fraud_rows"] = s(fraud_given)
    out["fraud_sum"] = s(fraud)

    # Visit coverage: each office's last month in the period (per group when grouped).
    if len(sel):
        key = pos.astype("int64") * g + (0 if group is None else group)
        order = np.lexsort((sel["month"].to_numpy(dtype=object).astype(str), key))
        k_sorted = key[order]
        last = order[np.r_[k_sorted[1:] != k_sorted[:-1], True]]
    else:
        last = np.array([], dtype="int64")
    lsel = sel.iloc[last]
    lpos, lgroup = pos[last], (None if group is None else group[last])
    out["visited_last"] = _bsum(lpos, lsel["visited_ytd"].to_numpy(dtype="float64"), n, g, lgroup)
    out["households_last"] = _bsum(lpos, lsel["households"].to_numpy(dtype="float64"), n, g, lgroup)

    for num, den in SURVEYS.values():
        a, b = sel[num].to_numpy(dtype="float64"), sel[den].to_numpy(dtype="float64")
        both = ~np.isnan(a) & ~np.isnan(b)
        out[num] = s(np.where(both, a, 0.0))
        out[den] = s(np.where(both, b, 0.0))

    # Like-for-like prior year: pair each row with the same office's row twelve months earlier.
    all_pos = _positions(monthly["office_code"], offices.index).astype("int64")
    all_key = all_pos * 1_000_000 + month_numbers(monthly["month"])
    sel_key = pos.astype("int64") * 1_000_000 + month_numbers(sel["month"]) - 12
    found = pd.Index(all_key).get_indexer(sel_key) if len(sel) else np.array([], dtype="int64")
    has_prior = found >= 0
    prior_rows = monthly.iloc[np.where(has_prior, found, 0)] if len(monthly) else monthly

    def prior(col: str) -> np.ndarray:
        if not len(sel):
            return np.array([], dtype="float64")
        v = prior_rows[col].to_numpy(dtype="float64")
        return np.where(has_prior, v, np.nan)

    for col in COUNT_COLUMNS[:3]:
        out[f"{col}_prior"] = s(prior(col))
        out[f"{col}_missing"] = s(~has_prior)
    # fraud_cases is optional: only rows giving it are compared, and their earlier row must give it too.
    fraud_prior = prior("fraud_cases")
    out["fraud_cases_prior"] = s(np.where(fraud_given, fraud_prior, 0.0))
    out["fraud_cases_missing"] = s(fraud_given & np.isnan(fraud_prior))
    for num, den in SURVEYS.values():
        a, b = prior(num), prior(den)
        both = ~np.isnan(a) & ~np.isnan(b)
        out[f"{num}_prior"] = s(np.where(both, a, 0.0))
        out[f"{den}_prior"] = s(np.where(both, b, 0.0))

    index = offices.index if month_groups is None else pd.MultiIndex.from_product(
        [offices.index, range(g)], names=["office_code", "group"]
    )
    frame = pd.DataFrame(out, index=index)
    frame["offices_reporting"] = np.repeat(offices["reported"].to_numpy(dtype="float64"), g)
    return frame


def _as_datetime(values) -> np.ndarray:
    """A date column (Series or array) as ``datetime64[ns]`` numpy values (NaT when not given)."""
    if isinstance(values, np.ndarray) and values.dtype == "datetime64[ns]":
        return values
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")


def _objects(values) -> np.ndarray:
    return np.asarray(values, dtype=object)


def ledger_arrays(ledger: pd.DataFrame, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The ledger columns the indicators read, as numpy arrays (rows where ``mask`` holds).

    Masking plain arrays is far cheaper than selecting rows of the whole frame.
    """
    out = {}
    for col in _LEDGER_NEEDED:
        if col not in ledger.columns:
            continue
        values = ledger[col]
        arr = _as_datetime(values) if col.endswith("_date") else values.to_numpy(dtype=object)
        out[col] = arr if mask is None else arr[mask]
    return out


def repeat_flags(ledger: Mapping[str, Any] | pd.DataFrame, window_days: int = REPEAT_WINDOW_DAYS) -> np.ndarray:
    """For each row of ``ledger``: does its party_key appear on ANOTHER row (any office) received
    between ``window_days`` days before this row's received_date and that date itself, both ends
    included? Rows without a party_key are never repeats.
    """
    keys = _objects(ledger["party_key"])
    n = len(keys)
    flags = np.zeros(n, dtype=bool)
    if n < 2:
        return flags
    given = pd.notna(keys)
    if given.sum() < 2:
        return flags
    idx = np.flatnonzero(given)
    k, _ = pd.factorize(keys[idx])
    r = _as_datetime(ledger["received_date"])[idx].astype("int64")
    order = np.lexsort((r, k))
    ks, rs = k[order], r[order]
    same_prev = np.r_[False, ks[1:] == ks[:-1]]
    gap_prev = np.r_[np.iinfo("int64").max, rs[1:] - rs[:-1]]
    near_prev = same_prev & (gap_prev <= window_days * 86_400 * 10**9)
    # Another row of the same key on the very same day comes later in sort order: look ahead too.
    same_next = np.r_[ks[1:] == ks[:-1], False]
    tie_next = same_next & np.r_[rs[1:] == rs[:-1], False]
    flags_sorted = near_prev | tie_next
    flags[idx[order]] = flags_sorted
    return flags


def ledger_status(ledger: Mapping[str, Any] | pd.DataFrame, as_of: date) -> dict[str, np.ndarray]:
    """Each dispute's state as of ``as_of``: ``resolved`` (已化解 with resolved_date ≤ as_of),
    ``open`` (化解中, or 已化解 resolved after as_of), ``transferred`` (已移交), ``failed`` (调解不成).
    """
    cut = np.datetime64(as_of, "ns")
    status = _objects(ledger["status"])
    resolved_date = _as_datetime(ledger["resolved_date"])
    marked = status == "已化解"
    resolved = marked & (resolved_date <= cut)
    return {
        "resolved": resolved,
        "open": (status == "化解中") | (marked & ~resolved),
        "transferred": status == "已移交",
        "failed": status == "调解不成",
    }


def limits_of(ledger: Mapping[str, Any] | pd.DataFrame, time_limits: Mapping[str, int] | None = None) -> np.ndarray:
    """Each dispute's time limit in days from its complexity (NaN when the complexity is unknown)."""
    limits = dict(TIME_LIMIT_DAYS if time_limits is None else time_limits)
    complexity = _objects(ledger["complexity"])
    out = np.full(len(complexity), np.nan)
    for name, days in limits.items():
        out[complexity == name] = days
    return out


def in_period(ledger: Mapping[str, Any] | pd.DataFrame, first_day: date, last_day: date, as_of: date) -> np.ndarray:
    """Disputes received in the period and no later than ``as_of`` (the ledger as it stood then)."""
    r = _as_datetime(ledger["received_date"])
    end = min(last_day, as_of)
    return (r >= np.datetime64(first_day, "ns")) & (r <= np.datetime64(end, "ns"))


def ledger_components(
    ledger: pd.DataFrame,
    offices: pd.DataFrame,
    first_day: date,
    last_day: date,
    as_of: date,
    time_limits: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Per office, the counts over disputes received in the period (up to ``as_of``), as of ``as_of``.

    Columns: ``disputes, resolved, transferred, failed, open, on_time, follow_up_done, follow_up_due,
    proactive, grassroots, level_given, overdue_open, red_open, repeat_disputes``.
    """
    n = len(offices)
    cut = np.datetime64(as_of, "ns")
    # Only disputes that can be a repeat's partner (received up to 90 days before the period) are needed.
    window_start = first_day - timedelta(days=REPEAT_WINDOW_DAYS)
    r_all = _as_datetime(ledger["received_date"])
    near = (r_all >= np.datetime64(window_start, "ns")) & (r_all <= np.datetime64(min(last_day, as_of), "ns"))
    cand = ledger_arrays(ledger, near)
    repeat = repeat_flags(cand)
    inside = in_period(cand, first_day, last_day, as_of)
    sel = {col: arr[inside] for col, arr in cand.items()}
    repeat = repeat[inside]
    pos = _positions(sel["office_code"], offices.index)

    def s(mask) -> np.ndarray:
        return np.bincount(pos, weights=np.asarray(mask, dtype="float64"), minlength=n)

    st = ledger_status(sel, as_of)
    received = _as_datetime(sel["received_date"])
    resolved_date = _as_datetime(sel["resolved_date"])
    follow_up = _as_datetime(sel["follow_up_date"])
    limit = limits_of(sel, time_limits)
    took = (resolved_date - received) / _DAY
    age = (cut - received) / _DAY
    followed = follow_up <= cut
    fu_window = np.timedelta64(FOLLOW_UP_DAYS, "D")
    level = sel["level"]
    level_given = pd.notna(level)

    out = {
        "disputes": s(np.ones(len(received))),
        "resolved": s(st["resolved"]),
        "transferred": s(st["transferred"]),
        "failed": s(st["failed"]),
        "open": s(st["open"]),
        "on_time": s(st["resolved"] & (took <= limit)),
        "follow_up_done": s(st["resolved"] & followed & (follow_up - resolved_date <= fu_window)),
        "follow_up_due": s(st["resolved"] & ((resolved_date + fu_window <= cut) | followed)),
        "proactive": s(np.isin(sel["source"], list(PROACTIVE_SOURCES))),
        "grassroots": s(st["resolved"] & (level == "社区")),
        "level_given": s(st["resolved"] & level_given),
        "overdue_open": s(st["open"] & (age > limit)),
        "red_open": s(st["open"] & (sel["risk"] == "红")),
        "repeat_disputes": s(repeat),
    }
    return pd.DataFrame(out, index=offices.index)
