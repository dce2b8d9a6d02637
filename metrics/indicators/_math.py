"""Small vectorised helpers shared by the indicator functions: null-safe ratios and masks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratio(num, den) -> pd.Series:
    """``num / den`` element-wise; NaN (null) where ``den`` is 0 or null — never 0, never an error."""
    num = pd.Series(num, dtype="float64") if not isinstance(num, pd.Series) else num.astype("float64")
    den = pd.Series(den, dtype="float64") if not isinstance(den, pd.Series) else den.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return out.where(den > 0)


def when(condition, values) -> pd.Series:
    """``values`` where ``condition`` holds, NaN (null) elsewhere."""
    values = values.astype("float64") if isinstance(values, pd.Series) else pd.Series(values, dtype="float64")
    return values.where(condition)
