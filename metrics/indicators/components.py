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
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from metrics.indicators.factors import MonthlyIndex
from metrics.indicators.prepared import (
    RawLedger,
    lookup,
    member_of,
)
from metrics.indicators.prepared import as_datetime as _as_datetime
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
    index: MonthlyIndex | None = None,
) -> pd.DataFrame:
    """Per office, the sums over its monthly rows in ``months`` that the monthly indicators need.

    Columns: ``rows`` (office-month rows), the sums of the required counts, ``fraud_rows`` /
    ``fraud_sum`` (rows giving fraud_cases and their sum), ``community_hours``, ``officer_days``,
    ``visited_last`` / ``households_last`` (the office's last month in the period), each survey's
    ``<num>`` / ``<den>`` over rows giving both, and for the year-on-year comparison: ``X_prior``
    (Σ X over the rows twelve months before each row) and ``X_missing`` (rows whose earlier row is
    missing), and the survey sums over the earlier rows that exist (``<num>_prior`` / ``<den>_prior``).

    With ``month_groups`` (month → group number) the result has one row per (office, group) instead,
    ordered office-major; used for series by month. ``index`` is the monthly sheet's
    :func:`~metrics.indicators.factors.index_monthly` when the caller already has it.
    """
    n = len(offices)
    g = 1 if month_groups is None else max(month_groups.values()) + 1
    # Rows are located by position and each column is read as one array: no frame is copied.
    if index is not None:
        month_codes, month_uniques = index.month_codes, index.month_uniques
        office_at = np.append(offices.index.get_indexer(pd.Index(index.office_uniques, dtype=object)), -1)

        def positions(at: np.ndarray) -> np.ndarray:
            return office_at[index.office_codes[at]]
    else:
        month_codes, month_uniques = pd.factorize(_objects(monthly["month"]))
        offices_of = _objects(monthly["office_code"])

        def positions(at: np.ndarray) -> np.ndarray:
            return _positions(offices_of[at], offices.index)
    wanted = set(months)
    rows = np.flatnonzero(np.array([m in wanted for m in month_uniques] + [False], dtype=bool)[month_codes])
    number_of = np.append(month_numbers(pd.Series(month_uniques, dtype=object)), -1)
    number = number_of[month_codes[rows]]
    pos = positions(rows)
    group = None if month_groups is None else np.array(
        [month_groups.get(m, -1) for m in month_uniques] + [-1], dtype="int64")[month_codes[rows]]
    out: dict[str, np.ndarray] = {}

    def column(col: str, at: np.ndarray = rows) -> np.ndarray:
        return monthly[col].to_numpy(dtype="float64")[at]

    def s(values) -> np.ndarray:
        return _bsum(pos, values, n, g, group)

    out["rows"] = s(np.ones(len(rows)))
    for col in COUNT_COLUMNS + ("community_hours", "officer_days"):
        out[col] = s(column(col))
    fraud = column("fraud_cases")
    fraud_given = ~np.isnan(fraud)
    out["fraud_rows"] = s(fraud_given)
    out["fraud_sum"] = s(fraud)

    # Visit coverage: each office's last month in the period (per group when grouped).
    if len(rows):
        key = pos.astype("int64") * g + (0 if group is None else group)
        order = np.lexsort((number, key))
        k_sorted = key[order]
        last = order[np.r_[k_sorted[1:] != k_sorted[:-1], True]]
    else:
        last = np.array([], dtype="int64")
    lpos, lgroup = pos[last], (None if group is None else group[last])
    out["visited_last"] = _bsum(lpos, column("visited_ytd", rows[last]), n, g, lgroup)
    out["households_last"] = _bsum(lpos, column("households", rows[last]), n, g, lgroup)

    for num, den in SURVEYS.values():
        a, b = column(num), column(den)
        both = ~np.isnan(a) & ~np.isnan(b)
        out[num] = s(np.where(both, a, 0.0))
        out[den] = s(np.where(both, b, 0.0))

    # Like-for-like prior year: pair each row with the same office's row twelve months earlier.
    earlier = set((number - 12).tolist())
    prior_rows = np.flatnonzero(np.array([x in earlier for x in number_of], dtype=bool)[month_codes])
    prior_key = positions(prior_rows).astype("int64") * 1_000_000 \
        + number_of[month_codes[prior_rows]]
    sel_key = pos.astype("int64") * 1_000_000 + number - 12
    found = pd.Index(prior_key).get_indexer(sel_key) if len(rows) else np.array([], dtype="int64")
    has_prior = found >= 0
    prior_at = prior_rows[np.where(has_prior, found, 0)] if len(prior_rows) else np.zeros(len(rows), dtype="int64")

    def prior(col: str) -> np.ndarray:
        if not len(rows):
            return np.array([], dtype="float64")
        if not len(prior_rows):
            return np.full(len(rows), np.nan)
        return np.where(has_prior, column(col, prior_at), np.nan)

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


