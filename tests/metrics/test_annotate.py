"""The annotated problem workbook: bad cells red with the message as a comment, plus a 问题清单 sheet."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from metrics import problems as pb
from metrics.annotate import FILL_COLOR, LIST_HEADERS, LIST_SHEET, FileRefused, annotate
from metrics.filesafety import Limits
from metrics.reader import read_upload
from metrics.schema import MONTHLY

UPLOAD_DATE = dt.date(2026, 11, 3)
FIXTURES = Path(__file__).parent / "fixtures"

GOOD = ["3702020001", "城关社区警务室", "城关派出所", "市南分局", "2026-10", 2, 1, 3, 1000, 3000, 100, 500, 200,
        40, 30, 10, 2, 1, 0, 20, 18, 50, 40, 50, 45]
COL = {c.key: i for i, c in enumerate(MONTHLY.columns, start=1)}
"""1-based column of each key in the test workbooks (header row in schema order)."""


def _monthly_book(rows: list[list], *, headers: list[str] | None = None, title_rows: int = 2) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = MONTHLY.title
    ws.append(["城关派出所2026年10月社区警务工作月报表"])
    if title_rows > 1:
        ws.append(["填报单位：城关派出所    填报日期：2026-11-03"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=10)
    ws.append(headers or [c.header for c in MONTHLY.columns])
    for row in rows:
        ws.append(row)
    wb.create_sheet("填报说明").append(["请按模板填写"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(**changes) -> list:
    row = list(GOOD)
    for key, value in changes.items():
        row[COL[key] - 1] = value
    return row


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _is_red(cell) -> bool:
    return cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith(FILL_COLOR)


def test_bad_cells_are_red_with_the_message_as_comment():
    data = _monthly_book([_row(), _row(office_code="3702020002", households="很多", officer_days=999)])
    up = read_upload(data, "月报.xlsx", upload_date=UPLOAD_DATE)
    assert {p.code for p in up.problems} == {"not_a_number", "officer_days_exceed"}

    wb = _open(annotate(data, "月报.xlsx", up.problems))

    ws = wb[MONTHLY.title]
    households = ws.cell(5, COL["households"])
    assert _is_red(households) and households.value == "很多"
    assert "“辖区户数”应为数字" in households.comment.text
    days = ws.cell(5, COL["officer_days"])
    assert _is_red(days) and "民警在岗天数 999" in days.comment.text
    # the good row and the header stay as they were
    assert not any(_is_red(c) or c.comment for c in ws[4])
    assert not any(_is_red(c) for c in ws[3])
    # everything else is kept
    assert wb["填报说明"]["A1"].value == "请按模板填写"
    assert "A1:J1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(4, COL["office_code"]).value == "3702020001"


def test_problem_list_is_the_first_sheet_with_every_problem_frozen_and_filtered():
    data = _monthly_book([_row(households=0), _row(office_code="3702020002", month="2026-13")])
    up = read_upload(data, "月报.xlsx", upload_date=UPLOAD_DATE)
    extra = pb.make("no_known_sheet", file="月报.xlsx")  # a file-level problem: listed only
    problems = [*up.problems, extra]

    wb = _open(annotate(data, "月报.xlsx", problems))

    assert wb.sheetnames[0] == LIST_SHEET and wb.active.title == LIST_SHEET
    ws = wb[LIST_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == LIST_HEADERS
    assert len(rows) == len(problems) + 1
    assert [r[6] for r in rows[1:]] == [p.message for p in problems]
    assert {r[5] for r in rows[1:]} == {"错误"}
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:G{len(problems) + 1}"


def test_several_problems_on_one_cell_give_one_comment_listing_all():
    data = _monthly_book([_row()])
    problems = [
        pb.make("out_of_range", file="f.xlsx", sheet=MONTHLY.title, row=4, column="辖区户数", value=5, rule="> 0"),
        pb.make("visited_exceeds_households", file="f.xlsx", sheet=MONTHLY.title, row=4, column="辖区户数",
                value=100, households=5),
    ]
    cell = _open(annotate(data, "f.xlsx", problems))[MONTHLY.title].cell(4, COL["households"])
    assert _is_red(cell)
    text = cell.comment.text
    assert text.startswith("1. ") and "\n2. " in text
    assert problems[0].message in text and problems[1].message in text


def test_row_problem_without_a_column_marks_the_first_cell_of_the_row():
    data = _monthly_book([_row(), _row()])
    up = read_upload(data, "f.xlsx", upload_date=UPLOAD_DATE)
    dup = [p for p in up.problems if p.code == "duplicate_key"]
    assert dup
    row_level = pb.make("total_row_skipped", file="f.xlsx", sheet=MONTHLY.title, row=5)
    ws = _open(annotate(data, "f.xlsx", [*dup, row_level]))[MONTHLY.title]
    first = ws.cell(5, 1)
    assert _is_red(first)
    assert row_level.message in first.comment.text


def test_header_written_with_spaces_still_finds_its_column():
    headers = [c.header for c in MONTHLY.columns]
    headers[COL["households"] - 1] = " 辖区\n户数 "
    data = _monthly_book([_row(households=-3)], headers=headers, title_rows=1)
    up = read_upload(data, "f.xlsx", upload_date=UPLOAD_DATE)
    assert [p.code for p in up.problems] == ["out_of_range"]
    ws = _open(annotate(data, "f.xlsx", up.problems))[MONTHLY.title]
    assert _is_red(ws.cell(3, COL["households"]))


FORMULA_LIKE = ["=cmd|' /C calc'!A0", "+1", "-1", "@x", "=1+1", "=HYPERLINK(\"http://x\",\"y\")"]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_problem_text_never_becomes_a_formula(kind):
    if kind == "xlsx":
        data, name = _monthly_book([_row()]), "f.xlsx"
    else:
        data, name = ("警务室编码,警务室名称\n3702020001,城关\n").encode(), "f.csv"
    sheet = MONTHLY.title if kind == "xlsx" else "f"
    problems = [
        pb.make("bad_enum", file=name, sheet=sheet, row=4 if kind == "xlsx" else 2, column="警务室名称",
                value=v + "\x01\x07", choices=v)
        for v in FORMULA_LIKE
    ] + [pb.make("no_known_sheet", file=v, sheet=v) for v in FORMULA_LIKE]

    out = annotate(data, name, problems)

    with zipfile.ZipFile(io.BytesIO(out)) as z:
        for member in z.namelist():
            if member.endswith(".xml"):
                xml = z.read(member).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, member
                assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)
    ws = _open(out)[LIST_SHEET]
    values = [r[4] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert values[: len(FORMULA_LIKE)] == FORMULA_LIKE  # shown as typed, minus control characters
    files = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert files[len(FORMULA_LIKE):] == FORMULA_LIKE


def test_csv_upload_gives_a_workbook_with_the_values_and_the_marks():
    text = "\n".join([
        ",".join(c.header for c in MONTHLY.columns),
        ",".join(str(v) for v in _row()),
        ",".join(str(v) for v in _row(office_code="3702020002", households="很多")),
    ])
    data = text.encode("gb18030")
    up = read_upload(data, "月报.csv", upload_date=UPLOAD_DATE)
    assert [p.code for p in up.problems] == ["not_a_number"]

    wb = _open(annotate(data, "月报.csv", up.problems))

    assert wb.sheetnames[0] == LIST_SHEET
    ws = wb[wb.sheetnames[1]]
    assert ws.cell(1, 1).value == "警务室编码"
    assert ws.cell(2, 1).value == "3702020001"  # codes kept as the text they were
    bad = ws.cell(3, COL["households"])
    assert bad.value == "很多" and _is_red(bad)
    assert "“辖区户数”应为数字" in bad.comment.text


def test_xls_upload_gives_a_workbook_with_the_values_and_the_marks():
    data = (FIXTURES / "annotate_input.xls").read_bytes()  # saved by LibreOffice as Excel 97-2003
    up = read_upload(data, "月报.xls", upload_date=UPLOAD_DATE)
    assert {p.code for p in up.problems} == {"not_a_number", "officer_days_exceed"}

    wb = _open(annotate(data, "月报.xls", up.problems))

    assert wb.sheetnames == [LIST_SHEET, MONTHLY.title]
    ws = wb[MONTHLY.title]
    assert ws.cell(2, 1).value == "警务室编码"
    assert _is_red(ws.cell(4, COL["households"])) and ws.cell(4, COL["households"]).value == "很多"
    assert _is_red(ws.cell(4, COL["officer_days"])) and ws.cell(4, COL["officer_days"]).value == 999
    assert not _is_red(ws.cell(3, COL["households"]))


def test_a_file_refused_as_a_whole_has_nothing_to_annotate():
    data = b"PK\x03\x04" + b"\x00" * 200  # a broken zip
    up = read_upload(data, "坏文件.xlsx", upload_date=UPLOAD_DATE)
    assert up.errors
    with pytest.raises(FileRefused) as refused:
        annotate(data, "坏文件.xlsx", up.problems)
    assert refused.value.problem.code == "corrupt_file" and str(refused.value) == up.problems[0].message


@pytest.mark.parametrize("lie", [False, True])
def test_a_zip_bomb_is_refused_quickly_and_never_inflated(lie):
    """Issue 17: the upload page built the annotated copy with openpyxl on the raw bytes of a zip bomb
    (40 s later still inflating, 290 MB → 1.4 GB). annotate now applies the reader's checks first."""
    import time
    import tracemalloc

    from metrics.filesafety import Limits
    from tests.metrics.test_filesafety import bomb_xlsx, lie_about_sizes

    data = bomb_xlsx(300)
    if lie:
        data = lie_about_sizes(data, "xl/worksheets/sheet1.xml", 4000)
    problems = [pb.make("zip_bomb", file="炸弹.xlsx", detail="x")]
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(FileRefused) as refused:
        annotate(data, "炸弹.xlsx", problems, limits=Limits())
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert refused.value.problem.code == "zip_bomb"
    assert elapsed < 3.0 and peak < 40 * 2**20


