"""The problem table of an upload: one row per problem (file, sheet, Excel row, column, value,
severity, message), errors first. Values and messages stay inside the dataframe (never Markdown)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from metrics.problems import Problem
from ui.i18n import t
from ui.tables import show_table

COLUMNS = ("file", "sheet", "row", "column", "value", "severity", "code", "message")


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table, errors before warnings, then by file, sheet and row."""
    recs = []
    for p in problems:
        d = p.to_dict()
        recs.append({
            "file": d.get("file") or "", "sheet": d.get("sheet") or "",
            "row": d.get("row"), "column": d.get("column") or "",
            "value": "" if d.get("value") is None else str(d.get("value")),
            "severity": t("severity_error") if p.severity == "error" else t("severity_warning"),
            "code": p.code, "message": p.message, "_order": 0 if p.severity == "error" else 1,
        })
    df = pd.DataFrame(recs, columns=[*COLUMNS, "_order"])
    df["row"] = pd.array(df["row"], dtype="Int64")
    df = df.sort_values(["_order", "file", "sheet", "row"], kind="stable", na_position="first")
    return df.drop(columns="_order").reset_index(drop=True)


def show_problems(problems: Sequence[Problem], key: str, download_name: str | None = "问题清单") -> None:
    """The problem table (or "no problems") with a CSV download."""
    if not problems:
        import streamlit as st

        st.success(t("no_problems"))
        return
    labels = {"file": t("col_file"), "sheet": t("col_sheet"), "row": t("col_row"), "column": t("col_column"),
              "value": t("col_value"), "severity": t("col_severity"), "code": t("col_code"),
              "message": t("col_message")}
    show_table(problems_frame(problems), key, labels=labels, download_name=download_name)
