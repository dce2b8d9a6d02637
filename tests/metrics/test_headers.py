"""Finding sheets and header rows: names, spellings, title rows, hidden and instruction sheets."""

from builders import (
    UPLOAD_DATE,
    Sheet,
    found,
    ledger_row,
    monthly_book,
    monthly_row,
    table,
    xlsx,
)

from metrics.headers import column_letter
from metrics.reader import read_upload
from metrics.schema import LEDGER, MONTHLY


def read(data, name="report.xlsx"):
    return read_upload(data, name, upload_date=UPLOAD_DATE)


def test_header_on_row_4_under_merged_title_rows_is_found_and_rows_numbered_as_excel():
    rows = [["XX派出所2026年10月社区警务工作月报表"], ["填报单位：XX派出所   填报日期：2026-11-02"], [],
            *table(MONTHLY, [monthly_row(), monthly_row(office_code="3702020002")])]
    up = read(xlsx(Sheet("警务室月报", rows, merged=["A1:Y1", "A2:Y2"])))
    assert up.problems == []
    assert list(up.monthly["_row"]) == [5, 6]
    assert list(up.monthly["office_code"]) == ["3702020001", "3702020002"]


def test_traditional_headers_with_units_and_line_breaks_are_matched():
    headers = {"office_code": "警務室編碼", "community_hours": "驻社区总时长（h）", "officer_days": "民警\n在岗天数",
               "households": " 辖 区 户 数 ", "visited_ytd": "本年累計走訪戶數"}
    up = read(monthly_book(monthly_row(), headers=headers))
    assert up.problems == []
    assert up.monthly.loc[0, "community_hours"] == 200.0
    assert up.monthly.loc[0, "officer_days"] == 40.0


def test_aliases_are_accepted_as_headers():
    headers = {"office_code": "单位编码", "month": "统计期", "community_hours": "驻社区工时"}
    up = read(monthly_book(monthly_row(), headers=headers))
    assert up.problems == []
    assert up.monthly.loc[0, "month"] == "2026-10"


def test_sheet_with_unknown_name_is_recognised_by_its_header_row():
    up = read(xlsx(Sheet("Sheet1", table(LEDGER, [ledger_row()])), Sheet("数据", table(MONTHLY, [monthly_row()]))))
    assert up.problems == []
    assert len(up.monthly) == 1 and len(up.ledger) == 1


def test_sheet_name_in_traditional_characters_with_spaces_is_recognised():
    up = read(monthly_book(monthly_row(), name=" 警務室 月報 "))
    assert up.problems == [] and len(up.monthly) == 1


def test_hidden_sheet_is_ignored_unless_its_name_matches_exactly():
    hidden_copy = Sheet("旧数据", table(MONTHLY, [monthly_row(office_code="9999")]), hidden=True)
    up = read(xlsx(Sheet("警务室月报", table(MONTHLY, [monthly_row()])), hidden_copy))
    assert up.problems == [] and list(up.monthly["office_code"]) == ["3702020001"]
    up = read(xlsx(Sheet("填报说明", [["请按模板填写"]]), Sheet("月报", table(MONTHLY, [monthly_row()]), hidden=True)))
    assert up.problems == [] and len(up.monthly) == 1


def test_instruction_and_lookup_sheets_are_ignored():
    notes = Sheet("填报说明", [["填报说明"], ["警务室编码", "按文本填写"], ["统计月份", "如 2026-10"]])
    lists = Sheet("下拉选项", [["来源", "纠纷类型", "风险等级", "复杂程度", "办理状态"], ["110报警", "邻里", "红", "一般", "已化解"]])
    up = read(xlsx(notes, Sheet("警务室月报", table(MONTHLY, [monthly_row()])), lists))
    assert up.problems == [] and len(up.monthly) == 1 and len(up.ledger) == 0


def test_no_recognisable_sheet_is_a_file_error():
    up = read(xlsx(Sheet("Sheet1", [["姓名", "电话"], ["张三", "123"]])))
    assert found(up) == [("", None, "", "no_known_sheet", "error")]


def test_named_sheet_without_header_row_says_so():
    up = read(xlsx(Sheet("警务室月报", [["随便写点什么"], ["1", "2"]])))
    assert found(up) == [("警务室月报", None, "", "header_not_found", "error")]


def test_two_sheets_of_the_same_kind_are_refused():
    up = read(xlsx(Sheet("月报", table(MONTHLY, [monthly_row()])),
                   Sheet("警务室月报", table(MONTHLY, [monthly_row(month="2026-09", visited_ytd=400)]))))
    assert ("", None, "", "duplicate_sheet_kind", "error") in found(up)
    assert "“月报”" in up.problems[0].message and "“警务室月报”" in up.problems[0].message


def test_duplicate_header_names_both_columns():
    rows = table(MONTHLY, [monthly_row()])
    rows[0].append("辖区户数")
    rows[1].append(1000)
    up = read(xlsx(Sheet("警务室月报", rows)))
    assert found(up) == [("警务室月报", 1, "辖区户数", "duplicate_column", "error")]
    assert "第 I 列和第 Z 列" in up.problems[0].message
    assert len(up.monthly) == 0


def test_unknown_extra_column_is_a_warning_and_blank_trailing_columns_are_ignored():
    rows = table(MONTHLY, [monthly_row()])
    rows[0] += ["联系人", None, None]
    rows[1] += ["张三", None, None]
    up = read(xlsx(Sheet("警务室月报", rows)))
    assert found(up) == [("警务室月报", 1, "联系人", "unknown_column", "warning")]
    assert len(up.monthly) == 1


def test_missing_required_column_names_the_canonical_header():
    keys = [k for k in MONTHLY.keys if k != "households"]
    up = read(monthly_book(monthly_row(), keys=keys))
    assert found(up) == [("警务室月报", None, "辖区户数", "missing_column", "error")]
    assert len(up.monthly) == 0


def test_missing_optional_columns_read_as_not_given():
    keys = [k for k in MONTHLY.keys if k not in ("auxiliaries", "fraud_cases")]
    up = read(monthly_book(monthly_row(), keys=keys))
    assert up.problems == []
    assert up.monthly["auxiliaries"].isna().all() and str(up.monthly["auxiliaries"].dtype) == "float64"


def test_vertically_merged_header_cells_are_forward_filled():
    header = table(MONTHLY, [monthly_row()])
    top = [h if k in ("office_code", "office_name") else None for h, k in zip(header[0], MONTHLY.keys, strict=True)]
    top[5] = "人员情况"
    second = [None if k in ("office_code", "office_name") else h for h, k in zip(header[0], MONTHLY.keys, strict=True)]
    up = read(xlsx(Sheet("警务室月报", [top, second, header[1]], merged=["A1:A2", "B1:B2"])))
    assert up.problems == []
    assert up.monthly.loc[0, "office_name"] == "城关警务室" and list(up.monthly["_row"]) == [3]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
