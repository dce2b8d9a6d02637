"""Labels and formats of the indicator table, read from the registry (never hard-coded)."""

from __future__ import annotations

import pandas as pd

from metrics.indicators.registry import INDICATORS, SURVEY_KEYS
from ui.i18n import indicator_label, t

ID_COLUMNS = ("code", "name", "station", "branch")


def table_columns() -> list[str]:
    """Unit columns, then every registered indicator, each survey rate followed by its Wilson bounds."""
    cols = list(ID_COLUMNS)
    for key in INDICATORS:
        cols.append(key)
        if key in SURVEY_KEYS:
            cols += [f"{key}_low", f"{key}_high"]
    return cols


def labels() -> dict[str, str]:
    out = {"code": t("col_unit_code"), "name": t("col_unit_name"), "station": t("col_station"),
           "branch": t("col_branch")}
    for key in INDICATORS:
        out[key] = label = indicator_label(key)
        if key in SURVEY_KEYS:
            out[f"{key}_low"] = t("ind_wilson_low", label=label)
            out[f"{key}_high"] = t("ind_wilson_high", label=label)
    return out


def percent_columns() -> list[str]:
    cols = [k for k, ind in INDICATORS.items() if ind.unit in ("ratio", "pp")]
    return cols + [f"{k}_{b}" for k in SURVEY_KEYS for b in ("low", "high")]


def decimals() -> dict[str, int]:
    return {k: (2 if ind.unit in ("hours", "z") else 0) for k, ind in INDICATORS.items()
            if ind.unit not in ("ratio", "pp")}


def table_frame(units: pd.DataFrame) -> pd.DataFrame:
    """The columns of :func:`table_columns` present in ``units``, in that order."""
    return units[[c for c in table_columns() if c in units.columns]]
