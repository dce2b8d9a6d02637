"""Rubric versions as governed documents, on both databases: drafts rate nothing, publishing names the
first period, a second evaluator confirms, retiring falls back, every step is audited and named once."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, update

from metrics.rubric import load_rubric
from services import rating_views, rubrics
from services.errors import Conflict, PermissionDenied, ServiceError
from store import audit
from store.tables import users
from tests.dbfixtures import create_users, dispute_record, make_upload, monthly_record, store_as


def _seed(app, u):
    store_as(app, u["eval"].id, make_upload("all.xlsx",
             [monthly_record(c, m) for c in ("A1", "A2", "A3") for m in ("2026-06", "2026-07")],
             [dispute_record(f"D{c}", c) for c in ("A1", "A2", "A3")]))


def _edited(weight_first: float = 25):
    data = copy.deepcopy(load_rubric().to_dict())
    data["items"][0]["weight"] = weight_first          # 矛盾纠纷化解率 20 → 25
    data["items"][1]["weight"] = 30 - weight_first     # 按期化解率 10 → 5
    return data


def _second_evaluator(app, name="eval2"):
    with app.db.write() as conn:
        row = conn.execute(users.select().where(users.c.username == "eval")).mappings().one()
        new = {k: v for k, v in row.items() if k != "id"} | {"username": name, "display_name": name}
        uid = conn.execute(insert(users).returning(users.c.id), new).scalar_one()
    return uid


def _kinds(app):
    with app.db.read() as conn:
        return [e["kind"] for e in reversed(audit.events(conn)) if e["kind"].startswith("Rubric")]


def test_a_draft_rates_nothing_is_seen_by_evaluators_only_and_named_once(app):
    u = create_users(app)
    n = rubrics.save_draft(app, u["eval"], _edited(), "提高化解率权重", based_on=0)
    assert n == 1
    assert rubrics.in_force(app, "2026-07") == 0
    assert [v.name for v in rubrics.list_versions(app, u["eval"])] == ["第 1 版（草稿）", "第 0 版（系统默认）"]
    assert [v.number for v in rubrics.list_versions(app, u["lead"])] == [0]
    with pytest.raises(PermissionDenied, match="草稿"):
        rubrics.rubric_of(app, u["lead"], 1)
    with pytest.raises(PermissionDenied):
        rubrics.save_draft(app, u["head"], _edited(), "所长改规则", based_on=0)
    assert rubrics.rubric_of(app, u["eval"], 1).version == "第 1 版（草稿）"
    assert rubrics.rubric_of(app, None, 0).version == "第 0 版（系统默认）"
    assert rubrics.version(app, u["eval"], 1).digest != rubrics.version(app, u["eval"], 0).digest
    with app.db.read() as conn:
        (ev,) = audit.events(conn, "RubricDraftSaved")
    assert ev["details"]["name"] == "第 1 版（草稿）" and ev["details"]["comment"] == "提高化解率权重"


def test_saving_refuses_a_rubric_with_every_problem_and_a_missing_comment(app):
    u = create_users(app)
    data = _edited()
    data["items"][1]["floor"] = 70          # meant 70 %: outside a rate's range and now "lower is better"
    data["items"][2]["weight"] = 10         # weights 105
    with pytest.raises(ServiceError) as err:
        rubrics.save_draft(app, u["eval"], data, "坏的", based_on=0)
    text = str(err.value)
    assert "按期化解率" in text and "超出比率的可能范围" in text and "越高越好" in text and "105" in text
    with pytest.raises(ServiceError, match="说明"):
        rubrics.save_draft(app, u["eval"], _edited(), "  ", based_on=0)
    assert rubrics.list_versions(app, u["eval"])[0].number == 0


def test_editing_a_draft_conflicts_when_someone_saved_it_meanwhile(app):
    u = create_users(app)
    n = rubrics.save_draft(app, u["eval"], _edited(), "初稿", based_on=0)
    seen = rubrics.version(app, u["eval"], n).digest
    rubrics.update_draft(app, u["eval"], n, _edited(24), "", seen)
    with pytest.raises(Conflict, match="已被他人修改"):
        rubrics.update_draft(app, u["eval"], n, _edited(23), "", seen)
    assert rubrics.rubric_of(app, u["eval"], n).item("resolution_rate").weight == 24
    assert rubrics.version(app, u["eval"], n).comment == "初稿"


def test_publishing_from_a_period_leaves_earlier_periods_with_the_version_in_force_before(app):
    u = create_users(app)
    _seed(app, u)
    n = rubrics.save_draft(app, u["eval"], _edited(), "提高化解率权重", based_on=0)
    info = rubrics.publish(app, u["eval"], n, "2026-07")  # the only evaluator: no second one to ask
    assert info.status == "published" and info.name == "第 1 版（2026-07 起）"
    assert rubrics.in_force(app, "2026-06") == 0 and rubrics.in_force(app, "2026-07") == 1
    assert rubrics.in_force(app, "2026Q3") == 1 and rubrics.in_force(app, "2026Q2") == 0
    assert rubrics.in_force(app, "2026") == 0  # a version applies to periods it covers from their first month

    june, july = rating_views.rating_view(app, u["lead"], "2026-06"), rating_views.rating_view(app, u["lead"], "2026-07")
    assert (june.rubric_number, june.rubric.version, june.choice.is_current) == (0, "第 0 版（系统默认）", True)
    assert (july.rubric_number, july.rubric.version) == (1, "第 1 版（2026-07 起）")
    assert july.rubric.item("resolution_rate").weight == 25
    picked = rating_views.rating_view(app, u["lead"], "2026-07", 0)
    assert picked.rubric_number == 0 and not picked.choice.is_current and picked.choice.in_force.number == 1

    with pytest.raises(ServiceError, match="不能再次发布"):
        rubrics.publish(app, u["eval"], n, "2026-08")
    with pytest.raises(Conflict, match="不是草稿"):
        rubrics.update_draft(app, u["eval"], n, _edited(22), "", info.digest)
    with app.db.read() as conn:
        (ev,) = audit.events(conn, "RubricPublished")
    assert ev["details"]["name"] == "第 1 版（2026-07 起）" and ev["details"]["effective_from"] == "2026-07"


def test_a_second_evaluator_must_confirm_and_the_same_one_twice_is_refused(app):
    u = create_users(app)
    other = _second_evaluator(app)
    n = rubrics.save_draft(app, u["eval"], _edited(), "提高化解率权重", based_on=0)
    pending = rubrics.publish(app, u["eval"], n, "2027Q1")
    assert pending.status == "pending" and pending.requested_by == "eval"
    assert rubrics.in_force(app, "2027Q1") == 0
    with pytest.raises(PermissionDenied, match="另一位考评员"):
        rubrics.publish(app, u["eval"], n, "2027Q1")
    with pytest.raises(ServiceError, match="不同"):
        rubrics.publish(app, other, n, "2027Q2")
    done = rubrics.publish(app, other, n, "2027Q1")
    assert done.status == "published" and done.published_by == "eval2" and done.name == "第 1 版（2027Q1 起）"
    assert rubrics.in_force(app, "2027Q1") == 1 and rubrics.in_force(app, "2026Q4") == 0
    assert _kinds(app) == ["RubricDraftSaved", "RubricPublishRequested", "RubricPublished"]


def test_the_second_evaluator_rule_can_be_switched_off_and_ignores_disabled_evaluators(app):
    u = create_users(app)
    other = _second_evaluator(app)
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == other).values(disabled=True))
    n = rubrics.save_draft(app, u["eval"], _edited(), "一人即可", based_on=0)
    assert rubrics.publish(app, u["eval"], n, "2027Q1").status == "published"
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == other).values(disabled=False))
    import dataclasses
    off = dataclasses.replace(app, settings=dataclasses.replace(app.settings, rubric_second_evaluator=False))
    m = rubrics.save_draft(off, u["eval"], _edited(24), "规则关闭", based_on=1)
    assert rubrics.publish(off, u["eval"], m, "2027Q2").status == "published"


def test_retiring_falls_back_and_equal_first_periods_go_to_the_one_published_last(app):
    u = create_users(app)
    a = rubrics.save_draft(app, u["eval"], _edited(25), "甲", based_on=0)
    b = rubrics.save_draft(app, u["eval"], _edited(24), "乙", based_on=0)
    rubrics.publish(app, u["eval"], b, "2027Q1")
    rubrics.publish(app, u["eval"], a, "2027Q1")
    assert rubrics.in_force(app, "2027-02") == a
    retired = rubrics.retire(app, u["eval"], a)
    assert retired.status == "retired" and retired.name == "第 1 版（2027Q1 起，已停用）"
    assert rubrics.in_force(app, "2027-02") == b
    with pytest.raises(ServiceError, match="不能停用"):
        rubrics.retire(app, u["eval"], 0)
    with pytest.raises(ServiceError, match="已停用"):
        rubrics.retire(app, u["eval"], a)
    with pytest.raises(ServiceError, match="区间"):
        rubrics.publish(app, u["eval"], rubrics.save_draft(app, u["eval"], _edited(), "丙", 0), "2027-01..2027-03")
    assert [v.status for v in rubrics.list_versions(app, u["lead"])] == ["published", "retired", "published"]


def test_export_names_the_version_and_its_digest_and_the_audit_says_the_same(app):
    import io

    import openpyxl

    u = create_users(app)
    _seed(app, u)
    n = rubrics.save_draft(app, u["eval"], _edited(), "提高化解率权重", based_on=0)
    rubrics.publish(app, u["eval"], n, "2026-07")
    name, data = rating_views.export_ranking(app, u["lead"], "2026-07", None, "xlsx")
    assert name == "星级评定_2026-07_第1版.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    digest = rubrics.version(app, None, n).digest
    assert "第 1 版（2026-07 起）" in cells and digest in cells
    assert not any(isinstance(c, str) and "config/rubric.toml" in c for c in cells)
    with app.db.read() as conn:
        (ev,) = audit.events(conn, "RankingExported")
    assert ev["details"]["rubric_version"] == "第 1 版（2026-07 起）" and ev["details"]["rubric_digest"] == digest


def test_suggested_start_is_the_next_quarter_in_the_bureaus_time_zone():
    assert rubrics.suggested_start(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == "2027Q2"  # 2027-01-01 01:00 CST
    assert rubrics.suggested_start(datetime(2026, 12, 31, 15, 0, tzinfo=UTC)) == "2027Q1"
    assert rubrics.suggested_start(datetime(2026, 5, 2, tzinfo=UTC)) == "2026Q3"


def test_the_second_evaluator_rule_is_a_setting_on_by_default():
    from services.settings import SettingsError, from_env

    assert from_env({}).rubric_second_evaluator is True
    assert from_env({"DASHBOARD_RUBRIC_SECOND_EVALUATOR": "0"}).rubric_second_evaluator is False
    assert from_env({"DASHBOARD_RUBRIC_SECOND_EVALUATOR": "on"}).rubric_second_evaluator is True
    with pytest.raises(SettingsError, match="RUBRIC_SECOND_EVALUATOR"):
        from_env({"DASHBOARD_RUBRIC_SECOND_EVALUATOR": "maybe"})
