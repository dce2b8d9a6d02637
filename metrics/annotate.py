"""The annotated problem workbook: the upload with bad cells filled red and the message as a comment.

``annotate(data, name, problems)`` returns .xlsx bytes:

* for an .xlsx upload, a copy of the workbook (openpyxl; everything else kept) where each cell named by
  a problem (sheet, Excel row, the column whose header text is ``Problem.column``) is filled light red
  and carries one comment listing all of its problems; a problem on a row without a (found) column
  marks the first cell of the row;
* for .xls / .ods / .csv uploads (or an .xlsx openpyxl cannot open), a new workbook holding a copy of
  each sheet's cell values (read with ``metrics.rawbook.open_book``) annotated the same way;
* in both, a new first sheet ``问题清单`` listing every problem (文件/工作表/行/列/值/级别/说明), with a
  frozen header and filters.

A file the reader refuses as a whole (zip bomb, oversized sheet, corrupt, not a spreadsheet …) has
nothing to annotate: ``annotate`` runs the reader's checks and limits first and raises
:class:`FileRefused` before any parser inflates it; only a small .xlsx is edited with openpyxl.

Every text written goes through ``metrics.safe_export.clean_text`` and is stored as a string, never as a
formula, whatever it starts with.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from metrics.filesafety import Limits
from metrics.problems import Problem
from metrics.safe_export import clean_text, is_number, xlsxwriter_options
from metrics.text import header_key

LIST_SHEET = "问题清单"
LIST_HEADERS = ("文件", "工作表", "行", "列", "值", "级别", "说明")
SEVERITY_LABEL = {"error": "错误", "warning": "警告"}
HEADER_SCAN_ROWS = 12
"""The header row of a sheet is looked for in its first this many rows."""
FILL_COLOR = "FFC7CE"
COMMENT_AUTHOR = "数据校验"
MAX_COMMENT_CHARS = 4000

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

Marks = dict[tuple[int, int], list[Problem]]
"""(Excel row, 1-based column) → the problems shown on that cell."""


def _comment_text(problems: Sequence[Problem]) -> str:
    lines = [f"【{SEVERITY_LABEL.get(p.severity, p.severity)}】{clean_text(p.message)}" for p in problems]
    if len(lines) > 1:
        lines = [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
    return clean_text("\n".join(lines))[:MAX_COMMENT_CHARS]


def _header_columns(top_rows: Iterable[Sequence[Any]], wanted: set[str]) -> tuple[int | None, dict[str, int]]:
    """Find the header row among ``top_rows`` (the row with most cells matching ``wanted`` header keys).

    Returns its 1-based row number (None when nothing matches) and header key → 1-based column.
    """
    best_row, best = None, {}
    for r, cells in enumerate(top_rows, start=1):
        found: dict[str, int] = {}
        for c, value in enumerate(cells, start=1):
            if value is None or value == "":
                continue
            key = header_key(clean_text(value))
            if key in wanted and key not in found:
                found[key] = c
        if len(found) > len(best):
            best_row, best = r, found
    return best_row, best


def locate(problems: Sequence[Problem], sheet_rows: dict[str, list[Sequence[Any]]]) -> tuple[dict[str, Marks], list[Problem]]:
    """Place each problem on a cell of its sheet.

    ``sheet_rows`` maps sheet name → its first rows (values). A problem with a row and a column found in
    the header row goes on that cell; with a row but no column found, on the first cell of the row (the
    table's first column when the header row is known). The rest (file- and sheet-level problems,
    unknown sheets) is returned as unplaced; every problem still appears on the ``问题清单`` sheet.
    """
    by_sheet: dict[str, list[Problem]] = defaultdict(list)
    unplaced: list[Problem] = []
    for p in problems:
        if p.row is not None and p.row >= 1 and p.sheet in sheet_rows:
            by_sheet[p.sheet].append(p)
        else:
            unplaced.append(p)
    marks: dict[str, Marks] = {}
    for sheet, items in by_sheet.items():
        wanted = {header_key(clean_text(p.column)) for p in items if p.column}
        wanted.discard("")
        _, columns = _header_columns(sheet_rows[sheet][:HEADER_SCAN_ROWS], wanted)
        first_col = min(columns.values()) if columns else 1
        sheet_marks: Marks = defaultdict(list)
        for p in items:
            col = columns.get(header_key(clean_text(p.column))) if p.column else None
            sheet_marks[(int(p.row), col or first_col)].append(p)
        marks[sheet] = dict(sheet_marks)
    return marks, unplaced


def _list_rows(problems: Sequence[Problem]) -> list[list[Any]]:
    return [
        [clean_text(p.file), clean_text(p.sheet), p.row if p.row is not None else "", clean_text(p.column),
         clean_text(p.value), SEVERITY_LABEL.get(p.severity, p.severity), clean_text(p.message)]
        for p in problems
    ]


def _unique_name(base: str, taken: Iterable[str]) -> str:
    taken_lower = {t.lower() for t in taken}
    name, n = base, 1
    while name.lower() in taken_lower:
        n += 1
        name = f"{base}{n}"
    return name


# ---------------------------------------------------------------------------------------------------
# .xlsx: edit a copy with openpyxl
# ---------------------------------------------------------------------------------------------------


def _annotate_openpyxl(data: bytes, problems: Sequence[Problem]) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.load_workbook(io.BytesIO(data), rich_text=False)
    sheet_rows = {
        ws.title: [list(r) for r in ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)]
        for ws in wb.worksheets
    }
    marks, _ = locate(problems, sheet_rows)
    fill = PatternFill(fill_type="solid", fgColor=FILL_COLOR, bgColor=FILL_COLOR)
    for sheet, cells in marks.items():
        ws = wb[sheet]
        for (r, c), items in cells.items():
            cell = ws.cell(row=r, column=c)
            if type(cell).__name__ == "MergedCell":  # inside a merged range: mark its top-left cell
                for rng in ws.merged_cells.ranges:
                    if cell.coordinate in rng:
                        cell = ws.cell(row=rng.min_row, column=rng.min_col)
                        break
            cell.fill = fill
            text = _comment_text(items)
            if cell.comment is not None and cell.comment.text and cell.comment.author != COMMENT_AUTHOR:
                text = clean_text(cell.comment.text)[:MAX_COMMENT_CHARS] + "\n—— 校验结果 ——\n" + text
            comment = Comment(text, COMMENT_AUTHOR)
            comment.width, comment.height = 320, min(60 + 40 * len(items), 400)
            cell.comment = comment

    ws = wb.create_sheet(_unique_name(LIST_SHEET, wb.sheetnames), 0)
    bold = Font(bold=True)
    for c, header in enumerate(LIST_HEADERS, start=1):
        ws.cell(row=1, column=c, value=header).font = bold
    for r, values in enumerate(_list_rows(problems), start=2):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{len(problems) + 1}"
    for letter, width in zip("ABCDEFG", (28, 16, 8, 18, 20, 8, 70), strict=True):
        ws.column_dimensions[letter].width = width
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# .xls / .ods / .csv: a new workbook with the cell values
# ---------------------------------------------------------------------------------------------------


def _sheet_title(name: str, taken: list[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", clean_text(name)).strip("'")[:28] or "Sheet"
    return _unique_name(base, taken)


def _write_value(ws, r: int, c: int, value: Any, fmt, date_fmt) -> None:
    if value is None:
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif is_number(value):
        f = float(value)
        if f != f or f in (float("inf"), float("-inf")):
            ws.write_string(r, c, str(value), fmt)
        else:
            ws.write_number(r, c, f, fmt)
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        ws.write_datetime(r, c, value, date_fmt)
    else:
        ws.write_string(r, c, clean_text(value), fmt)


def _annotate_copy(book, problems: Sequence[Problem]) -> bytes:
    import xlsxwriter

    sheets = book.sheets
    marks, _ = locate(problems, {s.name: s.rows for s in sheets})

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **xlsxwriter_options()})
    bold = wb.add_format({"bold": True})
    red = wb.add_format({"bg_color": "#" + FILL_COLOR})
    red_date = wb.add_format({"bg_color": "#" + FILL_COLOR, "num_format": "yyyy-mm-dd"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})

    ws = wb.add_worksheet(LIST_SHEET)
    for c, header in enumerate(LIST_HEADERS):
        ws.write_string(0, c, header, bold)
    rows = _list_rows(problems)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, int):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(LIST_HEADERS) - 1)
    for c, width in enumerate((28, 16, 8, 18, 20, 8, 70)):
        ws.set_column(c, c, width)

    taken = [LIST_SHEET]
    for sheet in sheets:
        title = _sheet_title(sheet.name, taken)
        taken.append(title)
        out = wb.add_worksheet(title)
        cell_marks = marks.get(sheet.name, {})
        for i, row in enumerate(sheet.rows):
            for j, value in enumerate(row):
                if (i + 1, j + 1) in cell_marks:
                    continue
                _write_value(out, i, j, value, None, date_fmt)
        for (r, c), items in cell_marks.items():
            row = sheet.rows[r - 1] if r - 1 < len(sheet.rows) else []
            value = row[c - 1] if c - 1 < len(row) else None
            _write_value(out, r - 1, c - 1, value, red, red_date)
            out.write_comment(r - 1, c - 1, _comment_text(items),
                              {"author": COMMENT_AUTHOR, "x_scale": 2.5, "y_scale": min(1 + len(items), 6)})
    wb.close()
    return buf.getvalue()


OPENPYXL_MAX_CELLS = 600_000
"""Largest workbook (cells of all sheets' used areas) edited in place with openpyxl, which holds every
cell as an object (~1 KB each with its styles); larger ones are annotated as a copy of their values."""
OPENPYXL_MAX_UNCOMPRESSED = 64 * 1024 * 1024
"""Largest total uncompressed size of an .xlsx's parts edited in place with openpyxl."""


class FileRefused(ValueError):
    """The file is one the reader refuses as a whole (zip bomb, oversized, corrupt …): nothing to annotate."""

    def __init__(self, problem: Problem | None):
        super().__init__(problem.message if problem is not None else "文件无法读取。")
        self.problem = problem


def _cells(book) -> int:
    return sum(len(s.rows) * max((len(r) for r in s.rows), default=0) for s in book.sheets)


def _declared_size(data: bytes) -> int:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(i.file_size for i in zf.infolist())


def annotate(data: bytes, name: str, problems: list[Problem], limits: Limits | None = None) -> bytes:
    """The annotated problem workbook for the uploaded file ``data`` (named ``name``), as .xlsx bytes.

    The file first passes the reader's own checks and ``limits`` (``metrics.rawbook.open_book``: file
    safety, zip bomb, sheet extent): a file the reader refuses as a whole raises :class:`FileRefused`
    before any parser inflates it. Only a small .xlsx is then opened with openpyxl."""
    from metrics.rawbook import open_book

    book, refused = open_book(data, name, limits)
    if book is None:
        raise FileRefused(refused[0] if refused else None)
    is_xlsx = data[:4] == b"PK\x03\x04" and b"opendocument" not in data[:200]
    if is_xlsx and _cells(book) <= OPENPYXL_MAX_CELLS:
        try:
            if _declared_size(data) <= OPENPYXL_MAX_UNCOMPRESSED:
                return _annotate_openpyxl(data, problems)
        except Exception:  # noqa: BLE001 — openpyxl refuses some files calamine reads: fall back
            pass
    return _annotate_copy(book, problems)
