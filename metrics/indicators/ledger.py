"""Indicators from the dispute ledger (sheet B): disputes received in the period, read as of as_of.

Each function takes summed components (``components.ledger_components`` summed per unit) and returns
the indicator per unit; rates above the office level are therefore ratios of sums.
"""

from __future__ import annotations

import numpy as np

from metrics.indicators._math import ratio


def disputes(c) -> np.ndarray:
    """受理纠纷数: disputes received in the period (up to as_of). Unit: count. Never null."""
    return np.array(c["disputes"], dtype="float64")


def resolved(c) -> np.ndarray:
    """已化解: status 已化解 with resolved_date ≤ as_of. Unit: count. Never null."""
    return np.array(c["resolved"], dtype="float64")


def transferred(c) -> np.ndarray:
    """已移交: status 已移交, as it stands. Unit: count. Never null."""
    return np.array(c["transferred"], dtype="float64")


def failed(c) -> np.ndarray:
    """调解不成: status 调解不成, as it stands. Unit: count. Never null."""
    return np.array(c["failed"], dtype="float64")


def open_disputes(c) -> np.ndarray:
    """化解中 (key ``open``): status 化解中, or 已化解 with resolved_date after as_of. Unit: count."""
    return np.array(c["open"], dtype="float64")


def resolution_rate(c) -> np.ndarray:
    """矛盾纠纷化解率: numerator resolved, denominator disputes − transferred. Unit: ratio. Better:
    higher. Null when the denominator is 0."""
    return ratio(c["resolved"], c["disputes"] - c["transferred"])


def on_time_rate(c) -> np.ndarray:
    """按期化解率: numerator resolved disputes with (resolved_date − received_date) ≤ the limit of their
    complexity (一般 7, 复杂 15, 疑难 60 days); denominator resolved. Unit: ratio. Better: higher.
    Null when nothing is resolved."""
    return ratio(c["on_time"], c["resolved"])


def follow_up_rate(c) -> np.ndarray:
    """回访率: numerator resolved disputes with a follow_up_date ≤ as_of at most 14 days after
    resolved_date; denominator resolved disputes that are due (resolved_date + 14 days ≤ as_of, or a
    follow_up_date ≤ as_of exists). Unit: ratio. Better: higher. Null when none is due."""
    return ratio(c["follow_up_done"], c["follow_up_due"])


def proactive_rate(c) -> np.ndarray:
    """事前排查率: numerator disputes from 走访排查, 网格员上报 or 预警推送; denominator disputes. Unit:
    ratio. Better: higher. Null when there is no dispute."""
    return ratio(c["proactive"], c["disputes"])


def grassroots_rate(c) -> np.ndarray:
    """基层化解率: numerator resolved at level 社区; denominator resolved with a level given. Unit:
    ratio. Better: higher. Null when no resolved dispute gives its level."""
    return ratio(c["grassroots"], c["level_given"])


def overdue_open(c) -> np.ndarray:
    """超期未化解: open disputes with (as_of − received_date) greater than their limit. Unit: count.
    Better: lower."""
    return np.array(c["overdue_open"], dtype="float64")


def red_open(c) -> np.ndarray:
    """红色未化解: open disputes with risk 红. Unit: count. Better: lower."""
    return np.array(c["red_open"], dtype="float64")


def repeat_disputes(c) -> np.ndarray:
    """重复纠纷: disputes whose party_key appears on another dispute (any office) received between 90
    days before this dispute's received_date and that date, both included. Unit: count. Better: lower."""
    return np.array(c["repeat_disputes"], dtype="float64")
