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

import numpy as np
import pandas as pd

from metrics.indicators.factors import MonthlyIndex
from metrics.indicators.ledger_state import LedgerState
from metrics.indicators.prepared import LedgerReader
from metrics.indicators.repeats import REPEAT_WINDOW_DAYS, repeat_flags

COUNT_COLUMNS = ("alerts", "dispute_alerts", "criminal_cases", "civil_to_criminal")
"""Required monthly counts: summed; null only when the unit has no row in the period."""
YOY_COUNTS = ("alerts", "dispute_alerts", "criminal_cases", "fraud_cases")
SURVEYS = {
    "officer_familiarity": ("officer_fam_known", "officer_fam_sampled"),
    "resident_familiarity": ("resident_fam_known", "resident_fam_surveyed"),
    "satisfaction": ("satisfaction_satisfied", "satisfaction_surveyed"),
}
"""Survey rate → (numerator column, denominator column) of the monthly sheet."""

LEDGER_COLUMNS = ("disputes", "resolved", "transferred", "failed", "open", "on_time", "follow_up_done",
                  "follow_up_due", "proactive", "grassroots", "level_given", "overdue_open", "red_open",
                  "repeat_disputes")
"""The ledger components, in the order :func:`ledger_components` gives them."""


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


@dataclass
class LocatedLedger:
    """The ledger rows some disjoint periods read, located once: the disputes received in period ``g``
    between its first day and ``min(last_day, as_of)`` (``rows``, positions in the ledger, and
    ``group``, each row's period), each read as of ``cuts[group]`` (the period's as_of), and their office
    codes factorised (``office_codes`` into ``office_uniques``, only the offices of these rows).

    ``near`` are the rows that can be a repeat partner of a located row (received from 90 days before
    the earliest period to the end of the latest), ``near_received`` their dates, and ``inside`` where
    the located rows are among them (``rows == near[inside]``)."""

    rows: np.ndarray
    group: np.ndarray
    cuts: np.ndarray
    office_codes: np.ndarray
    office_uniques: np.ndarray
    near: np.ndarray
    near_received: np.ndarray
    inside: np.ndarray


def locate(reader: LedgerReader, periods: Sequence[tuple[date, date, date]]) -> LocatedLedger:
    """Locate the rows of ``periods`` — ``(first_day, last_day, as_of)`` each, not overlapping — in one
    pass over the received dates (see :class:`LocatedLedger`)."""
    received = reader.dates("received_date")
    starts = np.array([np.datetime64(first, "ns") for first, _, _ in periods], dtype="datetime64[ns]")
    ends = np.array([np.datetime64(min(last, as_of), "ns") for _, last, as_of in periods], dtype="datetime64[ns]")
    cuts = np.array([np.datetime64(as_of, "ns") for _, _, as_of in periods], dtype="datetime64[ns]")
    if len(periods):
        window_start = np.datetime64(min(first for first, _, _ in periods) - timedelta(days=REPEAT_WINDOW_DAYS), "ns")
        near = np.flatnonzero((received >= window_start) & (received <= ends.max()))
    else:
        near = np.array([], dtype=np.int64)
    near_received = received[near]
    if len(periods) <= 1:  # the usual case: one comparison instead of a search
        inside = np.flatnonzero(near_received >= starts[0]) if len(periods) else near
        group = np.zeros(len(inside), dtype=np.int64)
    else:
        by_start = np.argsort(starts, kind="stable")
        at = np.searchsorted(starts[by_start], near_received, side="right") - 1
        found = at >= 0
        at = np.where(found, at, 0)
        found &= near_received <= ends[by_start][at]
        inside = np.flatnonzero(found)
        group = by_start[at[inside]].astype(np.int64)
    rows = near[inside]
    codes, uniques = reader.codes("office_code", rows)
    # Only the offices of these rows (a kept index's codes number every office of the ledger).
    present = pd.unique(codes[codes >= 0])
    if len(present) < len(uniques):
        renumber = np.full(len(uniques) + 1, -1, dtype=np.intp)
        renumber[present] = np.arange(len(present))
        codes, uniques = renumber[codes], uniques[present]
    return LocatedLedger(rows, group, cuts, codes, np.asarray(uniques, dtype=object), near, near_received, inside)


def _repeats(reader: LedgerReader, loc: LocatedLedger) -> np.ndarray:
    """The repeat flag of each located row. A flag does not depend on the period: a dispute's partners
    are received in the 90 days up to its own received date, so the ``near`` rows are flagged once for
    all periods."""
    if not reader.has("party_key") or not len(loc.rows):
        return np.zeros(len(loc.rows), dtype=bool)
    return repeat_flags(reader.party(loc.near), loc.near_received)[loc.inside]


def ledger_sums(
    reader: LedgerReader,
    loc: LocatedLedger,
    offices: pd.DataFrame,
    time_limits: Mapping[str, int] | None = None,
    columns: Sequence[str] = LEDGER_COLUMNS,
) -> np.ndarray:
    """Per office and period, the ledger components (``columns`` of :data:`LEDGER_COLUMNS`) of the
    located disputes, each read as of its period's as_of (:class:`~metrics.indicators.ledger_state.
    LedgerState`): a float64 array of shape (offices, periods, columns). Only the asked columns are
    read; every located office must be in ``offices``.
    """
    unknown = set(columns) - set(LEDGER_COLUMNS)
    if unknown:
        raise KeyError(sorted(unknown)[0])
    n, g = len(offices), len(loc.cuts)
    out = np.zeros((n, g, len(columns)), dtype="float64")
    if not len(loc.rows):
        return out
    pos = np.append(offices.index.get_indexer(pd.Index(loc.office_uniques, dtype=object)), -1)[loc.office_codes]
    if (pos < 0).any():
        raise ValueError("ledger office missing from the office table")
    cell = pos.astype(np.int64) * g + loc.group
    cut = loc.cuts[0] if g == 1 else loc.cuts[loc.group]
    state = LedgerState(reader, loc.rows, cut, time_limits)
    for j, col in enumerate(columns):
        if col == "disputes":
            sums = np.bincount(cell, minlength=n * g).astype("float64")
        else:
            mask = _repeats(reader, loc) if col == "repeat_disputes" else getattr(state, col)
            sums = np.bincount(cell, weights=np.asarray(mask, dtype="float64"), minlength=n * g)
        out[:, :, j] = sums.reshape(n, g)
    return out


def ledger_components(
    ledger: pd.DataFrame,
    offices: pd.DataFrame,
    first_day: date,
    last_day: date,
    as_of: date,
    time_limits: Mapping[str, int] | None = None,
    reader: LedgerReader | None = None,
) -> pd.DataFrame:
    """Per office, the counts over disputes received in the period (up to ``as_of``), as of ``as_of``:
    the one-period case of :func:`ledger_sums`, as a frame with the columns :data:`LEDGER_COLUMNS`.
    ``reader`` is how to read the ledger (default afresh)."""
    cols = LedgerReader(ledger) if reader is None else reader
    loc = locate(cols, [(first_day, last_day, as_of)])
    block = ledger_sums(cols, loc, offices, time_limits)[:, 0, :]
    return pd.DataFrame(block, index=offices.index, columns=list(LEDGER_COLUMNS))
