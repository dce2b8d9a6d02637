"""Raw sheets: an uploaded file's cells as the file holds them, before any header is looked for.

``open_book`` turns bytes into a :class:`RawBook` (or file-level problems). It does no validation of
content; ``metrics.reader`` does that. Grid contract:

* ``rows[i]`` is Excel row ``i + 1``; ``rows[i][j]`` is column ``j + 1``. Trailing empty rows and
  columns are dropped; leading ones are kept so that indices map to what Excel shows.
* A cell is ``None`` (empty), ``str``, ``int``, ``float``, ``bool``, ``datetime.date``,
  ``datetime.datetime`` or ``datetime.time``. CSV cells are always ``str`` (or None).
* ``flags[(i, j)]`` marks cells whose value must not be trusted: ``"formula_without_value"`` or
  ``"error:#DIV/0!"`` (an error value). ``merged`` lists merged ranges as 0-based inclusive
  ``(r0, c0, r1, c1)``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import python_calamine as pc

from metrics import problems as pb
from metrics.problems import Problem


@dataclass(frozen=True)
class Limits:
    """Bounds on what an upload may cost to read (configurable; defaults for one machine)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 300_000
    """Data rows per sheet."""


@dataclass
class RawSheet:
    name: str
    visible: bool = True
    rows: list[list[Any]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    flags: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class RawBook:
    format: str
    """"xlsx", "xls", "ods" or "csv"."""
    sheets: list[RawSheet] = field(default_factory=list)
    producer: str = ""
    """The application that saved the file, when the file says so."""


def _clean_grid(grid: list[list[Any]]) -> list[list[Any]]:
    rows = [[None if v == "" else v for v in row] for row in grid]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    return rows


def _read_calamine(data: bytes, fmt: str) -> RawBook:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    book = RawBook(format=fmt)
    for meta in wb.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = wb.get_sheet_by_name(meta.name)
        grid = sheet.to_python(skip_empty_area=False)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
        book.sheets.append(
            RawSheet(
                name=meta.name,
                visible=meta.visible == pc.SheetVisibleEnum.Visible,
                rows=_clean_grid(grid),
                merged=merged,
            )
        )
    return book


def _read_csv(data: bytes, name: str) -> RawBook | Problem:
    import csv

    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return pb.make("bad_encoding", file=name)
    rows = [[c if c != "" else None for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    return RawBook(format="csv", sheets=[RawSheet(name=PurePath(name).stem, rows=_clean_grid(rows))])


def open_book(data: bytes, name: str, limits: Limits | None = None) -> tuple[RawBook | None, list[Problem]]:
    """Read ``data`` (a file named ``name``) into raw sheets; on failure, the file-level problems."""
    limits = limits or Limits()
    if not data:
        return None, [pb.make("file_empty", file=name)]
    if len(data) > limits.max_bytes:
        return None, [
            pb.make("file_too_large", file=name, size_mb=len(data) / 2**20, limit_mb=limits.max_bytes / 2**20)
        ]
    suffix = PurePath(name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        fmt = "ods" if b"opendocument.spreadsheet" in data[:200] else "xlsx"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        fmt = "xls"
    elif suffix == ".csv":
        fmt = "csv"
    else:
        return None, [pb.make("unsupported_type", file=name, detected=suffix or "未知")]
    if fmt == "csv":
        result = _read_csv(data, name)
        return (None, [result]) if isinstance(result, Problem) else (result, [])
    try:
        return _read_calamine(data, fmt), []
    except pc.PasswordError:
        return None, [pb.make("encrypted", file=name)]
    except Exception:  # noqa: BLE001 — any parser failure is a file the user must re-save
        return None, [pb.make("corrupt_file", file=name)]
