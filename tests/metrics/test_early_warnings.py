"""Early warnings: each rule fires exactly where metrics.md says, naming office, dispute or month and numbers."""

from __future__ import annotations

from datetime import date

from indicator_builders import dataset

from metrics.early_warnings import RULES, default_as_of, warnings, warnings_frame

M = [dict(office_code="A1", month="2026-09", office_name="湛山警务室"), dict(office_code="B1", month="2026-09")]
AS_OF = date(2026, 9, 30)


def by_rule(items, rule):
    return [w for w in items if w.rule == rule]


def test_red_dispute_open_after_three_days_warns():
    ds = dataset(M, [
        dict(dispute_id="R1", received_date="2026-09-26", risk="红", complexity="复杂"),  # 4 days
        dict(dispute_id="R2", received_date="2026-09-27", risk="红", complexity="复杂"),  # 3 days: not yet
        dict(dispute_id="R3", received_date="2026-09-01", risk="红", status="已化解", resolved_date="2026-09-02",
             follow_up_date="2026-09-03"),
    ])
    red = by_rule(warnings(ds, AS_OF), "red_open")
    assert [w.dispute_id for w in red] == ["R1"]
    w = red[0]
    assert w.office_code == "A1" and w.office_name == "湛山警务室" and w.severity == "high"
    assert "4 天" in w.message and w.details["days_open"] == 4


def test_dispute_past_its_limit_warns_with_the_numbers():
    ds = dataset(M, [
        dict(dispute_id="O1", received_date="2026-09-10", complexity="复杂"),  # 20 > 15
        dict(dispute_id="O2", received_date="2026-09-15", complexity="复杂"),  # 15, not over
        dict(dispute_id="O3", received_date="2026-09-01", complexity="疑难"),  # 29 ≤ 60
    ])
    over = by_rule(warnings(ds, AS_OF), "overdue")
    assert [w.dispute_id for w in over] == ["O1"]
    assert over[0].details == {"received_date": "2026-09-10", "days_open": 20, "limit_days": 15, "complexity": "复杂"}
    assert "超期 5 天" in over[0].message


def test_follow_up_due_within_three_days_or_late():
    ds = dataset(M, [
        dict(dispute_id="F1", received_date="2026-09-01", status="已化解", resolved_date="2026-09-10"),  # due 09-24
        dict(dispute_id="F2", received_date="2026-09-01", status="已化解", resolved_date="2026-09-18"),  # due 10-02
        dict(dispute_id="F3", received_date="2026-09-01", status="已化解", resolved_date="2026-09-25"),  # due 10-09
        dict(dispute_id="F4", received_date="2026-09-01", status="已化解", resolved_date="2026-09-10",
             follow_up_date="2026-09-20"),
        dict(dispute_id="F5", received_date="2026-09-01", status="已化解", resolved_date="2026-10-05"),  # after as_of
    ])
    items = warnings(ds, AS_OF)
    assert [(w.dispute_id, w.details["days_late"]) for w in by_rule(items, "follow_up_late")] == [("F1", 6)]
    assert [(w.dispute_id, w.details["days_left"]) for w in by_rule(items, "follow_up_due")] == [("F2", 2)]


def test_repeat_dispute_names_the_earlier_dispute_across_offices():
    ds = dataset(M, [
        dict(dispute_id="P1", office_code="B1", received_date="2026-07-01", party_key="k"),
        dict(dispute_id="P2", office_code="A1", received_date="2026-09-29", party_key="k"),  # 90 days later
        dict(dispute_id="Q1", received_date="2026-06-01", party_key="q"),
        dict(dispute_id="Q2", received_date="2026-09-01", party_key="q"),  # 92 days later: not a repeat
    ])
    rep = by_rule(warnings(ds, AS_OF), "repeat_dispute")
    assert [w.dispute_id for w in rep] == ["P2"]
    assert rep[0].details["earlier"] == ["P1"] and rep[0].details["days_since"] == [90]
    assert "P1" in rep[0].message


def test_monthly_jump_against_own_last_twelve_months():
    rows = [dict(office_code="A1", month=f"2025-{m:02d}", alerts=20 + (m % 3)) for m in range(9, 13)]
    rows += [dict(office_code="A1", month=f"2026-{m:02d}", alerts=20 + (m % 3)) for m in range(1, 9)]
    rows.append(dict(office_code="A1", month="2026-09", alerts=200))  # typing error: an extra zero
    rows += [dict(office_code="B1", month=f"2026-{m:02d}", alerts=20 + (m % 3)) for m in range(1, 10)]
    items = warnings(dataset(rows), AS_OF)
    jumps = by_rule(items, "monthly_jump")
    assert [(w.office_code, w.month, w.details["column"]) for w in jumps] == [("A1", "2026-09", "alerts")]
    assert jumps[0].details["z"] >= 3 and jumps[0].details["history_months"] == 12
    assert "警情总数" in jumps[0].message and "200" in jumps[0].message


def test_no_jump_with_too_little_history():
    rows = [dict(office_code="A1", month=f"2026-{m:02d}", alerts=20) for m in range(5, 9)]
    rows.append(dict(office_code="A1", month="2026-09", alerts=200))
    assert by_rule(warnings(dataset(rows), AS_OF), "monthly_jump") == []


def test_default_as_of_and_frame_form():
    ds = dataset(M, [dict(dispute_id="X", received_date="2026-10-03", risk="红")])
    assert default_as_of(ds) == date(2026, 10, 3)
    assert warnings(dataset(), None) == []
    frame = warnings_frame(warnings(ds, date(2026, 10, 10)))
    assert list(frame["rule"]) == ["red_open"]
    assert set(frame.columns) >= {"rule", "office_code", "dispute_id", "month", "message", "details", "severity"}
    assert all(rule in RULES for rule in frame["rule"])
