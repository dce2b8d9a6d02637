"""Periods: every accepted spelling, like-for-like prior year, the as_of default, and bad periods."""

from datetime import date

import pytest

from metrics.periods import Period, default_as_of, parse_date, parse_period


@pytest.mark.parametrize(
    "text, label, months",
    [
        ("2026-10", "2026-10", ["2026-10"]),
        ("2026-3", "2026-03", ["2026-03"]),
        ("2026Q3", "2026Q3", ["2026-07", "2026-08", "2026-09"]),
        ("2026q1", "2026Q1", ["2026-01", "2026-02", "2026-03"]),
        ("2025-11..2026-02", "2025-11..2026-02", ["2025-11", "2025-12", "2026-01", "2026-02"]),
        (" 2026 ", "2026", [f"2026-{m:02d}" for m in range(1, 13)]),
    ],
)
def test_each_period_spelling_gives_its_months(text, label, months):
    p = parse_period(text)
    assert p.label == label
    assert p.months == months


def test_period_first_and_last_day():
    p = parse_period("2024Q1")
    assert p.first_day == date(2024, 1, 1)
    assert p.last_day == date(2024, 3, 31)
    assert parse_period("2024-02").last_day == date(2024, 2, 29)


def test_prior_year_shifts_every_month_by_twelve():
    p = parse_period("2025-11..2026-10").prior_year()
    assert p.months[0] == "2024-11" and p.months[-1] == "2025-10"
    assert parse_period("2026Q3").prior_year().label == "2025Q3"
    assert parse_period("2026").prior_year().label == "2025"


def test_period_is_frozen_and_hashable():
    p = parse_period("2026Q3")
    assert p == parse_period("2026q3")
    assert {p: 1}[parse_period("2026Q3")] == 1
    with pytest.raises(AttributeError):
        p.first = "2020-01"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text, fragment",
    [("2026Q5", "Q5"), ("2026-13", "13"), ("2026-10..2026-01", "晚于"), ("garbage", "无法识别"), ("", "空"),
     ("2026-00", "1—12"), ("20261", "无法识别"), ("2026-01..2026-02..2026-03", "区间")],
)
def test_bad_period_is_a_chinese_value_error(text, fragment):
    with pytest.raises(ValueError) as exc:
        parse_period(text)
    assert fragment in str(exc.value)
    assert "统计期" in str(exc.value)


def test_as_of_default_is_latest_reported_month_within_a_year_in_progress():
    year = parse_period("2026")
    assert default_as_of(year, ["2026-08", "2026-09", "2025-12"]) == date(2026, 9, 30)


def test_as_of_default_is_period_end_when_data_goes_further():
    assert default_as_of(parse_period("2026Q2"), ["2026-09"]) == date(2026, 6, 30)
    assert default_as_of(parse_period("2026Q2"), []) == date(2026, 6, 30)


def test_months_until_as_of_cuts_the_period():
    assert parse_period("2026Q3").months_until(date(2026, 8, 15)) == ["2026-07", "2026-08"]


def test_parse_date_rejects_garbage_with_chinese_message():
    assert parse_date("2026-09-30") == date(2026, 9, 30)
    with pytest.raises(ValueError, match="日期"):
        parse_date("2026-02-30")


def test_period_label_zh():
    assert parse_period("2026Q3").label_zh == "2026年第3季度"
    assert Period("month", "2026-10", "2026-10").label_zh == "2026年10月"
