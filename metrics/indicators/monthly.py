"""Indicators from the monthly report (sheet A), over the months of the period (metrics.md).

Each function takes the summed components of one or more units (``components.monthly_components``
summed per unit; any mapping of name → numpy array) and returns the indicator for each unit. Because the
components are sums, a unit above the office level gets a ratio of sums, never a mean of rates.
"""

from __future__ import annotations

import numpy as np

from metrics.indicators._math import ratio, when


def _count(c, col: str) -> np.ndarray:
    return when(c["rows"] > 0, c[col])


def alerts(c) -> np.ndarray:
    """警情总数: Σ alerts over the unit's rows in the period. Unit: count. Better: lower.
    Null when the unit has no row in the period."""
    return _count(c, "alerts")


def dispute_alerts(c) -> np.ndarray:
    """纠纷类警情: Σ dispute_alerts over the rows of the period. Unit: count. Better: lower.
    Null when the unit has no row in the period."""
    return _count(c, "dispute_alerts")


def criminal_cases(c) -> np.ndarray:
    """刑事立案: Σ criminal_cases over the rows of the period. Unit: count. Better: lower.
    Null when the unit has no row in the period."""
    return _count(c, "criminal_cases")


def civil_to_criminal(c) -> np.ndarray:
    """民转刑: Σ civil_to_criminal over the rows of the period. Unit: count. Better: lower.
    Null when the unit has no row in the period."""
    return _count(c, "civil_to_criminal")


def fraud_cases(c) -> np.ndarray:
    """电诈案件 (optional column): Σ fraud_cases over the rows that give it. Unit: count. Better: lower.
    Null when no row of the period gives it."""
    return when(c["fraud_rows"] > 0, c["fraud_sum"])


def avg_daily_hours(c) -> np.ndarray:
    """驻社区日均时长: numerator Σ community_hours, denominator Σ officer_days. Unit: hours per
    officer-day. Better: higher. Null when Σ officer_days is 0."""
    return ratio(c["community_hours"], c["officer_days"])


def visit_coverage(c) -> np.ndarray:
    """走访覆盖率: taking each office's last month in the period, numerator Σ visited_ytd, denominator
    Σ households. Unit: ratio. Better: higher. Null when the denominator is 0 (no row)."""
    return ratio(c["visited_last"], c["households_last"])


def officer_familiarity(c) -> np.ndarray:
    """民警对群众熟悉率: numerator Σ officer_fam_known, denominator Σ officer_fam_sampled (rows giving
    both). Unit: ratio. Better: higher. Null when nothing was sampled."""
    return ratio(c["officer_fam_known"], c["officer_fam_sampled"])


def resident_familiarity(c) -> np.ndarray:
    """群众对民警熟悉率: numerator Σ resident_fam_known, denominator Σ resident_fam_surveyed. Unit:
    ratio. Better: higher. Null when nobody was surveyed."""
    return ratio(c["resident_fam_known"], c["resident_fam_surveyed"])


def satisfaction(c) -> np.ndarray:
    """群众满意度: numerator Σ satisfaction_satisfied, denominator Σ satisfaction_surveyed. Unit: ratio.
    Better: higher. Null when nobody was surveyed."""
    return ratio(c["satisfaction_satisfied"], c["satisfaction_surveyed"])


def months_reported(c) -> np.ndarray:
    """上报月数: office-month rows present in the period. Unit: count. Never null (0 when none)."""
    return np.asarray(c["rows"], dtype="float64")


def months_expected(c) -> np.ndarray:
    """应报月数: offices of the unit (those with any monthly row at all) × months of the period up to
    as_of's month (component ``months_due``). Unit: count. Never null."""
    return np.asarray(c["offices_reporting"] * c["months_due"], dtype="float64")
