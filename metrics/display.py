"""Indicator values and their like-for-like changes as people read them (the KPI cards of 总览 and the
monthly 通报 share these): percent with one decimal, counts as whole numbers (万 above 100,000 in
Chinese), changes in percentage points for rates and as a signed count with its percentage otherwise."""

from __future__ import annotations

import math

from metrics.indicators.registry import INDICATORS

PP = {"zh": "{v} 个百分点", "en": "{v} pp"}


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_value(key: str, value: float | None, lang: str = "zh") -> str:
    """A value as users read it: percent with one decimal, counts as integers, "—" for null."""
    if missing(value):
        return "—"
    unit = INDICATORS[key].unit
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "pp":
        return PP[lang].format(v=f"{value * 100:+.1f}")
    if unit == "count":
        if abs(value) < 100_000 or lang == "en":
            return f"{value:,.0f}"
        return f"{value / 10_000:.1f} 万"
    return f"{value:.2f}"


def format_change(key: str, absolute: float | None, relative: float | None, lang: str = "zh") -> str | None:
    """A like-for-like change on the prior year (``services.changes.Change``: the engine's 同比 of the same
    rows, or the same offices a year earlier): percentage points for rates, a signed count with its relative
    change for counts; None when not comparable."""
    if missing(absolute):
        return None
    unit = INDICATORS[key].unit
    if unit in ("ratio", "pp"):
        return PP[lang].format(v=f"{absolute * 100:+.1f}")
    if unit == "count":
        rel = "" if missing(relative) else f"（{relative * 100:+.1f}%）"
        return f"{absolute:+,.0f}{rel}"
    return f"{absolute:+.2f}"
