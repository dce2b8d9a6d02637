"""Test-side references of the ledger rules, written the plain way (a row at a time) as metrics.md words
them, for the tests that check the engine's array code (``metrics.indicators.ledger_state``,
``metrics.indicators.repeats``) against them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from metrics.schema import TIME_LIMIT_DAYS


def _dates(values) -> list:
    return [None if pd.isna(v) else pd.Timestamp(v) for v in pd.Series(values, dtype=object).tolist()]


def status_as_of(ledger: Mapping[str, Any] | pd.DataFrame, as_of: date) -> dict[str, np.ndarray]:
    """Each dispute's state as of ``as_of``: resolved (已化解 with resolved_date ≤ as_of), open (化解中, or
    已化解 not resolved by as_of), transferred (已移交), failed (调解不成)."""
    cut = pd.Timestamp(as_of)
    status = [s if isinstance(s, str) else None for s in pd.Series(ledger["status"], dtype=object).tolist()]
    done = _dates(ledger["resolved_date"])
    resolved = [s == "已化解" and d is not None and d <= cut for s, d in zip(status, done, strict=True)]
    return {
        "resolved": np.array(resolved, dtype=bool),
        "open": np.array([s == "化解中" or (s == "已化解" and not r) for s, r in zip(status, resolved, strict=True)],
                         dtype=bool),
        "transferred": np.array([s == "已移交" for s in status], dtype=bool),
        "failed": np.array([s == "调解不成" for s in status], dtype=bool),
    }


def limits_of(ledger: Mapping[str, Any] | pd.DataFrame, time_limits: Mapping[str, int] | None = None) -> np.ndarray:
    """Each dispute's time limit in days from its complexity (NaN when the complexity is unknown)."""
    limits = dict(TIME_LIMIT_DAYS if time_limits is None else time_limits)
    return np.array([float(limits[c]) if isinstance(c, str) and c in limits else np.nan
                     for c in pd.Series(ledger["complexity"], dtype=object).tolist()], dtype="float64")


def repeat_partner_pairs(keys, received, ids, recent_from, window_days: int = 90) -> list[tuple[int, int]]:
    """(row, partner) pairs, row by row: a partner is another dispute id with the same key received
    between ``window_days`` days before the row and the row's date (both included); rows received from
    ``recent_from`` on. Sorted by (row's key, received, id), partners by (received, id)."""
    keys = pd.Series(keys, dtype=object).tolist()
    received = [pd.Timestamp(r) for r in received]
    ids = list(ids)
    window = pd.Timedelta(days=window_days)
    out = []
    rows = sorted((i for i, k in enumerate(keys) if isinstance(k, str)), key=lambda i: (keys[i], received[i], ids[i]))
    for i in rows:
        if received[i] < pd.Timestamp(recent_from):
            continue
        partners = [j for j in rows if keys[j] == keys[i] and ids[j] != ids[i]
                    and received[i] - window <= received[j] <= received[i]]
        out += [(i, j) for j in partners]
    return out
