"""Tables: ``st.dataframe`` with Chinese column labels, percent with one decimal, "—" for null, and a
CSV download (UTF-8 with BOM, formula-safe text through ``metrics.safe_export``).

User text stays inside the dataframe: it is never interpreted as Markdown or HTML.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

import pandas as pd
import streamlit as st

from metrics.safe_export import csv_cell
from ui.i18n import t

NULL = "—"


def csv_bytes(df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> bytes:
    """``df`` as CSV for Excel on Chinese Windows: UTF-8 with BOM, text neutralised against formulas."""
    labels = labels or {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(labels.get(c, c)) for c in df.columns])
    for row in df.itertuples(index=False):
        w.writerow([csv_cell(_plain(v)) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _plain(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, (list, tuple, set)):
        return "、".join(map(str, v))
    if hasattr(v, "item") and not isinstance(v, str):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def show_table(
    df: pd.DataFrame,
    key: str,
    *,
    labels: Mapping[str, str] | None = None,
    percent_cols: Iterable[str] = (),
    decimals: Mapping[str, int] | None = None,
    download_name: str | None = None,
    height: int | str = "auto",
) -> None:
    """Show ``df`` (index hidden). ``labels`` maps column → Chinese header; ``percent_cols`` hold
    fractions shown as percent with one decimal; ``decimals`` sets digits for other numeric columns.
    With ``download_name`` a CSV download button (same columns and labels, rates as fractions) follows.
    """
    labels = dict(labels or {})
    percent = [c for c in percent_cols if c in df.columns]
    shown = df.copy()
    config: dict[str, object] = {}
    for col in shown.columns:
        label = labels.get(col, col)
        if col in percent:
            shown[col] = pd.to_numeric(shown[col], errors="coerce") * 100.0
            config[col] = st.column_config.NumberColumn(label, format="%.1f%%")
        elif decimals and col in decimals:
            config[col] = st.column_config.NumberColumn(label, format=f"%.{decimals[col]}f")
        elif pd.api.types.is_datetime64_any_dtype(shown[col]):
            config[col] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        else:
            config[col] = st.column_config.Column(label)
    st.dataframe(shown, key=key, hide_index=True, column_config=config, placeholder=NULL, height=height)
    if download_name:
        name = download_name if download_name.endswith(".csv") else download_name + ".csv"
        st.download_button(t("download_csv"), csv_bytes(df, labels), file_name=name, mime="text/csv",
                           key=f"{key}_csv", icon=":material/download:")
