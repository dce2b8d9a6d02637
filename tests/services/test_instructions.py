"""The warning loop (issue 13) on SQLite and PostgreSQL, with a fixed clock: instructions from warnings,
sign-off, feedback, verification, 督办, deadlines, scope and role refusals, concurrency."""

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select, update

from services import instruction_views as iv
from services import instructions as ins
from services import reading
from services.errors import Conflict, PermissionDenied, ServiceError
from store import audit
from store.tables import instruction_settings, instructions, users
from tests.dbfixtures import create_users, dispute_record, make_upload, monthly_record, store_as

AS_OF = date(2026, 9, 10)
T0 = datetime(2026, 9, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _bureau(**d1):
    ms = [monthly_record("O1", "2026-09"), monthly_record("O2", "2026-09", station="城南派出所")]
    ds = [dispute_record("D1", "O1", risk="红", complexity="复杂", status="化解中",
                         received_date=pd.Timestamp("2026-09-01"), resolved_date=pd.NaT, **d1),
          dispute_record("D3", "O2", risk="黄", complexity="一般", status="化解中",
                         received_date=pd.Timestamp("2026-08-20"), resolved_date=pd.NaT, party_key="cd" * 32)]
    return ms, ds


@pytest.fixture
def loop(app, monkeypatch):
    monkeypatch.setattr(ins, "today", lambda: AS_OF)
    reading.clear_cache()
    people = create_users(app)
    ms, ds = _bureau()
    store_as(app, people["eval"].id, make_upload("bureau.xlsx", ms, ds))
    yield app, people
    reading.clear_cache()


def _by_rule(app, actor, rule):
    return next(i for i in ins.list_instructions(app, actor, now=T0) if i["rule"] == rule)


def test_every_warning_is_one_instruction_and_a_second_sync_adds_none(loop):
    app, p = loop
    st = reading.stored(app)
    warns = reading.bureau_warnings(app, st, AS_OF)
    listed = ins.list_instructions(app, p["eval"], now=T0)
    assert len(listed) == len(warns) == 2  # the upload's hook synced
    assert sorted(i["rule"] for i in listed) == ["overdue", "red_open"]
    again = ins.sync(app, AS_OF, p["eval"], now=T0 + timedelta(hours=1))
    assert (again.warnings, again.created, again.cleared) == (2, 0, 0)
    assert [i["id"] for i in ins.list_instructions(app, p["eval"], now=T0)] == [i["id"] for i in listed]
    red = _by_rule(app, p["eval"], "red_open")
    assert (red["office"], red["station"], red["dispute"], red["status"]) == ("O1", "城关派出所", "D1", "new")
    assert red["due"].endswith("+08:00") and red["condition_cleared"] is False


def test_deadlines_by_risk_and_overdue_with_a_fixed_clock(app, monkeypatch):
    monkeypatch.setattr(ins, "today", lambda: AS_OF)
    reading.clear_cache()
    p = create_users(app)
    ms, ds = _bureau()
    with monkeypatch.context() as m:  # the upload's own sync left out: this one runs at T0
        m.setattr(ins, "sync_after_upload", lambda _app: None)
        store_as(app, p["eval"].id, make_upload("bureau.xlsx", ms, ds))
    ins.sync(app, AS_OF, p["eval"], now=T0)
    red, yellow = _by_rule(app, p["eval"], "red_open"), _by_rule(app, p["eval"], "overdue")
    assert red["due"] == "2026-09-11T10:00:00+08:00"  # red: 24 h
    assert yellow["due"] == "2026-09-13T10:00:00+08:00"  # yellow: 3 days
    later = ins.list_instructions(app, p["eval"], now=T0 + timedelta(hours=25))
    assert [(i["rule"], i["overdue"]) for i in later] == [("red_open", True), ("overdue", False)]
    assert ins.list_instructions(app, p["eval"], now=T0 + timedelta(hours=23))[0]["overdue"] is False
    # sign-off restarts the clock for feedback
    ins.acknowledge(app, p["head"], red["id"], now=T0 + timedelta(hours=2))
    assert ins.instruction(app, p["head"], red["id"])["due"] == "2026-09-11T12:00:00+08:00"
    reading.clear_cache()


def test_the_whole_loop_in_order_with_history_and_audit(loop):
    app, p = loop
    iid = _by_rule(app, p["head"], "red_open")["id"]
    t = T0
    with pytest.raises(ServiceError, match="尚未签收"):
        ins.answer(app, p["head"], iid, "已上门调解", now=t)
    ins.acknowledge(app, p["head"], iid, now=t)
    with pytest.raises(ServiceError, match="请填写"):
        ins.answer(app, p["head"], iid, "   ", now=t)
    ins.answer(app, p["head"], iid, "已上门调解", now=t + timedelta(hours=1))
    ins.answer(app, p["head"], iid, "补充：双方签订协议", now=t + timedelta(hours=2))
    with pytest.raises(ServiceError, match="退回原因"):
        ins.verify(app, p["eval"], iid, close=False, reason="")
    got = ins.verify(app, p["eval"], iid, close=False, reason="缺少协议照片", now=t + timedelta(hours=3))
    assert got["status"] == "returned"
    ins.answer(app, p["head"], iid, "已补充照片", now=t + timedelta(hours=4))
    got = ins.verify(app, p["lead"], iid, close=True, now=t + timedelta(hours=5))
    assert got["status"] == "closed" and got["overdue"] is False
    assert [(h["kind"], h["old_status"], h["new_status"]) for h in got["history"]] == [
        ("created", None, "new"), ("acknowledged", "new", "acknowledged"),
        ("answered", "acknowledged", "answered"), ("answered", "answered", "answered"),
        ("returned", "answered", "returned"), ("answered", "returned", "answered"),
        ("closed", "answered", "closed")]
    assert got["history"][4]["text"] == "缺少协议照片" and got["history"][4]["actor"] == "eval"
    with pytest.raises(Conflict):
        ins.answer(app, p["head"], iid, "再反馈", now=t)
    with app.db.read() as conn:
        kinds = [e["kind"] for e in audit.events(conn) if e["kind"].startswith("Instruction")]
    assert kinds.count("InstructionAnswered") == 3 and "InstructionReturned" in kinds
    assert "InstructionClosed" in kinds and "InstructionAcknowledged" in kinds and "InstructionsSynced" in kinds


def test_scope_and_role_refusals(loop):
    app, p = loop
    red = _by_rule(app, p["eval"], "red_open")  # 城关派出所
    with pytest.raises(PermissionDenied):
        ins.acknowledge(app, p["eval"], red["id"])
    with pytest.raises(ServiceError, match="不在您的范围内"):
        ins.acknowledge(app, p["head2"], red["id"])
    assert [i["station"] for i in ins.list_instructions(app, p["head2"])] == ["城南派出所"]
    with pytest.raises(ServiceError, match="不在您的范围内"):
        ins.instruction(app, p["head2"], red["id"])
    ins.acknowledge(app, p["head"], red["id"])
    ins.answer(app, p["head"], red["id"], "已处理")
    with pytest.raises(PermissionDenied):
        ins.verify(app, p["head"], red["id"], close=True)
    with pytest.raises(PermissionDenied):
        ins.verify(app, p["admin"], red["id"], close=True)
    with pytest.raises(PermissionDenied):
        ins.supervise(app, p["eval"], red["id"], "加快")
    # the author of a feedback never verifies it, whatever role they hold later
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == p["head"].id).values(role="evaluator"))
    with pytest.raises(PermissionDenied, match="自己反馈"):
        ins.verify(app, p["head"].id, red["id"], close=True)
    assert ins.instruction(app, p["eval"], red["id"])["status"] == "answered"


