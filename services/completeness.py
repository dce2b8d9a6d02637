"""Reporting completeness, and the one rule for the period every screen opens on.

**Expected offices.** The office registry has no activity period (no opening or closing date): an office
is known from its first monthly row on. So an office is *expected* in a month when it reported a monthly
row in that month or in any month before it ("known in the registry at that month"); an office that has
never reported by then is not expected yet. For a period of several months an office is expected when it
is expected in at least one of its months, and has *reported* the period when it reported every month of
the period in which it was expected. The offices, their station and branch are those of the engine
(``metrics.indicators.units.office_table``: each office's latest monthly row), so a unit's completeness
counts exactly the offices its indicators are computed on.

**Complete.** A period is complete when at least ``Settings.complete_share`` (``DASHBOARD_COMPLETE_SHARE``,
default 0.95) of the expected offices have reported it.

**Default period.** :func:`default_periods` — the latest complete month, quarter and year of the whole
bureau (one rule for every user, so leaders, evaluators and station heads talk about the same period), for
总览, 指标分析, 矛盾纠纷, 星级评定 and the 评分规则 comparison. When no period is complete, the latest one
with data. A user can pick any period.

Everything is computed from the stored rows and cached by data version. No Streamlit import here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.indicators.engine import sum_by_unit
from metrics.indicators.units import LEVELS, office_table
from metrics.periods import Period, month_range, parse_period
from services import reading
from services.actors import Actor
from services.context import App

UNIT_COLUMNS = ["code", "name", "station", "branch", "expected", "reported"]


@dataclass(frozen=True)
class Completeness:
    """How many of the expected offices of one unit have reported one period."""

    period: str
    """The period's label (``2026-10``, ``2026Q3`` …)."""
    reported: int
    expected: int
    share_needed: float

    @property
    def share(self) -> float:
        return self.reported / self.expected if self.expected else float("nan")

    @property
    def complete(self) -> bool:
        """At least ``share_needed`` of the expected offices have reported (False when none is expected)."""
        return self.expected > 0 and self.reported >= self.share_needed * self.expected - 1e-9


def _share(app: App) -> float:
    return float(getattr(app.settings, "complete_share", 0.95))


def _registry(app: App, st: reading.Stored) -> pd.DataFrame:
    """Per office of the stored rows: ``code, name, station, branch, first`` (first reported month),
    and the set of months it reported (``months``), cached by data version."""

    def build() -> pd.DataFrame:
        m = st.dataset.monthly
        if not len(m):
            return pd.DataFrame(columns=["code", "name", "station", "branch", "first", "months"])
        offs = office_table(m)
        rows = pd.DataFrame({"code": m["office_code"].to_numpy(dtype=object),
                             "month": m["month"].astype(str).to_numpy(dtype=object)})
        months = rows.groupby("code", sort=False)["month"].agg(lambda s: frozenset(s))
        out = pd.DataFrame({"code": offs.index.to_numpy(dtype=object),
                            "name": offs["name"].to_numpy(dtype=object),
                            "station": offs["station"].to_numpy(dtype=object),
                            "branch": offs["branch"].to_numpy(dtype=object)})
        out["months"] = months.reindex(out["code"]).to_numpy(dtype=object)
        out = out[out["months"].notna()].reset_index(drop=True)
        out["first"] = [min(s) for s in out["months"]]
        return out

    return reading.cached((reading.db_key(app), "registry_months", st.version), build)


def office_status(app: App, st: reading.Stored, period: Period) -> pd.DataFrame:
    """Every office of the bureau for ``period``: ``code, name, station, branch, expected, reported``
    (booleans; see the module docstring), cached by (data version, period)."""

    def build() -> pd.DataFrame:
        reg = _registry(app, st)
        if reg.empty:
            return pd.DataFrame(columns=UNIT_COLUMNS)
        months = period.months
        due = np.array([sum(1 for mo in months if mo >= f) for f in reg["first"]], dtype=np.int64)
        got = np.array([len(s.intersection(months)) for s in reg["months"]], dtype=np.int64)
        out = reg[["code", "name", "station", "branch"]].copy()
        out["expected"] = due > 0
        out["reported"] = (due > 0) & (got >= due)
        return out

    return reading.cached((reading.db_key(app), "office_status", st.version, period.label), build)


def _count(status: pd.DataFrame, label: str, share: float) -> Completeness:
    return Completeness(label, int(status["reported"].sum()), int(status["expected"].sum()), share)


