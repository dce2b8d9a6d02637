"""The period picker shared by every screen: month, quarter, year or a range of months."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from metrics.periods import Period, month_range, parse_period
from ui.i18n import t

KINDS = ("month", "quarter", "year", "range")


def _quarter_of(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def period_picker(key: str, months: Sequence[str], *, container=None) -> Period | None:
    """Widgets to choose a period among the reported ``months`` ("YYYY-MM"); returns a ``Period``.

    Defaults to the latest reported month (or its quarter/year). Returns None (and shows the empty
    state) when there are no months at all. Widget keys start with ``key``.
    """
    where = container or st
    months = sorted(set(months))
    if not months:
        where.info(t("no_data_at_all"))
        return None
    cols = where.columns([1, 2])
    kind = cols[0].selectbox(t("period_kind"), KINDS, format_func=lambda k: t(f"kind_{k}"), key=f"{key}_kind")
    if kind == "month":
        options = list(reversed(months))
        label = cols[1].selectbox(t("period"), options, key=f"{key}_month")
    elif kind == "quarter":
        options = sorted({_quarter_of(m) for m in months}, reverse=True)
        label = cols[1].selectbox(t("period"), options, key=f"{key}_quarter")
    elif kind == "year":
        options = sorted({m[:4] for m in months}, reverse=True)
        label = cols[1].selectbox(t("period"), options, key=f"{key}_year")
    else:
        every = month_range(months[0], months[-1])
        start = every[max(0, len(every) - 12)]
        lo, hi = cols[1].select_slider(t("period"), options=every, value=(start, every[-1]), key=f"{key}_range")
        label = f"{lo}..{hi}" if lo != hi else lo
    try:
        return parse_period(str(label))
    except ValueError as exc:  # a forged widget value
        where.error(str(exc))
        return None
