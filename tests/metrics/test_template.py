"""The blank template: generated from the schema, and what a user fills in reads back cleanly."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from metrics import schema
from metrics.cli import main as cli_main
from metrics.reader import read_upload
from metrics.schema import EXAMPLE_PREFIX, LEDGER, MONTHLY, TIME_LIMIT_DAYS
from metrics.template import INSTRUCTIONS_SHEET, LISTS_SHEET, build_template, choices
from sample_data.generate import REPORT_DATE, build_bureau, station_rows

KINDS = (MONTHLY, LEDGER)


@pytest.fixture(scope="module")
def template_bytes() -> bytes:
    return build_template()


@pytest.fixture(scope="module")
def book(template_bytes: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_bytes))


def _validations(ws) -> dict[int, object]:
    """1-based column → the data validation covering row 2 of that column."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if rng.min_row <= 2 <= rng.max_row:
                for c in range(rng.min_col, rng.max_col + 1):
                    out[c] = dv
    return out


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    """The values a list validation offers: inline ``"a,b"`` or a range on another sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.lstrip("=").split("!")
    cells = wb[sheet.strip("'")][ref.replace("$", "")]
    return [row[0].value for row in cells]


def _column_format(ws, col: int) -> str:
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= dim.max:
            return dim.number_format
    return "General"


def test_template_has_both_sheets_with_canonical_headers_in_schema_order(book):
    assert book.sheetnames[:2] == [MONTHLY.title, LEDGER.title]
    assert INSTRUCTIONS_SHEET in book.sheetnames
    assert book[LISTS_SHEET].sheet_state == "hidden"
    for kind in KINDS:
        ws = book[kind.title]
        assert [c.value for c in ws[1]] == [col.header for col in kind.columns]


def test_header_row_is_frozen_and_every_header_carries_its_hint(book):
    for kind in KINDS:
        ws = book[kind.title]
        assert ws.freeze_panes == "A2"
        validations = _validations(ws)
        for j, col in enumerate(kind.columns, start=1):
            comment = ws.cell(1, j).comment
            assert comment is not None and col.hint in comment.text
            assert col.hint in validations[j].prompt
            assert validations[j].showInputMessage
            # wide enough for the Chinese header (two units per character)
            width = next(d.width for d in ws.column_dimensions.values() if d.min <= j <= d.max)
            assert width >= 2 * len(col.header)


def test_every_enum_column_offers_exactly_its_vocabulary(book):
    enum_columns = 0
    for kind in KINDS:
        ws = book[kind.title]
        validations = _validations(ws)
        for j, col in enumerate(kind.columns, start=1):
            if col.vocabulary:
                enum_columns += 1
                dv = validations[j]
                assert dv.type == "list"
                assert _list_values(book, dv.formula1) == list(schema.VOCABULARIES[col.vocabulary].values)
            elif col.type == "bool":
                assert _list_values(book, validations[j].formula1) == ["是", "否"]
    assert enum_columns == sum(1 for k in KINDS for c in k.columns if c.vocabulary)


def test_long_lists_refer_to_the_hidden_options_sheet():
    wb = openpyxl.load_workbook(io.BytesIO(build_template(inline_limit=0)))
    ws = wb[LEDGER.title]
    validations = _validations(ws)
    for j, col in enumerate(LEDGER.columns, start=1):
        values = choices(col)
        if values:
            assert validations[j].formula1.startswith(f"{LISTS_SHEET}!")
            assert _list_values(wb, validations[j].formula1) == list(values)


def test_count_columns_accept_whole_numbers_from_the_schema_minimum(book):
    for kind in KINDS:
        validations = _validations(book[kind.title])
        for j, col in enumerate(kind.columns, start=1):
            dv = validations[j]
            if col.type == "int":
                assert dv.type == "whole"
                assert dv.operator == ("greaterThan" if col.minimum_exclusive else "greaterThanOrEqual")
                assert float(dv.formula1) == col.minimum
            elif col.type == "number":
                assert dv.type == "decimal" and float(dv.formula1) == col.minimum
            elif col.type == "date":
                assert dv.type == "date"


def test_code_columns_are_text_so_excel_keeps_the_digits(book):
    for kind in KINDS:
        ws = book[kind.title]
        for j, col in enumerate(kind.columns, start=1):
            if col.type == "code":
                assert _column_format(ws, j) == "@"
                assert ws.cell(2, j).number_format == "@"


def test_each_sheet_has_one_grey_italic_example_row(book):
    for kind in KINDS:
        ws = book[kind.title]
        key_col = kind.keys.index(kind.example_column) + 1
        example = ws.cell(2, key_col)
        assert str(example.value).startswith(EXAMPLE_PREFIX)
        assert example.font.i and example.font.color.rgb.endswith("808080")
        assert ws.max_row == 2


def test_instructions_explain_time_limits_spellings_and_the_example_row(book):
    text = "\n".join(str(v) for row in book[INSTRUCTIONS_SHEET].iter_rows(values_only=True) for v in row if v)
    assert EXAMPLE_PREFIX in text and "跳过" in text
    for complexity, days in TIME_LIMIT_DAYS.items():
        assert f"{complexity} {days} 天" in text
    for vocab in schema.VOCABULARIES.values():
        for value, alts in vocab.aliases.items():
            assert value in text and "、".join(alts) in text


def test_template_as_written_reads_as_empty_with_example_rows_skipped(template_bytes):
    up = read_upload(template_bytes, "模板.xlsx", upload_date=REPORT_DATE)
    assert up.errors == []
    assert len(up.monthly) == 0 and len(up.ledger) == 0


def _fill(ws, kind, frame) -> None:
    """Add ``frame``'s rows below the example row, as a user typing into the template would."""
    for i, row in enumerate(frame[list(kind.keys)].itertuples(index=False), start=3):
        for j, (col, value) in enumerate(zip(kind.columns, row, strict=True), start=1):
            if value is None or pd.isna(value):
                continue
            if col.type == "date":
                value = value.to_pydatetime()
            elif col.type == "bool":
                value = "是" if value else "否"
            elif col.type in ("int",) and float(value).is_integer():
                value = int(value)
            ws.cell(i, j, value)


