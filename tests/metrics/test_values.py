"""Cell parsers: each spelling a hand-typed sheet uses comes out typed, anything else is a problem."""

import datetime as dt

import pytest

from metrics.schema import LEDGER, MONTHLY
from metrics.values import Bad, parse_column, parser_for, shown

households = parser_for(MONTHLY.column("households"))
officers = parser_for(MONTHLY.column("officers"))
hours = parser_for(MONTHLY.column("community_hours"))
office_code = parser_for(MONTHLY.column("office_code"))
month = parser_for(MONTHLY.column("month"))
received = parser_for(LEDGER.column("received_date"))
status = parser_for(LEDGER.column("status"))
escalated = parser_for(LEDGER.column("escalated"))


def code_of(result):
    assert isinstance(result, Bad), result
    return result.code


@pytest.mark.parametrize(
    ("raw", "value"),
    [(12.0, 12.0), ("12", 12.0), ("１２３", 123.0), ("1,234", 1234.0), ("１，２３４", 1234.0), ("12 ", 12.0),
     ("\u00a012\u200b", 12.0), ("3.0", 3.0)],
)
def test_counts_typed_as_text_full_width_or_with_separators_are_read(raw, value):
    assert households(raw) == value


@pytest.mark.parametrize("raw", [None, "", "-", "—", "/", "无", "  "])
def test_not_given_spellings_mean_no_value(raw):
    assert officers(raw) is None


@pytest.mark.parametrize("raw", ["NaN", "inf", "-inf", "1e309"])
def test_non_finite_numbers_are_refused(raw):
    assert code_of(hours(raw)) == "not_finite"


def test_fractional_count_is_not_an_integer_but_fractional_hours_are_fine():
    assert code_of(officers(3.5)) == "not_an_integer"
    assert code_of(officers("3.5")) == "not_an_integer"
    assert hours("3.5") == 3.5


def test_minimum_rules_say_inclusive_or_exclusive():
    assert officers(0.0) == 0.0
    bad = officers(-1.0)
    assert code_of(bad) == "out_of_range" and bad.details["rule"] == "≥ 0"
    bad = households(0.0)
    assert code_of(bad) == "out_of_range" and bad.details["rule"] == "> 0"


@pytest.mark.parametrize("raw", ["abc", "1,2", "12户", True])
def test_other_text_is_not_a_number(raw):
    assert code_of(households(raw)) == "not_a_number"


def test_code_stored_as_number_comes_back_as_the_same_digits():
    assert office_code(3702020001.0) == "3702020001"
    assert office_code(" ３７０２０２０００１ ") == "3702020001"


def test_code_with_more_than_15_digits_stored_as_number_is_too_long():
    assert code_of(office_code(float(123456789012345678))) == "code_too_long"


def test_code_with_a_fractional_part_is_bad():
    assert code_of(office_code(37020.5)) == "bad_code"


@pytest.mark.parametrize(
    "raw",
    ["2026-10", "2026/10", "2026.10", "2026年10月", "2026 年 10 月", "202610", 202610.0, dt.date(2026, 10, 3),
     dt.datetime(2026, 10, 31, 8, 0), 46299.0, "2026-10-03"],
)
def test_month_spellings_all_give_yyyy_mm(raw):
    assert month(raw) == "2026-10"


def test_month_serial_honours_the_1904_epoch():
    m1904 = parser_for(MONTHLY.column("month"), date1904=True)
    assert m1904(44837.0) == "2026-10"  # 1904-01-01 + 44837 days
    assert month(44837.0) == "2022-10"


@pytest.mark.parametrize("raw", ["2026-13", "十月", "2026", "abc", 2026.1])
def test_other_month_spellings_are_bad_months(raw):
    assert code_of(month(raw)) == "bad_month"


@pytest.mark.parametrize(
    "raw",
    ["2026-10-03", "2026/10/3", "2026.10.03", "2026年10月3日", "20261003", 20261003.0, dt.date(2026, 10, 3),
     dt.datetime(2026, 10, 3, 15, 30), 46298.0, "2026-10-03 00:00:00"],
)
def test_date_spellings_all_give_the_date(raw):
    assert received(raw) == dt.date(2026, 10, 3)


@pytest.mark.parametrize("raw", ["2026-02-30", "10月3日", "yesterday", "2026-10"])
def test_other_date_spellings_are_bad_dates(raw):
    assert code_of(received(raw)) == "bad_date"


@pytest.mark.parametrize("raw", [1.0, 60.0, 500000.0, "1999-12-31", dt.date(2101, 1, 1)])
def test_dates_outside_the_plausible_window_are_refused(raw):
    assert code_of(received(raw)) == "implausible_date"


def test_enum_spellings_map_to_canonical_and_others_list_the_choices():
    assert status(" 办结 ") == "已化解"
    assert status("調解失敗") == "调解不成"
    bad = status("搞定了")
    assert code_of(bad) == "bad_enum" and "已化解" in bad.details["choices"]


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("Y", True), ("√", True), (1.0, True), (True, True),
                                             ("否", False), ("×", False), ("FALSE", False), (0.0, False)])
def test_yes_no_spellings(raw, value):
    assert escalated(raw) is value


def test_unrecognised_yes_no_is_bad_bool():
    assert code_of(escalated("也许")) == "bad_bool"


def test_shown_gives_cells_as_the_user_sees_them():
    assert shown(3702020001.0) == "3702020001"
    assert shown(3.5) == "3.5"
    assert shown(dt.datetime(2026, 10, 3)) == "2026-10-03"
    assert shown(None) == ""


def test_parse_column_parses_each_distinct_value_once_and_reports_positions():
    values, bad = parse_column(["5", 5.0, "x", None, "5"], MONTHLY.column("officers"))
    assert values == [5.0, 5.0, None, None, 5.0]
    assert list(bad) == [2] and bad[2].code == "not_a_number"


def test_parse_column_keeps_true_apart_from_one():
    values, bad = parse_column([1.0, True], MONTHLY.column("officers"))
    assert values == [1.0, None] and bad[1].code == "not_a_number"
