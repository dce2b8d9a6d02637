"""Year-on-year indicators (同比), like for like: each row of the period against the same office's row
twelve months earlier (metrics.md).

* ``X_yoy`` = (X − X_prior) / X_prior — null when an earlier row is missing, X_prior is 0 or X null;
* ``X_yoy_z`` = 2·(√X − √X_prior), the Poisson z of the change — defined when X_prior is 0;
* ``R_yoy_pp`` = R − R_prior for survey rates, R_prior over the earlier rows that exist — in
  fraction units (0.133 = 13.3 percentage points), null when either rate is null.
"""

from __future__ import annotations

import numpy as np

from metrics.indicators import monthly
from metrics.indicators._math import ratio, when
from metrics.indicators.components import SURVEYS

_COUNTS = {
    "alerts": monthly.alerts,
    "dispute_alerts": monthly.dispute_alerts,
    "criminal_cases": monthly.criminal_cases,
    "fraud_cases": monthly.fraud_cases,
}


def prior_count(c, key: str) -> np.ndarray:
    """X_prior: Σ X over the rows twelve months before each row of the period; null when any of them
    is missing or the unit has no row in the period."""
    x = _COUNTS[key](c)
    return when(~np.isnan(x) & (c[f"{key}_missing"] == 0), c[f"{key}_prior"])


def count_yoy(c, key: str) -> np.ndarray:
    """(X − X_prior) / X_prior. Unit: ratio. Better: lower (a decline is good news). Null when an
    earlier row is missing, when X_prior is 0, or when X is null."""
    x, prior = _COUNTS[key](c), prior_count(c, key)
    return ratio(x - prior, prior)


def count_yoy_z(c, key: str) -> np.ndarray:
    """2·(√X − √X_prior): Poisson z of the change (|z| ≥ 2 worth a look, ≥ 3 a signal). Unit: z.
    Null when an earlier row is missing or X or X_prior is null; defined when X_prior is 0."""
    x, prior = _COUNTS[key](c), prior_count(c, key)
    return 2.0 * (np.sqrt(x) - np.sqrt(prior))


def prior_rate(c, key: str) -> np.ndarray:
    """R_prior: the survey rate over the rows twelve months before each row of the period that exist."""
    num, den = SURVEYS[key]
    return ratio(c[f"{num}_prior"], c[f"{den}_prior"])


def rate_yoy_pp(c, key: str) -> np.ndarray:
    """R − R_prior in fraction units (0.133 = 13.3 points). Unit: pp. Better: higher. Null when either
    rate is null."""
    num, den = SURVEYS[key]
    return ratio(c[num], c[den]) - prior_rate(c, key)


def _bind(func, key: str, doc_key: str):
    def indicator(c) -> np.ndarray:
        return func(c, key)

    indicator.__name__ = doc_key
    indicator.__qualname__ = doc_key
    indicator.__doc__ = f"{doc_key}: {func.__doc__}"
    return indicator


alerts_yoy = _bind(count_yoy, "alerts", "alerts_yoy")
dispute_alerts_yoy = _bind(count_yoy, "dispute_alerts", "dispute_alerts_yoy")
criminal_cases_yoy = _bind(count_yoy, "criminal_cases", "criminal_cases_yoy")
fraud_cases_yoy = _bind(count_yoy, "fraud_cases", "fraud_cases_yoy")
alerts_yoy_z = _bind(count_yoy_z, "alerts", "alerts_yoy_z")
dispute_alerts_yoy_z = _bind(count_yoy_z, "dispute_alerts", "dispute_alerts_yoy_z")
criminal_cases_yoy_z = _bind(count_yoy_z, "criminal_cases", "criminal_cases_yoy_z")
fraud_cases_yoy_z = _bind(count_yoy_z, "fraud_cases", "fraud_cases_yoy_z")
officer_familiarity_yoy_pp = _bind(rate_yoy_pp, "officer_familiarity", "officer_familiarity_yoy_pp")
resident_familiarity_yoy_pp = _bind(rate_yoy_pp, "resident_familiarity", "resident_familiarity_yoy_pp")
satisfaction_yoy_pp = _bind(rate_yoy_pp, "satisfaction", "satisfaction_yoy_pp")