def test_filled_template_round_trips_with_zero_errors_and_skips_examples(template_bytes):
    monthly, ledger = build_bureau()
    station = sorted(set(monthly["station"]))[0]
    rows, led = station_rows(monthly, ledger, station, "2026-10")
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes))
    _fill(wb[MONTHLY.title], MONTHLY, rows)
    _fill(wb[LEDGER.title], LEDGER, led)
    buf = io.BytesIO()
    wb.save(buf)

    up = read_upload(buf.getvalue(), "填好的模板.xlsx", upload_date=REPORT_DATE)

    assert up.errors == []
    assert sorted(up.monthly["office_code"]) == sorted(rows["office_code"])
    assert sorted(up.ledger["dispute_id"]) == sorted(led["dispute_id"])
    assert not up.monthly["office_code"].str.startswith(EXAMPLE_PREFIX).any()
    assert up.monthly.set_index("office_code")["households"].to_dict() == rows.set_index("office_code")["households"].to_dict()
    assert set(up.monthly["_row"]) == set(range(3, 3 + len(rows)))


def test_template_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "模板.xlsx"
    assert cli_main(["template", "--out", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[:2] == [MONTHLY.title, LEDGER.title]
    captured = capsys.readouterr()
    assert captured.out == "" and "已生成填报模板" in captured.err


@pytest.mark.parametrize("where", ["missing_dir/模板.xlsx", "模板.txt", "."])
def test_template_command_refuses_a_bad_output_path_with_exit_2(tmp_path, capsys, where):
    assert cli_main(["template", "--out", str(tmp_path / where)]) == 2
    err = capsys.readouterr().err
    assert "用法错误" in err and "Traceback" not in err


def test_template_help_is_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        cli_main(["template", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "用法" in out and "模板" in out and "show this help" not in out


def test_example_dates_are_real_dates(book):
    col = LEDGER.keys.index("received_date") + 1
    assert isinstance(book[LEDGER.title].cell(2, col).value, dt.datetime)


def test_prefilled_rows_follow_the_example_row_as_text_and_a_floor_comment():
    from metrics.template import PrefillRow, floor_hint

    row = PrefillRow({"office_code": "0370001", "office_name": "=HYPERLINK(\"http://x\")", "station": "城关派出所",
                      "branch": "城区分局", "month": "2026-11", "households": 3200},
                     {"visited_ytd": ("2026-10", 1450)})
    ws = openpyxl.load_workbook(io.BytesIO(build_template(monthly_rows=[row])))[MONTHLY.title]
    keys = [next(c.key for c in MONTHLY.columns if c.header == cell.value) for cell in ws[1]]
    cells = dict(zip(keys, ws[3], strict=True))
    assert cells["office_code"].value == "0370001" and cells["office_code"].data_type == "s"
    assert cells["office_name"].data_type == "s"  # a name is never a formula
    assert cells["households"].value == 3200 and cells["population"].value is None
    assert cells["visited_ytd"].value is None
    assert cells["visited_ytd"].comment.text == floor_hint("本年累计走访户数", "2026-10", 1450)
    assert ws.max_row == 3
