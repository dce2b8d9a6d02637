"""Hand-computed values for every indicator of metrics.md, each null rule and each as_of rule."""

from __future__ import annotations

import math
from datetime import date

import pytest
from indicator_builders import dataset

from metrics.indicators import INDICATORS, compute
from metrics.indicators.wilson import wilson_interval


def office(report, code="A1"):
    rows = report.units[report.units["code"] == code]
    assert len(rows) == 1, f"unit {code} not found once"
    return rows.iloc[0]


def isnull(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


# --------------------------------------------------------------------------------------------------
# Monthly sheet
# --------------------------------------------------------------------------------------------------


def test_counts_are_sums_over_the_months_of_the_period():
    ds = dataset([
        dict(office_code="A1", month="2026-07", alerts=10, dispute_alerts=3, criminal_cases=2, civil_to_criminal=1),
        dict(office_code="A1", month="2026-08", alerts=5, dispute_alerts=1, criminal_cases=0, civil_to_criminal=0),
        dict(office_code="A1", month="2026-10", alerts=100),  # outside 2026Q3
    ])
    u = office(compute(ds, "2026Q3", as_of=date(2026, 9, 30)))
    assert (u.alerts, u.dispute_alerts, u.criminal_cases, u.civil_to_criminal) == (15, 4, 2, 1)


def test_counts_are_null_when_the_unit_has_no_row_in_the_period():
    ds = dataset([dict(office_code="A1", month="2026-07"), dict(office_code="B1", month="2026-04")])
    u = office(compute(ds, "2026Q3"), "B1")
    for key in ("alerts", "dispute_alerts", "criminal_cases", "civil_to_criminal", "avg_daily_hours",
                "visit_coverage"):
        assert isnull(u[key]), key
    assert u.months_reported == 0


def test_fraud_cases_sums_only_rows_that_give_it_and_is_null_when_none_does():
    ds = dataset([
        dict(office_code="A1", month="2026-07", fraud_cases=4),
        dict(office_code="A1", month="2026-08"),
        dict(office_code="A1", month="2026-09", fraud_cases=3),
        dict(office_code="B1", month="2026-07"),
    ])
    r = compute(ds, "2026Q3")
    assert office(r).fraud_cases == 7
    assert isnull(office(r, "B1").fraud_cases)


def test_avg_daily_hours_is_hours_over_officer_days_and_null_on_zero_days():
    ds = dataset([
        dict(office_code="A1", month="2026-07", community_hours=100, officer_days=20),
        dict(office_code="A1", month="2026-08", community_hours=62, officer_days=10),
        dict(office_code="B1", month="2026-07", community_hours=0, officer_days=0),
    ])
    r = compute(ds, "2026Q3")
    assert office(r).avg_daily_hours == pytest.approx(162 / 30)
    assert isnull(office(r, "B1").avg_daily_hours)


def test_visit_coverage_uses_each_offices_last_month_in_the_period():
    ds = dataset([
        dict(office_code="A1", month="2026-07", visited_ytd=100, households=1000),
        dict(office_code="A1", month="2026-09", visited_ytd=300, households=1000),
        dict(office_code="A1", month="2026-10", visited_ytd=900, households=1000),  # after the period
        dict(office_code="B1", month="2026-08", visited_ytd=50, households=500),
    ])
    r = compute(ds, "2026Q3", level="station")
    assert r.units.iloc[0].visit_coverage == pytest.approx((300 + 50) / (1000 + 500))


def test_survey_rates_are_ratios_of_sums_with_wilson_bounds_and_null_without_survey():
    ds = dataset([
        dict(office_code="A1", month="2026-07", officer_fam_sampled=20, officer_fam_known=18,
             resident_fam_surveyed=50, resident_fam_known=40, satisfaction_surveyed=100, satisfaction_satisfied=99),
        dict(office_code="A1", month="2026-08", officer_fam_sampled=30, officer_fam_known=27),
        dict(office_code="B1", month="2026-07"),
    ])
    r = compute(ds, "2026Q3")
    u = office(r)
    assert u.officer_familiarity == pytest.approx(45 / 50)
    assert u.resident_familiarity == pytest.approx(0.8)
    assert u.satisfaction == pytest.approx(0.99)
    low, high = wilson_interval(45, 50)
    assert (u.officer_familiarity_low, u.officer_familiarity_high) == pytest.approx((float(low), float(high)))
    assert u.officer_familiarity_low < 0.9 < u.officer_familiarity_high
    b = office(r, "B1")
    assert isnull(b.officer_familiarity) and isnull(b.officer_familiarity_low) and isnull(b.satisfaction_high)


def test_wilson_interval_known_value():
    # 45/50: Wilson 95 % interval is (0.7864, 0.9565) to four places.
    low, high = wilson_interval(45, 50)
    assert float(low) == pytest.approx(0.7864, abs=1e-4)
    assert float(high) == pytest.approx(0.9565, abs=1e-4)
    low, high = wilson_interval(0, 0)
    assert math.isnan(float(low)) and math.isnan(float(high))


def test_months_reported_and_expected_up_to_as_of_month():
    ds = dataset([
        dict(office_code="A1", month="2026-07"), dict(office_code="A1", month="2026-08"),
        dict(office_code="B1", month="2026-07"),
        dict(office_code="C1", month="2025-01"),  # has a row, so it belongs to the unit
    ])
    r = compute(ds, "2026Q3", level="bureau")  # as_of defaults to 2026-08-31
    assert r.as_of == date(2026, 8, 31)
    u = r.units.iloc[0]
    assert u.months_reported == 3
    assert u.months_expected == 3 * 2


def test_yoy_is_like_for_like_against_the_same_months_a_year_earlier():
    ds = dataset([
        dict(office_code="A1", month="2026-01", dispute_alerts=80),
        dict(office_code="A1", month="2026-02", dispute_alerts=81),
        dict(office_code="A1", month="2025-01", dispute_alerts=100),
        dict(office_code="A1", month="2025-02", dispute_alerts=100),
        dict(office_code="A1", month="2025-11", dispute_alerts=999),  # later 2025 months are not compared
    ])
    u = office(compute(ds, "2026"))
    assert u.dispute_alerts_prior == 200
    assert u.dispute_alerts_yoy == pytest.approx((161 - 200) / 200)
    assert u.dispute_alerts_yoy_z == pytest.approx(2 * (math.sqrt(161) - math.sqrt(200)))


def test_yoy_is_null_when_any_earlier_row_is_missing():
    ds = dataset([
        dict(office_code="A1", month="2026-07"), dict(office_code="A1", month="2026-08"),
        dict(office_code="A1", month="2025-07"),
    ])
    u = office(compute(ds, "2026Q3"))
    assert isnull(u.alerts_yoy) and isnull(u.alerts_yoy_z) and isnull(u.alerts_prior)


def test_yoy_is_null_on_zero_prior_but_z_is_defined():
    ds = dataset([
        dict(office_code="A1", month="2026-07", criminal_cases=4),
        dict(office_code="A1", month="2025-07", criminal_cases=0),
    ])
    u = office(compute(ds, "2026-07"))
    assert isnull(u.criminal_cases_yoy)
    assert u.criminal_cases_yoy_z == pytest.approx(4.0)


def test_fraud_yoy_is_null_when_the_earlier_row_does_not_give_fraud():
    ds = dataset([
        dict(office_code="A1", month="2026-07", fraud_cases=5),
        dict(office_code="A1", month="2025-07"),
        dict(office_code="B1", month="2026-07", fraud_cases=50),
        dict(office_code="B1", month="2025-07", fraud_cases=96),
    ])
    r = compute(ds, "2026-07")
    assert isnull(office(r).fraud_cases_yoy)
    assert office(r, "B1").fraud_cases_yoy == pytest.approx(-46 / 96)


def test_yoy_of_a_station_is_null_when_one_office_lacks_its_earlier_row():
    ds = dataset([
        dict(office_code="A1", month="2026-07"), dict(office_code="A1", month="2025-07"),
        dict(office_code="A2", month="2026-07"),
    ])
    r = compute(ds, "2026-07", level="station")
    assert isnull(r.units.iloc[0].alerts_yoy)


def test_rate_yoy_pp_uses_the_earlier_rows_that_exist():
    ds = dataset([
        dict(office_code="A1", month="2026-07", satisfaction_surveyed=100, satisfaction_satisfied=90),
        dict(office_code="A1", month="2026-08", satisfaction_surveyed=100, satisfaction_satisfied=90),
        dict(office_code="A1", month="2025-07", satisfaction_surveyed=100, satisfaction_satisfied=80),
        dict(office_code="B1", month="2026-07", satisfaction_surveyed=100, satisfaction_satisfied=90),
        dict(office_code="B1", month="2025-07"),  # earlier row without the survey
    ])
    r = compute(ds, "2026Q3")
    assert office(r).satisfaction_yoy_pp == pytest.approx(0.9 - 0.8)
    assert isnull(office(r, "B1").satisfaction_yoy_pp)


def test_hierarchy_comes_from_each_offices_latest_monthly_row():
    ds = dataset([
        dict(office_code="A1", month="2026-01", office_name="旧名", station="旧所", branch="旧分局"),
        dict(office_code="A1", month="2026-03", office_name="新名", station="新所", branch="新分局"),
    ])
    u = office(compute(ds, "2026-01"))
    assert (u["name"], u.station, u.branch) == ("新名", "新所", "新分局")


# --------------------------------------------------------------------------------------------------
# Ledger
# --------------------------------------------------------------------------------------------------

M = [dict(office_code="A1", month="2026-07"), dict(office_code="A1", month="2026-08"),
     dict(office_code="A1", month="2026-09")]


def test_status_counts_as_of_and_resolution_rate():
    ds = dataset(M, [
        dict(dispute_id="1", received_date="2026-07-01", status="已化解", resolved_date="2026-07-03"),
        dict(dispute_id="2", received_date="2026-07-01", status="已化解", resolved_date="2026-10-05"),  # after as_of
        dict(dispute_id="3", received_date="2026-07-02", status="化解中"),
        dict(dispute_id="4", received_date="2026-07-02", status="已移交"),
        dict(dispute_id="5", received_date="2026-07-02", status="调解不成"),
        dict(dispute_id="6", received_date="2026-06-30", status="已化解", resolved_date="2026-07-01"),  # before
    ])
    u = office(compute(ds, "2026Q3"))
    assert (u.disputes, u.resolved, u.open, u.transferred, u.failed) == (5, 1, 2, 1, 1)
    assert u.resolution_rate == pytest.approx(1 / 4)


def test_a_dispute_resolved_after_as_of_is_open():
    ds = dataset(M, [dict(dispute_id="1", received_date="2026-07-01", status="已化解", resolved_date="2026-08-20")])
    early = office(compute(ds, "2026Q3", as_of=date(2026, 8, 10)))
    late = office(compute(ds, "2026Q3", as_of=date(2026, 8, 20)))
    assert (early.resolved, early.open) == (0, 1)
    assert (late.resolved, late.open) == (1, 0)


def test_resolution_rate_is_null_when_every_dispute_was_transferred():
    ds = dataset(M, [dict(dispute_id="1", received_date="2026-07-01", status="已移交")])
    u = office(compute(ds, "2026Q3"))
    assert isnull(u.resolution_rate)
    assert isnull(office(compute(dataset(M), "2026Q3")).proactive_rate)


@pytest.mark.parametrize("complexity, days, on_time", [
    ("一般", 7, True), ("一般", 8, False), ("复杂", 15, True), ("复杂", 16, False), ("疑难", 60, True),
    ("疑难", 61, False),
])
def test_on_time_uses_the_limit_of_each_complexity(complexity, days, on_time):
    resolved = date(2026, 7, 1).toordinal() + days
    ds = dataset(M, [dict(dispute_id="1", received_date="2026-07-01", complexity=complexity, status="已化解",
                          resolved_date=date.fromordinal(resolved))])
    assert office(compute(ds, "2026Q3")).on_time_rate == (1.0 if on_time else 0.0)


def test_time_limits_can_be_configured():
    ds = dataset(M, [dict(dispute_id="1", received_date="2026-07-01", status="已化解", resolved_date="2026-07-09")])
    assert office(compute(ds, "2026Q3")).on_time_rate == 0.0
    assert office(compute(ds, "2026Q3", time_limits={"一般": 10, "复杂": 15, "疑难": 60})).on_time_rate == 1.0


def test_follow_up_rate_counts_due_follow_ups_as_of():
    as_of = date(2026, 9, 30)
    ds = dataset(M, [
        # due and done within 14 days → numerator and denominator
        dict(dispute_id="1", received_date="2026-07-01", status="已化解", resolved_date="2026-07-02",
             follow_up_date="2026-07-16"),
        # due, done 15 days after → denominator only
        dict(dispute_id="2", received_date="2026-07-01", status="已化解", resolved_date="2026-07-02",
             follow_up_date="2026-07-17"),
        # due, never followed up → denominator only
        dict(dispute_id="3", received_date="2026-07-01", status="已化解", resolved_date="2026-08-01"),
        # not yet due (resolved 2026-09-20, due 10-04) and not followed → excluded
        dict(dispute_id="4", received_date="2026-09-01", status="已化解", resolved_date="2026-09-20"),
        # not yet due but already followed up → numerator and denominator
        dict(dispute_id="5", received_date="2026-09-01", status="已化解", resolved_date="2026-09-25",
             follow_up_date="2026-09-28"),
        # follow-up after as_of does not count; resolved 2026-09-10 is due 09-24 → denominator only
        dict(dispute_id="6", received_date="2026-09-01", status="已化解", resolved_date="2026-09-10",
             follow_up_date="2026-10-02"),
    ])
    u = office(compute(ds, "2026Q3", as_of=as_of))
    assert u.follow_up_rate == pytest.approx(2 / 5)


def test_proactive_and_grassroots_rates():
    ds = dataset(M, [
        dict(dispute_id="1", received_date="2026-07-01", source="走访排查", status="已化解",
             resolved_date="2026-07-02", level="社区"),
        dict(dispute_id="2", received_date="2026-07-01", source="网格员上报", status="已化解",
             resolved_date="2026-07-02", level="派出所"),
        dict(dispute_id="3", received_date="2026-07-01", source="预警推送", status="已化解",
             resolved_date="2026-07-02"),
        dict(dispute_id="4", received_date="2026-07-01", source="110报警", status="化解中", level="社区"),
    ])
    u = office(compute(ds, "2026Q3"))
    assert u.proactive_rate == pytest.approx(3 / 4)
    assert u.grassroots_rate == pytest.approx(1 / 2)


def test_grassroots_rate_null_when_no_resolved_dispute_gives_a_level():
    ds = dataset(M, [dict(dispute_id="1", received_date="2026-07-01", status="已化解", resolved_date="2026-07-02")])
    assert isnull(office(compute(ds, "2026Q3")).grassroots_rate)


def test_overdue_and_red_open_as_of():
    ds = dataset(M, [
        dict(dispute_id="1", received_date="2026-09-01", complexity="一般", risk="红"),  # 29 days > 7
        dict(dispute_id="2", received_date="2026-09-20", complexity="复杂"),  # 10 days ≤ 15
        dict(dispute_id="3", received_date="2026-09-23", complexity="一般", risk="红"),  # 7 days, not over
        dict(dispute_id="4", received_date="2026-07-01", complexity="疑难", status="已化解",
             resolved_date="2026-07-05", risk="红"),
    ])
    u = office(compute(ds, "2026Q3", as_of=date(2026, 9, 30)))
    assert u.overdue_open == 1
    assert u.red_open == 2


def test_repeat_disputes_window_is_90_days_both_ends_across_offices():
    months = M + [dict(office_code="B1", month="2026-07")]
    ds = dataset(months, [
        dict(dispute_id="0", office_code="B1", received_date="2026-04-03", party_key="p"),  # before the period
        dict(dispute_id="1", office_code="A1", received_date="2026-07-02", party_key="p"),  # 90 days after 0
        dict(dispute_id="2", office_code="A1", received_date="2026-07-05", party_key="q"),
        dict(dispute_id="3", office_code="B1", received_date="2026-10-05", party_key="q"),  # 92 days later
        dict(dispute_id="4", office_code="A1", received_date="2026-08-01", party_key="r"),
        dict(dispute_id="5", office_code="B1", received_date="2026-08-01", party_key="r"),  # same day
        dict(dispute_id="6", office_code="A1", received_date="2026-08-02", party_key="s"),
        dict(dispute_id="7", office_code="A1", received_date="2026-11-01", party_key="s"),  # 91 days
    ])
    r = compute(ds, "2026Q3", as_of=date(2026, 9, 30))
    assert office(r).repeat_disputes == 2  # 1 (partner 0 at exactly 90 days) and 4 (same-day partner 5)
    assert office(r, "B1").repeat_disputes == 1  # 5
    # 2025-04-02 is 91 days before 2026-07-02: outside the window
    ds2 = dataset(M, [dict(dispute_id="0", received_date="2026-04-02", party_key="p"),
                      dict(dispute_id="1", received_date="2026-07-02", party_key="p")])
    assert office(compute(ds2, "2026Q3")).repeat_disputes == 0


def test_disputes_received_after_as_of_are_not_counted():
    ds = dataset(M, [dict(dispute_id="1", received_date="2026-09-15"), dict(dispute_id="2", received_date="2026-08-15")])
    assert office(compute(ds, "2026Q3", as_of=date(2026, 8, 31))).disputes == 1


def test_every_registered_key_is_a_column_and_every_indicator_is_documented():
    r = compute(dataset(M), "2026Q3")
    for key, ind in INDICATORS.items():
        assert key in r.units.columns
        doc = ind.func.__doc__ or ""
        assert ind.label and ind.definition and len(doc) > 20, key
        assert ind.unit in ("ratio", "count", "hours", "pp", "z")
        assert ind.better in ("higher", "lower", None)


def test_monthly_series_points_equal_compute_of_each_month():
    from metrics.indicators import monthly_series

    ds = dataset(
        [dict(office_code="A1", month=m, alerts=a, community_hours=h) for m, a, h in
         (("2026-07", 10, 100), ("2026-08", 12, 150), ("2025-07", 8, 90))]
        + [dict(office_code="B1", month="2026-08", station="乙所", alerts=3)],
        [dict(dispute_id="1", received_date="2026-08-02", status="已化解", resolved_date="2026-08-03")],
    )
    for key in ("alerts", "avg_daily_hours", "alerts_yoy", "months_expected", "resolution_rate"):
        series = monthly_series(ds, "2026-07..2026-08", "station", key)
        assert len(series) == 2 * 2
        for m in ("2026-07", "2026-08"):
            expected = compute(ds, m, level="station").units.set_index("code")[key]
            got = series[series["month"] == m].set_index("code")["value"]
            for code in expected.index:
                assert (isnull(expected[code]) and isnull(got[code])) or got[code] == pytest.approx(expected[code])
