"""Deliberately broken workbooks for demonstrating validation, each named for what is wrong.

Each is a station's report from the sample bureau (last month) with one or two specific faults.
``BROKEN_FILES`` maps each file name to the problem codes (``metrics.problems``) reading it must give —
exactly those, no others — when read on ``generate.REPORT_DATE``.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

from metrics.schema import LEDGER, MONTHLY, SheetKind
from sample_data.generate import DEFAULT_MONTHS, build_bureau, station_rows, write_station_workbook

HEADER_ROW = 3
"""Row of the header in workbooks written by ``write_station_workbook`` (title and note rows above)."""

BROKEN_FILES: dict[str, frozenset[str]] = {
    "错误示例_缺少必填列.xlsx": frozenset({"missing_column"}),
    "错误示例_日期格式错误.xlsx": frozenset({"bad_date"}),
    "错误示例_重复编号.xlsx": frozenset({"duplicate_key"}),
    "错误示例_走访户数超过辖区户数.xlsx": frozenset({"visited_ytd_exceeds_households", "visited_exceeds_households"}),
    "错误示例_公式无结果.xlsx": frozenset({"formula_without_value"}),
    "错误示例_已化解缺少化解日期.xlsx": frozenset({"resolved_date_missing"}),
    "错误示例_警务室编码不存在.xlsx": frozenset({"unknown_office"}),
    "错误示例_网页格式.xls": frozenset({"html_as_xls"}),
}


def _column(kind: SheetKind, key: str) -> int:
    """1-based column of ``key`` in workbooks written by ``write_station_workbook``."""
    return kind.keys.index(key) + 1


def _base() -> tuple[pd.DataFrame, pd.DataFrame]:
    monthly, ledger = build_bureau()
    last = DEFAULT_MONTHS[1]
    station = sorted(set(monthly.loc[monthly["month"] == last, "station"]))[0]
    return station_rows(monthly, ledger, station, last)


def _workbook(monthly: pd.DataFrame, ledger: pd.DataFrame) -> openpyxl.Workbook:
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue()))


def _save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _missing_column(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    wb = _workbook(monthly, ledger)
    wb[MONTHLY.title].delete_cols(_column(MONTHLY, "households"))
    return _save(wb)


def _bad_date(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    wb = _workbook(monthly, ledger)
    ws = wb[LEDGER.title]
    ws.cell(HEADER_ROW + 1, _column(LEDGER, "received_date"), "2026年13月5日")
    ws.cell(HEADER_ROW + 2, _column(LEDGER, "received_date"), "上周三")
    return _save(wb)


def _duplicate_id(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    wb = _workbook(monthly, ledger)
    ws = wb[LEDGER.title]
    col = _column(LEDGER, "dispute_id")
    ws.cell(HEADER_ROW + 3, col, ws.cell(HEADER_ROW + 1, col).value)
    return _save(wb)


def _visited_exceeds(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    wb = _workbook(monthly, ledger)
    ws = wb[MONTHLY.title]
    households = ws.cell(HEADER_ROW + 1, _column(MONTHLY, "households")).value
    ws.cell(HEADER_ROW + 1, _column(MONTHLY, "visited_month"), households + 120)
    ws.cell(HEADER_ROW + 1, _column(MONTHLY, "visited_ytd"), households + 300)
    return _save(wb)


def _formula_without_value(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    # openpyxl writes formulas without a saved result, as some export tools do.
    wb = _workbook(monthly, ledger)
    ws = wb[MONTHLY.title]
    col = _column(MONTHLY, "dispute_alerts")
    alerts = openpyxl.utils.get_column_letter(_column(MONTHLY, "alerts"))
    ws.cell(HEADER_ROW + 2, col, f"=ROUND({alerts}{HEADER_ROW + 2}*0.3,0)")
    return _save(wb)


def _resolved_without_date(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    wb = _workbook(monthly, ledger)
    ws = wb[LEDGER.title]
    status, resolved, follow = (_column(LEDGER, k) for k in ("status", "resolved_date", "follow_up_date"))
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, status).value == "已化解" and ws.cell(r, follow).value is None:
            ws.cell(r, resolved).value = None
            break
    else:  # no resolved dispute without a follow-up: make one
        ws.cell(HEADER_ROW + 1, status, "已化解")
        ws.cell(HEADER_ROW + 1, resolved).value = None
        ws.cell(HEADER_ROW + 1, follow).value = None
    return _save(wb)


def _unknown_office(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    wb = _workbook(monthly, ledger)
    wb[LEDGER.title].cell(HEADER_ROW + 2, _column(LEDGER, "office_code"), "3710999999")
    return _save(wb)


def _html_as_xls(monthly: pd.DataFrame, ledger: pd.DataFrame) -> bytes:
    # Business systems often "export to Excel" as an HTML table named .xls.
    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in MONTHLY.columns)
    body = []
    for row in monthly[list(MONTHLY.keys)].itertuples(index=False):
        cells = ("" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v)) for v in row)
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    page = (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8">'
        f"<title>{MONTHLY.title}</title></head><body><table border=\"1\"><tr>{head}</tr>"
        + "".join(body) + "</table></body></html>"
    )
    return page.encode("utf-8")


_BUILDERS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], bytes]] = {
    "错误示例_缺少必填列.xlsx": _missing_column,
    "错误示例_日期格式错误.xlsx": _bad_date,
    "错误示例_重复编号.xlsx": _duplicate_id,
    "错误示例_走访户数超过辖区户数.xlsx": _visited_exceeds,
    "错误示例_公式无结果.xlsx": _formula_without_value,
    "错误示例_已化解缺少化解日期.xlsx": _resolved_without_date,
    "错误示例_警务室编码不存在.xlsx": _unknown_office,
    "错误示例_网页格式.xls": _html_as_xls,
}
assert _BUILDERS.keys() == BROKEN_FILES.keys()


def build_broken() -> dict[str, bytes]:
    """Every broken workbook: file name → bytes."""
    monthly, ledger = _base()
    return {name: build(monthly, ledger) for name, build in _BUILDERS.items()}


def write_broken(folder: str | Path) -> list[Path]:
    """Write every broken workbook into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in build_broken().items():
        path = folder / name
        path.write_bytes(data)
        out.append(path)
    return out
