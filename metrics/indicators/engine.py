"""``compute``: every indicator of metrics.md for every unit of one level over one period.

Steps: the office table (hierarchy from each office's latest monthly row) → additive components per
office (``components``) → summed per unit → the registry's indicator functions applied to the sums.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.dataset import Dataset
from metrics.indicators import yoy
from metrics.indicators.components import LEDGER_COLUMNS, SURVEYS, ledger_sums, locate, monthly_components
from metrics.indicators.prepared import PreparedDataset, view
from metrics.indicators.registry import INDICATORS, SURVEY_KEYS
from metrics.indicators.series import components_read, ledger_components_by_month, ledger_offices_by_month
from metrics.indicators.units import LEVELS, check_level, unit_groups
from metrics.indicators.wilson import wilson_interval
from metrics.periods import Period, default_as_of, parse_period

ID_COLUMNS = ("code", "name", "level", "station", "branch")
PRIOR_KEYS = ("alerts", "dispute_alerts", "criminal_cases", "fraud_cases")
EXTRA_COLUMNS = tuple(f"{k}_{b}" for k in SURVEY_KEYS for b in ("low", "high")) + tuple(
    f"{k}_prior" for k in PRIOR_KEYS
) + tuple(f"{k}_prior" for k in SURVEY_KEYS)
"""Columns beyond the metric keys: Wilson bounds of survey rates, and the prior-year figures."""


@dataclass
class Report:
    """The indicators of one level over one period, as of one date.

    ``units`` has one row per unit: ``code, name, level, station, branch``, then every key of the
    registry (float, NaN = null), then ``EXTRA_COLUMNS`` (``<survey>_low/_high`` Wilson bounds,
    ``X_prior`` counts and ``R_prior`` rates).
    """

    period: Period
    months: list[str]
    as_of: date
    level: str
    units: pd.DataFrame

    def to_json(self) -> dict:
        """The JSON contract of metrics.md: null for NaN, unrounded numbers, rates as fractions."""
        units = []
        metric_cols = [c for c in self.units.columns if c not in ID_COLUMNS]
        counts = {k for k, ind in INDICATORS.items() if ind.unit == "count"} | {f"{k}_prior" for k in PRIOR_KEYS}
        for row in self.units.itertuples(index=False):
            rec = row._asdict()
            metrics = {}
            for col in metric_cols:
                metrics[col] = _json_number(rec[col], integral=col in counts)
            units.append(
                {
                    "code": rec["code"],
                    "name": rec["name"],
                    "level": rec["level"],
                    "station": _json_text(rec["station"]),
                    "branch": _json_text(rec["branch"]),
                    "metrics": metrics,
                }
            )
        return {
            "period": self.period.label,
            "months": list(self.months),
            "as_of": self.as_of.isoformat(),
            "level": self.level,
            "units": units,
        }


def _json_text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _json_number(value, integral: bool = False):
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    if integral and value.is_integer():
        return int(value)
    return value


def resolve_as_of(dataset: Dataset, period: Period, as_of: date | None) -> date:
    """``as_of`` as given, or the default of metrics.md for ``period`` and the data."""
    if as_of is not None:
        return as_of
    months = pd.unique(dataset.monthly["month"].astype(object)) if len(dataset.monthly) else []
    return default_as_of(period, months)


@dataclass
class _OfficeSums:
    offices: pd.DataFrame
    components: pd.DataFrame
    months_due: float
    """Months of the period up to as_of's month."""
    block: np.ndarray
    """``components`` as one float64 array (office × component)."""
    dataset: PreparedDataset
    """The dataset the sums are of (it keeps its units per level)."""

    def groups(self, level: str):
        return self.dataset.unit_groups(self.offices, level)


def _office_sums(
    dataset: Dataset, period: Period, as_of: date, time_limits: Mapping[str, int] | None
) -> _OfficeSums:
    # Ledger rows outside the period add no office of their own to any figure: only the period's count.
    ds = view(dataset)
    located = locate(ds.ledger_reader, [(period.first_day, period.last_day, as_of)])
    offices = ds.office_table(located.office_uniques)
    comp_m = monthly_components(ds.monthly, offices, period.months, index=ds.monthly_index)
    # Column-major, as the monthly block: each component is then one contiguous column for the indicators.
    ledger_block = np.asfortranarray(ledger_sums(ds.ledger_reader, located, offices, time_limits)[:, 0, :])
    comp_l = pd.DataFrame(ledger_block, index=offices.index, columns=list(LEDGER_COLUMNS))
    comp = pd.concat([comp_m, comp_l], axis=1)
    block = np.hstack([comp_m.to_numpy(dtype="float64"), ledger_block])
    return _OfficeSums(offices, comp, float(len(period.months_until(as_of))), block, ds)


