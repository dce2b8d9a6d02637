"""The period picker shared by every screen (month, quarter, year or a range of months), and the line
that says how many offices the chosen period stands on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

import ui.screen_text  # noqa: F401  (registers the completeness sentences)
from metrics.periods import Period, month_range, parse_period
from services.completeness import Completeness
from ui.i18n import t

KINDS = ("month", "quarter", "year", "range")


def _quarter_of(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def _index(options: Sequence[str], wanted: str | None) -> int:
    return options.index(wanted) if wanted in options else 0


def period_picker(key: str, months: Sequence[str], *, defaults: Mapping[str, str] | None = None,
                  container=None) -> Period | None:
    """Widgets to choose a period among the reported ``months`` ("YYYY-MM"); returns a ``Period``.

    Opens on ``defaults[kind]`` (``services.completeness.default_periods``: the latest complete month,
    quarter, year and the 12 months ending with that month), else the latest. Returns None (and shows
    the empty state) when there are no months at all. Widget keys start with ``key``.
    """
    where = container or st
    defaults = defaults or {}
    months = sorted(set(months))
    if not months:
        where.info(t("no_data_at_all"))
        return None
    cols = where.columns([1, 2])
    kind = cols[0].selectbox(t("period_kind"), KINDS, format_func=lambda k: t(f"kind_{k}"), key=f"{key}_kind",
                             placeholder=t("choose_placeholder"))
    if kind == "month":
        options = list(reversed(months))
        label = cols[1].selectbox(t("period"), options, index=_index(options, defaults.get("month")),
                                  key=f"{key}_month", placeholder=t("choose_placeholder"))
    elif kind == "quarter":
        options = sorted({_quarter_of(m) for m in months}, reverse=True)
        label = cols[1].selectbox(t("period"), options, index=_index(options, defaults.get("quarter")),
                                  key=f"{key}_quarter", placeholder=t("choose_placeholder"))
    elif kind == "year":
        options = sorted({m[:4] for m in months}, reverse=True)
        label = cols[1].selectbox(t("period"), options, index=_index(options, defaults.get("year")),
                                  key=f"{key}_year", placeholder=t("choose_placeholder"))
    else:
        every = month_range(months[0], months[-1])
        lo, hi = every[max(0, len(every) - 12)], every[-1]
        wanted = defaults.get("range", "")
        if ".." in wanted and all(m in every for m in wanted.split("..")):
            lo, hi = wanted.split("..")
        elif wanted in every:
            lo = hi = wanted
        lo, hi = cols[1].select_slider(t("period"), options=every, value=(lo, hi), key=f"{key}_range")
        label = f"{lo}..{hi}" if lo != hi else lo
    try:
        return parse_period(str(label))
    except ValueError as exc:  # a forged widget value
        where.error(str(exc))
        return None


def reported_text(c: Completeness) -> str:
    """``已上报 N/M 个警务室`` (``N/M offices reported``)."""
    return t("reported_offices", n=c.reported, m=c.expected)


def show_completeness(c: Completeness, container=None) -> None:
    """The period's ``已上报 N/M 个警务室`` line, and a yellow note when the period is incomplete."""
    where = container or st
    where.caption(reported_text(c))
    if not c.complete:
        where.warning(t("period_incomplete"), icon=":material/warning:")
