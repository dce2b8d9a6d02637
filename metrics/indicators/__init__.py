"""The indicators engine: every indicator of metrics.md, four levels, any period.

``compute(dataset, period, level, as_of)`` → :class:`Report`; ``INDICATORS`` / ``direction(key)`` is
the registry everything else reads labels and directions from.
"""

from metrics.indicators.engine import Report, compute, compute_levels, monthly_series, resolve_as_of
from metrics.indicators.registry import INDICATORS, KEYS, Indicator, direction, label
from metrics.indicators.units import LEVEL_LABELS, LEVELS

__all__ = [
    "INDICATORS",
    "KEYS",
    "LEVELS",
    "LEVEL_LABELS",
    "Indicator",
    "Report",
    "compute",
    "compute_levels",
    "direction",
    "label",
    "monthly_series",
    "resolve_as_of",
]
