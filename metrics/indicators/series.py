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

from metrics.indicators.components import _DAY, REPEAT_WINDOW_DAYS, repeat_flags_of_codes
from metrics.indicators.prepared import RawLedger, lookup, member_of
from metrics.periods import month_first_day, month_index, month_last_day
from metrics.schema import FOLLOW_UP_DAYS, PROACTIVE_SOURCES, TIME_LIMIT_DAYS

LEDGER_COLUMNS = ("disputes", "resolved", "transferred", "failed", "open", "on_time", "follow_up_done",
                  "follow_up_due", "proactive", "grassroots", "level_given", "overdue_open", "red_open",
                  "repeat_disputes")
"""The columns of :func:`~metrics.indicators.components.ledger_components`, in its order."""


def month_rows(ledger: pd.DataFrame, months: Sequence[str], as_ofs: Sequence[date],
               reader: RawLedger | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The disputes each one-month period reads: ``(rows, group)`` — positions in the ledger of the
    disputes received in month ``months[g]`` no later than ``as_ofs[g]``, and that ``g`` for each.
    ``months`` must be distinct; ``reader`` is how to read the ledger (default afresh)."""
    received = (RawLedger(ledger) if reader is None else reader).dates("received_date")
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
    columns: Sequence[str] = LEDGER_COLUMNS,
    reader: RawLedger | None = None,
) -> np.ndarray:
    """Per office and month, the ledger components of that one-month period as of its as_of.

    Returns a float64 array of shape (offices, months, ``columns``): ``[o, g]`` equals the row of office
    ``o`` in ``ledger_components(ledger, offices, first_day(months[g]), last_day(months[g]), as_ofs[g],
    time_limits)[columns]``. Only the asked ``columns`` (of :data:`LEDGER_COLUMNS`) are read, so a
    trend of one indicator reads only what it needs. ``months`` must be distinct; every ledger office of
    the asked months must be in ``offices``. ``reader`` is how to read the ledger (default afresh).
    """
    cols = RawLedger(ledger) if reader is None else reader
    n, g = len(offices), len(months)
    unknown = set(columns) - set(LEDGER_COLUMNS)
    if unknown:
        raise KeyError(sorted(unknown)[0])
    rows, group = month_rows(ledger, months, as_ofs, cols)
    out = np.zeros((n, g, len(columns)), dtype="float64")
    if not len(rows):
        return out
    codes, uniques = cols.codes("office_code", rows)
    pos = np.append(offices.index.get_indexer(pd.Index(uniques, dtype=object)), -1)[codes]
    if (pos < 0).any():
        raise ValueError("ledger office missing from the office table")
    cell = pos.astype(np.int64) * g + group
    cut = np.array([np.datetime64(a, "ns") for a in as_ofs])[group]
    received_all = cols.dates("received_date")
    received = received_all[rows]
    memo: dict[str, np.ndarray] = {}

    def once(name, make):
        if name not in memo:
            memo[name] = make()
        return memo[name]

    def status():
        def make():
            codes, uniques = cols.codes("status", rows)
            return [member_of(codes, uniques, (name,)) for name in ("已化解", "化解中", "已移交", "调解不成")]
        return once("status", make)

    def resolved_date():
        return once("resolved_date", lambda: cols.dates("resolved_date")[rows])

    def follow_up():
        return once("follow_up", lambda: cols.dates("follow_up_date")[rows])

    def resolved():
        return once("resolved", lambda: status()[0] & (resolved_date() <= cut))

    def open_():
        return once("open", lambda: status()[1] | (status()[0] & ~resolved()))

    def limit():
        limits = dict(TIME_LIMIT_DAYS if time_limits is None else time_limits)
        return once("limit", lambda: lookup(*cols.codes("complexity", rows), limits, np.nan))

    def followed():
        return once("followed", lambda: follow_up() <= cut)

    fu_window = np.timedelta64(FOLLOW_UP_DAYS, "D")

    def levels():
        def make():
            level_codes, level_uniques = cols.codes("level", rows)
            return resolved() & (level_codes >= 0), resolved() & member_of(level_codes, level_uniques, ("社区",))
        return once("levels", make)

    def proactive():
        if not len(PROACTIVE_SOURCES):
            return np.zeros(len(rows), dtype=bool)
        return member_of(*cols.codes("source", rows), PROACTIVE_SOURCES)

    def red_open():
        return open_() & member_of(*cols.codes("risk", rows), ("红",))

    def repeat():
        # The rows that can be a partner of an asked month's dispute, flagged once.
        if not cols.has("party_key"):
            return np.zeros(len(rows), dtype=bool)
        start = np.datetime64(min(month_first_day(m) for m in months) - timedelta(days=REPEAT_WINDOW_DAYS), "ns")
        near = np.flatnonzero((received_all >= start) & (received_all <= received.max()))
        flags = np.zeros(len(received_all), dtype=bool)
        flags[near] = repeat_flags_of_codes(cols.party(near), received_all[near])
        return flags[rows]

    masks = {
        "resolved": resolved,
        "transferred": lambda: status()[2],
        "failed": lambda: status()[3],
        "open": open_,
        "on_time": lambda: resolved() & ((resolved_date() - received) / _DAY <= limit()),
        "follow_up_done": lambda: resolved() & followed() & (follow_up() - resolved_date() <= fu_window),
        "follow_up_due": lambda: resolved() & ((resolved_date() + fu_window <= cut) | followed()),
        "proactive": proactive,
        "grassroots": lambda: levels()[1],
        "level_given": lambda: levels()[0],
        "overdue_open": lambda: open_() & ((cut - received) / _DAY > limit()),
        "red_open": red_open,
        "repeat_disputes": repeat,
    }
    for j, col in enumerate(columns):
        if col == "disputes":
            sums = np.bincount(cell, minlength=n * g).astype("float64")
        else:
            sums = np.bincount(cell, weights=np.asarray(masks[col](), dtype="float64"), minlength=n * g)
        out[:, :, j] = sums.reshape(n, g)
    return out


def components_read(func, names: Sequence[str] = LEDGER_COLUMNS) -> list[str]:
    """The components of ``names`` (default the ledger's) an indicator function reads, in that order,
    found by calling it once on zeros and recording the keys it asks for."""
    seen: set[str] = set()

    class _Recorder(dict):
        def __getitem__(self, name):
            seen.add(name)
            return np.zeros(1)

        def get(self, name, default=None):
            return self[name]

        def __contains__(self, name) -> bool:
            seen.add(name)
            return True

    func(_Recorder())
    return [c for c in names if c in seen]


def ledger_offices_by_month(ledger: pd.DataFrame, offices: pd.DataFrame, months: Sequence[str],
                            as_ofs: Sequence[date], reader: RawLedger | None = None) -> np.ndarray:
    """(months × offices) booleans: which offices have a dispute that the month's period reads."""
    cols = RawLedger(ledger) if reader is None else reader
    rows, group = month_rows(ledger, months, as_ofs, cols)
    out = np.zeros((len(months), len(offices)), dtype=bool)
    if len(rows):
        codes, uniques = cols.codes("office_code", rows)
        pos = np.append(offices.index.get_indexer(pd.Index(uniques, dtype=object)), -1)[codes]
        out[group[pos >= 0], pos[pos >= 0]] = True
    return out
