"""Two holes an attack run found in the upload's scope check (issue 17, part 7), on both databases.

* A station head's ledger row that carries the 纠纷编号 of another station's stored dispute, with one of
  the head's own offices, would have moved that dispute to the head's station: the check covered the new
  row only, not the stored row it replaces.
* A monthly row that gives a known office another 所属分局 / 所属派出所 rewrote the office registry: an
  upload never changes where an office belongs (an admin does, in 系统管理, with audit).
"""

import pytest

from services import uploads as svc
from services.errors import PermissionDenied, ServiceError
from store import audit, rows
from tests.dbfixtures import create_users, dispute_record, dump_tables, make_upload, monthly_record

SOUTH = "城南派出所"


def _store(app, actor, up):
    plan = svc.plan_uploads(app, actor, [up])
    assert not plan.blocked, [p.message for p in plan.problems]
    return svc.commit_upload(app, actor, plan, acknowledge_warnings=True)


@pytest.fixture
def two_stations(app):
    """城关 (A1, A2; head ``head``) and 城南 (B1 with dispute DB1; head ``head2``), stored by their heads."""
    u = create_users(app)
    _store(app, u["head"], make_upload("关.xlsx", [monthly_record("A1", "2026-09"), monthly_record("A2", "2026-09")],
                                       [dispute_record("DA1", "A1")]))
    _store(app, u["head2"], make_upload("南.xlsx", [monthly_record("B1", "2026-09", station=SOUTH)],
                                        [dispute_record("DB1", "B1")]))
    return u


def _offices_of(app):
    with app.db.read() as conn:
        return {r["dispute_id"]: r["office_code"] for r in rows.current_ledger(conn).to_dict("records")}


# --- hole 1: another station's dispute -------------------------------------------------------------

def test_station_head_cannot_take_another_stations_dispute_with_an_own_office(app, two_stations):
    u = two_stations
    before = dump_tables(app.db)
    forged = make_upload("夺.xlsx", [], [dispute_record("DB1", "A1", status="化解中", resolved_date=None)])
    plan = svc.plan_uploads(app, u["head"], [forged])
    assert plan.blocked
    (p,) = [p for p in plan.problems if p.severity == "error"]
    assert p.code == "dispute_of_other_station"
    assert (p.sheet, p.row, p.column, p.value) == ("矛盾纠纷台账", 2, "纠纷编号", "DB1")
    assert "纠纷编号“DB1”已属于其他派出所的警务室，不能在本站上报中修改" in p.message
    assert "“B1" not in p.message and SOUTH not in p.message  # says nothing about the other station's office
    assert plan.files[0].diff.updated_disputes == []  # no preview of "警务室编码 B1 → A1"
    with pytest.raises(ServiceError, match="未保存任何数据"):
        svc.commit_upload(app, u["head"], plan, acknowledge_warnings=True)
    after = dump_tables(app.db)
    assert after["dispute_rows"] == before["dispute_rows"] and after["offices"] == before["offices"]
    assert _offices_of(app)["DB1"] == "B1"


def test_the_commit_rechecks_the_stored_dispute_even_for_a_plan_made_before_it_existed(app):
    """A preview made while DB1 was new; 城南 stores DB1 in between; the commit must refuse."""
    u = create_users(app)
    _store(app, u["head"], make_upload("关.xlsx", [monthly_record("A1", "2026-09")]))
    _store(app, u["head2"], make_upload("南.xlsx", [monthly_record("B1", "2026-09", station=SOUTH)]))
    early = svc.plan_uploads(app, u["head"], [make_upload("早.xlsx", [], [dispute_record("DB1", "A1")])])
    assert not early.blocked
    _store(app, u["head2"], make_upload("南2.xlsx", [], [dispute_record("DB1", "B1")]))
    before = dump_tables(app.db)
    with pytest.raises(PermissionDenied, match="其他派出所"):
        svc.commit_upload(app, u["head"], early, acknowledge_warnings=True)
    assert dump_tables(app.db) == before


def test_station_head_may_still_update_own_disputes_and_move_them_between_own_offices(app, two_stations):
    u = two_stations
    _store(app, u["head"], make_upload("关2.xlsx", [], [dispute_record("DA1", "A2")]))
    assert _offices_of(app) == {"DA1": "A2", "DB1": "B1"}


def test_evaluator_may_move_a_dispute_between_stations(app, two_stations):
    u = two_stations
    plan = svc.plan_uploads(app, u["eval"], [make_upload("考评.xlsx", [], [dispute_record("DB1", "A1")])])
    assert not plan.blocked
    (ch,) = plan.files[0].diff.updated_disputes
    assert ch.changes["office_code"] == ("B1", "A1")
    svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    assert _offices_of(app)["DB1"] == "A1"


