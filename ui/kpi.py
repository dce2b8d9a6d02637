"""KPI cards: value, change on the prior year coloured by whether it is good news, and the target.

The change is the one ``services.changes`` computed like for like (the engine's 同比 of the same rows, or
the same offices a year earlier) — the card never computes a prior of its own. Direction, label and unit
come from ``metrics.indicators.registry`` (a fall in alerts is good news); the label in the current
language (``ui.i18n.indicator_label``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

import ui.screen_text  # noqa: F401  (registers the change sentences)
from metrics import display
from metrics.indicators.registry import INDICATORS
from services.changes import Change
from ui.i18n import indicator_label, language, t


@dataclass(frozen=True)
class Card:
    key: str
    """Indicator key of the registry."""
    value: float | None
    change: Change | None = None
    """The like-for-like change on the prior year (None or not ``known``: not comparable)."""
    target: float | None = None


def _missing(x) -> bool:
    return display.missing(x)


def format_value(key: str, value: float | None) -> str:
    """A value as users read it, in the current language (``metrics.display.format_value``)."""
    return display.format_value(key, value, "en" if language() == "en" else "zh")


def format_change(key: str, change: Change | None) -> str | None:
    """The change on the prior year in the current language (``metrics.display.format_change``)."""
    if change is None:
        return None
    return display.format_change(key, change.absolute, change.relative, "en" if language() == "en" else "zh")


def delta_colour(key: str, change: float | None = None) -> str:
    """``st.metric`` delta colour: normal when higher is better, inverse when lower is, off otherwise —
    and off when the change is exactly zero (no change is neither good nor bad news)."""
    if not _missing(change) and change == 0:
        return "off"
    better = INDICATORS[key].better
    return {"higher": "normal", "lower": "inverse"}.get(better, "off")


def _basis(change: Change | None) -> str:
    if change is None or not change.known:
        return t("kpi_change_missing")
    if change.basis == "same_offices":
        return t("kpi_change_same", n=change.offices or 0)
    return t("kpi_change_engine")


def kpi_row(cards: Sequence[Card], per_row: int = 4) -> None:
    """One ``st.metric`` per card, ``per_row`` to a row, with the target and the like-for-like change."""
    for start in range(0, len(cards), per_row):
        cols = st.columns(per_row)
        for col, card in zip(cols, cards[start:start + per_row], strict=False):
            ind = INDICATORS[card.key]
            delta = format_change(card.key, card.change)
            help_parts = [ind.definition, _basis(card.change)]
            if not _missing(card.target):
                help_parts.append(t("kpi_target", target=format_value(card.key, card.target)))
            col.metric(indicator_label(card.key), format_value(card.key, card.value), delta=delta,
                       delta_color=delta_colour(card.key, None if card.change is None else card.change.absolute),
                       help="；".join(help_parts), border=True)
            if not _missing(card.target):
                col.caption(t("kpi_target", target=format_value(card.key, card.target)))
