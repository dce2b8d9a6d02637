"""Small vectorised helpers shared by the indicator functions: null-safe ratios and masks.

Indicator functions work on plain numpy float arrays (one element per unit): pandas' per-operation
overhead would dominate on the small frames of one unit level.
"""

from __future__ import annotations

import numpy as np


def ratio(num, den) -> np.ndarray:
    """``num / den`` element-wise; NaN (null) where ``den`` is 0 or null — never 0, never an error."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def when(condition, values) -> np.ndarray:
    """``values`` where ``condition`` holds, NaN (null) elsewhere."""
    return np.where(np.asarray(condition, dtype=bool), np.asarray(values, dtype="float64"), np.nan)
