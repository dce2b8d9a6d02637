"""Files other programs wrote, each refused (or read) for the right reason — on the real file of the
corpus (``shared/realfiles``) or a minimal file that reproduces it."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from realfiles import real_file

from metrics.annotate import FileRefused, annotate
from metrics.rawbook import is_rust_panic, open_book
from metrics.reader import read_upload


def verdict(data: bytes, name: str) -> str:
    """The one problem code of a refused file, or ``"read"`` when the book was read."""
    book, problems = open_book(data, name)
    if book is not None:
        assert problems == []
        return "read"
    assert len(problems) == 1, problems
    return problems[0].code


# --- 1. a panic of calamine is a corrupt file, on every path that reads ------------------------------

PANIC_XLS = "edr__src__TestData__Test_git_issue_467_empty_continue_leftoverbytes.xls"


def test_calamine_panic_is_refused_as_corrupt():
    assert verdict(real_file(PANIC_XLS), "台账.xls") == "corrupt_file"


def test_calamine_panic_reaches_neither_the_upload_nor_the_annotated_workbook():
    data = real_file(PANIC_XLS)
    up = read_upload(data, "台账.xls")
    assert [p.code for p in up.problems] == ["corrupt_file"]
    with pytest.raises(FileRefused):
        annotate(data, "台账.xls", up.problems)


def test_only_rust_panics_are_taken_for_a_corrupt_file():
    class PanicException(BaseException):  # same name, another module: not calamine's
        pass

    assert not is_rust_panic(PanicException())
    assert not is_rust_panic(KeyboardInterrupt())
    assert not is_rust_panic(SystemExit(1))
    panic = type("PanicException", (BaseException,), {"__module__": "pyo3_runtime"})
    assert is_rust_panic(panic())


def test_keyboard_interrupt_during_a_read_is_not_swallowed(monkeypatch):
    import metrics.rawbook as rawbook

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(rawbook, "_read_calamine", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_book(real_file("calamine__tests__issue_174.xlsx"), "a.xlsx")


# --- 3. the right reason ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["calamine__tests__issue_174.xlsx",
                                  "poi__test-data__spreadsheet__style-alternate-content.xlsx"])
def test_a_styled_empty_last_row_is_not_too_many_rows(name):
    assert verdict(real_file(name), "a.xlsx") == "read"


def test_a_template_formatted_down_to_the_bottom_reads_its_few_rows():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["警务室编码", "警务室名称"])
    ws.append(["3702020001", "第一警务室"])
    ws.cell(row=1_048_576, column=1).fill = PatternFill("solid", fgColor="FFFF00")  # styled, no value
    bio = io.BytesIO()
    wb.save(bio)
    book, problems = open_book(bio.getvalue(), "a.xlsx")
    assert problems == []
    assert book.sheets[0].rows == [["警务室编码", "警务室名称"], ["3702020001", "第一警务室"]]


def test_rows_holding_values_far_down_are_still_too_many():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a"])
    ws.cell(row=400_000, column=1, value="far")
    bio = io.BytesIO()
    wb.save(bio)
    assert verdict(bio.getvalue(), "a.xlsx") == "too_many_rows"


@pytest.mark.parametrize("name", ["edr__src__TestData__Test_Row1217NotRead.xls", "calamine__tests__OOM_alloc2.xls"])
def test_an_xls_whose_last_sector_is_short_is_read(name):
    data = real_file(name)
    assert len(data) % 512 != 0
    assert verdict(data, "a.xls") == "read"


def test_upper_case_part_names_are_read():
    data = real_file("edr__src__TestData__Test_git_issue_301_IgnoreCase.xlsx")
    assert "xl/WorkBook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    book, problems = open_book(data, "a.xlsx")
    assert problems == [] and book.sheets and any(book.sheets[0].rows)


def test_a_csv_field_over_128_kib_is_read():
    note = "调解记录" * 40_000  # 160,000 characters, beyond csv's default field limit of 131,072
    data = ("纠纷编号,备注\nJF001," + note + "\n").encode("utf-8")
    book, problems = open_book(data, "台账.csv")
    assert problems == []
    assert book.sheets[0].rows[1] == ["JF001", note]


@pytest.mark.parametrize("name", ["calamine__tests__pass_protected.ods", "roo__test__files__encrypted-letmein.ods"])
def test_a_password_protected_ods_is_encrypted(name):
    assert verdict(real_file(name), "a.ods") == "encrypted"


@pytest.mark.parametrize("name,fmt,first", [
    ("edr__src__TestData__protectedsheet-xxx.xls", "xls", ["x"]),
    ("edr__src__TestData__Test_git_issue289.xlsx", "xlsx", ["aaaaaaa"]),
    ("edr__src__TestData__TestExcel_2040.xlsx", "xlsx", ["Name", "Id", "Education"]),
    ("edr__src__TestData__TestExcel_2040.xls", "xls", ["Name", "Id", "Education"]),
])
def test_excel_default_password_is_decrypted_and_read(name, fmt, first):
    book, problems = open_book(real_file(name), "a." + fmt)
    assert problems == []
    assert book.format == fmt
    assert book.sheets[0].rows[0] == first


@pytest.mark.parametrize("name", ["edr__src__TestData__agile_AES256_SHA512_CBC_pwd_password.xlsx",
                                  "poi__test-data__spreadsheet__password.xls",
                                  "sheetjs__password_2002_40_xor.xls"])
def test_a_real_password_is_still_refused_as_encrypted(name):
    assert verdict(real_file(name), name) == "encrypted"


def test_decrypted_bytes_are_held_to_the_upload_limits():
    from metrics.decrypt import decrypt_default
    from metrics.rawbook import Limits

    data = real_file("edr__src__TestData__Test_git_issue289.xlsx")
    book, problems = open_book(data, "a.xlsx", Limits(max_zip_members=3))  # the plain zip has 14 parts
    assert book is None and [p.code for p in problems] == ["zip_bomb"]
    assert decrypt_default(data, max_bytes=10**6)[:4] == b"PK\x03\x04"
    assert decrypt_default(data, max_bytes=1000) is None  # declared plain size 8,223 bytes


# --- 5. WPS 表格 -------------------------------------------------------------------------------------

def test_a_wps_et_with_biff_inside_is_read_as_xls():
    data = real_file("sheetjs__artifacts__wps__write.xls")
    for name in ("报表.et", "模板.ett", "报表.ET"):
        book, problems = open_book(data, name)
        assert problems == [] and book.format == "xls"


def test_a_wps_et_of_wps_own_format_is_refused_with_save_as_xlsx():
    other = _ole_without_workbook()
    for name in ("报表.et", "模板.ett"):
        book, problems = open_book(other, name)
        assert book is None and [p.code for p in problems] == ["wps_format"]
        assert "请在 WPS 中另存为 .xlsx 后上传" in problems[0].message
        assert "无法识别" not in problems[0].message
    assert verdict(other, "a.xls") == "unsupported_type"  # named .xls it is an unknown OLE file


def _ole_without_workbook() -> bytes:
    """A minimal compound file whose only stream is called ``WpsContent``."""
    import struct

    sector = 512
    header = bytearray(sector)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<H", header, 0x20, 6)
    struct.pack_into("<IIIIIIIII", header, 0x2C, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE] + [0xFFFFFFFF] * 125
    fat_sector = struct.pack("<128I", *fat)
    directory = bytearray(sector)

    def entry(i: int, name: str, typ: int, start: int, size: int) -> None:
        raw = name.encode("utf-16-le") + b"\0\0"
        directory[i * 128 : i * 128 + len(raw)] = raw
        struct.pack_into("<HBB", directory, i * 128 + 64, len(raw), typ, 1)
        struct.pack_into("<III", directory, i * 128 + 68, 0xFFFFFFFF, 0xFFFFFFFF, 1 if typ == 5 else 0xFFFFFFFF)
        struct.pack_into("<II", directory, i * 128 + 116, start, size)

    entry(0, "Root Entry", 5, 0xFFFFFFFE, 0)
    entry(1, "WpsContent", 2, 2, 4096)
    return bytes(header) + fat_sector + bytes(directory) + b"\x01" * 4096


def test_an_extension_list_after_the_styled_last_row_is_no_value():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["警务室编码"])
    ws.cell(row=1_048_576, column=1).fill = PatternFill("solid", fgColor="FFFF00")
    bio = io.BytesIO()
    wb.save(bio)
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:dataValidations xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1">'
           b'<x14:dataValidation type="list"><x14:formula1><xm:f>Sheet2!$A$1:$A$3</xm:f></x14:formula1>'
           b'<xm:sqref>A2:A100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')
    src = zipfile.ZipFile(io.BytesIO(bio.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</worksheet>", ext + b"</worksheet>")
            dst.writestr(info.filename, body)
    book, problems = open_book(out.getvalue(), "a.xlsx")
    assert problems == [] and book.sheets[0].rows == [["警务室编码"]]


def test_a_key_derivation_longer_than_excels_is_not_attempted(monkeypatch):
    import metrics.decrypt as decrypt

    data = real_file("edr__src__TestData__Test_git_issue289.xlsx")  # agile, 100,000 rounds
    assert decrypt.decrypt_default(data, 10**6) is not None
    monkeypatch.setattr(decrypt, "MAX_SPIN_COUNT", 99_999)
    assert decrypt.decrypt_default(data, 10**6) is None
    assert verdict(data, "a.xlsx") == "encrypted"


def test_a_fill_reaching_the_last_column_does_not_make_the_sheet_too_large():
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 801):
        ws.cell(row=r, column=1, value=r)
    ws.cell(row=1, column=16_384).fill = PatternFill("solid", fgColor="FFFF00")  # styled, empty, at XFD1
    bio = io.BytesIO()
    wb.save(bio)
    book, problems = open_book(bio.getvalue(), "a.xlsx")
    assert problems == [] and len(book.sheets[0].rows) == 800 and book.sheets[0].rows[0] == [1]


def test_values_really_spread_over_too_many_cells_are_still_too_large():
    from metrics.rawbook import Limits

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 801):
        ws.cell(row=r, column=1, value=r)
    ws.cell(row=1, column=16_384, value="远处误填")
    bio = io.BytesIO()
    wb.save(bio)
    assert verdict(bio.getvalue(), "a.xlsx") == "sheet_too_large"
    assert Limits().max_cells < 800 * 16_384


def test_a_panic_while_decrypting_is_an_encrypted_file_not_a_traceback(monkeypatch):
    import msoffcrypto

    panic = type("PanicException", (BaseException,), {"__module__": "pyo3_runtime"})

    def panicking(*_a, **_k):
        raise panic("index out of bounds")

    monkeypatch.setattr(msoffcrypto, "OfficeFile", panicking)
    assert verdict(real_file("edr__src__TestData__Test_git_issue289.xlsx"), "a.xlsx") == "encrypted"