def test_a_later_upload_clears_the_condition_and_the_instruction_waits_for_a_verifier(loop):
    app, p = loop
    red = _by_rule(app, p["eval"], "red_open")
    ms, ds = _bureau()
    ds[0].update(status="已化解", resolved_date=pd.Timestamp("2026-09-09"))
    store_as(app, p["eval"].id, make_upload("bureau-2.xlsx", [], ds[:1]))
    got = ins.instruction(app, p["eval"], red["id"])
    assert got["condition_cleared"] is True and got["status"] == "new"
    assert got["history"][-1]["kind"] == "condition_cleared"
    assert len(ins.list_instructions(app, p["eval"])) == 2  # still listed, not deleted
    closed = ins.verify(app, p["eval"], red["id"], close=True, reason="纠纷已化解")
    assert closed["status"] == "closed"
    other = _by_rule(app, p["eval"], "overdue")
    with pytest.raises(Conflict):  # its condition stands: it must be answered first
        ins.verify(app, p["eval"], other["id"], close=True)


def test_two_people_acting_at_once_the_second_is_told_to_refresh(loop):
    app, p = loop
    red = _by_rule(app, p["head"], "red_open")
    ins.acknowledge(app, p["head"], red["id"], version=red["version"])
    with pytest.raises(Conflict, match="该指令已被他人处理，请刷新"):
        ins.acknowledge(app, p["head"], red["id"], version=red["version"])
    ins.answer(app, p["head"], red["id"], "第一份反馈")
    seen = ins.instruction(app, p["eval"], red["id"])
    ins.verify(app, p["lead"], red["id"], close=False, reason="不完整", version=seen["version"])
    with pytest.raises(Conflict, match="该指令已被他人处理，请刷新"):
        ins.verify(app, p["eval"], red["id"], close=True, version=seen["version"])
    got = ins.instruction(app, p["eval"], red["id"])
    assert got["status"] == "returned" and [h["text"] for h in got["history"] if h["kind"] == "answered"] == ["第一份反馈"]