def _objects(values) -> np.ndarray:
    return np.asarray(values, dtype=object)


def repeat_flags_of_codes(codes: np.ndarray, received: np.ndarray, window_days: int = REPEAT_WINDOW_DAYS) -> np.ndarray:
    """For each row: does its party key (factorised: ``codes``, −1 = no key) appear on ANOTHER row
    (any office) received between ``window_days`` days before this row's received date and that date
    itself, both ends included? Rows without a key are never repeats.

    Only keys seen at least twice can make a repeat, so only their rows are sorted (usually few).
    """
    n = len(codes)
    flags = np.zeros(n, dtype=bool)
    given = codes >= 0
    if n < 2 or np.count_nonzero(given) < 2:
        return flags
    seen = np.bincount(codes[given])
    idx = np.flatnonzero(given)
    idx = idx[seen[codes[idx]] >= 2]
    if not len(idx):
        return flags
    k = codes[idx]
    r = received[idx].astype("int64")
    order = np.lexsort((r, k))
    ks, rs = k[order], r[order]
    same_prev = np.r_[False, ks[1:] == ks[:-1]]
    gap_prev = np.r_[np.iinfo("int64").max, rs[1:] - rs[:-1]]
    near_prev = same_prev & (gap_prev <= window_days * 86_400 * 10**9)
    # Another row of the same key on the very same day comes later in sort order: look ahead too.
    same_next = np.r_[ks[1:] == ks[:-1], False]
    tie_next = same_next & np.r_[rs[1:] == rs[:-1], False]
    flags[idx[order]] = near_prev | tie_next
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


@dataclass
class PeriodLedger:
    """The ledger rows one period reads, located once: the disputes received in the period up to
    as_of (``rows``, positions in the ledger) and their office codes factorised (``office_codes`` into
    ``office_uniques``), plus the rows that can be a repeat's partner (``near``, received from 90 days
    before the period up to as_of; ``inside`` marks those in the period).
    """

    near: np.ndarray
    near_received: np.ndarray
    inside: np.ndarray
    rows: np.ndarray
    office_codes: np.ndarray
    office_uniques: np.ndarray


def period_ledger(ledger: pd.DataFrame, first_day: date, last_day: date, as_of: date,
                  reader: RawLedger | None = None) -> PeriodLedger:
    """Locate the ledger rows of a period (see :class:`PeriodLedger`); one pass over the dates.
    ``reader`` is how to read the ledger (:mod:`~metrics.indicators.prepared`; default afresh)."""
    cols = RawLedger(ledger) if reader is None else reader
    received = cols.dates("received_date")
    end = np.datetime64(min(last_day, as_of), "ns")
    window_start = np.datetime64(first_day - timedelta(days=REPEAT_WINDOW_DAYS), "ns")
    near = np.flatnonzero((received >= window_start) & (received <= end))
    near_received = received[near]
    inside = near_received >= np.datetime64(first_day, "ns")
    rows = near[inside]
    codes, uniques = cols.codes("office_code", rows)
    # Only the offices of the period's rows (an index's codes number every office of the ledger).
    present = pd.unique(codes[codes >= 0])
    if len(present) < len(uniques):
        renumber = np.full(len(uniques) + 1, -1, dtype=np.intp)
        renumber[present] = np.arange(len(present))
        codes, uniques = renumber[codes], uniques[present]
    return PeriodLedger(near, near_received, inside, rows, codes, np.asarray(uniques, dtype=object))


