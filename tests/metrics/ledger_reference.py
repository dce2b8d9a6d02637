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


def ledger_components_reference(ledger: pd.DataFrame, offices: pd.Index, first_day: date, last_day: date,
                                as_of: date, time_limits: Mapping[str, int] | None = None) -> pd.DataFrame:
    """The ledger components of metrics.md per office, counted a dispute at a time: the disputes
    received from ``first_day`` to ``min(last_day, as_of)``, read as of ``as_of``."""
    from metrics.schema import FOLLOW_UP_DAYS, PROACTIVE_SOURCES

    cut = pd.Timestamp(as_of)
    start, end = pd.Timestamp(first_day), pd.Timestamp(min(last_day, as_of))
    day, follow_window = pd.Timedelta(days=1), pd.Timedelta(days=FOLLOW_UP_DAYS)
    received = _dates(ledger["received_date"])
    keys = pd.Series(ledger["party_key"], dtype=object).tolist() if "party_key" in ledger else [None] * len(ledger)
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if isinstance(k, str) and received[i] is not None:
            by_key.setdefault(k, []).append(i)
    rows = [i for i, r in enumerate(received) if r is not None and start <= r <= end]
    led = ledger.iloc[rows]
    state = status_as_of(led, as_of)
    limit = limits_of(led, time_limits)
    resolved_date, follow_up = _dates(led["resolved_date"]), _dates(led["follow_up_date"])
    columns = ("disputes", "resolved", "transferred", "failed", "open", "on_time", "follow_up_done", "follow_up_due",
               "proactive", "grassroots", "level_given", "overdue_open", "red_open", "repeat_disputes")
    out = pd.DataFrame(0.0, index=offices, columns=list(columns))
    for n, i in enumerate(rows):
        rec = led.iloc[n]
        r, done, fu = received[i], resolved_date[n], follow_up[n]
        resolved, open_ = bool(state["resolved"][n]), bool(state["open"][n])
        level = rec["level"]
        window = pd.Timedelta(days=90)
        partners = [j for j in by_key.get(keys[i], []) if j != i and r - window <= received[j] <= r]
        flags = {
            "disputes": True, "resolved": resolved, "transferred": bool(state["transferred"][n]),
            "failed": bool(state["failed"][n]), "open": open_,
            "on_time": resolved and (done - r) / day <= limit[n],
            "follow_up_done": resolved and fu is not None and fu <= cut and fu - done <= follow_window,
            "follow_up_due": resolved and (done + follow_window <= cut or (fu is not None and fu <= cut)),
            "proactive": rec["source"] in PROACTIVE_SOURCES,
            "grassroots": resolved and level == "社区",
            "level_given": resolved and not pd.isna(level),
            "overdue_open": open_ and (cut - r) / day > limit[n],
            "red_open": open_ and rec["risk"] == "红",
            "repeat_disputes": bool(partners),
        }
        for col, flag in flags.items():
            if flag:
                out.loc[rec["office_code"], col] += 1.0
    return out
