"""Raw reading through ``open_book`` on real bytes: grids, flags, epochs, visibility, CSV, extents."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from metrics.rawbook import Limits, open_book, strip_controls

FIXTURES = Path(__file__).parent.parent / "fixtures"


def read(data: bytes, name: str = "上报.xlsx", limits: Limits | None = None):
    book, problems = open_book(data, name, limits)
    assert problems == [], problems
    return book


def refused(data: bytes, name: str = "上报.xlsx", limits: Limits | None = None) -> str:
    book, problems = open_book(data, name, limits)
    assert book is None and len(problems) == 1
    return problems[0].code


def openpyxl_bytes(wb: openpyxl.Workbook) -> bytes:
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def xlsxwriter_bytes(build, **options) -> bytes:
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True, **options})
    build(wb)
    wb.close()
    return bio.getvalue()


def edit_member(data: bytes, member: str, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            zout.writestr(info.filename, edit(body) if info.filename == member else body)
    return out.getvalue()


# --- real files saved by LibreOffice -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_saved_files_read_with_saved_formula_values_dates_and_hidden_sheets(fmt):
    book = read((FIXTURES / f"lo_saved.{fmt}").read_bytes(), f"lo_saved.{fmt}")
    assert book.format == fmt
    main, notes = book.sheets
    assert (main.name, main.visible) == ("矛盾纠纷台账", True)
    assert (notes.name, notes.visible, notes.rows) == ("填报说明", False, [["本表按月填报"]])
    assert main.rows[0] == ["城关派出所2026年10月矛盾纠纷台账"]
    assert main.rows[1] == ["纠纷编号", "数量", "受理日期", "备注"]
    assert main.rows[2] == ["JF001", 3, dt.date(2026, 10, 3), "邻里纠纷", 8]  # =B4*2 saved as 8
    assert main.rows[3][:4] == ["JF002", 4, dt.date(2026, 10, 5), "已调解"]
    assert main.flags == {(3, 4): "error:#DIV/0!"}  # =1/0
    assert main.rows[3][4] is None
    assert book.date1904 is False


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_merged_title_range_is_reported(fmt):
    book = read((FIXTURES / f"lo_saved.{fmt}").read_bytes(), f"lo_saved.{fmt}")
    assert book.sheets[0].merged == [(0, 0, 0, 3)]


def test_producer_names_the_saving_application():
    assert read((FIXTURES / "lo_saved.xlsx").read_bytes()).producer.startswith("LibreOffice")
    assert read((FIXTURES / "lo_saved.ods").read_bytes(), "x.ods").producer.startswith("LibreOffice")


def test_merged_ranges_of_an_openpyxl_workbook_are_reported():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "标题"
    wb.active.merge_cells("A1:C2")
    wb.active["B4"] = "x"
    assert read(openpyxl_bytes(wb)).sheets[0].merged == [(0, 0, 1, 2)]


# --- formula and error cells ---------------------------------------------------------------------------


def test_formula_without_saved_value_is_flagged_and_never_read_as_a_number():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["警务室编码", "警情总数", "纠纷类警情数"])
    ws.append(["3702020001", 10, "=B2*2"])
    ws["A3"] = "=SUM(B2:B2)"  # the only cell of its row: calamine drops the row entirely
    sheet = read(openpyxl_bytes(wb)).sheets[0]
    assert sheet.flags == {(1, 2): "formula_without_value", (2, 0): "formula_without_value"}
    assert sheet.rows[1] == ["3702020001", 10, None]
    assert sheet.rows[2] == [None]  # padded so that the flagged cell exists


def test_error_cells_are_flagged_with_their_error_value():
    def build(wb):
        ws = wb.add_worksheet("月报")
        ws.write_row(0, 0, ["a", "b"])
        ws.write_formula(1, 0, "=1/0", None, "#DIV/0!")
        ws.write_formula(1, 1, "=NA()", None, "#N/A")
        ws.write_formula(2, 0, "=1+1", None, 2)

    sheet = read(xlsxwriter_bytes(build)).sheets[0]
    assert sheet.flags == {(1, 0): "error:#DIV/0!", (1, 1): "error:#N/A"}
    assert sheet.rows[1] == [None, None]
    assert sheet.rows[2] == [2]


def test_formula_with_a_saved_empty_string_is_not_flagged():
    def build(wb):
        wb.add_worksheet("S").write_row(0, 0, ["x", "y"])

    data = edit_member(
        xlsxwriter_bytes(build),
        "xl/worksheets/sheet1.xml",
        lambda b: b.replace(b"</sheetData>", b'<row r="2"><c r="A2" t="str"><f>IF(1,"","x")</f><v></v></c>'
                                              b'<c r="B2"><f>1+1</f><v>2</v></c></row></sheetData>'),
    )
    sheet = read(data).sheets[0]
    assert sheet.flags == {}
    assert sheet.rows[1] == [None, 2]


def test_formula_cells_without_references_are_located_by_their_order():
    def build(wb):
        wb.add_worksheet("S").write_row(0, 0, ["x"])

    data = edit_member(
        xlsxwriter_bytes(build),
        "xl/worksheets/sheet1.xml",
        lambda b: re.sub(rb"<sheetData>.*</sheetData>",
                         b"<sheetData><row><c t=\"inlineStr\"><is><t>h</t></is></c></row>"
                         b"<row><c><v>1</v></c><c><f>A2*2</f></c></row></sheetData>", b, flags=re.S),
    )
    sheet = read(data).sheets[0]
    assert sheet.flags == {(1, 1): "formula_without_value"}
    assert sheet.rows == [["h"], [1, None]]


def test_ods_formula_without_value_is_flagged():
    content = (FIXTURES / "lo_saved.ods").read_bytes()
    data = edit_member(
        content,
        "content.xml",
        lambda b: b.replace(b'table:formula="of:=1/0" office:value-type="string" office:string-value="" '
                            b'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>',
                            b'table:formula="of:=[.B4]*3"/>'),
    )
    sheet = read(data, "x.ods").sheets[0]
    assert sheet.flags == {(3, 4): "formula_without_value"}


# --- extents ---------------------------------------------------------------------------------------------


def test_lying_dimension_tag_costs_only_the_real_content():
    def build(wb):
        ws = wb.add_worksheet("S")
        for r in range(50):
            ws.write_row(r, 0, [r, "x"])

    data = edit_member(xlsxwriter_bytes(build), "xl/worksheets/sheet1.xml",
                       lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', b))
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = read(data).sheets[0]
    assert len(sheet.rows) == 50 and max(len(r) for r in sheet.rows) == 2


def rows_xlsx(n: int) -> bytes:
    def build(wb):
        ws = wb.add_worksheet("台账")
        for r in range(n):
            ws.write_row(r, 0, [r, "x"])

    return xlsxwriter_bytes(build)


def test_stray_cell_in_the_last_column_is_refused_before_the_grid_is_built():
    stray = b'<c r="XFD1" t="inlineStr"><is><t>X</t></is></c></row>'
    data = edit_member(rows_xlsx(1000), "xl/worksheets/sheet1.xml", lambda b: b.replace(b"</row>", stray, 1))
    assert refused(data) == "sheet_too_large"


def test_stray_cell_in_the_last_row_is_refused_as_too_many_rows():
    stray = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>X</t></is></c></row></sheetData>'
    data = edit_member(rows_xlsx(10), "xl/worksheets/sheet1.xml", lambda b: b.replace(b"</sheetData>", stray))
    assert refused(data) == "too_many_rows"


def test_rows_beyond_the_limit_are_refused_for_xlsx_xls_ods_and_csv():
    limits = Limits(max_rows=1)  # 1 data row + 20 rows for titles and header = 21 rows
    wb = openpyxl.Workbook()
    for i in range(22):
        wb.active.append([i])
    assert refused(openpyxl_bytes(wb), limits=limits) == "too_many_rows"
    for fmt in ("xls", "ods"):
        assert read((FIXTURES / f"lo_saved.{fmt}").read_bytes(), f"a.{fmt}", limits).sheets
        assert refused((FIXTURES / f"lo_saved.{fmt}").read_bytes(), f"a.{fmt}", Limits(max_rows=-17)) == "too_many_rows"
    csv = "\n".join(str(i) for i in range(22)).encode()
    assert refused(csv, "a.csv", limits) == "too_many_rows"
    assert read(csv[: csv.index(b"21") - 1], "a.csv", limits).sheets[0].rows[-1] == ["20"]


def test_ods_repeated_cells_cannot_expand_into_a_huge_grid():
    content = (FIXTURES / "lo_saved.ods").read_bytes()
    bomb = (b'<table:table-row table:number-rows-repeated="100000"><table:table-cell '
            b'table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row>')
    data = edit_member(content, "content.xml",
                       lambda b: re.sub(rb"<table:table-row [^>]*number-rows-repeated", lambda m: bomb + m.group(0), b, count=1))
    assert refused(data, "x.ods") == "sheet_too_large"


# --- dates ----------------------------------------------------------------------------------------------


def test_1904_workbook_is_recorded_and_its_date_cells_are_converted_with_that_epoch():
    def build(wb):
        ws = wb.add_worksheet("S")
        ws.write_datetime(0, 0, dt.datetime(2026, 10, 3), wb.add_format({"num_format": "yyyy-mm-dd"}))
        ws.write_number(0, 1, 44836)

    data = xlsxwriter_bytes(build, date_1904=True)
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    book = read(data)
    assert book.date1904 is True
    assert book.sheets[0].rows[0] == [dt.date(2026, 10, 3), 44836]  # the serial is 44836 in the 1904 epoch


def test_1900_workbook_is_not_marked_1904():
    def build(wb):
        wb.add_worksheet("S").write_datetime(0, 0, dt.datetime(2026, 10, 3), wb.add_format({"num_format": "yyyy-mm-dd"}))

    book = read(xlsxwriter_bytes(build))
    assert book.date1904 is False and book.sheets[0].rows[0] == [dt.date(2026, 10, 3)]


# --- hidden sheets and text ------------------------------------------------------------------------------


def test_hidden_and_very_hidden_sheets_are_marked_invisible():
    wb = openpyxl.Workbook()
    wb.active.title = "月报"
    wb.active["A1"] = 1
    wb.create_sheet("隐藏").sheet_state = "hidden"
    wb.create_sheet("深度隐藏").sheet_state = "veryHidden"
    book = read(openpyxl_bytes(wb))
    assert [(s.name, s.visible) for s in book.sheets] == [("月报", True), ("隐藏", False), ("深度隐藏", False)]


def test_control_characters_are_stripped_from_text_cells_but_tabs_and_newlines_kept():
    def build(wb):
        ws = wb.add_worksheet("S")
        ws.write_string(0, 0, "邻里\x01纠纷\x1f")
        ws.write_string(0, 1, "第一行\r\n第二行\t备注\x7f")
        ws.write_string(0, 2, "\x02\x03")
        ws.write_string(0, 3, "不间断\u00a0空格\u200b")

    sheet = read(xlsxwriter_bytes(build)).sheets[0]
    assert sheet.rows == [["邻里纠纷", "第一行\n第二行\t备注", None, "不间断\u00a0空格\u200b"]]
    assert strip_controls("a\x85b\x9fc\rd") == "abc\nd"


# --- CSV ------------------------------------------------------------------------------------------------

CSV_TEXT = "纠纷编号,受理日期,备注\nJF001,2026-10-03,\"邻里,纠纷\n第二行\"\nJF002,2026-10-05,\n"
CSV_ROWS = [["纠纷编号", "受理日期", "备注"], ["JF001", "2026-10-03", "邻里,纠纷\n第二行"], ["JF002", "2026-10-05"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_is_decoded_in_every_encoding_excel_writes(encoding):
    book = read(CSV_TEXT.encode(encoding), "矛盾纠纷台账.csv")
    assert book.format == "csv"
    assert book.sheets[0].name == "矛盾纠纷台账"
    assert book.sheets[0].rows == CSV_ROWS


def test_csv_that_no_encoding_decodes_is_refused_not_guessed():
    assert refused("纠纷编号,备注\n".encode() + b"JF001,\x80\xff\xfe\n", "a.csv") == "bad_encoding"


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_csv_with_tab_or_semicolon_delimiters_is_split_on_them(delimiter):
    text = CSV_TEXT.replace(",2026", delimiter + "2026").replace("日期,", "日期" + delimiter)
    text = text.replace("编号,", "编号" + delimiter).replace("-03,", "-03" + delimiter).replace("-05,", "-05" + delimiter)
    assert read(text.encode("utf-8"), "a.csv").sheets[0].rows == CSV_ROWS


def test_csv_control_characters_are_stripped():
    assert read(b"a,b\x01c\n", "a.csv").sheets[0].rows == [["a", "bc"]]


def test_csv_extension_does_not_matter_text_content_is_read_as_csv():
    assert read(CSV_TEXT.encode("gbk"), "导出.xls").format == "csv"


def test_xlsx_named_xls_is_read_by_its_content():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    assert read(openpyxl_bytes(wb), "renamed.xls").format == "xlsx"