def ledger_components(
    ledger: pd.DataFrame,
    offices: pd.DataFrame,
    first_day: date,
    last_day: date,
    as_of: date,
    time_limits: Mapping[str, int] | None = None,
    located: PeriodLedger | None = None,
    reader: RawLedger | None = None,
) -> pd.DataFrame:
    """Per office, the counts over disputes received in the period (up to ``as_of``), as of ``as_of``.

    Columns: ``disputes, resolved, transferred, failed, open, on_time, follow_up_done, follow_up_due,
    proactive, grassroots, level_given, overdue_open, red_open, repeat_disputes``. ``located`` is the
    period's :func:`period_ledger` when the caller already has it; ``reader`` how to read the ledger
    (:mod:`~metrics.indicators.prepared`; default afresh).
    """
    n = len(offices)
    cols = RawLedger(ledger) if reader is None else reader
    loc = period_ledger(ledger, first_day, last_day, as_of, cols) if located is None else located
    rows = loc.rows
    office_at = np.append(offices.index.get_indexer(pd.Index(loc.office_uniques, dtype=object)), -1)
    pos = office_at[loc.office_codes] if len(rows) else np.array([], dtype="int64")

    def s(mask) -> np.ndarray:
        return np.bincount(pos, weights=np.asarray(mask, dtype="float64"), minlength=n)

    def text(name: str, at: np.ndarray = rows) -> tuple[np.ndarray, np.ndarray]:
        return cols.codes(name, at)

    # Repeats: only disputes that can be a partner (received up to 90 days before the period) are read.
    if cols.has("party_key"):
        repeat = repeat_flags_of_codes(cols.party(loc.near), loc.near_received)[loc.inside]
    else:
        repeat = np.zeros(len(rows), dtype=bool)

    cut = np.datetime64(as_of, "ns")
    status = text("status")
    marked, in_progress, transferred, failed = (member_of(*status, (name,))
                                                for name in ("已化解", "化解中", "已移交", "调解不成"))
    received = loc.near_received[loc.inside]
    resolved_date = cols.dates("resolved_date")[rows]
    follow_up = cols.dates("follow_up_date")[rows]
    resolved = marked & (resolved_date <= cut)
    open_ = in_progress | (marked & ~resolved)
    limit = lookup(*text("complexity"), dict(TIME_LIMIT_DAYS if time_limits is None else time_limits), np.nan)
    took = (resolved_date - received) / _DAY
    age = (cut - received) / _DAY
    followed = follow_up <= cut
    fu_window = np.timedelta64(FOLLOW_UP_DAYS, "D")
    # The level counts only for resolved disputes, the risk only for open ones.
    level_codes, level_uniques = text("level")
    level_given = resolved & (level_codes >= 0)
    grassroots = resolved & member_of(level_codes, level_uniques, ("社区",))
    proactive = member_of(*text("source"), PROACTIVE_SOURCES)
    red_open = open_ & member_of(*text("risk"), ("红",))

    out = {
        "disputes": np.bincount(pos, minlength=n).astype("float64"),
        "resolved": s(resolved),
        "transferred": s(transferred),
        "failed": s(failed),
        "open": s(open_),
        "on_time": s(resolved & (took <= limit)),
        "follow_up_done": s(resolved & followed & (follow_up - resolved_date <= fu_window)),
        "follow_up_due": s(resolved & ((resolved_date + fu_window <= cut) | followed)),
        "proactive": s(proactive),
        "grassroots": s(grassroots),
        "level_given": s(level_given),
        "overdue_open": s(open_ & (age > limit)),
        "red_open": s(red_open),
        "repeat_disputes": s(repeat),
    }
    return pd.DataFrame(out, index=offices.index)