def period_completeness(app: App, actor: Actor | int, period: Period | str) -> Completeness:
    """Offices of the actor's scope that reported ``period`` out of those expected (``已上报 N/M``)."""
    sc = reading.scope(app, actor)
    p = reading.period_of(period)
    st = reading.stored(app, sc.data_version)
    status = reading.filter_units(office_status(app, st, p), sc, "office")
    return _count(status, p.label, _share(app))


def scope_completeness(app: App, sc: reading.Scope, st: reading.Stored, period: Period) -> Completeness:
    """:func:`period_completeness` for a scope already read (no database read)."""
    return _count(reading.filter_units(office_status(app, st, period), sc, "office"), period.label, _share(app))


def bureau_completeness(app: App, st: reading.Stored, period: Period) -> Completeness:
    """The whole bureau's completeness of ``period`` (what the default period is chosen on)."""
    return _count(office_status(app, st, period), period.label, _share(app))


def by_unit(app: App, actor: Actor | int, period: Period | str, level: str) -> pd.DataFrame:
    """Per unit of ``level`` in the actor's scope: ``code, name, station, branch, expected, reported,
    missing`` (office counts) for ``period``."""
    sc = reading.scope(app, actor)
    p = reading.period_of(period)
    st = reading.stored(app, sc.data_version)
    status = reading.filter_units(office_status(app, st, p), sc, "office")
    return unit_counts(status, level)


def unit_counts(status: pd.DataFrame, level: str) -> pd.DataFrame:
    """Office counts of :func:`office_status` rows summed per unit of ``level``."""
    if level not in LEVELS:
        raise ValueError(level)
    cols = ["code", "name", "station", "branch", "expected", "reported", "missing"]
    if status.empty:
        return pd.DataFrame(columns=cols)
    s = status.assign(expected=status["expected"].astype(int), reported=status["reported"].astype(int))
    out = sum_by_unit(s.set_index("code"), s[["expected", "reported"]].reset_index(drop=True), level)
    out = out.assign(expected=out["expected"].astype(int), reported=out["reported"].astype(int))
    out = out.assign(missing=out["expected"] - out["reported"])
    return out[cols].reset_index(drop=True)


def _quarter(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def latest_complete(app: App, st: reading.Stored, kind: str) -> str | None:
    """The label of the bureau's latest complete ``kind`` (``month``, ``quarter``, ``year``) among the
    periods that have data; the latest with data when none is complete; None without data."""
    reg = _registry(app, st)
    if reg.empty:
        return None
    months = sorted(set().union(*reg["months"]))
    if kind == "month":
        labels = months
    elif kind == "quarter":
        labels = sorted({_quarter(m) for m in months})
    elif kind == "year":
        labels = sorted({m[:4] for m in months})
    else:
        raise ValueError(kind)

    def build() -> str:
        for label in reversed(labels):
            if bureau_completeness(app, st, parse_period(label)).complete:
                return label
        return labels[-1]

    return reading.cached((reading.db_key(app), "latest_complete", st.version, kind, _share(app)), build)


def default_periods(app: App, actor: Actor | int) -> dict[str, str]:
    """The period each kind of picker opens on, for the actor: ``month``, ``quarter``, ``year`` labels and
    ``range`` (``first..last``: the 12 months ending with the default month) — the bureau's latest
    complete one (module docstring), moved back to the latest the actor's scope has data for when the
    scope has none then. Empty without data."""
    sc = reading.scope(app, actor)
    st = reading.stored(app, sc.data_version)
    scoped = reading.months_in_scope(app, sc.actor)
    if not scoped:
        return {}
    options = {"month": scoped, "quarter": sorted({_quarter(m) for m in scoped}),
               "year": sorted({m[:4] for m in scoped})}
    out = {}
    for kind, opts in options.items():
        best = latest_complete(app, st, kind)
        earlier = [o for o in opts if best is None or o <= best]
        out[kind] = earlier[-1] if earlier else opts[-1]
    every = month_range(scoped[0], scoped[-1])
    end = out["month"]
    start = every[max(0, every.index(end) - 11)] if end in every else every[0]
    out["range"] = f"{start}..{end}" if start != end else end
    return out


__all__ = ["Completeness", "by_unit", "bureau_completeness", "scope_completeness", "default_periods", "latest_complete",
           "office_status", "period_completeness", "unit_counts"]