def test_supervision_note_by_leadership_is_seen_by_the_station(loop):
    app, p = loop
    red = _by_rule(app, p["lead"], "red_open")
    ins.supervise(app, p["lead"], red["id"], "请今日内签收")
    mine = ins.instruction(app, p["head"], red["id"])
    assert mine["notes"][0]["text"] == "请今日内签收" and mine["supervision_notes"] == 1
    assert mine["history"][-1]["kind"] == "supervised"


def test_deadline_settings_are_validated_and_versioned(loop):
    app, p = loop
    with pytest.raises(ServiceError, match="hours.red"):
        ins.parse_settings('version = "x"\n[hours]\nred = 0\nyellow = 1\nblue = 1\nnone = 1\n')
    with pytest.raises(ServiceError, match="未知的风险等级"):
        ins.parse_settings('version = "x"\n[hours]\nred = 1\nyellow = 1\nblue = 1\nnone = 1\npurple = 2\n')
    with pytest.raises(ServiceError, match="TOML"):
        ins.parse_settings("version = ")
    quick = ins.parse_settings('version = "quick"\n[hours]\nred = 2\nyellow = 4\nblue = 8\nnone = 8\n')
    ins.sync(app, AS_OF, p["eval"], settings=quick)
    with app.db.read() as conn:
        versions = conn.execute(select(instruction_settings.c.version)).scalars().all()
        stored = conn.execute(select(instructions.c.settings_version)).scalars().all()
    assert versions == [1, 2] and stored == [1, 1]  # existing instructions keep the version they began with
    with pytest.raises(PermissionDenied):
        ins.sync(app, AS_OF, p["head"])


def test_loop_indicators_per_station_with_a_fixed_clock(app, monkeypatch):
    monkeypatch.setattr(ins, "today", lambda: AS_OF)
    reading.clear_cache()
    p = create_users(app)
    ms, ds = _bureau()
    with monkeypatch.context() as m:
        m.setattr(ins, "sync_after_upload", lambda _app: None)
        store_as(app, p["eval"].id, make_upload("bureau.xlsx", ms, ds))
    ins.sync(app, AS_OF, p["eval"], now=T0)
    red = _by_rule(app, p["eval"], "red_open")["id"]
    ins.acknowledge(app, p["head"], red, now=T0 + timedelta(hours=2))
    ins.answer(app, p["head"], red, "已处理", now=T0 + timedelta(hours=30))  # feedback due T0+26 h: late
    ins.verify(app, p["eval"], red, close=True, now=T0 + timedelta(hours=48))
    got = iv.loop_indicators(app, p["lead"], "2026-09", "station", now=T0 + timedelta(hours=100))
    got = got.set_index("station")
    a, b = got.loc["城关派出所"], got.loc["城南派出所"]
    assert (a["issued"], a["ack_on_time_rate"], a["answer_on_time_rate"], a["close_rate"]) == (1, 1.0, 0.0, 1.0)
    assert a["avg_close_days"] == pytest.approx(2.0) and a["overdue_count"] == 0
    assert (b["ack_on_time_rate"], b["close_rate"], b["overdue_count"]) == (0.0, 0.0, 1)
    assert pd.isna(b["answer_on_time_rate"])
    mine = iv.loop_indicators(app, p["head"], "2026Q3", "station", now=T0 + timedelta(hours=100))
    assert mine["station"].tolist() == ["城关派出所"]
    with pytest.raises(PermissionDenied):
        iv.loop_indicators(app, p["head"], "2026-09", "bureau")
    with pytest.raises(ServiceError):
        iv.loop_indicators(app, p["lead"], "2026-13", "station")
    reading.clear_cache()


