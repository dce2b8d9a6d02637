"""What calamine cannot tell: formula cells without a saved value, error cells, the 1904 epoch, extents.

calamine returns ``''`` both for a formula whose result was never saved (openpyxl and other script
writers produce those) and for an error value (``#DIV/0!``, ``#N/A`` …). This module reads the XML of the
parts that need it — after :func:`metrics.filesafety.preflight_zip` has bounded their size — and returns
``flags[(row0, col0)]`` = ``"formula_without_value"`` or ``"error:#DIV/0!"`` per sheet name.

Speed: xlsx sheets are only searched when the pre-flight saw ``<f`` or ``t="e"`` in them, and then only
around each occurrence (``bytes.find`` at C speed, one small regex per formula cell), so a sheet without
formulas costs nothing and one with a few formulas costs little. ods ``content.xml`` is walked once with a
regex because row/column repeats decide positions (and are also what bounds an ods grid's size).

For ``.xls`` (BIFF8) the Workbook stream is walked record by record: DATEMODE gives the 1904 flag and
BOOLERR / FORMULA records give error cells (calamine returns ``''`` for them too). A BIFF formula always
carries a cached result, so "formula without value" cannot occur in ``.xls``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET

FORMULA_WITHOUT_VALUE = "formula_without_value"

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_STRICT = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_REL_STRICT = "{http://purl.oclc.org/ooxml/officeDocument/relationships}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml(data: bytes) -> Element:
    """Parse a small XML part with defusedxml (entity expansion and external entities refused)."""
    return DET.fromstring(data)


# ---------------------------------------------------------------------------------------------------
# xlsx workbook part
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetPart:
    name: str
    path: str
    """The member holding the sheet XML, e.g. ``xl/worksheets/sheet1.xml``."""
    state: str = "visible"


def xlsx_sheet_parts(workbook_xml: bytes, rels_xml: bytes | None) -> list[SheetPart]:
    """Sheets of ``xl/workbook.xml`` in order, each mapped to its XML member via the workbook rels."""
    targets: dict[str, str] = {}
    if rels_xml:
        for rel in parse_xml(rels_xml):
            if _local(rel.tag) == "Relationship":
                target = rel.get("Target", "")
                if target.startswith("/"):
                    path = target.lstrip("/")
                else:
                    parts: list[str] = ["xl"]
                    for piece in target.split("/"):
                        if piece == "..":
                            parts = parts[:-1]
                        elif piece and piece != ".":
                            parts.append(piece)
                    path = "/".join(parts)
                targets[rel.get("Id", "")] = path
    out = []
    for el in parse_xml(workbook_xml).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = el.get(_NS_REL + "id") or el.get(_NS_REL_STRICT + "id") or ""
        out.append(SheetPart(el.get("name", ""), targets.get(rid, ""), el.get("state", "visible")))
    return out


def xlsx_date1904(workbook_xml: bytes) -> bool:
    """Whether ``<workbookPr date1904="1"/>`` (or ``"true"``) is set."""
    for el in parse_xml(workbook_xml).iter():
        if _local(el.tag) == "workbookPr":
            return el.get("date1904", "0").strip().lower() in ("1", "true")
    return False


def producer_from_app_xml(app_xml: bytes) -> str:
    """``<Application>`` (and version) of ``docProps/app.xml``."""
    app = version = ""
    for el in parse_xml(app_xml).iter():
        if _local(el.tag) == "Application":
            app = (el.text or "").strip()
        elif _local(el.tag) == "AppVersion":
            version = (el.text or "").strip()
    return f"{app} {version}".strip()


def producer_from_ods_meta(meta_xml: bytes) -> str:
    """``<meta:generator>`` of an ods ``meta.xml``."""
    for el in parse_xml(meta_xml).iter():
        if _local(el.tag) == "generator":
            return (el.text or "").strip()
    return ""


# ---------------------------------------------------------------------------------------------------
# xlsx sheet cells
# ---------------------------------------------------------------------------------------------------

_CELL_RE = re.compile(rb'<((?:\w+:)?)c\b((?:[^>"]|"[^"]*")*?)(/>|>(.*?)</\1c>)', re.S)
_REF_RE = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_TYPE_RE = re.compile(rb'\st="(\w+)"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_HAS_V_RE = re.compile(rb"<(?:\w+:)?v[\s/>]")
_HAS_F_RE = re.compile(rb"<(?:\w+:)?f[\s/>]")
_ROW_RE = re.compile(rb'<((?:\w+:)?)row\b((?:[^>"]|"[^"]*")*?)(/>|>(.*?)</\1row>)', re.S)
_ROW_NUM_RE = re.compile(rb'\sr="([0-9]+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _cell_flag(attrs: bytes, body: bytes | None) -> str | None:
    """The flag for one ``<c>`` element, or None when its value can be trusted."""
    if body and b"<v>" in body and b't="e"' not in attrs and b"<v></v>" not in body:
        return None  # the common case, a formula with its result saved: no regex needed
    t = _TYPE_RE.search(attrs)
    typ = t.group(1) if t else b"n"
    body = body or b""
    v = _VALUE_RE.search(body)
    if typ == b"e":
        text = v.group(1).decode("utf-8", "replace").strip() if v else ""
        return "error:" + (text or "#错误")
    if _HAS_F_RE.search(body):
        if v is None and not _HAS_V_RE.search(body) and typ != b"inlineStr":
            return FORMULA_WITHOUT_VALUE
        if (v is None or v.group(1) == b"") and typ not in (b"str", b"inlineStr"):
            return FORMULA_WITHOUT_VALUE
    return None


_MARKERS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b't="e"')
_CELL_OPENS = (b"<c ", b"<c>", b":c ", b":c>")


def _candidate_starts(xml: bytes, formulas: bool = True, errors: bool = True) -> list[int]:
    """Offsets, ascending, of the ``<c`` tags that hold a formula (``formulas``) or an error (``errors``),
    found with ``bytes.find``.

    Linear in the sheet's size: the markers are visited in order, and the back-search for each one's
    cell starts where the previous one's cell started (cells do not nest, so a later marker's cell never
    starts earlier) — the bytes searched add up to the sheet once, however many formulas it holds.
    Prefixed markers (``<x:f>``) are only looked for in a sheet whose elements carry a prefix."""
    prefixed = b":sheetData" in xml[:1 << 16] or xml.find(b"<sheetData") < 0
    needles = [n for n in _MARKERS if (formulas if n != b't="e"' else errors) and (prefixed or n[:1] != b":")]
    marks: list[int] = []
    for needle in needles:
        i = xml.find(needle)
        while i >= 0:
            marks.append(i)
            i = xml.find(needle, i + 1)
    marks.sort()
    starts: list[int] = []
    lo = 0
    opens = _CELL_OPENS if prefixed else _CELL_OPENS[:2]
    for i in marks:
        j = max(xml.rfind(op, lo, i) for op in opens)
        if j < 0:
            continue
        start = xml.rfind(b"<", lo, j + 1)
        if start < 0:
            continue
        if not starts or starts[-1] != start:
            starts.append(start)
        lo = start
    return starts


def _walk_cells(xml: bytes):
    """Every cell as (row0, col0, attrs, body), positions from ``r`` or, without it, from order."""
    row0 = -1
    for rm in _ROW_RE.finditer(xml):
        rn = _ROW_NUM_RE.search(rm.group(2))
        row0 = int(rn.group(1)) - 1 if rn else row0 + 1
        col0 = -1
        for cm in _CELL_RE.finditer(rm.group(4) or b""):
            ref = _REF_RE.search(cm.group(2))
            col0 = _col_index(ref.group(1)) if ref else col0 + 1
            yield row0, col0, cm.group(2), cm.group(4)


def xlsx_cell_flags(xml: bytes, formulas: bool = True, errors: bool = True) -> dict[tuple[int, int], str]:
    """Formula-without-value and error cells of one sheet's XML, 0-based positions (``formulas`` /
    ``errors`` False when the pre-flight saw none of them: they are then not looked for)."""
    flags: dict[tuple[int, int], str] = {}
    starts = _candidate_starts(xml, formulas, errors)
    if not starts:
        return flags
    slow = False
    # A cell ends before the next candidate's opens (cells do not nest): matching one never reads past
    # it, even in a sheet whose cells are never closed.
    for start, end in zip(starts, [*starts[1:], len(xml)], strict=True):
        m = _CELL_RE.match(xml, start, end)
        if m is None:
            continue
        flag = _cell_flag(m.group(2), m.group(4))
        if flag is None:
            continue
        ref = _REF_RE.search(m.group(2))
        if ref is None:
            slow = True
            break
        flags[(int(ref.group(2)) - 1, _col_index(ref.group(1)))] = flag
    if slow:
        flags = {}
        for r, c, attrs, body in _walk_cells(xml):
            flag = _cell_flag(attrs, body)
            if flag:
                flags[(r, c)] = flag
    return flags


_HAS_CONTENT_RE = re.compile(rb"<(?:\w+:)?(?:v|is|f)[\s/>]")


def xlsx_extent(xml: bytes) -> tuple[int, int]:
    """(rows, columns) of the area holding values, walking every cell — for sheets whose last row cannot
    be told from the stream's end. A styled empty cell (``<c r="A1048576" s="3"/>``) holds nothing and
    extends nothing."""
    rows = cols = 0
    for r, c, _attrs, body in _walk_cells(xml):
        if body and _HAS_CONTENT_RE.search(body):
            rows, cols = max(rows, r + 1), max(cols, c + 1)
    return rows, cols


# ---------------------------------------------------------------------------------------------------
# ods content.xml
# ---------------------------------------------------------------------------------------------------


@dataclass
class OdsTable:
    name: str
    rows: int = 0
    """Rows up to the last non-empty one, repeats expanded."""
    cols: int = 0
    flags: dict[tuple[int, int], str] = field(default_factory=dict)


_ODS_TOKEN = re.compile(
    rb'<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])((?:[^>"]|"[^"]*")*?)(/?)>'
    rb"|</table:(table-row|table-cell|table)>"
)
_ODS_ATTR = re.compile(rb'([\w:.-]+)="([^"]*)"')
_ODS_TEXT = re.compile(rb"<text:p\b[^>]*>(.*?)</text:p>", re.S)
_ODS_VALUE_ATTRS = (b"office:value", b"office:date-value", b"office:time-value", b"office:boolean-value",
                    b"office:string-value")
MAX_ODS_FLAGS = 10_000


def ods_tables(content: bytes) -> list[OdsTable]:
    """Extent and flags of every table in an ods ``content.xml`` (repeats expanded arithmetically)."""
    tables: list[OdsTable] = []
    cur: OdsTable | None = None
    row = col = 0
    row_repeat = 1
    row_has_value = False
    pending: tuple[int, int, int, dict, str | None] | None = None  # (col, repeat, end offset, attrs, flag)
    for m in _ODS_TOKEN.finditer(content):
        kind, attrs_b, selfclose, closing = m.group(1), m.group(2), m.group(3), m.group(4)
        if kind == b"table":
            attrs = dict(_ODS_ATTR.findall(attrs_b or b""))
            cur = OdsTable(attrs.get(b"table:name", b"").decode("utf-8", "replace"))
            tables.append(cur)
            row = 0
        elif kind == b"table-row" and cur is not None:
            attrs = dict(_ODS_ATTR.findall(attrs_b or b""))
            row_repeat = max(1, int(attrs.get(b"table:number-rows-repeated", b"1") or 1))
            col, row_has_value = 0, False
            if selfclose:
                row += row_repeat
        elif kind in (b"table-cell", b"covered-table-cell") and cur is not None:
            attrs = dict(_ODS_ATTR.findall(attrs_b or b""))
            repeat = max(1, int(attrs.get(b"table:number-columns-repeated", b"1") or 1))
            nonempty = b"office:value-type" in attrs or not selfclose
            flag = None
            if attrs.get(b"calcext:value-type") == b"error":
                flag = "error"
            elif b"table:formula" in attrs and not any(a in attrs for a in _ODS_VALUE_ATTRS) \
                    and b"office:value-type" not in attrs:
                flag = FORMULA_WITHOUT_VALUE
            if flag:
                nonempty = True
            if selfclose or flag is None:
                _ods_mark(cur, row, row_repeat, col, repeat, flag, "")
            else:
                pending = (col, repeat, m.end(), attrs, flag)
            if nonempty:
                row_has_value = True
                cur.cols = max(cur.cols, col + repeat)
            col += repeat
        elif closing == b"table-cell" and pending is not None and cur is not None:
            pcol, prep, start, _attrs, flag = pending
            text = b" ".join(_ODS_TEXT.findall(content, start, m.start())).decode("utf-8", "replace").strip()
            _ods_mark(cur, row, row_repeat, pcol, prep, flag, text)
            pending = None
        elif closing == b"table-row" and cur is not None:
            if row_has_value:
                cur.rows = row + row_repeat
            row += row_repeat
        elif closing == b"table":
            cur = None
    return tables


def _ods_mark(table: OdsTable, row: int, row_repeat: int, col: int, repeat: int, flag: str | None, text: str):
    if not flag:
        return
    value = FORMULA_WITHOUT_VALUE if flag == FORMULA_WITHOUT_VALUE else "error:" + (text or "#错误")
    for r in range(row, row + row_repeat):
        for c in range(col, col + repeat):
            if len(table.flags) >= MAX_ODS_FLAGS:
                return
            table.flags[(r, c)] = value


# ---------------------------------------------------------------------------------------------------
# xls (BIFF8) Workbook stream
# ---------------------------------------------------------------------------------------------------

BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


@dataclass
class BiffInfo:
    date1904: bool = False
    encrypted: bool = False
    flags: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    """Error cells per sheet name."""


def _biff_string(rec: bytes, offset: int, length_bytes: int = 1) -> str:
    n = rec[offset] if length_bytes == 1 else struct.unpack_from("<H", rec, offset)[0]
    opt = rec[offset + length_bytes]
    raw = rec[offset + length_bytes + 1 :]
    if opt & 0x01:
        return raw[: 2 * n].decode("utf-16-le", "replace")
    return raw[:n].decode("latin-1")


def biff_scan(stream: bytes) -> BiffInfo:
    """DATEMODE and error cells of a BIFF8 Workbook stream (records walked; nothing else decoded)."""
    info = BiffInfo()
    sheets_at: dict[int, str] = {}
    current: dict[tuple[int, int], str] | None = None
    pos, n = 0, len(stream)
    while pos + 4 <= n:
        typ, length = struct.unpack_from("<HH", stream, pos)
        rec = stream[pos + 4 : pos + 4 + length]
        if typ == 0x0809:  # BOF
            name = sheets_at.get(pos)
            current = info.flags.setdefault(name, {}) if name is not None else None
        elif typ == 0x002F:  # FILEPASS: the workbook is encrypted
            info.encrypted = True
            break
        elif typ == 0x0022 and len(rec) >= 2:  # DATEMODE
            info.date1904 = struct.unpack_from("<H", rec)[0] == 1
        elif typ == 0x0085 and len(rec) >= 8:  # BOUNDSHEET8
            offset = struct.unpack_from("<I", rec)[0]
            try:
                sheets_at[offset] = _biff_string(rec, 6)
            except IndexError:
                pass
        elif current is not None and typ == 0x0205 and len(rec) >= 8:  # BOOLERR
            r, c = struct.unpack_from("<HH", rec)
            if rec[7] == 1:
                current[(r, c)] = "error:" + BIFF_ERRORS.get(rec[6], "#错误")
        elif current is not None and typ == 0x0006 and len(rec) >= 14:  # FORMULA
            r, c = struct.unpack_from("<HH", rec)
            if rec[6] == 0x02 and rec[12:14] == b"\xff\xff":
                current[(r, c)] = "error:" + BIFF_ERRORS.get(rec[8], "#错误")
        pos += 4 + length
    info.flags = {k: v for k, v in info.flags.items() if v}
    return info
