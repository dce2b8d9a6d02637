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
    prior = compute(dataset, "2025Q3", "bureau").units.iloc[0]
    assert ov.total["resolution_rate"] == pytest.approx(expected["resolution_rate"])
    assert ov.prior["alerts"] == pytest.approx(prior["alerts"])
    assert ov.stars["count"].sum() == len(ov.offices) == 40
    assert list(ov.best["score"]) == sorted(ov.best["score"], reverse=True)


def test_completeness_names_the_station_left_unreported(demo):
    comp = views.completeness(demo, _actor(demo, "leadership"), "2026-10")
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
    first_name, first = views.backup(demo, admin)
    second_name, second = views.backup(demo, admin)
    assert first_name != second_name and first[:16] == second[:16] == b"SQLite format 3\x00"
    assert {first_name, second_name} <= {p.name for p in demo.settings.backup_dir.glob("*.sqlite3")}
