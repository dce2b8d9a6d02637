"""KPI cards: value, change on the prior year coloured by whether it is good news, and the target.

Direction, label and unit come from ``metrics.indicators.registry`` (a fall in alerts is good news); the
label in the current language (``ui.i18n.indicator_label``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from metrics import display
from metrics.indicators.registry import INDICATORS
from ui.i18n import indicator_label, language, t


@dataclass(frozen=True)
class Card:
    key: str
    """Indicator key of the registry."""
    value: float | None
    prior: float | None = None
    """The same indicator over the same months a year earlier (None when unknown)."""
    target: float | None = None


def _missing(x) -> bool:
    return display.missing(x)


def format_value(key: str, value: float | None) -> str:
    """A value as users read it, in the current language (``metrics.display.format_value``)."""
    return display.format_value(key, value, "en" if language() == "en" else "zh")


def format_delta(key: str, value: float | None, prior: float | None) -> str | None:
    """The change on the prior year, in the current language (``metrics.display.format_delta``)."""
    return display.format_delta(key, value, prior, "en" if language() == "en" else "zh")


def delta_colour(key: str, value: float | None = None, prior: float | None = None) -> str:
    """``st.metric`` delta colour: normal when higher is better, inverse when lower is, off otherwise —
    and off when ``value`` equals ``prior`` (no change is neither good nor bad news)."""
    if not _missing(value) and not _missing(prior) and value == prior:
        return "off"
    better = INDICATORS[key].better
    return {"higher": "normal", "lower": "inverse"}.get(better, "off")


def kpi_row(cards: Sequence[Card], per_row: int = 4) -> None:
    """One ``st.metric`` per card, ``per_row`` to a row, with the target and prior-year change."""
    for start in range(0, len(cards), per_row):
        cols = st.columns(per_row)
        for col, card in zip(cols, cards[start:start + per_row], strict=False):
            ind = INDICATORS[card.key]
            delta = format_delta(card.key, card.value, card.prior)
            help_parts = [ind.definition]
            if not _missing(card.target):
                help_parts.append(t("kpi_target", target=format_value(card.key, card.target)))
            if delta is None:
                help_parts.append(t("kpi_prior_missing"))
            col.metric(indicator_label(card.key), format_value(card.key, card.value), delta=delta,
                       delta_color=delta_colour(card.key, card.value, card.prior), help="；".join(help_parts), border=True)
            if not _missing(card.target):
                col.caption(t("kpi_target", target=format_value(card.key, card.target)))
