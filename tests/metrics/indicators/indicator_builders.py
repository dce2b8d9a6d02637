"""Small datasets in the column contract of ``metrics.dataset``, and real workbooks, for indicator tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from metrics.dataset import Dataset, SourceFile, Upload, empty_frame, merge
from metrics.schema import LEDGER, MONTHLY

MONTHLY_DEFAULTS = {
    "office_name": None, "station": "湛山派出所", "branch": "市南分局", "officers": 2, "households": 1000,
    "population": 3000, "visited_month": 50, "visited_ytd": 500, "community_hours": 160, "officer_days": 20,
    "alerts": 10, "dispute_alerts": 3, "criminal_cases": 1, "civil_to_criminal": 0,
}
LEDGER_DEFAULTS = {
    "office_code": "A1", "source": "110报警", "category": "邻里", "risk": "蓝", "complexity": "一般",
    "level": None, "status": "化解中", "resolved_date": None, "follow_up_date": None, "party_key": None,
}


def monthly_frame(rows: list[dict]) -> pd.DataFrame:
    """Monthly rows (office_code and month required; the rest defaulted) typed per the contract."""
    frame = empty_frame(MONTHLY)
    if not rows:
        return frame
    recs = []
    for i, r in enumerate(rows):
        rec = {**MONTHLY_DEFAULTS, **r}
        if rec["office_name"] is None:
            rec["office_name"] = f"{rec['office_code']}警务室"
        rec["_sheet"], rec["_row"] = "警务室月报", i + 2
        recs.append(rec)
    df = pd.DataFrame(recs)
    out = {}
    for col in frame.columns:
        if col in df:
            out[col] = df[col]
        else:
            out[col] = pd.Series([None] * len(df))
        if str(frame[col].dtype) == "float64":
            out[col] = pd.to_numeric(out[col]).astype("float64")
        elif str(frame[col].dtype) == "object":
            out[col] = out[col].astype(object)
    return pd.DataFrame(out)[list(frame.columns)].astype({"_row": "int64"})


def ledger_frame(rows: list[dict]) -> pd.DataFrame:
    """Ledger rows (dispute_id and received_date required; the rest defaulted) typed per the contract."""
    frame = empty_frame(LEDGER)
    if not rows:
        return frame
    recs = []
    for i, r in enumerate(rows):
        rec = {**LEDGER_DEFAULTS, **r}
        rec["_sheet"], rec["_row"] = "矛盾纠纷台账", i + 2
        recs.append(rec)
    df = pd.DataFrame(recs)
    out = {}
    for col in frame.columns:
        s = df[col] if col in df else pd.Series([None] * len(df))
        dtype = str(frame[col].dtype)
        if dtype.startswith("datetime64"):
            s = pd.to_datetime(s).astype("datetime64[ns]")
        elif dtype == "boolean":
            s = s.astype("boolean")
        elif dtype == "object":
            s = s.astype(object).where(s.notna(), None)
        out[col] = s
    return pd.DataFrame(out)[list(frame.columns)].astype({"_row": "int64"})


def dataset(monthly: list[dict] = (), ledger: list[dict] = ()) -> Dataset:
    """One upload's worth of rows as a Dataset."""
    up = Upload(source=SourceFile("t.xlsx", "0" * 64, 1), monthly=monthly_frame(list(monthly)),
                ledger=ledger_frame(list(ledger)))
    return merge([up])


def write_workbook(path: Path, monthly: list[dict] = (), ledger: list[dict] = ()) -> Path:
    """A real .xlsx with the canonical headers of ``metrics.schema`` (both sheets when given)."""
    wb = Workbook()
    wb.remove(wb.active)
    for kind, rows, defaults in ((MONTHLY, monthly, MONTHLY_DEFAULTS), (LEDGER, ledger, LEDGER_DEFAULTS)):
        if not rows:
            continue
        ws = wb.create_sheet(kind.title)
        ws.append([c.header for c in kind.columns])
        for r in rows:
            rec = {**defaults, **r}
            if kind is MONTHLY and rec.get("office_name") is None:
                rec["office_name"] = f"{rec['office_code']}警务室"
            line = []
            for c in kind.columns:
                v = rec.get(c.key)
                if isinstance(v, date):
                    v = v.isoformat()
                line.append(v)
            ws.append(line)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.column == 1:
                    cell.number_format = "@"
    wb.save(path)
    return path
