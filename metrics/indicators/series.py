"""Ledger components for many one-month periods in one pass (the trend of a ledger indicator).

``compute(dataset, month)`` reads the disputes received in the month up to that month's as_of, each as
of that as_of. Month by month the same reading would pass over the whole ledger once per month; here
the months are the periods of one :func:`~metrics.indicators.components.ledger_sums` — each dispute
placed in the month it was received (if that month is asked for and the dispute was received by the
month's as_of) and read as of THAT month's as_of, exactly as ``compute`` reads a single period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from metrics.indicators.components import LEDGER_COLUMNS, LocatedLedger, ledger_sums, locate
from metrics.indicators.prepared import LedgerReader
from metrics.periods import month_first_day, month_last_day


def locate_months(reader: LedgerReader, months: Sequence[str], as_ofs: Sequence[date]) -> LocatedLedger:
    """The disputes each one-month period reads (``months`` distinct, ``as_ofs`` one per month)."""
    return locate(reader, [(month_first_day(m), month_last_day(m), a) for m, a in zip(months, as_ofs, strict=True)])


def ledger_components_by_month(
    ledger: pd.DataFrame,
    offices: pd.DataFrame,
    months: Sequence[str],
    as_ofs: Sequence[date],
    time_limits: Mapping[str, int] | None = None,
    columns: Sequence[str] = LEDGER_COLUMNS,
    reader: LedgerReader | None = None,
) -> np.ndarray:
    """Per office and month, the ledger components of that one-month period as of its as_of.

    Returns a float64 array of shape (offices, months, ``columns``): ``[o, g]`` equals the row of office
    ``o`` in ``ledger_components(ledger, offices, first_day(months[g]), last_day(months[g]), as_ofs[g],
    time_limits)[columns]``. Only the asked ``columns`` (of :data:`LEDGER_COLUMNS`) are read, so a
    trend of one indicator reads only what it needs. ``months`` must be distinct; every ledger office of
    the asked months must be in ``offices``. ``reader`` is how to read the ledger (default afresh).
    """
    cols = LedgerReader(ledger) if reader is None else reader
    return ledger_sums(cols, locate_months(cols, months, as_ofs), offices, time_limits, columns)


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
                            as_ofs: Sequence[date], reader: LedgerReader | None = None) -> np.ndarray:
    """(months × offices) booleans: which offices have a dispute that the month's period reads."""
    loc = locate_months(LedgerReader(ledger) if reader is None else reader, months, as_ofs)
    out = np.zeros((len(months), len(offices)), dtype=bool)
    if len(loc.rows):
        pos = np.append(offices.index.get_indexer(pd.Index(loc.office_uniques, dtype=object)), -1)[loc.office_codes]
        out[loc.group[pos >= 0], pos[pos >= 0]] = True
    return out
