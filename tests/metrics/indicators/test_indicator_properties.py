"""Properties that must hold for any data: aggregation is by sums, periods add up, order does not matter."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indicator_builders import dataset, ledger_frame, monthly_frame

from metrics.dataset import SourceFile, Upload, merge
from metrics.indicators import INDICATORS, compute, compute_levels

OFFICES = [("A1", "甲所", "东分局"), ("A2", "甲所", "东分局"), ("B1", "乙所", "东分局"), ("C1", "丙所", "西分局")]
MONTHS = ["2025-07", "2025-08", "2025-09", "2026-07", "2026-08", "2026-09"]
STATUSES = ["已化解", "化解中", "已移交", "调解不成"]
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def data(draw):
    monthly = []
    for code, station, branch in OFFICES:
        for month in MONTHS:
            if month == "2026-09" and code == "A1" or draw(st.booleans()):
                sampled = draw(st.integers(0, 50))
                monthly.append(dict(
                    office_code=code, station=station, branch=branch, month=month,
                    alerts=draw(st.integers(0, 40)), dispute_alerts=draw(st.integers(0, 10)),
                    criminal_cases=draw(st.integers(0, 5)), civil_to_criminal=draw(st.integers(0, 2)),
                    fraud_cases=draw(st.one_of(st.none(), st.integers(0, 9))),
                    community_hours=draw(st.integers(0, 300)), officer_days=draw(st.integers(0, 40)),
                    households=draw(st.integers(1, 2000)), visited_ytd=draw(st.integers(0, 1)) * 300,
                    officer_fam_sampled=sampled or None, officer_fam_known=draw(st.integers(0, sampled)) if sampled else None,
                ))
    ledger = []
    n = draw(st.integers(0, 25))
    for i in range(n):
        received = date(2026, 6, 1) + timedelta(days=draw(st.integers(0, 121)))
        status = draw(st.sampled_from(STATUSES))
        resolved = received + timedelta(days=draw(st.integers(0, 70))) if status == "已化解" else None
        follow = resolved + timedelta(days=draw(st.integers(0, 20))) if resolved and draw(st.booleans()) else None
        ledger.append(dict(
            dispute_id=f"D{i}", office_code=draw(st.sampled_from([o[0] for o in OFFICES])), received_date=received,
            status=status, resolved_date=resolved, follow_up_date=follow,
            complexity=draw(st.sampled_from(["一般", "复杂", "疑难"])), risk=draw(st.sampled_from(["红", "黄", "蓝"])),
            source=draw(st.sampled_from(["110报警", "走访排查", "网格员上报"])),
            level=draw(st.sampled_from([None, "社区", "派出所"])), party_key=draw(st.sampled_from([None, "p", "q"])),
        ))
    return monthly, ledger


COUNT_KEYS = [k for k, ind in INDICATORS.items() if ind.unit == "count"]


@SETTINGS
@given(data())
def test_a_stations_counts_and_rates_are_sums_and_ratios_of_sums_of_its_offices(rows):
    monthly, ledger = rows
    ds = dataset(monthly, ledger)
    reports = compute_levels(ds, "2026Q3", levels=("office", "station"))
    offices = reports["office"].units
    for _, station in reports["station"].units.iterrows():
        mine = offices[(offices["station"] == station["code"]) & (offices["branch"] == station["branch"])]
        for key in ("disputes", "resolved", "transferred", "failed", "open", "overdue_open", "red_open",
                    "repeat_disputes", "months_reported", "months_expected"):
            assert station[key] == mine[key].sum(), key
        for key in ("alerts", "dispute_alerts", "criminal_cases", "civil_to_criminal", "fraud_cases"):
            expected = mine[key].sum(min_count=1)
            assert (np.isnan(station[key]) and np.isnan(expected)) or station[key] == expected, key
        den = (mine["disputes"] - mine["transferred"]).sum()
        expected = mine["resolved"].sum() / den if den else np.nan
        assert np.isclose(station["resolution_rate"], expected, equal_nan=True)
        # avg_daily_hours is Σ hours / Σ days over the station's rows, never a mean of office rates
        rows_m = [r for r in monthly if r["station"] == station["code"] and r["month"].startswith("2026")]
        days = sum(r["officer_days"] for r in rows_m)
        expected = sum(r["community_hours"] for r in rows_m) / days if days else np.nan
        assert np.isclose(station["avg_daily_hours"], expected, equal_nan=True)


@SETTINGS
@given(data())
def test_the_months_of_a_quarter_add_up_to_the_quarter(rows):
    monthly, ledger = rows
    ds = dataset(monthly, ledger)
    quarter = compute(ds, "2026Q3", level="bureau").units.iloc[0]
    parts = [compute(ds, m, level="bureau").units.iloc[0] for m in ("2026-07", "2026-08", "2026-09")]
    for key in ("alerts", "dispute_alerts", "criminal_cases", "civil_to_criminal", "months_reported",
                "months_expected", "disputes"):
        total = pd.Series([p[key] for p in parts]).sum(min_count=1)
        assert (np.isnan(quarter[key]) and np.isnan(total)) or quarter[key] == total, key


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False, rtol=1e-12)


@settings(SETTINGS, max_examples=10)
@given(data(), st.randoms(use_true_random=False))
def test_reordering_rows_or_files_with_distinct_keys_changes_nothing(rows, rnd):
    monthly, ledger = rows
    base = compute_levels(dataset(monthly, ledger), "2026Q3")
    m2, l2 = list(monthly), list(ledger)
    rnd.shuffle(m2)
    rnd.shuffle(l2)
    shuffled = compute_levels(dataset(m2, l2), "2026Q3")
    cut_m, cut_l = len(m2) // 2, len(l2) // 2
    up1 = Upload(SourceFile("1.xlsx", "1" * 64, 1), monthly_frame(m2[:cut_m]), ledger_frame(l2[:cut_l]))
    up2 = Upload(SourceFile("2.xlsx", "2" * 64, 1), monthly_frame(m2[cut_m:]), ledger_frame(l2[cut_l:]))
    files_ab = compute_levels(merge([up1, up2]), "2026Q3")
    files_ba = compute_levels(merge([up2, up1]), "2026Q3")
    for level in base:
        _frames_equal(base[level].units, shuffled[level].units)
        _frames_equal(base[level].units, files_ab[level].units)
        _frames_equal(base[level].units, files_ba[level].units)
