"""Roles, scopes from the office registry, and always one active administrator — on both databases."""

from dataclasses import replace

import pytest

from services import accounts, scopes
from services.actors import CONSOLE
from services.errors import NotSignedIn, ServiceError
from store import audit
from tests.dbfixtures import seed_registry

PW = "Blue-Lantern-77"


@pytest.fixture
def admin(app):
    return accounts.create_first_admin(app, "root", PW)


def _kinds(app):
    with app.db.read() as conn:
        return [e["kind"] for e in audit.events(conn)]


def test_a_station_head_cannot_be_created_before_the_registry_knows_any_station(app, admin):
    with pytest.raises(ServiceError, match="请先上报或导入警务室登记"):
        accounts.create_user(app, admin, "zhang", PW, "station_head", "station", "城关派出所")
    with pytest.raises(ServiceError, match="请先上报或导入警务室登记"):
        accounts.create_user(app, admin, "lead", PW, "leadership", "branch", "东城分局")
    # a bureau-wide account needs no registry
    assert accounts.create_user(app, admin, "eva", PW, "evaluator").scope_kind == "bureau"
    assert [u["username"] for u in accounts.list_users(app, admin)] == ["root", "eva"]


@pytest.mark.parametrize("role,kind,value,message", [
    ("station_head", "station", "南口所", "没有名为“南口所”的派出所"),
    ("station_head", "bureau", None, "所长的范围必须是一个派出所"),
    ("station_head", "branch", "东城分局", "所长的范围必须是一个派出所"),
    ("station_head", "station", None, "所长需要指定一个派出所"),
    ("leadership", "branch", "北城分局", "没有名为“北城分局”的分局"),
    ("leadership", "station", "城关派出所", "局领导的范围应为全局或一个分局"),
    ("admin", "station", "城关派出所", "管理员的范围只能是全局"),
    ("evaluator", "branch", "东城分局", "考评员的范围只能是全局"),
    ("evaluator", "bureau", "城关派出所", "全局时不填写范围"),
    ("superuser", "bureau", None, "未知角色"),
    ("leadership", "province", "x", "未知范围类型"),
])
def test_unknown_scopes_and_kinds_that_do_not_fit_the_role_are_refused(app, admin, role, kind, value, message):
    seed_registry(app)
    before = _kinds(app)
    with pytest.raises(ServiceError, match=message):
        accounts.create_user(app, admin, "zhang", PW, role, kind, value)
    eva = accounts.create_user(app, admin, "eva", PW, "evaluator")
    with pytest.raises(ServiceError, match=message):
        accounts.change_role(app, admin, eva.id, role, kind, value)
    got = accounts.find_user(app, admin, "eva")
    assert (got["role"], got["scope_kind"], got["scope_value"]) == ("evaluator", "bureau", None)
    assert _kinds(app) == ["UserCreated", *before]  # only eva's creation was recorded


def test_registry_scopes_are_accepted_and_the_kind_follows_the_role(app, admin):
    seed_registry(app)
    head = accounts.create_user(app, admin, "zhang", PW, "station_head", scope_value="城关派出所")
    assert (head.scope_kind, head.scope_value) == ("station", "城关派出所")
    lead = accounts.create_user(app, admin, "li", PW, "leadership", "branch", "西城分局")
    assert (lead.scope_kind, lead.scope_value) == ("branch", "西城分局")
    assert accounts.create_user(app, admin, "wang", PW, "leadership").scope_kind == "bureau"
    moved = accounts.change_role(app, admin, head.id, "station_head", "station", "杏湾派出所")
    assert moved.scope_value == "杏湾派出所"
    opts = scopes.options(app, admin)
    assert opts.branches == ["东城分局", "西城分局"]
    assert ("西城分局", "杏湾派出所") in opts.stations


def test_an_unchanged_role_is_refused_and_ends_no_session(app, admin):
    seed_registry(app)
    head = accounts.create_user(app, admin, "zhang", PW, "station_head", "station", "城关派出所")
    signed = accounts.authenticate(app, "zhang", PW)
    before = _kinds(app)
    with pytest.raises(ServiceError, match="已是所长（城关派出所），未作修改"):
        accounts.change_role(app, admin, head.id, "station_head", "station", " 城关派出所 ")
    assert accounts.validate_session(app, signed.token).username == "zhang"
    assert _kinds(app) == before


def test_the_last_active_admin_can_be_neither_demoted_nor_locked(app, admin):
    with pytest.raises(ServiceError, match="唯一的有效管理员"):
        accounts.change_role(app, admin, admin.id, "evaluator")
    with pytest.raises(ServiceError, match="唯一的有效管理员"):
        accounts.set_locked(app, CONSOLE, admin.id, True)  # the console may lock anyone but the last admin
    second = accounts.create_user(app, admin, "admin2", PW, "admin")
    accounts.set_locked(app, admin, second.id, True)
    # a disabled admin does not count: root is still the only active one
    with pytest.raises(ServiceError, match="唯一的有效管理员"):
        accounts.change_role(app, CONSOLE, admin.id, "evaluator")
    # demoting the disabled one leaves root in charge: allowed
    assert accounts.change_role(app, CONSOLE, second.id, "evaluator").role == "evaluator"
    third = accounts.create_user(app, admin, "admin3", PW, "admin")
    assert accounts.change_role(app, third, admin.id, "evaluator").role == "evaluator"
    with pytest.raises(ServiceError, match="唯一的有效管理员"):
        accounts.set_locked(app, CONSOLE, third.id, True)


def test_the_console_acts_as_admin_only_as_itself(app, admin):
    u = accounts.create_user(app, CONSOLE, "eva", PW, "evaluator")
    with app.db.read() as conn:
        ev = audit.events(conn, "UserCreated")[0]
    assert (ev["actor_id"], ev["actor_name"], ev["details"]["user"]) == (None, "命令行", "eva")
    with pytest.raises(NotSignedIn):  # an equal-looking copy is not the console
        accounts.create_user(app, replace(CONSOLE), "eve", PW, "admin")
    assert accounts.find_user(app, CONSOLE, "EVA")["id"] == u.id