def test_annotate_applies_the_given_size_limit():
    data = _monthly_book([GOOD])
    with pytest.raises(FileRefused) as refused:
        annotate(data, "f.xlsx", [], limits=Limits(max_bytes=len(data) - 1))
    assert refused.value.problem.code == "file_too_large"


def test_existing_problem_sheet_name_is_not_overwritten():
    wb = openpyxl.Workbook()
    wb.active.title = LIST_SHEET
    wb.active["A1"] = "用户自己的内容"
    buf = io.BytesIO()
    wb.save(buf)
    out = _open(annotate(buf.getvalue(), "f.xlsx", [pb.make("no_known_sheet", file="f.xlsx")]))
    assert out.sheetnames == [f"{LIST_SHEET}2", LIST_SHEET]
    assert out[LIST_SHEET]["A1"].value == "用户自己的内容"


def test_every_row_of_a_duplicate_key_is_marked():
    data = _monthly_book([_row(), _row(), _row()])
    up = read_upload(data, "f.xlsx", upload_date=UPLOAD_DATE)
    dup = [p for p in up.problems if p.code == "duplicate_key"]
    assert [p.row for p in dup] == [4, 5, 6]
    ws = _open(annotate(data, "f.xlsx", up.problems))[MONTHLY.title]
    code_col = next(c.column for c in ws[3] if c.value == MONTHLY.column("office_code").header)
    for p in dup:
        cell = ws.cell(p.row, code_col)
        assert _is_red(cell) and p.message in cell.comment.text
