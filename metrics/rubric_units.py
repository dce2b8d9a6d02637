"""A rubric item's numbers in the evaluator's terms: the indicator's own unit, from the registry.

The engine keeps rates as decimals (0.95); an evaluator reads and types them in per cent (95 %).
:func:`display_unit` says, for an indicator key, how its values are shown (unit text, scale) and which
values it can take at all (a rate lies in 0–100 %, a year-on-year change cannot fall below −100 %,
hours per officer-day lie in 0–24). :func:`to_display` and :func:`from_display` convert exactly: both
go through :class:`~decimal.Decimal` on the shortest decimal spelling of the float, so 0.95 is shown as
"95" and "95" (or "95%") is saved as 0.95 again — never 0.9500000000000001.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from metrics.indicators.registry import INDICATORS


@dataclass(frozen=True)
class DisplayUnit:
    """How values of one indicator are shown and typed."""

    unit: str
    """Unit text shown next to the field (``%``, ``小时/人·天``, ``个百分点`` …)."""
    scale: int
    """Shown value = stored value × ``scale`` (100 for rates, 1 otherwise)."""
    low: float
    """Smallest value the indicator can take (stored units; ``-inf`` when unbounded)."""
    high: float
    """Largest value the indicator can take (stored units; ``inf`` when unbounded)."""
    kind: str
    """What the range is called in messages: 比率, 同比变化, 小时数 …"""

    @property
    def percent(self) -> bool:
        return self.scale == 100

    def range_text(self) -> str:
        """The possible range in display units, e.g. ``0%–100%`` or ``不低于 -100%``."""
        lo, hi = (None if math.isinf(x) else format_number(x, self) for x in (self.low, self.high))
        suffix = "%" if self.percent else ""
        if lo is not None and hi is not None:
            return f"{lo}{suffix}–{hi}{suffix}"
        if lo is not None:
            return f"不低于 {lo}{suffix}"
        if hi is not None:
            return f"不高于 {hi}{suffix}"
        return "任意数值"


def display_unit(metric: str) -> DisplayUnit:
    """The display unit of indicator ``metric`` (a key of the registry)."""
    ind = INDICATORS[metric]
    if ind.unit == "ratio" and metric.endswith("_yoy"):
        return DisplayUnit("%", 100, -1.0, math.inf, "同比变化")
    if ind.unit == "ratio":
        return DisplayUnit("%", 100, 0.0, 1.0, "比率")
    if ind.unit == "pp":
        return DisplayUnit("个百分点", 100, -1.0, 1.0, "比率变化")
    if ind.unit == "hours":
        return DisplayUnit("小时/人·天", 1, 0.0, 24.0, "小时数")
    if ind.unit == "count":
        return DisplayUnit("个", 1, 0.0, math.inf, "个数")
    return DisplayUnit("z 值", 1, -math.inf, math.inf, "z 值")


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def format_number(value: float, unit: DisplayUnit) -> str:
    """``value`` (stored units) in display units, as short as it can be written exactly: 0.95 → "95"."""
    d = _decimal(value) * unit.scale
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def to_display(metric: str, value: float) -> str:
    """``value`` of indicator ``metric`` as the evaluator reads it (no unit sign): 0.95 → "95"."""
    return format_number(value, display_unit(metric))


class UnitError(ValueError):
    """Typed text that is not a number in the indicator's unit (Chinese message)."""


def from_display(metric: str, text: str | float | int) -> float:
    """What the evaluator typed for indicator ``metric``, back in stored units: "95" or "95%" → 0.95.

    For rates the number is always per cent ("70" and "70%" both mean 0.70); a ``%`` sign on an
    indicator that is not a rate is refused, as is anything that is not a finite number.
    """
    unit = display_unit(metric)
    if isinstance(text, bool):
        raise UnitError("应填写数字")
    if isinstance(text, int | float):
        raw = repr(float(text))
    else:
        raw = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "").replace("，", "").replace(",", "")
    if raw.endswith("%"):
        if not unit.percent:
            raise UnitError(f"单位是{unit.unit}，不能填写百分数")
        raw = raw[:-1]
    try:
        d = Decimal(raw)
    except InvalidOperation:
        raise UnitError(f"“{text}”不是数字") from None
    value = float(d / unit.scale) if d.is_finite() else math.inf
    if not math.isfinite(value):
        raise UnitError(f"“{text}”不是有限的数字")
    return value
