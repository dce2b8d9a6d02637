"""File safety: every file that must be refused is refused through ``open_book``, with its own code."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from metrics.filesafety import ole_read_stream, ole_stream_names
from metrics.rawbook import Limits, open_book

FIXTURES = Path(__file__).parent.parent / "fixtures"


def small_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "矛盾纠纷台账"
    wb.active.append(["纠纷编号", "受理日期"])
    wb.active.append(["JF001", "2026-10-03"])
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def rezip(data: bytes, change=None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip with some members' bytes changed and others added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if change:
                body = change(info.filename, body)
            zout.writestr(info.filename, body)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return out.getvalue()


def refusal(data: bytes, name: str = "上报.xlsx", limits: Limits | None = None):
    book, problems = open_book(data, name, limits)
    assert book is None
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity == "error" and problem.file == name and problem.message
    return problem


# --- a minimal OLE2 compound-file writer (streams padded to ≥ 4096 bytes: no mini stream needed) ------


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (v3, 512-byte sectors) holding ``streams`` under the root storage."""
    sec = 512
    end, free, fatsect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    body, fat, entries = b"", [], []
    for name, data in streams.items():
        data = data + b"\0" * max(0, 4096 - len(data))
        n = -(-len(data) // sec)
        start = len(fat)
        fat.extend(list(range(start + 1, start + n)) + [end])
        body += data.ljust(n * sec, b"\0")
        entries.append((name, 2, start, len(data)))
    dir_start = len(fat)
    n_entries = len(entries) + 1
    n_dir = -(-n_entries * 128 // sec)
    fat.extend(list(range(dir_start + 1, dir_start + n_dir)) + [end])
    fat_start = len(fat)
    fat.append(fatsect)
    assert len(fat) <= sec // 4

    def entry(name: str, typ: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), typ, 1, free, right, child)
            + b"\0" * 36
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, end, 0, child=1)
    for i, (name, typ, start, size) in enumerate(entries, start=1):
        directory += entry(name, typ, start, size, right=i + 1 if i < len(entries) else free)
    body += directory.ljust(n_dir * sec, b"\0")
    body += b"".join(struct.pack("<I", v) for v in fat).ljust(sec, b"\xff")
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_start, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", fat_start, *([free] * 108))
    )
    return header + body


def test_own_cfb_writer_round_trips_through_the_ole_reader():
    data = write_cfb({"Alpha": b"a" * 5000, "Beta": b"b" * 10})
    assert ole_stream_names(data) == ["Root Entry", "Alpha", "Beta"]
    assert ole_read_stream(data, "Alpha") == b"a" * 5000
    assert ole_read_stream(data, "beta")[:10] == b"b" * 10


# --- sniffing -----------------------------------------------------------------------------------------


def test_empty_file_is_refused_as_empty():
    assert refusal(b"").code == "file_empty"


def test_file_over_the_size_limit_is_refused_before_anything_is_parsed():
    p = refusal(b"PK\x03\x04 not even a zip" * 100, limits=Limits(max_bytes=1000))
    assert p.code == "file_too_large"
    assert "超过" in p.message


def test_renamed_docx_is_refused_and_named_a_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    p = refusal(out.getvalue(), "月报.xlsx")
    assert p.code == "unsupported_type" and "Word 文档" in p.message


def test_renamed_pptx_pdf_and_png_are_named_for_what_they_are():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("ppt/presentation.xml", "<p/>")
    assert "PowerPoint" in refusal(out.getvalue()).message
    assert "PDF 文档" in refusal(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj").message
    assert "PNG 图片" in refusal(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").message


def test_random_bytes_are_refused_as_an_unknown_binary():
    import random

    rnd = random.Random(7)
    data = bytes(rnd.randrange(256) for _ in range(5000))
    p = refusal(data, "报表.xls")
    assert p.code == "unsupported_type"


def test_word_97_document_renamed_xls_is_named_as_word():
    p = refusal(write_cfb({"WordDocument": b"w" * 100}), "月报.xls")
    assert p.code == "unsupported_type" and "Word 97-2003" in p.message


def test_macro_workbook_is_refused_by_its_content_types():
    data = rezip(
        small_xlsx(),
        change=lambda n, b: b.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        if n == "[Content_Types].xml"
        else b,
    )
    assert refusal(data, "月报.xlsx").code == "macro_workbook"


def test_workbook_with_a_vba_project_is_refused_as_macro_workbook():
    data = rezip(small_xlsx(), add={"xl/vbaProject.bin": b"\0" * 100})
    assert refusal(data, "月报.xlsm").code == "macro_workbook"


def test_encrypted_ooxml_package_is_refused_as_encrypted():
    # How Excel/WPS store a password-protected .xlsx: an OLE2 file with these two streams (crafted here;
    # LibreOffice 7.4's --convert-to ignores the password option).
    data = write_cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"x" * 200,
                      "EncryptedPackage": b"\x10\x00" + b"y" * 6000})
    p = refusal(data, "月报.xlsx")
    assert p.code == "encrypted" and "密码" in p.message


def test_encrypted_xls_with_a_filepass_record_is_refused_as_encrypted():
    stream = ole_read_stream((FIXTURES / "lo_saved.xls").read_bytes(), "Workbook")
    bof_len = struct.unpack_from("<H", stream, 2)[0]
    filepass = struct.pack("<HH", 0x002F, 6) + b"\x00\x00\x01\x00\x01\x00"
    data = write_cfb({"Workbook": stream[: 4 + bof_len] + filepass + stream[4 + bof_len :]})
    assert refusal(data, "月报.xls").code == "encrypted"


