"""Units and levels: 全局 (bureau) → 分局 (branch) → 派出所 (station) → 警务室 (office).

An office's name, station and branch are those of its latest monthly row (any period). Ledger rows
belong to the unit of their office_code; an office that appears only in the ledger (the validator
normally refuses it) is kept under its code with an unknown station and branch, so no dispute is lost
from the bureau's totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.indicators.factors import MonthlyIndex, index_monthly

LEVELS = ("office", "station", "branch", "bureau")
LEVEL_LABELS = {"office": "警务室", "station": "派出所", "branch": "分局", "bureau": "全局"}
BUREAU_CODE = "全局"
UNKNOWN = "（未知）"
_SEP = "\x1f"


def check_level(level: str) -> str:
    """``level`` itself, or ``ValueError`` with a Chinese message."""
    if level not in LEVELS:
        raise ValueError(f"层级“{level}”无效，可选：office（警务室）、station（派出所）、branch（分局）、bureau（全局）。")
    return level


def _latest_rows(monthly: pd.DataFrame, index: MonthlyIndex | None) -> np.ndarray:
    """Each office's latest monthly row (the last one in the frame when an office-month repeats),
    offices in order of appearance."""
    if index is not None:
        try:
            rank = np.empty(len(index.month_uniques), dtype=np.int64)
            rank[np.argsort(index.month_uniques, kind="stable")] = np.arange(len(rank))
        except TypeError:
            index = None
    if index is None:
        codes, _ = pd.factorize(monthly["office_code"].to_numpy(dtype=object))
        months, _ = pd.factorize(monthly["month"].to_numpy(dtype=object), sort=True)
        order = np.lexsort((months, codes))
        return order[np.r_[codes[order][1:] != codes[order][:-1], True]]
    n = len(index)
    key = rank[index.month_codes] * n + np.arange(n, dtype=np.int64)
    best = np.full(len(index.office_uniques), -1, dtype=np.int64)
    np.maximum.at(best, index.office_codes, key)
    return best % n


def _objects_at(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return values.to_numpy()[rows]
    return values.take(rows).to_numpy(dtype=object)


def office_table(monthly: pd.DataFrame, ledger: pd.DataFrame | None = None,
                 index: MonthlyIndex | None = None) -> pd.DataFrame:
    """One row per office, indexed by office_code: ``name, station, branch, reported``.

    ``reported`` is True when the office has any monthly row at all (it then counts in
    ``months_expected``). Sorted by branch, station, code. ``index`` is the monthly sheet's
    :func:`~metrics.indicators.factors.index_monthly` when the caller already has it.
    """
    if len(monthly):
        last = _latest_rows(monthly, index if index is not None else index_monthly(monthly))
        table = pd.DataFrame(
            {
                "name": _objects_at(monthly["office_name"], last),
                "station": _objects_at(monthly["station"], last),
                "branch": _objects_at(monthly["branch"], last),
                "reported": True,
            },
            index=pd.Index(_objects_at(monthly["office_code"], last), name="office_code"),
        )
    else:
        table = pd.DataFrame(
            {"name": [], "station": [], "branch": [], "reported": []},
            index=pd.Index([], name="office_code", dtype=object),
        ).astype({"reported": bool})
    if ledger is not None and len(ledger):
        codes = pd.unique(ledger["office_code"].to_numpy(dtype=object))
        missing = table.index.get_indexer(pd.Index(codes, dtype=object)) < 0 if len(table) else True
        extra = pd.Index(pd.unique(ledger["office_code"].astype(object))).difference(table.index) \
            if np.any(missing) else []
        if len(extra):
            add = pd.DataFrame(
                {"name": list(extra), "station": UNKNOWN, "branch": UNKNOWN, "reported": False},
                index=pd.Index(extra, name="office_code", dtype=object),
            )
            table = pd.concat([table, add])
    return _sorted_offices(table)


def _sorted_offices(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` sorted by branch, station, code (missing values last), as ``sort_values`` would:
    each key is numbered in sorted order and the numbers are sorted, stably."""
    try:
        keys = []
        for values in (table.index, table["station"], table["branch"]):
            codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
            keys.append(np.where(codes < 0, len(uniques), codes))
        return table.take(np.lexsort(keys))
    except TypeError:
        table = table.assign(_code=table.index).sort_values(["branch", "station", "_code"], kind="stable")
        return table.drop(columns="_code")


@dataclass(frozen=True)
class UnitGroups:
    """The units of one level as plain arrays: ``ids`` (``code, name, station, branch``, object arrays
    with one element per unit) and ``of_office`` (each office's unit number, −1 for an office in no
    unit; None at the office level, where unit and office coincide)."""

    ids: dict[str, np.ndarray]
    of_office: np.ndarray | None

    def __len__(self) -> int:
        return len(self.ids["code"])


def _first_of_each(codes: np.ndarray) -> np.ndarray:
    """Where each code first occurs, for codes numbered in order of first appearance."""
    return np.flatnonzero(codes > np.maximum.accumulate(np.r_[-1, codes[:-1]]))


def unit_groups(offices: pd.DataFrame, level: str) -> UnitGroups:
    """The units of ``level`` and each office's unit (see :class:`UnitGroups`).

    A station's and a branch's code and name are its name; the bureau is one unit coded ``全局`` (there
    even without any office). Stations are told apart by (branch, station), so that two stations of the
    same name in different branches stay two units; units are in order of their first office. An office
    without a branch (never after validation) belongs to no branch: its branch unit is listed, with
    nothing summed into it.
    """
    check_level(level)
    n = len(offices)
    branch = offices["branch"].to_numpy(dtype=object)
    station = offices["station"].to_numpy(dtype=object)
    if level == "office":
        return UnitGroups({"code": offices.index.to_numpy(dtype=object),
                           "name": offices["name"].to_numpy(dtype=object), "station": station,
                           "branch": branch}, None)
    if level == "bureau":
        return UnitGroups({"code": np.array([BUREAU_CODE], dtype=object),
                           "name": np.array([BUREAU_CODE], dtype=object),
                           "station": np.array([None], dtype=object), "branch": np.array([None], dtype=object)},
                          np.zeros(n, dtype=np.intp))
    if level == "branch":
        codes, names = pd.factorize(branch)
        names = np.asarray(names, dtype=object)
        if n and codes.min() < 0:  # missing branches are units too, in order of appearance
            every = np.asarray(pd.unique(branch), dtype=object)
            at = np.flatnonzero(pd.isna(every))
            given = np.delete(np.arange(len(every)), at)
            codes = np.where(codes >= 0, given[np.maximum(codes, 0)], -1)
            names = every
        return UnitGroups({"code": names, "name": names, "station": np.full(len(names), None, dtype=object),
                           "branch": names}, codes.astype(np.intp))
    if all(type(v) is str for v in branch) and all(type(v) is str for v in station):
        codes, _ = pd.factorize(np.array([b + _SEP + st for b, st in zip(branch, station, strict=True)], dtype=object))
        of_office = codes
    else:
        # Offices lacking a station or branch share one unit, listed at the first of them, with nothing
        # summed into it; any other value is told apart by its text.
        missing = np.asarray(pd.isna(branch) | pd.isna(station), dtype=bool)
        keys = [_SEP * 2 if m else f"{b}{_SEP}{st}" for b, st, m in zip(branch, station, missing, strict=True)]
        codes, _ = pd.factorize(np.array(keys, dtype=object))
        of_office = np.where(missing, -1, codes)
    first = _first_of_each(codes)
    return UnitGroups({"code": station[first], "name": station[first], "station": station[first],
                       "branch": branch[first]}, of_office.astype(np.intp))
