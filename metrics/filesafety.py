"""File safety: what an upload really is, and whether it is safe to hand to a parser.

Nothing here trusts the file name. :func:`sniff` looks at the bytes (magic numbers, the zip's member
names, the OLE2 compound file's stream names, the first characters of text) and either names the format
the readers understand (``"xlsx"``, ``"ods"``, ``"xls"``, ``"csv"``) or refuses with a problem code and
what the file actually is, in Chinese ("Word 文档", "PDF 文档" …).

:func:`preflight_zip` runs **before** calamine sees an xlsx/ods: it bounds the member count, the total
declared uncompressed size and each member's compression ratio, and then streams the decompression of
every member a reader will parse (sheets, sharedStrings, styles, content.xml …) with a byte cap, stopping
as soon as the cap is passed — declared sizes can lie, the stream cannot. While the bytes go by it counts
notes the last row index, the widest column reference and whether formulas or error cells occur,
so that :mod:`metrics.rawbook` can refuse an oversized sheet before any grid is built and
:mod:`metrics.xlsxcells` only scans the sheets that need it.

The OLE2 (compound file) directory is read by a small parser here (:func:`ole_stream_names`,
:func:`ole_read_stream`) rather than a new dependency: it is how encrypted OOXML files (EncryptionInfo /
EncryptedPackage streams) and real ``.xls`` files (a Workbook/Book stream) are told apart.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass, field

from isal import isal_zlib

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_EMPTY_MAGIC = b"PK\x05\x06"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

HEADER_ROWS_ALLOWANCE = 20
"""Rows a sheet may have beyond ``Limits.max_rows`` for titles, notes and the header row."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what an upload may cost to read (configurable; defaults for one machine).

    The defaults accept a legitimate 20 MB workbook of ~300k ledger rows (≈150 MB of sheet XML,
    compression ratio ≈10) and refuse a 300 KB → 300 MB zip bomb from its directory alone.
    """

    max_bytes: int = 20 * 1024 * 1024
    """Size of the uploaded file."""
    max_rows: int = 300_000
    """Data rows per sheet (up to ``HEADER_ROWS_ALLOWANCE`` more rows are allowed for titles and header)."""
    max_cells: int = 12_000_000
    """Rows × columns of a sheet's used area (readers build a dense grid of that size)."""
    max_zip_members: int = 2_000
    """Members in an xlsx/ods zip."""
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    """Total uncompressed size of the zip members, declared and actually streamed."""
    max_ratio: float = 100.0
    """Largest uncompressed/compressed ratio of a member (Apache POI uses the same 1:100)."""
    ratio_grace_bytes: int = 1024 * 1024
    """Members smaller than this when uncompressed are not held to ``max_ratio``."""

    @property
    def max_sheet_rows(self) -> int:
        return self.max_rows + HEADER_ROWS_ALLOWANCE


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot be read: a problem code of :mod:`metrics.problems` and its message details."""

    code: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Sniffed:
    format: str
    """"xlsx", "ods", "xls" or "csv"."""
    ole_streams: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------
# OLE2 compound files
# ---------------------------------------------------------------------------------------------------

_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE


class OleError(ValueError):
    """The compound file is malformed."""


class _Ole:
    """Just enough of [MS-CFB] to list the directory and read a stream, with every loop bounded."""

    def __init__(self, data: bytes):
        if len(data) < 512 or data[:8] != OLE2_MAGIC:
            raise OleError("not a compound file")
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        mini_shift = struct.unpack_from("<H", data, 0x20)[0]
        if shift not in (9, 12) or mini_shift != 6:
            raise OleError("bad sector size")
        self.sector_size = 1 << shift
        # A last sector cut short is common (writers stop at the stream's end): it counts, padded.
        self.n_sectors = max(0, -(-(len(data) - self.sector_size) // self.sector_size))
        (n_fat, first_dir, _, self.mini_cutoff, first_minifat, n_minifat, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        )
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < self.n_sectors]
        per = self.sector_size // 4
        sect, seen = first_difat, 0
        while sect < self.n_sectors and seen <= self.n_sectors:
            seen += 1
            vals = struct.unpack_from(f"<{per}I", self._sector(sect))
            fat_sectors.extend(s for s in vals[:-1] if s < self.n_sectors)
            sect = vals[-1]
        fat_sectors = fat_sectors[: max(n_fat, 0) or len(fat_sectors)]
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat.extend(struct.unpack_from(f"<{per}I", self._sector(s)))
        dir_bytes = self._chain_bytes(first_dir, self.fat)
        self.entries: list[tuple[str, int, int, int]] = []
        for off in range(0, len(dir_bytes) - 127, 128):
            name_len = struct.unpack_from("<H", dir_bytes, off + 64)[0]
            typ = dir_bytes[off + 66]
            if typ == 0 or name_len < 2 or name_len > 64:
                continue
            name = dir_bytes[off : off + name_len - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", dir_bytes, off + 116)
            self.entries.append((name, typ, start, size))
        self.minifat_first, self.n_minifat = first_minifat, n_minifat

    def _sector(self, n: int) -> bytes:
        off = (n + 1) * self.sector_size
        if n >= self.n_sectors or off >= len(self.data):
            raise OleError("sector out of range")
        sector = self.data[off : off + self.sector_size]
        return sector if len(sector) == self.sector_size else sector.ljust(self.sector_size, b"\0")

    def _chain(self, start: int, fat: list[int]) -> list[int]:
        out, sect = [], start
        while sect not in (_ENDOFCHAIN, _FREESECT):
            if sect >= len(fat) or len(out) > len(fat):
                raise OleError("broken sector chain")
            out.append(sect)
            sect = fat[sect]
        return out

    def _chain_bytes(self, start: int, fat: list[int]) -> bytes:
        return b"".join(self._sector(s) for s in self._chain(start, fat))

    def read(self, name: str) -> bytes | None:
        """The stream called ``name`` (case-insensitive), or None."""
        found = [e for e in self.entries if e[1] == 2 and e[0].lower() == name.lower()]
        if not found:
            return None
        _name, _typ, start, size = found[0]
        if size < self.mini_cutoff:
            root = next((e for e in self.entries if e[1] == 5), None)
            if root is None:
                raise OleError("no root entry")
            mini_stream = self._chain_bytes(root[2], self.fat)
            minifat_bytes = self._chain_bytes(self.minifat_first, self.fat) if self.n_minifat else b""
            minifat = list(struct.unpack_from(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
            return b"".join(mini_stream[s * 64 : s * 64 + 64] for s in self._chain(start, minifat))[:size]
        return self._chain_bytes(start, self.fat)[:size]


def ole_stream_names(data: bytes) -> list[str]:
    """Names of the streams and storages in an OLE2 compound file (raises :class:`OleError`)."""
    return [name for name, _typ, _start, _size in _Ole(data).entries]


def ole_read_stream(data: bytes, name: str) -> bytes | None:
    """The bytes of one stream of an OLE2 compound file, or None (raises :class:`OleError`)."""
    return _Ole(data).read(name)


# ---------------------------------------------------------------------------------------------------
# Sniffing
# ---------------------------------------------------------------------------------------------------

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"MZ", "可执行程序"),
    (b"\x7fELF", "可执行程序"),
    (b"{\\rtf", "RTF 文档"),
)

_OLE_KINDS: tuple[tuple[str, str], ...] = (
    ("worddocument", "Word 97-2003 文档（.doc）"),
    ("powerpoint document", "PowerPoint 97-2003 演示文稿（.ppt）"),
    ("visiodocument", "Visio 绘图"),
)

_ZIP_KINDS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", "Word 文档（.docx）"),
    ("ppt/presentation.xml", "PowerPoint 演示文稿（.pptx）"),
    ("xl/workbook.bin", "Excel 二进制工作簿（.xlsb）"),
    ("content.xml", "OpenDocument 文档（非电子表格）"),
)


def _text_head(data: bytes, n: int = 4096) -> str:
    head = data[:n]
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, "ignore")
    return head.decode("latin-1")


_BINARY_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 13))


def _sniff_text(data: bytes) -> Sniffed | Refusal:
    head = _text_head(data).lstrip().lower()
    if head.startswith("mime-version:") or "content-type: multipart/related" in head[:2000]:
        return Refusal("html_as_xls")
    if head.startswith(("<!doctype html", "<html", "<table", "<head", "<body", "<meta", "<style")):
        return Refusal("html_as_xls")
    if head.startswith("<?xml") or head.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in head or "<workbook" in head:
            return Refusal("html_as_xls")  # SpreadsheetML 2003 exported by a web system
        if "<html" in head or "<table" in head:
            return Refusal("html_as_xls")
        return Refusal("unsupported_type", {"detected": "XML 文件"})
    sample = data[:8192]
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        controls = sum(sample.count(bytes([b])) for b in _BINARY_CONTROLS)
        if b"\x00" in sample or controls > len(sample) // 20 + 2:
            return Refusal("unsupported_type", {"detected": "未知的二进制文件"})
    return Sniffed("csv")


def sniff(data: bytes) -> Sniffed | Refusal:
    """What ``data`` really is: a readable format, or a refusal naming what it is instead."""
    if data.startswith(ZIP_MAGIC) or data.startswith(ZIP_EMPTY_MAGIC):
        return _sniff_zip(data)
    if data.startswith(OLE2_MAGIC):
        try:
            names = ole_stream_names(data)
        except (OleError, struct.error):
            return Refusal("corrupt_file")
        lower = {n.lower() for n in names}
        if "encryptedpackage" in lower or "encryptioninfo" in lower:
            return Refusal("encrypted")
        if "workbook" in lower or "book" in lower:
            return Sniffed("xls", tuple(names))
        for stream, label in _OLE_KINDS:
            if stream in lower:
                return Refusal("unsupported_type", {"detected": label})
        return Refusal("unsupported_type", {"detected": "未知的 OLE 复合文档"})
    for magic, label in _BINARY_MAGIC:
        if data.startswith(magic):
            return Refusal("unsupported_type", {"detected": label})
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> Sniffed | Refusal:
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return Refusal("corrupt_file")
    lower = {n.lower() for n in names}
    if "mimetype" in lower:
        try:
            info = zf.getinfo(next(n for n in names if n.lower() == "mimetype"))
            mime = zf.read(info) if info.file_size < 200 else b""
        except Exception:  # noqa: BLE001 — an unreadable mimetype member is a corrupt file
            return Refusal("corrupt_file")
        if mime.strip() == ODS_MIME:
            return Sniffed("ods")
    if "xl/workbook.xml" in lower:
        return Sniffed("xlsx")
    if "xl/workbook.bin" in lower:
        return Refusal("unsupported_type", {"detected": "Excel 二进制工作簿（.xlsb）"})
    for member, label in _ZIP_KINDS:
        if member in lower:
            return Refusal("unsupported_type", {"detected": label})
    return Refusal("unsupported_type", {"detected": "ZIP 压缩包"})


# ---------------------------------------------------------------------------------------------------
# Zip pre-flight
# ---------------------------------------------------------------------------------------------------


@dataclass
class MemberScan:
    """What streaming one XML member revealed (``max_col`` is 1-based, 26 when no wider reference)."""

    name: str
    size: int = 0
    last_row: int = 0
    """Number of the last row; -1 when it must be found by walking the sheet."""
    max_col: int = 0
    has_formula: bool = False
    has_error: bool = False


@dataclass
class ZipScan:
    format: str
    members: dict[str, MemberScan] = field(default_factory=dict)
    """Scanned members by name."""
    names: list[str] = field(default_factory=list)


_CHUNK = 1 << 20
_SMALL_OVERRUN = 1 << 16
"""A member inflating to at most this many bytes beyond its declared size is damaged, not a bomb."""
_TAIL = 16
_END = 1 << 16
_FORMULA_MARKS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
_COL_RE = re.compile(rb' r="([A-Z]{2,3})[0-9]')
_ROW_NUM_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]+)"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


_SHEET_PART_RE = re.compile(r"xl/worksheets/[^/]+\.xml", re.I)


def _is_sheet(name: str, fmt: str) -> bool:
    return fmt == "xlsx" and _SHEET_PART_RE.fullmatch(name) is not None


def _parsed(name: str) -> bool:
    """Members a reader may parse: every XML part (images and the like are never decompressed)."""
    return name.lower().endswith((".xml", ".rels"))


def _stream_member(data: bytes, info: zipfile.ZipInfo, budget: int, limits: Limits, scan: MemberScan, sheet: bool):
    """Decompress one member in chunks, counting what it holds; a :class:`Refusal` when a cap is passed."""
    off = info.header_offset
    if data[off : off + 4] != ZIP_MAGIC:
        return Refusal("corrupt_file")
    n_name, n_extra = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + n_name + n_extra
    comp = memoryview(data)[start : start + info.compress_size]
    if len(comp) < info.compress_size:
        return Refusal("corrupt_file")
    if info.compress_type == zipfile.ZIP_STORED:
        decomp = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        decomp = isal_zlib.decompressobj(-15)  # raw deflate; ISA-L inflates about twice as fast as zlib
    else:
        return Refusal("corrupt_file")
    ratio_cap = max(limits.ratio_grace_bytes, int(limits.max_ratio * max(1, info.compress_size)))
    cap = min(budget, ratio_cap)
    total, tail, pos, end = 0, b"", 0, b""
    prefixed = True
    while True:
        if decomp is None:
            chunk = bytes(comp[pos : pos + _CHUNK])
            pos += len(chunk)
            if not chunk:
                break
        else:
            if decomp.unconsumed_tail:
                feed = decomp.unconsumed_tail
            else:
                feed = comp[pos : pos + _CHUNK]
                pos += len(feed)
            chunk = decomp.decompress(feed, _CHUNK)
            if not chunk:
                if decomp.eof or not feed:
                    break
                continue
        total += len(chunk)
        if total > cap:
            if total > budget:
                return Refusal("zip_bomb", {"detail": f"解压后超过 {limits.max_uncompressed_bytes // 2**20} MB"})
            return Refusal("zip_bomb", {"detail": f"“{info.filename}”压缩比超过 {limits.max_ratio:.0f}:1"})
        if total == len(chunk) and (b"<!DOCTYPE" in chunk[:65536] or b"<!ENTITY" in chunk[:65536]):
            return Refusal("bad_structure")  # no Office part has a DTD: entity bombs and XXE stop here
        if total > info.file_size:
            if total - info.file_size <= _SMALL_OVERRUN:
                return Refusal("corrupt_file")  # a few bytes more than declared: damage, not a bomb
            return Refusal("zip_bomb", {"detail": "实际解压大小与声明不符"})
        if sheet:
            # Each search runs over the chunk itself (no copy) and over the few bytes around the seam with
            # the previous chunk; "<f" is looked for once and only then told apart from other tags ("x:f"
            # only in a sheet whose elements carry a prefix, as told by its first chunk).
            seam = tail + chunk[:_TAIL]
            if total == len(chunk):
                prefixed = b":sheetData" in chunk or b"<sheetData" not in chunk
            if not scan.has_formula and any(b in part for b in ((b"<f", b":f") if prefixed else (b"<f",))
                                            for part in (chunk, seam)):
                scan.has_formula = any(n in part for n in _FORMULA_MARKS for part in (chunk, seam))
            if not scan.has_error and (b't="e"' in chunk or b't="e"' in seam):
                scan.has_error = True
            for part in (chunk, seam):
                for m in _COL_RE.finditer(part):
                    scan.max_col = max(scan.max_col, _col_number(m.group(1)))
            tail = chunk[-_TAIL:]
            end = chunk[-_END:] if len(chunk) >= _END else (end + chunk)[-_END:]
    if sheet:
        _last_row(end, scan)
    if decomp is not None and not decomp.eof:
        return Refusal("corrupt_file")
    if total != info.file_size:
        return Refusal("corrupt_file")  # the CRC is left to the reader, which checks it anyway
    scan.size = total
    if sheet and scan.max_col == 0:
        scan.max_col = 26
    return None


_ROW_TAG_RE = re.compile(rb"<(?:\w+:)?row[\s>/]")


_VALUE_MARKS = (b"<v>", b":v>", b"<v ", b":v ", b"<is>", b":is>", b"<f>", b":f>", b"<f ", b":f ", b"<f/", b":f/")
"""What a cell holding something has: a value, an inline string or a formula (styled empty cells have none)."""


def _holds_value(segment: bytes) -> bool:
    return any(mark in segment for mark in _VALUE_MARKS)


def _last_row(end: bytes, scan: MemberScan) -> None:
    """The number of the sheet's last ``<row r="N">`` holding a cell with a value (rows are in ascending
    order), read from the stream's last bytes; -1 when it cannot be told that way (no ``r`` attributes,
    or no row with a value within the bytes kept), so that the caller walks the sheet instead.

    Empty rows count for nothing: templates formatted "down to the bottom" end with a styled empty
    ``<row r="1048576">`` that declares a million rows and holds none. What follows ``</sheetData>``
    (data validations of an extension list carry ``<xm:f>``) is no cell and is left out."""
    stop = max(end.rfind(b"</sheetData>"), end.rfind(b":sheetData>"))
    if stop >= 0:
        end = end[:stop]
    tags = list(_ROW_TAG_RE.finditer(end))
    refs = end.count(b'<c r="')
    if (end.count(b"<c ") + end.count(b"<c>")) > refs:
        scan.last_row = -1  # cells without references: positions come from their order
        return
    if not tags:
        scan.last_row = 0 if not _holds_value(end) else -1
        return
    bounds = [t.start() for t in tags] + [len(end)]
    for k in range(len(tags) - 1, -1, -1):
        if _holds_value(end[bounds[k] : bounds[k + 1]]):
            m = _ROW_NUM_RE.match(end, bounds[k])
            scan.last_row = int(m.group(1)) if m else -1
            return
    # No row of the tail holds a value: the last one lies further up (or the sheet is empty), and only a
    # walk can tell — unless nothing precedes the first tag, where the sheet data begins.
    head = end[: bounds[0]]
    scan.last_row = 0 if b"<sheetData" in head or b":sheetData" in head else -1


def preflight_zip(data: bytes, fmt: str, limits: Limits) -> ZipScan | Refusal:
    """Check an xlsx/ods zip against the limits before any parser sees it (see module docstring)."""
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return Refusal("corrupt_file")
    if len(infos) > limits.max_zip_members:
        return Refusal("zip_bomb", {"detail": f"包含 {len(infos)} 个部件，超过 {limits.max_zip_members} 个"})
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        return Refusal(
            "zip_bomb", {"detail": f"声明解压后 {declared / 2**20:.0f} MB，超过 {limits.max_uncompressed_bytes // 2**20} MB"}
        )
    for i in infos:
        if i.file_size > limits.ratio_grace_bytes and i.file_size > limits.max_ratio * max(1, i.compress_size):
            return Refusal("zip_bomb", {"detail": f"“{i.filename}”压缩比超过 {limits.max_ratio:.0f}:1"})
        if i.flag_bits & 0x1:
            return Refusal("encrypted")
    names = [i.filename for i in infos]
    lower = [n.lower() for n in names]
    if fmt == "xlsx":
        if any(n.endswith("vbaproject.bin") for n in lower):
            return Refusal("macro_workbook")
        ct = next((i for i in infos if i.filename.lower() == "[content_types].xml"), None)
        if ct is not None and ct.file_size < 1 << 20:
            try:
                if b"macroenabled" in zf.read(ct).lower():
                    return Refusal("macro_workbook")
            except Exception:  # noqa: BLE001 — unreadable part: the file is corrupt
                return Refusal("corrupt_file")
    if fmt == "ods":
        manifest = next((i for i in infos if i.filename.lower() == "meta-inf/manifest.xml"), None)
        if manifest is not None and manifest.file_size < 1 << 20:
            try:
                if b"encryption-data" in zf.read(manifest):
                    return Refusal("encrypted")  # ODF encryption: a password LibreOffice asks for
            except Exception:  # noqa: BLE001 — unreadable part: the file is corrupt
                return Refusal("corrupt_file")
    out = ZipScan(format=fmt, names=names)
    budget = limits.max_uncompressed_bytes
    for info in infos:
        if not _parsed(info.filename) or info.is_dir():
            continue
        scan = MemberScan(info.filename)
        refusal = _stream_member(data, info, budget, limits, scan, _is_sheet(info.filename, fmt))
        if refusal is not None:
            return refusal
        budget -= scan.size
        out.members[info.filename] = scan
    return out
