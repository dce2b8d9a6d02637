"""Units and levels: 全局 (bureau) → 分局 (branch) → 派出所 (station) → 警务室 (office).

An office's name, station and branch are those of its latest monthly row (any period). Ledger rows
belong to the unit of their office_code; an office that appears only in the ledger (the validator
normally refuses it) is kept under its code with an unknown station and branch, so no dispute is lost
from the bureau's totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def office_table(monthly: pd.DataFrame, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per office, indexed by office_code: ``name, station, branch, reported``.

    ``reported`` is True when the office has any monthly row at all (it then counts in
    ``months_expected``). Sorted by branch, station, code.
    """
    cols = ["office_code", "office_name", "station", "branch", "month"]
    if len(monthly):
        codes, _ = pd.factorize(monthly["office_code"].to_numpy(dtype=object))
        months, _ = pd.factorize(monthly["month"].to_numpy(dtype=object), sort=True)
        order = np.lexsort((months, codes))
        last = order[np.r_[codes[order][1:] != codes[order][:-1], True]]
        latest = monthly[cols].iloc[last]
        table = pd.DataFrame(
            {
                "name": latest["office_name"].astype(object).to_numpy(),
                "station": latest["station"].astype(object).to_numpy(),
                "branch": latest["branch"].astype(object).to_numpy(),
                "reported": True,
            },
            index=pd.Index(latest["office_code"].astype(object).to_numpy(), name="office_code"),
        )
    else:
        table = pd.DataFrame(
            {"name": [], "station": [], "branch": [], "reported": []},
            index=pd.Index([], name="office_code", dtype=object),
        ).astype({"reported": bool})
    if ledger is not None and len(ledger):
        extra = pd.Index(pd.unique(ledger["office_code"].astype(object))).difference(table.index)
        if len(extra):
            add = pd.DataFrame(
                {"name": list(extra), "station": UNKNOWN, "branch": UNKNOWN, "reported": False},
                index=pd.Index(extra, name="office_code", dtype=object),
            )
            table = pd.concat([table, add])
    table = table.assign(_code=table.index).sort_values(["branch", "station", "_code"], kind="stable")
    return table.drop(columns="_code")


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
    """One row per unit at ``level``, indexed by unit key: ``code, name, level, station, branch``.

    A station's and a branch's code and name are its name; the bureau is one unit coded ``全局``.
    Stations are told apart by (branch, station) so that two stations of the same name in different
    branches stay two units.
    """
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
