"""Scope checks of the analysis read services on the demo bureau seeded through the real uploads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services import rating_views as rv
from services.actors import reload
from services.context import open_app
from services.demo import DEMO_USERS, ensure_demo
from services.errors import PermissionDenied, ServiceError
from services.settings import from_env
from store.tables import users


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rv")
    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(folder)}))
    assert ensure_demo(app)
    yield app
    app.close()


def who(app, role):
    with app.db.read() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == DEMO_USERS[role])).scalar_one()
        return reload(conn, uid)


def test_station_head_indicators_funnel_trend_and_ledger_hold_only_their_station(app):
    head = who(app, "station_head")
    month = rv.months_in_scope(app, head)[-1]
    station = head.scope_value
    assert set(rv.indicator_view(app, head, month, "office").units["station"]) == {station}
    assert set(rv.indicator_view(app, head, month, "station").units["code"]) == {station}
    assert set(rv.funnel_view(app, head, month, "office", "resolution_rate")["station"]) == {station}
    assert set(rv.trend_view(app, head, "alerts", "office")["station"]) == {station}
    assert set(rv.ledger_view(app, head)["station"]) == {station}
    assert "party_key" not in rv.ledger_view(app, head).columns


def test_station_head_office_indicators_equal_the_bureau_computation(app):
    """Computed on all data, then filtered: repeat disputes across stations are not lost."""
    head, ev = who(app, "station_head"), who(app, "evaluator")
    month = rv.months_in_scope(app, head)[-1]
    mine = rv.indicator_view(app, head, month, "office").units.set_index("code")
    everyone = rv.indicator_view(app, ev, month, "office").units.set_index("code").loc[mine.index]
    assert mine[["repeat_disputes", "resolution_rate"]].equals(everyone[["repeat_disputes", "resolution_rate"]])


def test_levels_beyond_the_scope_are_refused(app):
    head = who(app, "station_head")
    month = rv.months_in_scope(app, head)[-1]
    for level in ("branch", "bureau"):
        with pytest.raises(PermissionDenied):
            rv.indicator_view(app, head, month, level)
        with pytest.raises(PermissionDenied):
            rv.trend_view(app, head, "alerts", level)


def test_funnel_denominators_are_the_indicator_denominators(app):
    ev = who(app, "evaluator")
    month = rv.months_in_scope(app, ev)[-1]
    units = rv.indicator_view(app, ev, month, "station").units.set_index("code")
    for key in rv.FUNNEL_COMPONENTS:
        f = rv.funnel_view(app, ev, month, "station", key).set_index("code")
        ok = f["den"] > 0
        assert (f.loc[ok, "num"] / f.loc[ok, "den"]).round(12).equals(units.loc[f.index[ok], key].round(12))


def test_rating_view_hides_other_offices_details_but_keeps_their_rank(app):
    head = who(app, "station_head")
    month = rv.months_in_scope(app, head)[-1]
    view = rv.rating_view(app, head, month)
    others = view.ranked[~view.ranked["code"].isin(view.visible)]
    assert len(others) and others["rank"].notna().any()
    assert others["resolution_rate"].isna().all() and others["points.resolution_rate"].isna().all()
    assert set(view.ranked.loc[view.ranked["code"].isin(view.visible), "station"]) == {head.scope_value}


def test_scope_key_differs_between_roles_and_changes_with_the_data_version(app):
    keys = {rv.scope(app, who(app, r)).key for r in ("station_head", "evaluator", "leadership")}
    assert len(keys) == 3
    assert rv.scope(app, who(app, "evaluator")).key[-1] > 0


def test_invalid_rubric_is_explained_and_an_unknown_version_refused(app):
    ev = who(app, "evaluator")
    data = rv.editable_rubric(app, ev, 0)
    data["items"][0]["metric"] = "no_such_metric"
    rubric, problems = rv.validate_rubric(data)
    assert rubric is None and len(problems) == 1 and "no_such_metric" in problems[0]
    with pytest.raises(ServiceError, match="第 99 版不存在"):
        rv.rating_view(app, ev, "2026-09", 99)


@pytest.mark.parametrize("role", ["station_head", "leadership_branch"])
def test_outside_the_scope_the_ranking_holds_name_station_stars_score_and_rank_only(app, role):
    """Issue 17: the station head's ranking carried other stations' reasons ("有数据的评分项权重合计 …
    缺少：…"), caps, band stars and ranks within their branch and station."""
    if role == "leadership_branch":
        from services.accounts import create_user
        branch = rv.visible_units(app, who(app, "station_head"))["branch"].iloc[0]
        try:
            actor = create_user(app, who(app, "admin"), "branch_lead_rv", "Branch-Lead-2026!", "leadership",
                                scope_kind="branch", scope_value=branch)
        except ServiceError:  # created by the other parametrisation's run of this module
            with app.db.read() as conn:
                actor = reload(conn, conn.execute(select(users.c.id).where(users.c.username == "branch_lead_rv")).scalar_one())
    else:
        actor = who(app, role)
    month = rv.months_in_scope(app, actor)[-1]
    view = rv.rating_view(app, actor, month)
    full = rv.rating_view(app, who(app, "evaluator"), month).ranked.set_index("code")
    outside = view.ranked[~view.ranked["code"].isin(view.visible)].set_index("code")
    assert len(outside) and (full.loc[outside.index, "reason"].notna().any()
                             or full.loc[outside.index, "capped_by"].notna().any())  # there was something to hide
    shown = set(rv.OUTSIDE_COLUMNS) - {"code"}
    for col in outside.columns:
        if col in shown:
            assert outside[col].equals(full.loc[outside.index, col]), col
        elif col == "missing":
            assert all(v == [] for v in outside[col]), col
        else:
            assert outside[col].isna().all(), col
    inside = view.ranked[view.ranked["code"].isin(view.visible)].set_index("code")
    assert inside["reason"].equals(full.loc[inside.index, "reason"])
    assert inside["rank_in_station"].astype(float).equals(full.loc[inside.index, "rank_in_station"].astype(float))
