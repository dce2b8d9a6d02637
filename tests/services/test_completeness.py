"""Reporting completeness, the default period and like-for-like changes, on a small bureau stored through
the real upload services (SQLite and PostgreSQL): three stations of two offices; station 城西 has not
reported 2026-10, station 城关 uploaded 2026-11 early, and a new office of 城南 first reports in 2026-11.

The expected figures are worked out by hand in the comments from the rows below, not read from the code.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from metrics.indicators import compute
from metrics.periods import parse_period
from services import changes, completeness, reading, views
from tests.dbfixtures import create_users, make_upload, monthly_record, store_as

STATIONS = {"城关派出所": ("A1", "A2"), "城南派出所": ("B1", "B2"), "城西派出所": ("C1", "C2")}


def _rec(code, month, station, **v):
    return monthly_record(code, month, station=station, **v)


def _bureau_rows() -> list[dict]:
    recs = []
    for station, codes in STATIONS.items():
        for code in codes:
            # a year earlier: everyone reported; 城西's offices had covered far more households
            ytd_2025 = 700.0 if station == "城西派出所" else 300.0
            recs.append(_rec(code, "2025-09", station))
            recs.append(_rec(code, "2025-10", station, alerts=30.0, visited_ytd=ytd_2025))
            recs.append(_rec(code, "2026-09", station))
            if station != "城西派出所":  # 城西 has not reported 2026-10
                recs.append(_rec(code, "2026-10", station, alerts=33.0, visited_ytd=400.0))
            if station == "城关派出所":  # 城关 uploaded 2026-11 early
                recs.append(_rec(code, "2026-11", station))
    recs.append(_rec("B3", "2026-11", "城南派出所"))  # a new office, first reported in 2026-11
    return recs


@pytest.fixture
def bureau(app):
    users = create_users(app)
    reading.clear_cache()
    store_as(app, users["eval"].id, make_upload("bureau.xlsx", _bureau_rows()))
    yield app, users
    reading.clear_cache()


def test_offices_expected_and_reported_per_month_and_unit(bureau):
    app, users = bureau
    lead = users["lead"]
    # 2026-10: six offices known (B3 not yet), four reported (城西's two missing)
    c = completeness.period_completeness(app, lead, "2026-10")
    assert (c.reported, c.expected, c.complete) == (4, 6, False)
    # 2026-11: seven known (B3 first reported then), three reported (A1, A2, B3)
    assert (lambda c: (c.reported, c.expected))(completeness.period_completeness(app, lead, "2026-11")) == (3, 7)
    c = completeness.period_completeness(app, lead, "2026-09")
    assert (c.reported, c.expected, c.complete) == (6, 6, True)
    per = completeness.by_unit(app, lead, "2026-10", "station").set_index("code")
    assert per.loc["城西派出所", ["expected", "reported", "missing"]].tolist() == [2, 0, 2]
    assert per.loc["城关派出所", ["expected", "reported", "missing"]].tolist() == [2, 2, 0]
    bureau_row = completeness.by_unit(app, lead, "2026-10", "bureau").iloc[0]
    assert (bureau_row["expected"], bureau_row["reported"]) == (6, 4)
    # a quarter: an office has reported it when it reported every month it was expected in
    q = completeness.period_completeness(app, lead, "2026Q4")
    assert (q.reported, q.expected) == (0, 7)  # December is still to come for everyone


def test_a_station_head_sees_the_completeness_of_their_station(bureau):
    app, users = bureau
    c = completeness.period_completeness(app, users["head"], "2026-11")  # 城关
    assert (c.reported, c.expected, c.complete) == (2, 2, True)
    assert set(views.completeness(app, users["head"], "2026-10")["station"]) == {"城关派出所"}


def test_the_default_period_is_the_latest_complete_one_for_everyone(bureau):
    app, users = bureau
    for who in ("lead", "eval", "head", "head2"):
        got = completeness.default_periods(app, users[who])
        # 2026-11 (3 of 7) and 2026-10 (4 of 6) are incomplete: 2026-09 is the latest complete month
        assert got["month"] == "2026-09", who
        # 2026Q3 misses July and August (expected: known since 2025-09); 2025Q3 only expects September
        assert got["quarter"] == "2025Q3", who
        assert got["year"] == "2026", who  # no year is complete (months missing): the latest with data
        assert got["range"] == "2025-10..2026-09", who


def test_the_complete_share_is_a_setting(bureau):
    app, users = bureau
    lenient = replace(app, settings=replace(app.settings, complete_share=0.6))
    assert completeness.default_periods(lenient, users["lead"])["month"] == "2026-10"  # 4/6 ≥ 0.6
    from services.settings import SettingsError, from_env

    assert from_env({"DASHBOARD_COMPLETE_SHARE": "0.8"}).complete_share == 0.8
    assert from_env({}).complete_share == 0.95
    with pytest.raises(SettingsError):
        from_env({"DASHBOARD_COMPLETE_SHARE": "1.5"})


def test_count_card_change_is_the_engine_like_for_like_yoy(bureau):
    app, users = bureau
    ov = views.overview(app, users["lead"], parse_period("2026-10"))
    alerts = ov.changes["alerts"]
    # the four offices that reported: 4 × 33 = 132 against their own 4 × 30 = 120 a year earlier
    assert ov.total["alerts"] == 132
    assert alerts.absolute == pytest.approx(12.0) and alerts.relative == pytest.approx(0.10)
    # … which is the engine's alerts_yoy, not 132 against all six offices' 180 (−26.7 %)
    engine = compute(reading.stored(app).dataset, "2026-10", "bureau").units.iloc[0]
    assert alerts.relative == engine["alerts_yoy"]
    assert alerts.absolute == engine["alerts"] - engine["alerts_prior"]


def test_rate_card_change_compares_the_same_offices(bureau):
    app, users = bureau
    ov = views.overview(app, users["lead"], parse_period("2026-10"))
    cov = ov.changes["visit_coverage"]
    # same four offices: 1600/3200 = 50 % now against 1200/3200 = 37.5 % a year earlier: +12.5 points
    # (all six a year earlier would give 2600/4800 = 54.2 %, a fall)
    assert ov.total["visit_coverage"] == pytest.approx(0.5)
    assert cov.absolute == pytest.approx(0.125) and cov.offices == 4 and cov.basis == "same_offices"
    sat = ov.changes["satisfaction"]
    engine = compute(reading.stored(app).dataset, "2026-10", "bureau").units.iloc[0]
    assert sat.absolute == engine["satisfaction_yoy_pp"]


def test_station_head_card_change_is_their_station_engine_yoy(bureau):
    app, users = bureau
    ov = views.overview(app, users["head"], parse_period("2026-10"))
    engine = compute(reading.stored(app).dataset, "2026-10", "station").units.set_index("code")
    assert ov.changes["alerts"].relative == engine.at["城关派出所", "alerts_yoy"] == pytest.approx(0.10)
    assert ov.changes["visit_coverage"].offices == 2


def test_comparable_period_stops_at_the_as_of_month():
    from datetime import date

    now, prior = changes.comparable_period(parse_period("2026"), date(2026, 10, 31))
    assert (now.first, now.last, prior.first, prior.last) == ("2026-01", "2026-10", "2025-01", "2025-10")


def test_a_complete_month_compares_every_office(bureau):
    app, users = bureau
    ov = views.overview(app, users["lead"], parse_period("2026-09"))
    cov = ov.changes["visit_coverage"]
    # all six offices reported 2026-09 and 2025-09, both times 300 of 800 households: no change
    assert cov.offices == 6 and cov.absolute == pytest.approx(0.0)
    assert ov.changes["alerts"].relative == pytest.approx(0.0)
