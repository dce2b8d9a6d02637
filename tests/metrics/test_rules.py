"""Rules between cells and rows (workbook.md tables A and B), each through a real workbook."""

import datetime as dt

import pandas as pd
from builders import UPLOAD_DATE, both_book, found, ledger_book, ledger_row, monthly_book, monthly_row

from metrics.reader import read_upload

M = "警务室月报"
L = "矛盾纠纷台账"


def read(data, **kw):
    kw.setdefault("upload_date", UPLOAD_DATE)
    return read_upload(data, "report.xlsx", **kw)


def test_visited_this_month_above_households_is_a_warning_and_the_row_is_kept():
    up = read(monthly_book(monthly_row(visited_month=1200, visited_ytd=900)))
    assert found(up) == [(M, 2, "本月走访户数", "visited_exceeds_households", "warning")]
    assert len(up.monthly) == 1


def test_visited_year_to_date_above_households_is_an_error_and_the_row_is_dropped():
    up = read(monthly_book(monthly_row(visited_ytd=1001)))
    assert found(up) == [(M, 2, "本年累计走访户数", "visited_ytd_exceeds_households", "error")]
    assert len(up.monthly) == 0


def test_visited_year_to_date_lower_than_previous_month_in_the_upload_is_a_warning():
    up = read(monthly_book(monthly_row(month="2026-09", visited_ytd=500), monthly_row(month="2026-10", visited_ytd=450)))
    assert found(up) == [(M, 3, "本年累计走访户数", "visited_ytd_decreased", "warning")]
    assert "2026-09" in up.problems[0].message and "500" in up.problems[0].message


def test_visited_year_to_date_may_restart_in_january():
    up = read(monthly_book(monthly_row(month="2026-12", visited_ytd=900), monthly_row(month="2027-01", visited_ytd=50)))
    assert found(up) == []


def test_visited_year_to_date_lower_than_stored_previous_month_is_a_warning():
    stored = pd.DataFrame({"office_code": ["3702020001"], "month": ["2026-09"], "visited_ytd": [600.0]})
    up = read(monthly_book(monthly_row(visited_ytd=500)), previous_monthly=stored)
    assert found(up) == [(M, 2, "本年累计走访户数", "visited_ytd_decreased", "warning")]


def test_officer_days_above_officers_times_days_in_month_is_an_error():
    up = read(monthly_book(monthly_row(officers=2, officer_days=63, community_hours=300)))  # 2 × 31 = 62
    assert found(up) == [(M, 2, "民警在岗天数", "officer_days_exceed", "error")]
    assert "62" in up.problems[0].message


def test_more_than_24_hours_per_officer_day_is_impossible():
    up = read(monthly_book(monthly_row(community_hours=1000, officer_days=40)))
    assert found(up) == [(M, 2, "驻社区总时长(小时)", "daily_hours_impossible", "error")]
    assert "25.0" in up.problems[0].message


def test_more_than_14_hours_per_officer_day_is_a_warning():
    up = read(monthly_book(monthly_row(community_hours=600, officer_days=40)))
    assert found(up) == [(M, 2, "驻社区总时长(小时)", "daily_hours_high", "warning")]


def test_dispute_alerts_above_all_alerts_is_an_error():
    up = read(monthly_book(monthly_row(alerts=5, dispute_alerts=6)))
    assert found(up) == [(M, 2, "纠纷类警情数", "part_exceeds_total", "error")]
    assert "警情总数" in up.problems[0].message


def test_survey_part_above_its_total_is_an_error():
    up = read(monthly_book(monthly_row(satisfaction_surveyed=50, satisfaction_satisfied=51)))
    assert found(up) == [(M, 2, "满意人数", "part_exceeds_total", "error")]


def test_survey_pair_given_half_is_an_error_at_the_missing_cell():
    up = read(monthly_book(monthly_row(officer_fam_sampled=20, officer_fam_known=None)))
    assert found(up) == [(M, 2, "民警熟悉户数", "pair_incomplete", "error")]


