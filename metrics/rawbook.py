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

What cleaning adds:

* A flagged cell's value is ``None``, and the grid is padded with ``None`` so that every flagged cell
  lies inside ``rows`` (calamine drops a row whose only cell is a formula without value).
* Text cells have C0/C1 control characters removed (``\\r\\n`` and ``\\r`` become ``\\n``; ``\\t`` and
  ``\\n`` are kept); a cell left empty by that becomes ``None``. Invisible characters (NBSP, zero-width
  space) are kept: they are the validator's concern.
* ``RawBook.date1904`` is True when the workbook counts serial dates from 1904-01-01 (xlsx
  ``<workbookPr date1904="1"/>``, xls DATEMODE, ods ``table:null-date``). calamine already converts
  date-formatted cells with the right epoch; the flag is for plain serial numbers the validator converts.
* ``RawBook.producer`` is the application that saved the file (xlsx ``docProps/app.xml``, ods
  ``meta.xml``), e.g. ``"Microsoft Excel 16.0300"`` or ``"LibreOffice/7.4…"``; "" when unknown.
* ``RawSheet.visible`` is False for hidden and very hidden sheets.

Cleaning fewer rows: ``open_book(..., clean_rows=n)`` cleans only the first ``n`` rows as above;
the rows below are left as the parser gives them — an empty cell is ``''`` (or ``None``), text still
holds its control characters, trailing empty cells and rows are kept. It is for a caller that cleans
column by column on distinct values with :func:`clean_cell` (``metrics.reader`` does, which is several
times cheaper than cleaning every cell). The default (``None``) cleans every row: the contract above.

What is refused, and how reading is bounded (see :mod:`metrics.filesafety`): the file is sniffed by its
bytes, never its name; xlsx/ods zips pass a pre-flight (member count, declared and streamed uncompressed
size, compression ratio, no DTD) before calamine sees them, and the pre-flight's last row
index and widest column reference refuse a sheet whose grid would exceed ``Limits.max_rows`` rows or
``Limits.max_cells`` cells *before* calamine builds it. Memory and time are therefore bounded by
construction — calamine's work is linear in the XML bytes and the dense grid, and both are capped — so no
subprocess or timer is used (a subprocess would cost a second copy of the file and of the grid, and
``read_timeout`` stays unused). ``.xls`` is bounded by the file size (BIFF8 holds at most 65,536 ×
256 cells) and its grid is checked before conversion to Python; CSV by the file size.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import python_calamine as pc

from metrics import problems as pb
from metrics import xlsxcells as xc
from metrics.filesafety import Limits, Refusal, ZipScan, ole_read_stream, preflight_zip, sniff
from metrics.problems import Problem

__all__ = ["Limits", "RawBook", "RawSheet", "open_book"]


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
    date1904: bool = False
    """Serial dates count from 1904-01-01 (see the module docstring)."""


class _Refused(Exception):
    def __init__(self, code: str, **details: Any):
        super().__init__(code)
        self.code, self.details = code, details


# ---------------------------------------------------------------------------------------------------
# cleaning
# ---------------------------------------------------------------------------------------------------

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without C0/C1 control characters; CR LF and lone CR become LF; tab and LF kept."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text)


def clean_cell(v: Any) -> Any:
    """One cell as the grid contract has it: text without control characters, ``''`` → None; any other
    value unchanged."""
    if v.__class__ is not str:
        return v
    if v.isprintable():
        return v or None
    return strip_controls(v) or None


def _clean_grid(grid: list[list[Any]], clean_rows: int | None = None) -> list[list[Any]]:
    """'' → None, control characters stripped from text, trailing empty rows and cells dropped — in the
    first ``clean_rows`` rows only when it is given (the rest are returned as they are)."""
    head = grid if clean_rows is None else grid[:clean_rows]
    rows = [
        [
            (None if v == "" else (v if v.isprintable() else clean_cell(v))) if v.__class__ is str else v
            for v in row
        ]
        for row in head
    ]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    if clean_rows is not None and len(grid) > clean_rows:
        return rows + grid[clean_rows:]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _apply_flags(rows: list[list[Any]], flags: dict[tuple[int, int], str]) -> None:
    """Blank every flagged cell, padding the grid so that each one exists."""
    for r, c in flags:
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = None


# ---------------------------------------------------------------------------------------------------
# calamine formats
# ---------------------------------------------------------------------------------------------------


