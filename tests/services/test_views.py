"""Screen reads are scoped: a station head's overview holds only their station, whatever they pass."""

from __future__ import annotations

import pytest

from metrics.periods import parse_period
from services import reading, views
from services.demo import DEMO_PASSWORD, DEMO_USERS
from services.errors import PermissionDenied


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from services.context import open_app
    from services.demo import ensure_demo
    from services.settings import from_env

    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(tmp_path_factory.mktemp("views"))}))
    ensure_demo(app)
    yield app
    app.close()


def _actor(app, role):
    from services import accounts

    return accounts.authenticate(app, DEMO_USERS[role], DEMO_PASSWORD).actor


def test_station_head_overview_and_completeness_hold_only_their_station(demo):
    head = _actor(demo, "station_head")
    ov = views.overview(demo, head, parse_period("2026-10"))
    assert set(ov.offices["station"]) == {head.scope_value}
    assert set(ov.stations["name"]) == {head.scope_value}
    assert set(ov.completeness["station"]) == {head.scope_value}
    assert ov.warnings.empty or set(ov.warnings["station"]) == {head.scope_value}


def test_forged_actor_object_does_not_widen_the_scope(demo):
    head = _actor(demo, "station_head")
    from dataclasses import replace

    forged = replace(head, role="evaluator", scope_kind="bureau", scope_value=None)
    assert reading.scope(demo, forged).stations == frozenset({head.scope_value})
    ov = views.overview(demo, forged, parse_period("2026-10"))
    assert set(ov.offices["station"]) == {head.scope_value} and ov.scope == head.scope_value


def test_bureau_total_prior_year_and_stars_match_the_engine(demo):
    from metrics.indicators import compute

    leader = _actor(demo, "leadership")
    ov = views.overview(demo, leader, parse_period("2026Q3"))
    dataset = reading.stored(demo).dataset
    expected = compute(dataset, "2026Q3", "bureau").units.iloc[0]
    assert ov.total["resolution_rate"] == pytest.approx(expected["resolution_rate"])
    assert ov.changes["alerts"].relative == expected["alerts_yoy"]
    assert ov.changes["alerts"].absolute == expected["alerts"] - expected["alerts_prior"]
    assert ov.stars["count"].sum() == len(ov.offices) == 40
    assert list(ov.best["score"]) == sorted(ov.best["score"], reverse=True)
    assert not set(ov.best["code"]) & set(ov.worst["code"])


def test_overview_warnings_are_those_of_the_period(demo):
    """A follow-up missed in 2024 on a dispute resolved in 2024 is not a warning of 2026-10: each listed
    dispute warning is about a dispute received in the period or still open at its end."""
    from ledger_reference import status_as_of  # the plain, row-at-a-time reading of metrics.md

    leader = _actor(demo, "leadership")
    ov = views.overview(demo, leader, parse_period("2026-10"))
    everything = views.warnings_list(demo, leader, ov.as_of)
    led = reading.stored(demo).dataset.ledger.set_index("dispute_id")
    listed = views.warnings_list(demo, leader, ov.as_of, since=ov.period.first_day)
    assert ov.warnings_total == len(listed) < len(everything)
    assert (everything["rule"] == "follow_up_late").sum() > (listed["rule"] == "follow_up_late").sum()
    rows = led.loc[listed["dispute_id"].dropna()]
    received = rows["received_date"].dt.date
    still_open = status_as_of(rows.reset_index(), ov.as_of)["open"]
    assert ((received >= ov.period.first_day).to_numpy() | still_open).all()


def test_completeness_names_the_station_left_unreported(demo):
    comp = views.completeness(demo, _actor(demo, "leadership"), "2026-10")
    assert list(comp.columns) == ["branch", "station", "offices", "reported", "missing"]
    assert (comp["missing"] > 0).sum() == 1 and comp.iloc[0]["missing"] == comp.iloc[0]["offices"]


def test_audit_log_and_registry_are_admin_only_where_required(demo):
    with pytest.raises(PermissionDenied):
        views.audit_log(demo, _actor(demo, "evaluator"))
    log = views.audit_log(demo, _actor(demo, "admin"), kinds=["UploadStored"])
    from services.demo import sample_files

    assert len(log) == len(sample_files()[1]) and set(log["kind"]) == {"UploadStored"}
    head = _actor(demo, "station_head")
    assert set(views.office_registry(demo, head)["station"]) == {head.scope_value}


def test_two_backups_in_the_same_instant_get_two_files(demo, monkeypatch):
    import datetime as dt

    from services import backup as backup_service

    class FrozenClock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 11, 3, 9, 0, 0, 123456)

    monkeypatch.setattr(backup_service, "datetime", FrozenClock)  # both backups in the same microsecond
    admin = _actor(demo, "admin")
    first, second = (backup_service.backup_for_download(demo, admin) for _ in range(2))
    assert first.name != second.name and first.read_bytes()[:16] == second.read_bytes()[:16] == b"SQLite format 3\x00"
    assert {first.name, second.name} <= {p.name for p in demo.settings.backup_dir.glob("*.sqlite3")}


def test_trend_marks_the_month_still_being_reported(demo):
    """2026-10 misses one station in the demo: its point is marked, not shown as a plain fall."""
    from ui.charts import trend_chart

    series = views.trend(demo, _actor(demo, "leadership"), "alerts", "2026-10")
    assert list(series.loc[~series["complete"], "month"]) == ["2026-10"]
    marked = [tr for tr in trend_chart(series, "alerts").data if tr.mode == "markers"]
    assert len(marked) == 1 and list(marked[0].x) == ["2026-10"]
    head = views.trend(demo, _actor(demo, "station_head"), "alerts", "2026-10")
    assert head["complete"].all()  # the head's own station reported every month
