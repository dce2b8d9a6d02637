"""Helpers that build real test workbooks with openpyxl (importable by any test).

* :func:`monthly_row` / :func:`ledger_row` — a valid row as ``{column key: value}``, with overrides.
* :func:`table` — header row + data rows for a sheet kind, by keys (canonical headers unless given).
* :func:`xlsx` — an ``.xlsx`` file's bytes from sheets described by :class:`Sheet`.
* :func:`monthly_book` / :func:`ledger_book` / :func:`both_book` — the common cases in one call.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl

from metrics.schema import LEDGER, MONTHLY, SheetKind

OFFICE = "3702020001"
"""The office code of the default rows."""


def monthly_row(**overrides: Any) -> dict[str, Any]:
    """A valid monthly row (every rule passes) with ``overrides`` applied."""
    row = {
        "office_code": OFFICE,
        "office_name": "城关警务室",
        "station": "城关派出所",
        "branch": "市南分局",
        "month": "2026-10",
        "officers": 2,
        "auxiliaries": 1,
        "grid_workers": 3,
        "households": 1000,
        "population": 3000,
        "visited_month": 100,
        "visited_ytd": 500,
        "community_hours": 200,
        "officer_days": 40,
        "alerts": 30,
        "dispute_alerts": 10,
        "criminal_cases": 2,
        "fraud_cases": 1,
        "civil_to_criminal": 0,
        "officer_fam_sampled": 20,
        "officer_fam_known": 18,
        "resident_fam_surveyed": 50,
        "resident_fam_known": 40,
        "satisfaction_surveyed": 50,
        "satisfaction_satisfied": 45,
    }
    row.update(overrides)
    return row


def ledger_row(**overrides: Any) -> dict[str, Any]:
    """A valid ledger row (resolved, followed up) with ``overrides`` applied."""
    row = {
        "dispute_id": "JF2026-001",
        "office_code": OFFICE,
        "received_date": "2026-10-03",
        "source": "走访排查",
        "category": "邻里",
        "risk": "蓝",
        "complexity": "一般",
        "level": "社区",
        "status": "已化解",
        "resolved_date": "2026-10-05",
        "follow_up_date": "2026-10-10",
        "party_key": "张三",
        "escalated": "否",
        "note": "",
    }
    row.update(overrides)
    return row


def table(kind: SheetKind, rows: Iterable[dict[str, Any]], *, keys: Sequence[str] | None = None,
          headers: dict[str, str] | None = None) -> list[list[Any]]:
    """Header row + one list per row. ``keys`` picks and orders the columns (default: all);
    ``headers`` overrides how a key's header is spelled."""
    keys = list(keys or kind.keys)
    headers = headers or {}
    out: list[list[Any]] = [[headers.get(k, kind.column(k).header) for k in keys]]
    for row in rows:
        out.append([row.get(k) for k in keys])
    return out


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    hidden: bool = False
    merged: list[str] = field(default_factory=list)
    """Ranges like ``"A1:H1"`` to merge."""
    start_row: int = 1
    """Excel row of ``rows[0]`` (rows above stay empty)."""


def xlsx(*sheets: Sheet) -> bytes:
    """An ``.xlsx`` workbook holding ``sheets``, as bytes."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=spec.start_row):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = ws.cell(row=r, column=c, value=value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"  # text that looks like a formula stays text
        for rng in spec.merged:
            ws.merge_cells(rng)
        if spec.hidden:
            ws.sheet_state = "hidden"
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def monthly_book(*rows: dict[str, Any], name: str = "警务室月报", **table_kw: Any) -> bytes:
    """A workbook with one monthly sheet of ``rows`` (default: one valid row)."""
    return xlsx(Sheet(name, table(MONTHLY, rows or [monthly_row()], **table_kw)))


def ledger_book(*rows: dict[str, Any], name: str = "矛盾纠纷台账", **table_kw: Any) -> bytes:
    """A workbook with one ledger sheet of ``rows`` (default: one valid row)."""
    return xlsx(Sheet(name, table(LEDGER, rows or [ledger_row()], **table_kw)))


def both_book(monthly: Sequence[dict[str, Any]] = (), ledger: Sequence[dict[str, Any]] = ()) -> bytes:
    """A workbook with a monthly sheet and a ledger sheet (defaults: one valid row each)."""
    return xlsx(
        Sheet("警务室月报", table(MONTHLY, monthly or [monthly_row()])),
        Sheet("矛盾纠纷台账", table(LEDGER, ledger or [ledger_row()])),
    )


UPLOAD_DATE = dt.date(2026, 11, 5)
"""An upload date after every date of the default rows."""


def found(upload: Any, code: str | None = None) -> list[tuple[str, int | None, str, str, str]]:
    """An upload's problems as (sheet, row, column, code, severity), optionally only those of ``code``."""
    return [(p.sheet, p.row, p.column, p.code, p.severity) for p in upload.problems if code in (None, p.code)]
