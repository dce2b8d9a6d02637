"""workbook.md "Messy sheets that must be read correctly", cases 1–7, each through a real workbook."""

import io

import pytest
import xlsxwriter
from builders import UPLOAD_DATE, Sheet, found, ledger_row, monthly_row, table, xlsx

from metrics.rawbook import open_book
from metrics.reader import read_upload
from metrics.schema import LEDGER, MONTHLY

M = "警务室月报"


def read(data):
    return read_upload(data, "messy.xlsx", upload_date=UPLOAD_DATE)


def test_1_ten_title_and_note_rows_above_the_header_are_skipped():
    titles = [["XX派出所2026年10月社区警务工作月报表"], ["填报单位：XX派出所  填报日期：2026-11-02"]] + [[None]] * 7 + [["单位：户、人、小时"]]
    rows = titles + table(MONTHLY, [monthly_row()])
    up = read(xlsx(Sheet(M, rows, merged=["A1:Y1", "A2:Y2", "A10:Y10"])))
    assert up.problems == []
    assert list(up.monthly["_row"]) == [12]


def test_2_header_spellings_with_spaces_breaks_brackets_units_and_traditional_characters():
    headers = {"office_code": "警務室編碼", "office_name": " 警务室 名称 ", "community_hours": "驻社区总时长（小时）",
               "officer_days": "民警在岗\n天数", "households": "辖区户数（户）", "visited_month": "本月走訪戶數"}
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row()], headers=headers))))
    assert up.problems == []
    row = up.monthly.iloc[0]
    assert (row["office_code"], row["community_hours"], row["households"]) == ("3702020001", 200.0, 1000.0)


@pytest.mark.parametrize("marker", ["合计", "总计", "小计", "合 计", " 合\u3000计 ", "總計"])
def test_3_totals_row_anywhere_is_skipped_and_reported(marker):
    total = {k: None for k in MONTHLY.keys} | {"office_code": marker, "households": 2000, "visited_month": 200}
    rows = table(MONTHLY, [monthly_row(), total, monthly_row(office_code="3702020002")])
    up = read(xlsx(Sheet(M, rows)))
    assert found(up) == [(M, 3, "", "total_row_skipped", "warning")]
    assert list(up.monthly["office_code"]) == ["3702020001", "3702020002"]


def test_3_totals_marker_in_the_name_column_is_found_too():
    total = {"office_name": "合计", "households": 2000}
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(), total]))))
    assert found(up) == [(M, 3, "", "total_row_skipped", "warning")]


def test_4_blank_rows_and_blank_trailing_columns_are_skipped_unknown_columns_warned():
    rows = table(MONTHLY, [monthly_row(), {}, monthly_row(office_code="3702020002")])
    rows[0] += ["联系电话", None, None]
    rows[1] += ["13800000000", None, None]
    rows.insert(2, ["  ", None, "\u3000"])  # only spaces: blank too
    up = read(xlsx(Sheet(M, rows)))
    assert found(up) == [(M, 1, "联系电话", "unknown_column", "warning")]
    assert list(up.monthly["_row"]) == [2, 5]


def test_5_numbers_as_text_full_width_thousands_and_not_given_spellings():
    row = monthly_row(households="1,234", population="３０００", visited_month="100 ", officers=" 2",
                      auxiliaries="-", grid_workers="无", fraud_cases="/", community_hours="２００.５")
    up = read(xlsx(Sheet(M, table(MONTHLY, [row]))))
    assert up.problems == []
    got = up.monthly.iloc[0]
    assert (got["households"], got["population"], got["visited_month"], got["officers"]) == (1234.0, 3000.0, 100.0, 2.0)
    assert got["community_hours"] == 200.5
    assert got[["auxiliaries", "grid_workers", "fraud_cases"]].isna().all()


def test_5_not_given_in_a_required_column_is_required_missing():
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(alerts="—")]))))
    assert found(up) == [(M, 2, "警情总数", "required_missing", "error")]
    assert up.problems[0].value == "—"


def _formula_book(saved_value):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(M)
    rows = table(MONTHLY, [monthly_row()])
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    col = MONTHLY.keys.index("alerts")
    if saved_value is None:
        ws.write_formula(1, col, "=10+20", None, "")
    else:
        ws.write_formula(1, col, "=10+20", None, saved_value)
    wb.close()
    return buf.getvalue()


def test_6_formula_cells_use_their_saved_value():
    up = read(_formula_book(30))
    assert up.problems == []
    assert up.monthly.loc[0, "alerts"] == 30.0


def test_6_formula_without_saved_value_is_an_error_at_the_cell_never_zero():
    data = _formula_book(None)
    book, _ = open_book(data, "messy.xlsx")
    assert "formula_without_value" in book.sheets[0].flags.values()
    up = read(data)
    assert (M, 2, "警情总数", "formula_without_value", "error") in found(up)
    assert "required_missing" not in [p.code for p in up.problems]
    assert len(up.monthly) == 0


def test_7_office_codes_stored_as_numbers_come_back_as_the_same_digits():
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(office_code=3702020001)])),
                   Sheet("台账", table(LEDGER, [ledger_row(office_code=3702020001, dispute_id=20260001)]))))
    assert up.problems == []
    assert up.monthly.loc[0, "office_code"] == "3702020001"
    assert up.ledger.loc[0, "office_code"] == "3702020001"
    assert up.ledger.loc[0, "dispute_id"] == "20260001"


def test_template_example_rows_are_skipped_silently():
    rows = table(MONTHLY, [monthly_row(office_code="示例3702020001"), monthly_row()])
    up = read(xlsx(Sheet(M, rows)))
    assert up.problems == [] and list(up.monthly["_row"]) == [3]
