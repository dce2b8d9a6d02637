"""Changes on the prior year, like for like — what a KPI card's arrow says.

No screen computes its own "prior" from all offices (a month with 36 of 40 offices reported would be
compared with all 40 a year earlier). Every change comes from the engine (``metrics.indicators``):

* a count with an engine 同比 (``alerts``, ``dispute_alerts``, ``criminal_cases``, ``fraud_cases``): the
  relative change is the engine's ``X_yoy`` (each row of the period against the same office's row twelve
  months earlier, metrics.md) and the absolute change ``X − X_prior`` on the same rows; both null when
  an earlier row is missing, as the engine says;
* a survey rate (``satisfaction`` and the two familiarity rates): the engine's ``R_yoy_pp``;
* every other indicator (dispute rates, visit coverage, open red disputes …): the engine's value over
  the **same offices** — those with monthly rows both in the period (up to its as_of month) and in the
  same months a year earlier — for the period as of its as_of date, minus the same offices' value for
  the year-earlier months as of the date one year earlier. Rates in fraction units (shown in 个百分点),
  counts with their relative change.

Computed on the whole bureau and cut to the scope's total unit afterwards; cached by data version.
No Streamlit import here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.dataset import Dataset
from metrics.indicators import INDICATORS, compute_levels
from metrics.indicators.registry import SURVEY_KEYS
from metrics.periods import Period, month_of, shift_month
from services import reading

ENGINE_YOY = ("alerts", "dispute_alerts", "criminal_cases", "fraud_cases")
"""Counts whose change is the engine's ``X_yoy``."""


@dataclass(frozen=True)
class Change:
    """One indicator's change on the prior year for one unit."""

    key: str
    absolute: float
    """Value minus prior (fraction units for rates: 0.021 = +2.1 个百分点); NaN when not comparable."""
    relative: float
    """(value − prior) ÷ prior for counts (the engine's ``X_yoy`` where it has one); NaN otherwise."""
    basis: str
    """``engine_yoy`` (the engine's 同比 of the same rows) or ``same_offices``."""
    offices: int | None = None
    """How many offices the same-offices comparison is over (None for the engine's 同比)."""

    @property
    def known(self) -> bool:
        return not math.isnan(self.absolute)


def _nan(v) -> float:
    return float(v) if v is not None and pd.notna(v) else float("nan")


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def comparable_period(period: Period, as_of: date) -> tuple[Period, Period]:
    """(the period's months up to as_of's month, the same months a year earlier)."""
    last = min(period.last, month_of(as_of))
    if last < period.first:
        last = period.first
    now = period if last == period.last else Period("range", period.first, last)
    return now, Period(now.kind, shift_month(now.first, -12), shift_month(now.last, -12))


def _same_offices(ds: Dataset, now: Period, prior: Period) -> np.ndarray:
    m = ds.monthly
    if not len(m):
        return np.array([], dtype=object)
    month = m["month"].astype(str)
    code = m["office_code"].astype(object)
    a = set(code[month.isin(now.months)].tolist())
    b = set(code[month.isin(prior.months)].tolist())
    return np.array(sorted(a & b), dtype=object)


def same_office_reports(app, st: reading.Stored, period: Period, as_of: date):
    """(offices compared, Reports of the period, Reports of a year earlier) on the same offices, cached."""

    def build():
        now, prior = comparable_period(period, as_of)
        ds = st.dataset
        codes = _same_offices(ds, now, prior)
        keep = set(codes.tolist())
        every = set(ds.monthly["office_code"].tolist()) | set(ds.ledger["office_code"].tolist())
        if keep == every:  # every office reported in both years (the usual case): the bureau's own Reports
            return (codes, reading.reports(app, st, now, as_of),
                    reading.reports(app, st, prior, _year_earlier(as_of)))
        sub = Dataset(monthly=ds.monthly[ds.monthly["office_code"].isin(keep)].reset_index(drop=True),
                      ledger=ds.ledger[ds.ledger["office_code"].isin(keep)].reset_index(drop=True),
                      sources=list(ds.sources))
        if not len(codes):
            return codes, None, None
        return (codes, compute_levels(sub, now, as_of=as_of),
                compute_levels(sub, prior, as_of=_year_earlier(as_of)))

    return reading.cached((reading.db_key(app), "same_offices", st.version, period.label, as_of.isoformat()), build)


def _unit_row(reports, sc: reading.Scope) -> pd.Series | None:
    if reports is None:
        return None
    got = reading.scope_total(reports, sc)
    return got.iloc[0] if len(got) else None


def changes(app, st: reading.Stored, sc: reading.Scope, period: Period, by_level: dict, keys) -> dict[str, Change]:
    """The like-for-like change of each indicator in ``keys`` for the scope's total unit of ``period``
    (``by_level``: the period's Reports from ``services.reading.reports``)."""
    total = reading.scope_total(by_level, sc)
    row = total.iloc[0] if len(total) else pd.Series(dtype=object)
    as_of = by_level["office"].as_of
    out: dict[str, Change] = {}
    need_same = [k for k in keys if k not in ENGINE_YOY and k not in SURVEY_KEYS]
    codes, now_r, prior_r = same_office_reports(app, st, period, as_of) if need_same else (None, None, None)
    now_row, prior_row = _unit_row(now_r, sc), _unit_row(prior_r, sc)
    for k in keys:
        if k in ENGINE_YOY:
            x, prior = _nan(row.get(k)), _nan(row.get(f"{k}_prior"))
            out[k] = Change(k, x - prior, _nan(row.get(f"{k}_yoy")), "engine_yoy")
        elif k in SURVEY_KEYS:
            out[k] = Change(k, _nan(row.get(f"{k}_yoy_pp")), float("nan"), "engine_yoy")
        else:
            a = _nan(now_row.get(k)) if now_row is not None else float("nan")
            b = _nan(prior_row.get(k)) if prior_row is not None else float("nan")
            rel = (a - b) / b if INDICATORS[k].unit == "count" and b else float("nan")
            n = _offices_in_scope(st, codes, sc) if codes is not None else 0
            out[k] = Change(k, a - b, rel, "same_offices", n)
    return out


def _offices_in_scope(st: reading.Stored, codes: np.ndarray, sc: reading.Scope) -> int:
    if sc.stations is None:
        return len(codes)
    m = st.dataset.monthly
    hit = m[m["office_code"].isin(set(codes.tolist()))].sort_values("month").drop_duplicates("office_code", keep="last")
    return int(reading.visible_mask(hit, sc, "office").sum())


__all__ = ["ENGINE_YOY", "Change", "changes", "comparable_period", "same_office_reports"]