def test_two_verifiers_at_the_same_moment_one_wins_and_the_other_must_refresh(loop):
    import threading

    app, p = loop
    red = _by_rule(app, p["head"], "red_open")
    ins.acknowledge(app, p["head"], red["id"])
    ins.answer(app, p["head"], red["id"], "已处理")
    seen = ins.instruction(app, p["eval"], red["id"])
    start, results = threading.Barrier(2), {}

    def act(who, close):
        start.wait()
        try:
            results[who] = ins.verify(app, p[who], red["id"], close=close, reason="不完整", version=seen["version"])
        except Conflict as exc:
            results[who] = exc

    threads = [threading.Thread(target=act, args=("eval", True)), threading.Thread(target=act, args=("lead", False))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    won = [w for w, r in results.items() if isinstance(r, dict)]
    lost = [r for r in results.values() if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1 and "该指令已被他人处理，请刷新" in str(lost[0])
    got = ins.instruction(app, p["eval"], red["id"])
    assert got["status"] == ("closed" if won == ["eval"] else "returned")
    assert [h["kind"] for h in got["history"]].count("closed") + \
        [h["kind"] for h in got["history"]].count("returned") == 1


def test_a_repeat_partner_in_another_station_is_not_named_in_the_instruction(app, monkeypatch):
    monkeypatch.setattr(ins, "today", lambda: AS_OF)
    reading.clear_cache()
    p = create_users(app)
    ms, ds = _bureau()
    ds.append(dispute_record("D4", "O2", received_date=pd.Timestamp("2026-09-05"), resolved_date=pd.NaT,
                             status="化解中", complexity="复杂"))  # the same party as D1 (城关)
    store_as(app, p["eval"].id, make_upload("bureau.xlsx", ms, ds))
    repeat = _by_rule(app, p["head2"], "repeat_dispute")
    assert repeat["dispute"] == "D4" and repeat["station"] == "城南派出所"
    assert "D1" not in repeat["message"] and reading.ELSEWHERE in repeat["message"]
    assert "D1" not in json.dumps(ins.instruction(app, p["head2"], repeat["id"])["details"], ensure_ascii=False)
    reading.clear_cache()


def test_warnings_computed_on_data_an_upload_has_since_replaced_are_computed_again(app, monkeypatch):
    monkeypatch.setattr(ins, "today", lambda: AS_OF)
    monkeypatch.setattr(ins, "sync_after_upload", lambda _app: None)
    reading.clear_cache()
    p = create_users(app)
    ms, ds = _bureau()
    store_as(app, p["eval"].id, make_upload("bureau.xlsx", ms, ds))
    old = reading.stored(app)
    ds[0].update(status="已化解", resolved_date=pd.Timestamp("2026-09-09"))  # red_open gone
    store_as(app, p["eval"].id, make_upload("bureau-2.xlsx", [], ds[:1]))
    real, calls = reading.stored, []

    def stale_first(a, version=None):
        calls.append(1)
        return old if len(calls) == 1 else real(a, version)
    monkeypatch.setattr(reading, "stored", stale_first)
    got = ins.sync(app, AS_OF, p["eval"])
    assert len(calls) == 2 and got.warnings == 1
    assert [i["rule"] for i in ins.list_instructions(app, p["eval"])] == ["overdue"]
    reading.clear_cache()


def test_a_branch_leader_sees_and_verifies_only_their_branch(loop):
    from sqlalchemy import insert

    app, p = loop
    with app.db.write() as conn:
        west = conn.execute(insert(users).returning(users.c.id), {
            "username": "west", "display_name": "west", "password_hash": "x", "role": "leadership",
            "scope_kind": "branch", "scope_value": "西城分局", "disabled": False, "failed_logins": 0,
            "created_at": audit.now()}).scalar_one()
        east = conn.execute(insert(users).returning(users.c.id), {
            "username": "east", "display_name": "east", "password_hash": "x", "role": "leadership",
            "scope_kind": "branch", "scope_value": "东城分局", "disabled": False, "failed_logins": 0,
            "created_at": audit.now()}).scalar_one()
    red = _by_rule(app, p["head"], "red_open")
    ins.acknowledge(app, p["head"], red["id"])
    ins.answer(app, p["head"], red["id"], "已处理")
    assert ins.list_instructions(app, west) == []
    with pytest.raises(ServiceError, match="不在您的范围内"):
        ins.verify(app, west, red["id"], close=True)
    assert len(ins.list_instructions(app, east)) == 2
    assert ins.verify(app, east, red["id"], close=True)["status"] == "closed"
    with pytest.raises(PermissionDenied):
        iv.loop_indicators(app, east, "2026-09", "bureau")