# --- hole 2: an office moved by an upload ------------------------------------------------------------

@pytest.mark.parametrize("actor", ["head", "eval"])
@pytest.mark.parametrize("field,value", [("branch", "西城分局"), ("station", "城关派出所二部")])
def test_an_upload_never_moves_a_known_office_to_another_branch_or_station(app, two_stations, actor, field, value):
    u = two_stations
    before = dump_tables(app.db)
    moved = make_upload("挪.xlsx", [monthly_record("A2", "2026-10"), monthly_record("A1", "2026-10", **{field: value})])
    plan = svc.plan_uploads(app, u[actor], [moved])
    assert plan.blocked
    errors = [p for p in plan.problems if p.severity == "error"]
    if actor == "head" and field == "station":  # another station's name: the head's scope check says it
        assert [p.code for p in errors] == ["out_of_scope"]
    else:
        (p,) = errors
        assert p.code == "office_registry_mismatch"
        assert (p.sheet, p.row, p.value) == ("警务室月报", 3, "A1")
        assert "东城分局" in p.message and "城关派出所" in p.message and value in p.message
        assert "管理员" in p.message
    with pytest.raises(ServiceError, match="未保存任何数据"):
        svc.commit_upload(app, u[actor], plan, acknowledge_warnings=True)
    after = dump_tables(app.db)
    assert after["offices"] == before["offices"] and after["monthly_rows"] == before["monthly_rows"]


def test_commit_refuses_a_registry_change_made_after_the_preview(app, two_stations):
    """The evaluator previews A1 under 西城分局 while the registry says so, an admin moves it back,
    and the stale plan must not move it again (the commit repeats the registry check)."""
    from services import offices_admin
    u = two_stations
    offices_admin.move_office(app, u["admin"], "A1", station="城关派出所", branch="西城分局")
    plan = svc.plan_uploads(app, u["eval"], [make_upload("西.xlsx", [monthly_record("A1", "2026-10", branch="西城分局")])])
    assert not plan.blocked
    offices_admin.move_office(app, u["admin"], "A1", station="城关派出所", branch="东城分局")
    before = dump_tables(app.db)
    with pytest.raises(PermissionDenied, match="登记"):
        svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    assert dump_tables(app.db) == before


def test_new_offices_are_still_registered_by_an_upload_and_names_follow_the_latest_rows(app, two_stations):
    u = two_stations
    _store(app, u["head"], make_upload("新.xlsx", [monthly_record("A3", "2026-10"),
                                                  monthly_record("A1", "2026-10", office_name="城关一号警务室")]))
    with app.db.read() as conn:
        reg = rows.office_registry(conn)
    assert reg["A3"] == {"code": "A3", "name": "A3警务室", "station": "城关派出所", "branch": "东城分局"}
    assert reg["A1"]["name"] == "城关一号警务室"


# --- the admin's registry change --------------------------------------------------------------------

def test_admin_moves_an_office_with_an_audit_event_and_nobody_else_may(app, two_stations):
    from services import offices_admin
    u = two_stations
    for who in ("head", "eval", "lead"):
        with pytest.raises(PermissionDenied):
            offices_admin.move_office(app, u[who], "A1", station=SOUTH, branch="东城分局")
    before = dump_tables(app.db)
    with pytest.raises(ServiceError, match="不存在"):
        offices_admin.move_office(app, u["admin"], "ZZ9", station=SOUTH, branch="东城分局")
    with pytest.raises(ServiceError, match="不能为空"):
        offices_admin.move_office(app, u["admin"], "A1", station="  ", branch="东城分局")
    with pytest.raises(ServiceError, match="未改变"):
        offices_admin.move_office(app, u["admin"], "A1", station="城关派出所", branch="东城分局")
    assert dump_tables(app.db) == before

    offices_admin.move_office(app, u["admin"], "A1", station=f" {SOUTH} ", branch="西城分局")
    with app.db.read() as conn:
        reg = rows.office_registry(conn)
        (ev,) = audit.events(conn, "OfficeMoved")
    assert (reg["A1"]["station"], reg["A1"]["branch"]) == (SOUTH, "西城分局")
    assert ev["actor_name"] == "admin"
    assert ev["details"] == {"office": "A1", "name": "A1警务室", "from_station": "城关派出所",
                             "from_branch": "东城分局", "to_station": SOUTH, "to_branch": "西城分局"}
    # the office now belongs to 城南: its head uploads it, 城关's head may not
    assert svc.plan_uploads(app, u["head"], [make_upload("x.xlsx", [monthly_record("A1", "2026-10")])]).blocked
    _store(app, u["head2"], make_upload("y.xlsx", [monthly_record("A1", "2026-10", station=SOUTH, branch="西城分局")]))
