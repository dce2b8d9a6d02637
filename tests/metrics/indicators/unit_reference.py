"""Test-side reference of summing offices into units, the plain pandas way (text keys, a group-by on a
frame, the units reindexed) — what ``metrics.indicators.engine`` did before units were summed from
arrays (``units.unit_groups``). Tests compare the engine's reports with it, including offices that lack
a station or branch."""

from __future__ import annotations

import pandas as pd

from metrics.indicators import engine
from metrics.indicators.units import BUREAU_CODE, check_level

_SEP = "\x1f"


def unit_keys(offices: pd.DataFrame, level: str) -> pd.Series:
    """For each office (same index as ``offices``), the key of its unit at ``level``."""
    check_level(level)
    if level == "office":
        return pd.Series(offices.index.to_numpy(), index=offices.index, dtype=object)
    if level == "station":
        return (offices["branch"].astype(str) + _SEP + offices["station"].astype(str)).astype(object)
    if level == "branch":
        return offices["branch"].astype(object)
    return pd.Series(BUREAU_CODE, index=offices.index, dtype=object)


def unit_table(offices: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per unit at ``level``, indexed by unit key: ``code, name, level, station, branch``."""
    keys = unit_keys(offices, level)
    if level == "office":
        out = pd.DataFrame(
            {"code": offices.index.to_numpy(), "name": offices["name"].to_numpy(), "level": level,
             "station": offices["station"].to_numpy(), "branch": offices["branch"].to_numpy()},
            index=keys.to_numpy(),
        )
    elif level == "station":
        first = offices.assign(_key=keys).drop_duplicates("_key")
        out = pd.DataFrame(
            {"code": first["station"].to_numpy(), "name": first["station"].to_numpy(), "level": level,
             "station": first["station"].to_numpy(), "branch": first["branch"].to_numpy()},
            index=first["_key"].to_numpy(),
        )
    elif level == "branch":
        names = pd.unique(offices["branch"].astype(object))
        out = pd.DataFrame(
            {"code": names, "name": names, "level": level, "station": None, "branch": names}, index=names
        )
    else:
        out = pd.DataFrame(
            {"code": [BUREAU_CODE], "name": [BUREAU_CODE], "level": level, "station": [None], "branch": [None]},
            index=[BUREAU_CODE],
        )
    out.index.name = "unit"
    return out.astype({"code": object, "name": object, "station": object, "branch": object})


def summed_by_unit(offices: pd.DataFrame, components: pd.DataFrame, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(units, summed)``: :func:`unit_table` and the components summed per unit in its order (units
    without an office's row — or whose key is missing — get zeros)."""
    units = unit_table(offices, level)
    if level == "office":
        summed = components
    else:
        summed = components.groupby(unit_keys(offices, level).to_numpy(), sort=False).sum()
    return units, summed.reindex(units.index, fill_value=0.0)


def unit_report(sums, period, as_of, level: str) -> pd.DataFrame:
    """The ``units`` frame of ``engine._unit_report(sums, …)`` computed through the frames."""
    units, summed = summed_by_unit(sums.offices, sums.components, level)
    summed = summed.assign(months_due=sums.months_due)
    c = {col: summed[col].to_numpy(dtype="float64") for col in summed.columns}
    values = pd.DataFrame(engine._indicator_arrays(c), index=summed.index)
    return pd.concat([units, values], axis=1).reset_index(drop=True)