@pytest.mark.parametrize(
    "content",
    [
        b"<html><head><meta charset='utf-8'></head><body><table><tr><td>\xe7\xbc\x96\xe5\x8f\xb7</td></tr></table></body></html>",
        b"\xef\xbb\xbf  <!DOCTYPE html>\n<html><table></table></html>",
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>',
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart"\r\n\r\n',
    ],
    ids=["html", "html-bom-doctype", "spreadsheetml-2003", "mhtml"],
)
def test_web_exports_saved_as_xls_are_refused_as_web_pages(content):
    p = refusal(content, "业务系统导出.xls")
    assert p.code == "html_as_xls" and "网页" in p.message


def test_truncated_xlsx_is_refused_as_corrupt():
    data = small_xlsx()
    assert refusal(data[: len(data) // 2]).code == "corrupt_file"


def test_xlsb_is_refused_as_unsupported():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.bin", b"\0" * 10)
    assert "xlsb" in refusal(out.getvalue()).message


# --- zip pre-flight -----------------------------------------------------------------------------------


def deflate_repeated(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + block × times + tail without compressing every copy (full flushes make each
    copy of ``block`` compress to the same bytes); returns (compressed, crc32, size)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    one = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    assert co.compress(block) + co.flush(zlib.Z_FULL_FLUSH) == one
    last = co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(times + 1):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return first + one * (times + 1) + last, crc, len(head) + len(block) * (times + 1) + len(tail)


def write_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from already-deflated members (name, raw deflate bytes, crc32, uncompressed size)."""
    out, central = bytearray(), bytearray()
    for name, comp, crc, size in members:
        raw = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(comp), size,
                               len(raw), 0, 0, 0, 0, 0, len(out)) + raw
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(comp), size, len(raw), 0) + raw + comp
    n = len(members)
    return bytes(out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(out), 0))


def bomb_xlsx(uncompressed_mb: int = 300) -> bytes:
    """A valid-looking xlsx whose sheet is ``uncompressed_mb`` MB of empty rows (a few hundred KB zipped)."""
    members = []
    with zipfile.ZipFile(io.BytesIO(small_xlsx())) as z:
        for info in z.infolist():
            body = z.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = body.split(b"<sheetData>", 1)
                block = b"<row></row>" * 100_000
                comp, crc, size = deflate_repeated(head + b"<sheetData>", block,
                                                   uncompressed_mb * 2**20 // len(block), tail)
            else:
                co = zlib.compressobj(6, zlib.DEFLATED, -15)
                comp, crc, size = co.compress(body) + co.flush(), zlib.crc32(body), len(body)
            members.append((info.filename, comp, crc, size))
    return write_zip(members)


def lie_about_sizes(data: bytes, member: str, size: int) -> bytes:
    """Patch the declared uncompressed size of ``member`` in its local header and central directory."""
    buf = bytearray(data)
    name = member.encode()
    i = buf.find(b"PK\x03\x04" + b"")
    while i >= 0:
        n = struct.unpack_from("<H", buf, i + 26)[0]
        if bytes(buf[i + 30 : i + 30 + n]) == name:
            struct.pack_into("<I", buf, i + 22, size)
        i = buf.find(b"PK\x03\x04", i + 4)
    j = buf.find(b"PK\x01\x02")
    while j >= 0:
        n = struct.unpack_from("<H", buf, j + 28)[0]
        if bytes(buf[j + 46 : j + 46 + n]) == name:
            struct.pack_into("<I", buf, j + 24, size)
        j = buf.find(b"PK\x01\x02", j + 4)
    return bytes(buf)


def test_zip_bomb_is_refused_from_its_directory_with_little_memory():
    data = bomb_xlsx(300)
    assert len(data) < 1_000_000
    tracemalloc.start()
    p = refusal(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert p.code == "zip_bomb" and "压缩比" in p.message
    assert peak < 20 * 2**20


def test_zip_bomb_lying_about_its_sizes_is_stopped_while_streaming():
    data = lie_about_sizes(bomb_xlsx(300), "xl/worksheets/sheet1.xml", 4000)
    tracemalloc.start()
    p = refusal(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert p.code == "zip_bomb"
    assert peak < 20 * 2**20  # the stream stops at the cap: 300 MB are never held


def test_total_uncompressed_cap_is_configurable():
    data = bomb_xlsx(3)
    assert refusal(data, limits=Limits(max_uncompressed_bytes=2 * 2**20, max_ratio=10_000)).code == "zip_bomb"


def test_zip_with_too_many_members_is_refused():
    data = rezip(small_xlsx(), add={f"xl/media/pad{i}.xml": b"<a/>" for i in range(50)})
    assert refusal(data, limits=Limits(max_zip_members=40)).code == "zip_bomb"


def test_billion_laughs_in_sheet_xml_is_refused_as_bad_structure():
    dtd = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')

    def evil(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return dtd + body.split(b"?>", 1)[-1].replace(b"JF001", b"&lol2;")
        return body

    p = refusal(rezip(small_xlsx(), change=evil))
    assert p.code == "bad_structure" and "结构无效" in p.message


def test_external_entity_in_workbook_xml_is_refused_as_bad_structure():
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'

    def evil(name: str, body: bytes) -> bytes:
        return xxe + body.split(b"?>", 1)[-1] if name == "xl/workbook.xml" else body

    assert refusal(rezip(small_xlsx(), change=evil)).code == "bad_structure"


def test_legitimate_workbook_passes_the_preflight():
    book, problems = open_book(small_xlsx(), "月报.xlsx")
    assert problems == []
    assert book.sheets[0].rows == [["纠纷编号", "受理日期"], ["JF001", "2026-10-03"]]