def test_survey_pair_left_out_together_is_fine():
    up = read(monthly_book(monthly_row(resident_fam_surveyed="-", resident_fam_known="无")))
    assert found(up) == []
    assert up.monthly["resident_fam_surveyed"].isna().all()


def test_same_office_and_month_twice_is_an_error_on_both_rows_each_naming_the_other():
    up = read(monthly_book(monthly_row(), monthly_row(office_name="别名")))
    assert found(up) == [(M, 2, "警务室编码", "duplicate_key", "error"), (M, 3, "警务室编码", "duplicate_key", "error")]
    assert "与第 3 行重复" in up.problems[0].message
    assert "与第 2 行重复" in up.problems[1].message


def test_same_dispute_number_on_three_rows_is_an_error_on_every_one_naming_the_others():
    up = read(both_book(ledger=[ledger_row(), ledger_row(category="劳资"), ledger_row(dispute_id="JF2026-002"),
                                ledger_row(category="邻里")]))
    assert found(up) == [(L, r, "纠纷编号", "duplicate_key", "error") for r in (2, 3, 5)]
    messages = [p.message for p in up.problems]
    assert "与第 3、5 行重复" in messages[0]
    assert "与第 2、5 行重复" in messages[1]
    assert "与第 2、3 行重复" in messages[2]
    assert list(up.ledger["dispute_id"]) == ["JF2026-002"]  # none of the three is kept


def test_a_key_on_many_rows_names_a_few_of_them_and_how_many():
    up = read(both_book(ledger=[ledger_row() for _ in range(8)]))
    first = [p for p in up.problems if p.code == "duplicate_key"][0]
    assert "与第 3、4、5、6、7 等共 7 行重复" in first.message


def test_ledger_office_must_be_in_the_upload_or_already_known():
    up = read(both_book(ledger=[ledger_row(office_code="3702029999")]))
    assert found(up) == [(L, 2, "警务室编码", "unknown_office", "error")]
    up = read(ledger_book(ledger_row()), known_offices={"3702020001"})
    assert found(up) == []


def test_received_date_after_the_upload_date_is_an_error():
    up = read(both_book(ledger=[ledger_row(received_date="2026-11-06", status="化解中", resolved_date=None,
                                           follow_up_date=None)]))
    assert found(up) == [(L, 2, "受理日期", "date_in_future", "error")]


def test_upload_date_defaults_to_today():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    row = ledger_row(received_date=tomorrow.isoformat(), status="化解中", resolved_date=None, follow_up_date=None)
    up = read_upload(both_book(ledger=[row]), "x.xlsx")
    assert [p.code for p in up.problems] == ["date_in_future"]


def test_resolved_without_resolved_date_is_an_error():
    up = read(both_book(ledger=[ledger_row(resolved_date=None, follow_up_date=None)]))
    assert found(up) == [(L, 2, "化解日期", "resolved_date_missing", "error")]


def test_open_dispute_with_a_resolved_date_is_an_error():
    up = read(both_book(ledger=[ledger_row(status="化解中", follow_up_date=None)]))
    assert found(up) == [(L, 2, "化解日期", "resolved_date_while_open", "error")]


def test_resolved_before_received_is_an_error():
    up = read(both_book(ledger=[ledger_row(resolved_date="2026-10-01", follow_up_date="2026-10-02")]))
    assert found(up) == [(L, 2, "化解日期", "date_before", "error")]
    assert "受理日期" in up.problems[0].message


def test_follow_up_before_resolved_is_an_error():
    up = read(both_book(ledger=[ledger_row(follow_up_date="2026-10-04")]))
    assert found(up) == [(L, 2, "回访日期", "date_before", "error")]


def test_follow_up_without_resolution_is_a_warning():
    up = read(both_book(ledger=[ledger_row(status="已移交", resolved_date=None, follow_up_date="2026-10-10")]))
    assert found(up) == [(L, 2, "回访日期", "follow_up_without_resolution", "warning")]
    assert len(up.ledger) == 1


def test_rules_do_not_fire_on_cells_that_already_failed():
    up = read(monthly_book(monthly_row(households="很多", visited_ytd=5000)))
    assert found(up) == [(M, 2, "辖区户数", "not_a_number", "error")]
