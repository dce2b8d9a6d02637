"""The audit log in Chinese: every kind named, every event a sentence, times in the bureau's zone."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from services import accounts, audit_text, clock, views
from services.actors import CONSOLE
from services.errors import ServiceError
from services.settings import Settings
from store import audit
from store.tables import audit_events
from tests.dbfixtures import seed_registry

PW = "Blue-Lantern-77"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_kind_the_store_records_has_a_chinese_name():
    missing = sorted(set(audit.EVENT_KINDS) - set(audit_text.KIND_NAMES))
    assert not missing, f"audit kinds without a Chinese name in services/audit_text.KIND_NAMES: {missing}"
    assert set(audit_text.KIND_NAMES) == set(audit.EVENT_KINDS)  # no name for a kind nobody records
    assert all(CJK.search(name) for name in audit_text.KIND_NAMES.values())
    assert set(audit_text.RENDERERS) <= set(audit.EVENT_KINDS)


def test_events_of_the_account_services_read_as_chinese_sentences(app):
    admin = accounts.create_first_admin(app, "root", PW)
    seed_registry(app)
    head = accounts.create_user(app, admin, "zhang", PW, "station_head", "station", "城关派出所")
    accounts.change_role(app, admin, head.id, "admin")
    accounts.create_user(app, CONSOLE, "li", PW, "leadership", "branch", "西城分局")
    t0 = audit.now()
    for i in range(accounts.LOCK_AFTER):
        with pytest.raises(ServiceError):
            accounts.authenticate(app, "li", "nope-nope-nope", now=t0 + timedelta(minutes=i))
    with pytest.raises(ServiceError):
        accounts.authenticate(app, "nobody", "whatever-123")
    log = views.audit_log(app, admin)
    said = list(log["details"])
    assert "修改角色：zhang 所长（城关派出所）→ 管理员（全局）" in said
    assert "创建用户：li 局领导（西城分局）" in said
    assert "创建用户：root 初始管理员（全局）" in said
    assert "登录失败：密码错误（第 3 次）" in said
    assert "登录失败：用户名不存在" in said
    until = clock.local_text(t0 + timedelta(minutes=accounts.LOCK_AFTER - 1) + accounts.LOCK_FOR, app.settings,
                             seconds=False)
    assert f"停用或临时锁定账号：连续 5 次登录失败，临时锁定至 {until}" in said
    assert log.loc[log["details"].str.startswith("创建用户：li"), "actor_name"].tolist() == ["命令行"]
    assert set(log["event"]) <= set(audit_text.KIND_NAMES.values())
    for text in said:  # no codes, JSON or UTC offsets left
        assert CJK.search(text) and not re.search(r"[{}\[\]\"]|\+00:00|station_head|bad_password", text), text


def test_times_and_day_filters_are_in_the_bureaus_time_zone(app):
    admin = accounts.create_first_admin(app, "root", PW)
    late = datetime(2026, 10, 3, 17, 30, tzinfo=UTC)  # 2026-10-04 01:30 in Beijing
    with app.db.write() as conn:
        conn.execute(update(audit_events).values(at=late))
    log = views.audit_log(app, admin)
    assert log["at"].tolist() == ["2026-10-04 01:30:00"]
    assert len(views.audit_log(app, admin, since=date(2026, 10, 4), until=date(2026, 10, 4))) == 1
    assert views.audit_log(app, admin, since=date(2026, 10, 3), until=date(2026, 10, 3)).empty
    berlin = Settings(data_dir=app.settings.data_dir, database_url="", timezone="Europe/Berlin")
    assert clock.local_text(late, berlin) == "2026-10-03 19:30:00"
    assert clock.local_text(late.replace(tzinfo=None), None) == "2026-10-04 01:30:00"  # naive = UTC


def test_an_event_that_does_not_fit_its_renderer_still_reads_in_chinese():
    s = Settings(data_dir=".", database_url="")
    assert audit_text.sentence("RoleChanged", {"user": "x"}, s) == "修改角色：用户：x"
    assert audit_text.sentence("LoginSucceeded", {}, s) == "登录成功"
    assert audit_text.sentence("BackupTaken", {"target": "/b.sqlite3"}, s) == "备份数据库：备份文件 /b.sqlite3"
