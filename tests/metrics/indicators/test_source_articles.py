"""The figures published in the source articles, reproduced from real workbooks through the reader."""

from __future__ import annotations

from datetime import date

import pytest
from indicator_builders import write_workbook

from metrics.dataset import merge
from metrics.indicators import compute
from metrics.reader import read_files


def read(path):
    uploads = read_files([path], upload_date=date(2026, 11, 1))
    errors = [p for up in uploads for p in up.errors]
    assert not errors, [p.message for p in errors]
    return merge(uploads)


def unit(report, code):
    rows = report.units[report.units["code"] == code]
    assert len(rows) == 1
    return rows.iloc[0]


def test_huangdao_195_resolved_of_215_is_90_7_percent(tmp_path):
    ledger = [dict(dispute_id=f"HD{i:03d}", office_code="3702110001", received_date="2026-07-10",
                   status="已化解" if i < 195 else "化解中",
                   resolved_date="2026-07-15" if i < 195 else None) for i in range(215)]
    ds = read(write_workbook(tmp_path / "黄岛.xlsx", [dict(office_code="3702110001", month="2026-07")], ledger))
    u = unit(compute(ds, "2026Q3"), "3702110001")
    assert (u.disputes, u.resolved) == (215, 195)
    assert u.resolution_rate == pytest.approx(195 / 215)
    assert round(u.resolution_rate * 100, 1) == 90.7


def test_ganquan_21626_of_33870_households_visited_is_63_85_percent(tmp_path):
    monthly = [
        dict(office_code="6106270001", month="2026-09", station="甘泉派出所", households=20000, visited_ytd=12000),
        dict(office_code="6106270002", month="2026-09", station="甘泉派出所", households=13870, visited_ytd=9626),
        # an earlier month of the period does not count: each office's last month does
        dict(office_code="6106270001", month="2026-08", station="甘泉派出所", households=20000, visited_ytd=11000),
    ]
    ds = read(write_workbook(tmp_path / "甘泉.xlsx", monthly))
    u = unit(compute(ds, "2026Q3", level="station"), "甘泉派出所")
    assert u.visit_coverage == pytest.approx(21626 / 33870)
    assert round(u.visit_coverage * 100, 2) == 63.85


def test_jinhua_dispute_alerts_200_to_161_is_minus_19_5_percent(tmp_path):
    monthly = [dict(office_code="3307000001", month="2025-09", dispute_alerts=120, alerts=300),
               dict(office_code="3307000002", month="2025-09", dispute_alerts=80, alerts=300),
               dict(office_code="3307000001", month="2026-09", dispute_alerts=100, alerts=300),
               dict(office_code="3307000002", month="2026-09", dispute_alerts=61, alerts=300)]
    ds = read(write_workbook(tmp_path / "金华.xlsx", monthly))
    u = compute(ds, "2026-09", level="bureau").units.iloc[0]
    assert (u.dispute_alerts, u.dispute_alerts_prior) == (161, 200)
    assert u.dispute_alerts_yoy == pytest.approx(-0.195)


def test_quanzhou_fraud_96_to_50_is_minus_47_9_percent(tmp_path):
    monthly = [dict(office_code="3505020001", month="2025-03", fraud_cases=96),
               dict(office_code="3505020001", month="2026-03", fraud_cases=50)]
    ds = read(write_workbook(tmp_path / "泉州.xlsx", monthly))
    u = unit(compute(ds, "2026-03"), "3505020001")
    assert u.fraud_cases_yoy == pytest.approx(-46 / 96)
    assert round(u.fraud_cases_yoy * 100, 1) == -47.9


def test_quanzhou_74_of_77_disputes_from_proactive_sources_is_96_1_percent(tmp_path):
    sources = ["走访排查"] * 40 + ["网格员上报"] * 20 + ["预警推送"] * 14 + ["110报警", "12345热线", "来信来访"]
    ledger = [dict(dispute_id=f"QZ{i:02d}", office_code="3505020001", received_date="2026-03-05", source=s)
              for i, s in enumerate(sources)]
    ds = read(write_workbook(tmp_path / "泉州台账.xlsx", [dict(office_code="3505020001", month="2026-03")], ledger))
    u = unit(compute(ds, "2026-03"), "3505020001")
    assert u.disputes == 77
    assert round(u.proactive_rate * 100, 1) == 96.1


def test_qingdao_familiarity_up_13_3_and_10_points(tmp_path):
    monthly = [
        dict(office_code="3702020001", month="2025-06", officer_fam_sampled=1000, officer_fam_known=817,
             resident_fam_surveyed=500, resident_fam_known=400),
        dict(office_code="3702020001", month="2026-06", officer_fam_sampled=1000, officer_fam_known=950,
             resident_fam_surveyed=500, resident_fam_known=450),
    ]
    ds = read(write_workbook(tmp_path / "青岛.xlsx", monthly))
    u = unit(compute(ds, "2026-06"), "3702020001")
    assert (u.officer_familiarity_prior, u.officer_familiarity) == pytest.approx((0.817, 0.95))
    assert u.officer_familiarity_yoy_pp == pytest.approx(0.133)
    assert (u.resident_familiarity_prior, u.resident_familiarity) == pytest.approx((0.8, 0.9))
    assert u.resident_familiarity_yoy_pp == pytest.approx(0.10)


def test_qingdao_1944_hours_over_240_officer_days_is_8_1_hours(tmp_path):
    monthly = [dict(office_code="3702020001", month="2026-10", officers=12, community_hours=1944, officer_days=240)]
    ds = read(write_workbook(tmp_path / "青岛时长.xlsx", monthly))
    u = unit(compute(ds, "2026-10"), "3702020001")
    assert u.avg_daily_hours == pytest.approx(8.1)