def _check_extent(name: str, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_sheet_rows:
        raise _Refused("too_many_rows", sheet=name, limit=limits.max_rows)
    if rows * cols > limits.max_cells:
        raise _Refused("sheet_too_large", sheet=name, rows=rows, cols=cols, limit=limits.max_cells)


EXACT_WALK_BYTES = 64 * 2**20
"""A sheet whose XML is larger than this is judged by its widest reference without walking its cells."""


def _xlsx_extras(data: bytes, scan: ZipScan, limits: Limits) -> tuple[dict[str, dict], bool, str]:
    """Flags per sheet name, the 1904 flag and the producer of an xlsx; extents checked first.

    Part names are matched without regard to letter case, as Excel does (``xl/WorkBook.xml``)."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = {n.lower(): n for n in scan.names}
    members = {n.lower(): ms for n, ms in scan.members.items()}

    def read(part: str) -> bytes | None:
        real = names.get(part.lower())
        return zf.read(real) if real is not None else None

    workbook = read("xl/workbook.xml")
    parts = xc.xlsx_sheet_parts(workbook, read("xl/_rels/workbook.xml.rels"))
    date1904 = xc.xlsx_date1904(workbook)
    app_xml = read("docProps/app.xml")
    producer = xc.producer_from_app_xml(app_xml) if app_xml is not None else ""
    flags: dict[str, dict] = {}
    for part in parts:
        ms = members.get(part.path.lower())
        if ms is None:
            continue
        rows, cols = ms.last_row, ms.max_col
        # Walk the cells to be exact when the last row cannot be told from the stream's end, or when the
        # widest reference (styled empty cells count there: a fill reaching column XFD) would refuse the
        # sheet as too large — unless the sheet is so big that the walk would cost more than the refusal.
        if rows < 0 or (rows * cols > limits.max_cells and ms.size <= EXACT_WALK_BYTES):
            rows, cols = xc.xlsx_extent(read(part.path))
        _check_extent(part.name, rows, cols, limits)
        if ms.has_formula or ms.has_error:
            found = xc.xlsx_cell_flags(read(part.path), ms.has_formula, ms.has_error)
            if found:
                flags[part.name] = found
    return flags, date1904, producer


_NULL_DATE_RE = re.compile(rb'<table:null-date\b[^>]*table:date-value="(\d{4})')


def _ods_extras(data: bytes, limits: Limits) -> tuple[dict[str, dict], bool, str]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    content = zf.read("content.xml") if "content.xml" in names else b""
    flags: dict[str, dict] = {}
    for table in xc.ods_tables(content):
        _check_extent(table.name, table.rows, table.cols, limits)
        if table.flags:
            flags[table.name] = table.flags
    m = _NULL_DATE_RE.search(content)
    producer = xc.producer_from_ods_meta(zf.read("meta.xml")) if "meta.xml" in names else ""
    return flags, bool(m and m.group(1) == b"1904"), producer


def _xls_extras(data: bytes) -> tuple[dict[str, dict], bool]:
    stream = ole_read_stream(data, "Workbook") or ole_read_stream(data, "Book") or b""
    info = xc.biff_scan(stream)
    if info.encrypted:
        raise _Refused("encrypted")
    return info.flags, info.date1904


def _read_calamine(data: bytes, fmt: str, limits: Limits, scan: ZipScan | None,
                   clean_rows: int | None = None) -> RawBook:
    flags: dict[str, dict] = {}
    book = RawBook(format=fmt)
    if fmt == "xlsx":
        flags, book.date1904, book.producer = _xlsx_extras(data, scan, limits)
    elif fmt == "ods":
        flags, book.date1904, book.producer = _ods_extras(data, limits)
    elif fmt == "xls":
        flags, book.date1904 = _xls_extras(data)
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for meta in wb.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = wb.get_sheet_by_name(meta.name)
        _check_extent(meta.name, sheet.end[0] + 1 if sheet.end else 0, sheet.end[1] + 1 if sheet.end else 0, limits)
        rows = _clean_grid(sheet.to_python(skip_empty_area=False), clean_rows)
        sheet_flags = flags.get(meta.name, {})
        _apply_flags(rows, sheet_flags)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
        book.sheets.append(
            RawSheet(
                name=meta.name,
                visible=meta.visible == pc.SheetVisibleEnum.Visible,
                rows=rows,
                merged=merged,
                flags=dict(sheet_flags),
            )
        )
    return book


# ---------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    """UTF-16 (with BOM), UTF-8 (with or without BOM), then GB18030 — strictly; None when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _delimiter(text: str) -> str:
    """Comma, unless the first lines clearly use tabs or semicolons instead."""
    lines = [ln for ln in text[:65536].splitlines() if ln.strip()][:20]
    best, best_n = ",", sum(ln.count(",") for ln in lines)
    for cand in ("\t", ";"):
        n = sum(ln.count(cand) for ln in lines)
        if max((ln.count(cand) for ln in lines), default=0) >= 2 and n > 2 * best_n:
            best, best_n = cand, n
    return best


def _read_csv(data: bytes, name: str, limits: Limits, clean_rows: int | None = None) -> RawBook:
    text = _decode(data)
    if text is None:
        raise _Refused("bad_encoding")
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(len(text))  # a long note is data, not damage (the file size bounds it)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    grid = []
    for row in reader:
        grid.append(row)
        if len(grid) > limits.max_sheet_rows:
            raise _Refused("too_many_rows", sheet=PurePath(name).stem, limit=limits.max_rows)
    return RawBook(format="csv", sheets=[RawSheet(name=PurePath(name).stem, rows=_clean_grid(grid, clean_rows))])


# ---------------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------------


def _problem(name: str, code: str, details: dict) -> Problem:
    return pb.make(code, file=name, **details)


REFUSAL_CODES = frozenset({
    "file_empty", "file_too_large", "unsupported_type", "html_as_xls", "macro_workbook", "encrypted", "corrupt_file",
    "zip_bomb", "bad_structure", "read_timeout", "too_many_rows", "sheet_too_large", "bad_encoding",
})
"""The problem codes with which :func:`open_book` refuses a file as a whole (nothing of it was read)."""


def open_book(data: bytes, name: str, limits: Limits | None = None, *, clean_rows: int | None = None
              ) -> tuple[RawBook | None, list[Problem]]:
    """Read ``data`` (a file named ``name``) into raw sheets; on failure, the file-level problems.

    ``clean_rows`` — clean only the first this-many rows of each sheet (see the module docstring).

    Never raises for bad input: every refusal is one :class:`~metrics.problems.Problem` with a Chinese
    message (codes: file_empty, file_too_large, unsupported_type, wps_format, html_as_xls, macro_workbook,
    encrypted, corrupt_file, zip_bomb, bad_structure, too_many_rows, sheet_too_large, bad_encoding).
    A file encrypted with Excel's default password (:mod:`metrics.decrypt`) is decrypted and read; its
    decrypted bytes are held to the same limits.
    """
    return _open(data, name, limits or Limits(), clean_rows, decrypted=False)


def _open(data: bytes, name: str, limits: Limits, clean_rows: int | None, decrypted: bool
          ) -> tuple[RawBook | None, list[Problem]]:
    if not data:
        return None, [pb.make("file_empty", file=name)]
    if len(data) > limits.max_bytes:
        return None, [
            pb.make("file_too_large", file=name, size_mb=len(data) / 2**20, limit_mb=limits.max_bytes / 2**20)
        ]
    try:
        sniffed = sniff(data)
        if isinstance(sniffed, Refusal):
            raise _Refused(sniffed.code, **sniffed.details)
        fmt = sniffed.format
        if fmt == "csv":
            return _read_csv(data, name, limits, clean_rows), []
        scan = None
        if fmt in ("xlsx", "ods"):
            scan = preflight_zip(data, fmt, limits)
            if isinstance(scan, Refusal):
                raise _Refused(scan.code, **scan.details)
        return _read_calamine(data, fmt, limits, scan, clean_rows), []
    except _Refused as refused:
        if refused.code == "encrypted":
            return _encrypted(data, name, limits, clean_rows, decrypted)
        if refused.code == "unsupported_type" and _is_wps_name(name):
            return None, [pb.make("wps_format", file=name, **refused.details)]
        return None, [_problem(name, refused.code, refused.details)]
    except pc.PasswordError:
        return _encrypted(data, name, limits, clean_rows, decrypted)
    except (pc.XmlError, SyntaxError, ValueError) as exc:  # defusedxml/expat/quick-xml refusals
        code = "bad_structure" if _is_structure_error(exc) else "corrupt_file"
        return None, [pb.make(code, file=name)]
    except Exception:  # noqa: BLE001 — any other parser failure is a file the user must re-save
        return None, [pb.make("corrupt_file", file=name)]
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise  # KeyboardInterrupt, SystemExit, GeneratorExit: never a verdict on the file
        return None, [pb.make("corrupt_file", file=name)]


def _encrypted(data: bytes, name: str, limits: Limits, clean_rows: int | None, decrypted: bool
               ) -> tuple[RawBook | None, list[Problem]]:
    """An encrypted file: read decrypted when Excel's default password opens it, else refused."""
    if not decrypted:
        from metrics.decrypt import decrypt_default

        plain = decrypt_default(data, limits.max_bytes)
        if plain is not None:
            return _open(plain, name, limits, clean_rows, decrypted=True)
    return None, [pb.make("encrypted", file=name)]


WPS_EXTENSIONS = (".et", ".ett")
"""WPS 表格's own formats: BIFF inside (read as .xls) or WPS's private format (refused, ``wps_format``)."""


def _is_wps_name(name: str) -> bool:
    return PurePath(name).suffix.lower() in WPS_EXTENSIONS


def is_rust_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is a panic of a Rust extension (calamine): pyo3 raises it as
    ``pyo3_runtime.PanicException``, a BaseException that module cannot be imported to name."""
    cls = type(exc)
    return cls.__name__ == "PanicException" and cls.__module__ == "pyo3_runtime"


def _is_structure_error(exc: BaseException) -> bool:
    import defusedxml

    return isinstance(exc, pc.XmlError | SyntaxError | defusedxml.DefusedXmlException)
