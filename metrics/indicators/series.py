"""Ledger components for many one-month periods in one pass (the trend of a ledger indicator).

``compute(dataset, month)`` reads the disputes received in the month up to that month's as_of, each as
of that as_of. Month by month the same reading would pass over the whole ledger once per month; here
each dispute is placed in the month it was received (if that month is asked for and the dispute was
received by the month's as_of) and read as of THAT month's as_of — resolution, follow-up and age
differ from month to month exactly as they do in ``compute``.

A dispute's repeat flag does not depend on the period: its partners are received in the 90 days up to
its own received date, so they lie before it whichever period it is read in. The flags are therefore
found once for all asked months (:func:`~metrics.indicators.components.repeat_flags_of_codes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from metrics.indicators.components import (
    _DAY,
    REPEAT_WINDOW_DAYS,
    _as_datetime,
    _matches,
    _table_lookup,
    _take,
    repeat_flags_of_codes,
    shared_key_codes,
)
from metrics.periods import month_first_day, month_index, month_last_day
from metrics.schema import FOLLOW_UP_DAYS, PROACTIVE_SOURCES, TIME_LIMIT_DAYS

LEDGER_COLUMNS = ("disputes", "resolved", "transferred", "failed", "open", "on_time", "follow_up_done",
                  "follow_up_due", "proactive", "grassroots", "level_given", "overdue_open", "red_open",
                  "repeat_disputes")
"""The columns of :func:`~metrics.indicators.components.ledger_components`, in its order."""


def month_rows(ledger: pd.DataFrame, months: Sequence[str], as_ofs: Sequence[date]) -> tuple[np.ndarray, np.ndarray]:
    """The disputes each one-month period reads: ``(rows, group)`` — positions in the ledger of the
    disputes received in month ``months[g]`` no later than ``as_ofs[g]``, and that ``g`` for each.
    ``months`` must be distinct."""
    received = _as_datetime(ledger["received_date"])
    if not len(months) or not len(received):
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    numbers = np.array([month_index(m) for m in months], dtype=np.int64)
    first = int(numbers.min())
    lookup = np.full(int(numbers.max()) - first + 1, -1, dtype=np.int64)
    lookup[numbers - first] = np.arange(len(months))
    ends = np.array([np.datetime64(min(month_last_day(m), a), "ns") for m, a in zip(months, as_ofs, strict=True)])
    given = ~np.isnat(received)
    number = np.where(given, received.astype("datetime64[M]").astype(np.int64), first - 1)
    # datetime64[M] counts months from 1970-01; month_index counts from year 0.
    number = number + 1970 * 12
    at = number - first
    inside = given & (at >= 0) & (at < len(lookup))
    group = np.full(len(received), -1, dtype=np.int64)
    group[inside] = lookup[at[inside]]
    keep = group >= 0
    keep[keep] = received[keep] <= ends[group[keep]]
    rows = np.flatnonzero(keep)
    return rows, group[rows]


def ledger_components_by_month(
    ledger: pd.DataFrame,
    offices: pd.DataFrame,
    months: Sequence[str],
    as_ofs: Sequence[date],
    time_limits: Mapping[str, int] | None = None,
) -> np.ndarray:
    """Per office and month, the ledger components of that one-month period as of its as_of.

    Returns a float64 array of shape (offices, months, :data:`LEDGER_COLUMNS`): ``[o, g]`` equals the
    row of office ``o`` in ``ledger_components(ledger, offices, first_day(months[g]),
    last_day(months[g]), as_ofs[g], time_limits)``. ``months`` must be distinct; every ledger office
    of the asked months must be in ``offices``.
    """
    n, g = len(offices), len(months)
    rows, group = month_rows(ledger, months, as_ofs)
    out = np.zeros((n, g, len(LEDGER_COLUMNS)), dtype="float64")
    if not len(rows):
        return out
    codes, uniques = pd.factorize(_take(ledger["office_code"], rows))
    pos = offices.index.get_indexer(pd.Index(uniques, dtype=object))[codes]
    if (pos < 0).any():
        raise ValueError("ledger office missing from the office table")
    cell = pos.astype(np.int64) * g + group

    def s(mask) -> np.ndarray:
        return np.bincount(cell, weights=np.asarray(mask, dtype="float64"), minlength=n * g)

    received_all = _as_datetime(ledger["received_date"])
    received = received_all[rows]
    cuts = np.array([np.datetime64(a, "ns") for a in as_ofs])
    cut = cuts[group]

    # Repeats: the rows that can be a partner of an asked month's dispute, flagged once.
    if "party_key" in ledger.columns:
        start = np.datetime64(min(month_first_day(m) for m in months) - timedelta(days=REPEAT_WINDOW_DAYS), "ns")
        near = np.flatnonzero((received_all >= start) & (received_all <= received.max()))
        party = shared_key_codes(_take(ledger["party_key"], near))
        flags = np.zeros(len(received_all), dtype=bool)
        flags[near] = repeat_flags_of_codes(party, received_all[near])
        repeat = flags[rows]
    else:
        repeat = np.zeros(len(rows), dtype=bool)

    marked, in_progress, transferred, failed = _matches(_take(ledger["status"], rows),
                                                         ("已化解", "化解中", "已移交", "调解不成"))
    resolved_date = _as_datetime(ledger["resolved_date"])[rows]
    follow_up = _as_datetime(ledger["follow_up_date"])[rows]
    resolved = marked & (resolved_date <= cut)
    open_ = in_progress | (marked & ~resolved)
    limits = dict(TIME_LIMIT_DAYS if time_limits is None else time_limits)
    limit = _table_lookup(_take(ledger["complexity"], rows), limits, np.nan, "float64")
    took = (resolved_date - received) / _DAY
    age = (cut - received) / _DAY
    followed = follow_up <= cut
    fu_window = np.timedelta64(FOLLOW_UP_DAYS, "D")
    resolved_at = np.flatnonzero(resolved)
    level_codes, level_uniques = pd.factorize(_take(ledger["level"], rows[resolved_at]))
    level_given = np.zeros(len(rows), dtype=bool)
    level_given[resolved_at] = level_codes >= 0
    grassroots = np.zeros(len(rows), dtype=bool)
    grassroots[resolved_at] = np.array([u == "社区" for u in level_uniques] + [False], dtype=bool)[level_codes]
    proactive = np.logical_or.reduce(_matches(_take(ledger["source"], rows), PROACTIVE_SOURCES)) \
        if len(PROACTIVE_SOURCES) else np.zeros(len(rows), dtype=bool)
    open_at = np.flatnonzero(open_)
    red_open = np.zeros(len(rows), dtype=bool)
    red_open[open_at] = _matches(_take(ledger["risk"], rows[open_at]), ("红",))[0]

    sums = {
        "disputes": np.bincount(cell, minlength=n * g).astype("float64"),
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
    for j, col in enumerate(LEDGER_COLUMNS):
        out[:, :, j] = sums[col].reshape(n, g)
    return out


def ledger_offices_by_month(ledger: pd.DataFrame, offices: pd.DataFrame, months: Sequence[str],
                            as_ofs: Sequence[date]) -> np.ndarray:
    """(months × offices) booleans: which offices have a dispute that the month's period reads."""
    rows, group = month_rows(ledger, months, as_ofs)
    out = np.zeros((len(months), len(offices)), dtype=bool)
    if len(rows):
        codes, uniques = pd.factorize(_take(ledger["office_code"], rows))
        pos = offices.index.get_indexer(pd.Index(uniques, dtype=object))[codes]
        out[group[pos >= 0], pos[pos >= 0]] = True
    return out