def _indicator_arrays(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every registered indicator (and the extra columns) from summed components (one element per unit)."""
    out = {key: ind.func(c) for key, ind in INDICATORS.items()}
    for key in SURVEY_KEYS:
        num, den = SURVEYS[key]
        out[f"{key}_low"], out[f"{key}_high"] = wilson_interval(c[num], c[den])
    for key in PRIOR_KEYS:
        out[f"{key}_prior"] = yoy.prior_count(c, key)
    for key in SURVEY_KEYS:
        out[f"{key}_prior"] = yoy.prior_rate(c, key)
    return out


def _frame(ids: pd.DataFrame, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """The id columns then the float64 value columns, the values built as one block (a frame of ~70
    separate columns costs more to assemble than computing them)."""
    index = ids.index
    arrays = list(values.values())
    if not all(isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (len(index),) for a in arrays):
        return pd.concat([ids, pd.DataFrame(values, index=index)], axis=1)
    block = np.empty((len(index), len(arrays)), dtype=np.float64)
    for j, a in enumerate(arrays):
        block[:, j] = a
    return pd.concat([ids, pd.DataFrame(block, index=index, columns=list(values))], axis=1)


def _unit_report(sums: _OfficeSums, period: Period, as_of: date, level: str) -> Report:
    check_level(level)
    groups = sums.groups(level)
    # Units and sums as arrays: one group-by over the components, one frame at the end.
    summed = _sum_by_unit(sums.block, groups)
    c = {col: summed[:, j] for j, col in enumerate(sums.components.columns)}
    c["months_due"] = np.full(len(groups), sums.months_due)
    frame = _frame(_id_frame(groups, level), _indicator_arrays(c))
    return Report(period=period, months=period.months, as_of=as_of, level=level, units=frame)


def compute(
    dataset: Dataset,
    period: Period | str,
    level: str = "office",
    as_of: date | None = None,
    time_limits: Mapping[str, int] | None = None,
) -> Report:
    """Every indicator of metrics.md for each unit of ``level`` over ``period``.

    ``period`` is a :class:`Period` or its spelling (``ValueError`` with a Chinese message when bad);
    ``as_of`` defaults per metrics.md; ``time_limits`` overrides the days per complexity
    (default ``schema.TIME_LIMIT_DAYS``). Units are every office with any data (or their station,
    branch, the bureau) — a unit without rows in the period is listed with nulls.
    """
    period = parse_period(period)
    check_level(level)
    as_of = resolve_as_of(dataset, period, as_of)
    return _unit_report(_office_sums(dataset, period, as_of, time_limits), period, as_of, level)


def compute_levels(
    dataset: Dataset,
    period: Period | str,
    levels: Iterable[str] = LEVELS,
    as_of: date | None = None,
    time_limits: Mapping[str, int] | None = None,
) -> dict[str, Report]:
    """``compute`` for several levels at once, reading the rows only once (level → Report)."""
    period = parse_period(period)
    levels = [check_level(lv) for lv in levels]
    as_of = resolve_as_of(dataset, period, as_of)
    sums = _office_sums(dataset, period, as_of, time_limits)
    return {lv: _unit_report(sums, period, as_of, lv) for lv in levels}


def _unit_values(offices: pd.DataFrame, block: np.ndarray, columns: list[str], months_due: float, level: str,
                 func) -> pd.DataFrame:
    """``ID_COLUMNS`` and ``value`` (``func`` of the summed components) for each unit of ``level``, the
    units and sums formed exactly as :func:`_unit_report` forms them from an office × component block."""
    groups = unit_groups(offices, level)
    summed = _sum_by_unit(block, groups)
    c = {col: summed[:, j] for j, col in enumerate(columns)}
    c["months_due"] = np.full(len(groups), months_due)
    return _id_frame(groups, level).assign(value=func(c))


def sum_by_unit(offices: pd.DataFrame, components: pd.DataFrame, level: str) -> pd.DataFrame:
    """``ID_COLUMNS`` then ``components`` (one row per office of ``offices``, same order) summed per unit
    of ``level``, one row per unit — how every report sums its offices."""
    groups = unit_groups(offices, level)
    summed = _sum_by_unit(components.to_numpy(dtype="float64"), groups)
    return pd.concat([_id_frame(groups, level), pd.DataFrame(summed, columns=components.columns)], axis=1)


def _sum_by_unit(block: np.ndarray, groups) -> np.ndarray:
    """An office × component block summed per unit of ``groups`` (``units.UnitGroups``), units in
    its order; the block itself at the office level."""
    if groups.of_office is None:
        return block
    of_office = groups.of_office
    if (of_office < 0).any():  # offices in no unit of the level (see ``units.unit_groups``): keys left out
        of_office = np.where(of_office >= 0, of_office, np.nan)
    summed = pd.DataFrame(block).groupby(of_office, sort=False).sum()
    if len(summed) != len(groups) or not np.array_equal(summed.index.to_numpy(), np.arange(len(groups))):
        summed = summed.reindex(range(len(groups)), fill_value=0.0)  # units with nothing summed into them
    return summed.to_numpy(dtype="float64")


def _id_frame(groups, level: str) -> pd.DataFrame:
    """``ID_COLUMNS`` of the units of ``groups`` (``units.UnitGroups``), one row per unit."""
    index = pd.RangeIndex(len(groups))
    ids = {col: pd.Series(groups.ids[col], index=index, dtype=object) for col in ("code", "name")}
    ids["level"] = pd.Series(level, index=index, dtype="str")
    ids.update({col: pd.Series(groups.ids[col], index=index, dtype=object) for col in ("station", "branch")})
    return pd.DataFrame(ids, index=index)


def _series_same_units(dataset: PreparedDataset, offices: pd.DataFrame, block: np.ndarray, columns: list[str],
                       months_due: list[float], level: str, func) -> list[pd.DataFrame]:
    """Per month, what :func:`_unit_values` gives, when every month has every office (the usual case):
    the units are formed once and all months' components summed per unit in one pass."""
    groups = dataset.unit_groups(offices, level)
    n, g, k = block.shape
    flat = block.reshape(n, g * k)
    summed = _sum_by_unit(flat, groups).reshape(len(groups), g, k)
    ids = _id_frame(groups, level)
    out = []
    for i, due in enumerate(months_due):
        c = {col: summed[:, i, j] for j, col in enumerate(columns)}
        c["months_due"] = np.full(len(groups), due)
        out.append(ids.assign(value=func(c)))
    return out


def monthly_series(
    dataset: Dataset,
    months: Iterable[str] | Period | str,
    level: str,
    key: str,
    time_limits: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Indicator ``key`` for each unit of ``level`` and each month, in long form.

    Columns ``code, name, level, station, branch, month, value`` (value NaN = null). Each month is
    read as its own period with its own default as_of, so a point of the trend equals
    ``compute(dataset, month, level)[key]`` — same units, same order, same value. The components of
    every month are found in one pass over the sheet the indicator reads (monthly rows grouped by
    month; disputes grouped by the month they were received and read as of that month's as_of).
    """
    if key not in INDICATORS:
        raise KeyError(key)
    check_level(level)
    if isinstance(months, (str, Period)):
        months = parse_period(months).months
    months = [parse_period(m).label for m in months]
    if not months:
        return pd.DataFrame(columns=[*ID_COLUMNS, "month", "value"])
    distinct = list(dict.fromkeys(months))
    periods = [parse_period(m) for m in distinct]
    reported = pd.unique(dataset.monthly["month"].astype(object)) if len(dataset.monthly) else []
    as_ofs = [default_as_of(p, reported) for p in periods]
    dataset = view(dataset)
    index = dataset.monthly_index
    reader = dataset.ledger_reader
    offices = dataset.office_table(reader.offices())
    n, g = len(offices), len(distinct)
    if INDICATORS[key].source == "monthly":
        comp = monthly_components(dataset.monthly, offices, distinct, month_groups={m: i for i, m in enumerate(distinct)},
                                  index=index)
        columns = components_read(INDICATORS[key].func, list(comp.columns))  # only what the trend reads
        block = comp[columns].to_numpy(dtype="float64").reshape(n, g, len(columns))
    else:
        columns = components_read(INDICATORS[key].func)
        block = ledger_components_by_month(dataset.ledger, offices, distinct, as_ofs, time_limits, columns, reader)
    # A month's units are the offices with monthly rows plus the ledger-only offices it reads disputes of.
    reporting = offices["reported"].to_numpy(dtype=bool)
    present = None if reporting.all() else ledger_offices_by_month(dataset.ledger, offices, distinct, as_ofs, reader)
    func = INDICATORS[key].func
    dues = [float(len(period.months_until(as_of))) for period, as_of in zip(periods, as_ofs, strict=True)]
    same = _series_same_units(dataset, offices, block, columns, dues, level, func) if present is None else None
    by_month = {}
    for i, (m, months_due) in enumerate(zip(distinct, dues, strict=True)):
        if same is not None:  # every month has every office
            by_month[m] = same[i]
            continue
        keep = reporting if present is None else reporting | present[i]
        offs, part = (offices, block[:, i, :]) if keep.all() else (offices[keep], block[keep, i, :])
        by_month[m] = _unit_values(offs, np.ascontiguousarray(part), columns, months_due, level, func)
    frames = [by_month[m].assign(month=m) for m in months]
    return pd.concat(frames, ignore_index=True)[[*ID_COLUMNS, "month", "value"]]
