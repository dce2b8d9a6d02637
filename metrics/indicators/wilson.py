"""Wilson 95 % score interval for a proportion: a rate from 30 answers is not a rate from 3,000."""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054
"""The two-sided 95 % quantile of the standard normal distribution."""


def wilson_interval(successes, trials, z: float = Z95):
    """Lower and upper bounds of the Wilson score interval for ``successes`` out of ``trials``.

    Works on scalars and on arrays/Series (element-wise). Where ``trials`` is 0 or not given, both
    bounds are NaN (the rate itself is null there).
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z * z
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high
