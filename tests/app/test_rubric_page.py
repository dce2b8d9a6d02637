"""评分规则 through AppTest: evaluators only; floors and targets in the indicator's unit, checked as you
type; drafts; publishing from a period; the comparison always answers. Tests run in file order on one
demo installation (one evaluator: publishing needs no second one)."""

from __future__ import annotations

import analysis_helpers
import pytest
from analysis_helpers import actor
from app_helpers import no_failure, sign_in, texts

from services import rating_views as rv
from services import rubrics
from services.errors import PermissionDenied, ServiceError

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)
PAGE = "pages/rubric.py"


def _field(at, suffix):
    return next(w for w in at.text_input if w.key.endswith(suffix))


def _numbers(app):
    return [v.number for v in rubrics.list_versions(app, actor(app, "evaluator"))]


@pytest.mark.parametrize("role", ["leadership", "station_head", "admin"])
def test_rubric_page_is_not_in_the_navigation_of_non_evaluators_and_the_service_refuses_them(demo, role):
    at = sign_in(demo, role)
    no_failure(at)
    import app as shell

    assert "rubric" not in shell.pages_for(role)
    who = actor(demo, role)
    data = rv.editable_rubric(demo, who, 0)
    with pytest.raises(PermissionDenied):
        rubrics.save_draft(demo, who, data, "试图修改", based_on=0)
    with pytest.raises(PermissionDenied):
        rv.compare_rubrics(demo, who, "2026-10", 0, 0)
    assert _numbers(demo) == [0]


def test_with_one_version_the_comparison_says_there_is_nothing_to_compare_yet(demo):
    at = sign_in(demo, "evaluator", PAGE)
    no_failure(at)
    assert "规则检查通过。" in texts(at)
    assert any("目前只有一个版本（第 0 版（系统默认））" in x for x in texts(at))


def test_rates_are_shown_and_typed_in_percent_and_checked_as_you_type(demo):
    at = sign_in(demo, "evaluator", PAGE)
    floor, target = _field(at, "_i1_floor"), _field(at, "_i1_target")  # 按期化解率 70 % → 95 %
    assert (floor.value, target.value) == ("70", "95") and "%" in floor.label
    assert _field(at, "_i6_floor").value == "4" and "小时/人·天" in _field(at, "_i6_floor").label

    floor.input("70%").run()
    no_failure(at)
    assert "规则检查通过。" in texts(at)

    _field(at, "_i1_target").input("0.95").run()  # typed as a decimal: 0.95 % is below the 70 % floor
    assert "规则有问题，不能保存或发布：" in [e.value for e in at.error]
    assert any(x.startswith("评分项第 2 项（按期化解率）") and "越高越好" in x for x in texts(at))
    assert at.button(key="rub_save_new").disabled

    _field(at, "_i1_target").input("9500").run()
    assert any("按期化解率" in x and "超出比率的可能范围（0%–100%）" in x for x in texts(at))
    _field(at, "_i1_target").input("九十五").run()
    assert any("按期化解率" in x and "不是数字" in x for x in texts(at))
    _field(at, "_i1_target").input("95").run()
    _field(at, "_i0_weight").input("25").run()
    assert any("权重合计必须为 100，当前为 105" in x for x in texts(at))
    _field(at, "_i1_weight").input("5").run()
    assert "规则检查通过。" in texts(at)
    assert _numbers(demo) == [0], "nothing is stored while editing"


def test_a_valid_edit_is_saved_as_a_draft_that_rates_nothing_and_can_be_compared(demo):
    at = sign_in(demo, "evaluator", PAGE)
    _field(at, "_i0_weight").input("25").run()
    _field(at, "_i1_weight").input("5").run()
    _field(at, "_i1_floor").input("72.5%").run()
    at.text_input(key="rub_comment_0").input("提高化解率权重").run()
    at.button(key="rub_save_new").click().run()
    no_failure(at)
    assert _numbers(demo) == [1, 0]
    assert any("已保存第 1 版（草稿）" in s.value for s in at.success)
    saved = rubrics.rubric_of(demo, actor(demo, "evaluator"), 1)
    assert saved.item("resolution_rate").weight == 25 and saved.item("on_time_rate").floor == 0.725
    assert rubrics.in_force(demo, "2026-10") == 0

    assert at.selectbox(key="rub_pick").value == 1  # the draft is opened for editing
    assert at.selectbox(key="rub_cmp_a").value == 0 and at.selectbox(key="rub_cmp_b").value == 1
    shown = texts(at)
    assert any("从第 0 版（系统默认）改为第 1 版（草稿）" in x for x in shown)
    assert len(at.dataframe) >= 2, "the versions table and the comparison table are shown"


def test_comparing_a_version_with_the_same_rules_says_nothing_moves(demo):
    ev = actor(demo, "evaluator")
    same = rubrics.save_draft(demo, ev, rv.editable_rubric(demo, ev, 0), "与默认相同", based_on=0)
    cmp = rv.compare_rubrics(demo, ev, "2026-10", 0, same)
    assert cmp.nothing_moves and cmp.star_changes == 0 and cmp.rank_moves == 0
    at = sign_in(demo, "evaluator", PAGE)
    at.selectbox(key="rub_pick").set_value(same).run()
    at.selectbox(key="rub_cmp_b").set_value(same).run()
    no_failure(at)
    assert any("没有警务室的星级或名次发生变化" in x for x in texts(at))
    rubrics.retire(demo, ev, same)


def test_publishing_needs_a_tick_and_rates_only_from_the_period_given(demo):
    at = sign_in(demo, "evaluator", PAGE)
    at.selectbox(key="rub_pick").set_value(1).run()
    assert at.button(key="rub_publish").disabled, "publishing needs the confirmation tick"
    at.text_input(key="rub_start_1").input("2026Q4").run()
    assert any("2026Q4 已经开始或已过去" in x for x in texts(at))
    at.checkbox(key="rub_sure_1").check().run()
    at.button(key="rub_publish").click().run()
    no_failure(at)
    assert any("第 1 版（2026Q4 起）已发布" in s.value for s in at.success)
    assert rubrics.in_force(demo, "2026-10") == 1 and rubrics.in_force(demo, "2026Q3") == 0
    with pytest.raises(ServiceError, match="不能再次发布"):
        rubrics.publish(demo, actor(demo, "evaluator"), 1, "2027Q1")


def test_the_rating_screen_uses_the_version_in_force_and_says_when_another_is_picked(demo):
    at = sign_in(demo, "leadership", "pages/rating.py")
    no_failure(at)
    at.selectbox(key="rat_month").select("2026-10").run()  # (the screen opens on 2026-09, the latest complete)
    no_failure(at)
    picker = at.selectbox(key="rat_rubric")
    assert picker.value is None
    assert any("评分规则 第 1 版（2026Q4 起）" in x for x in texts(at)), "2026-10 is rated by version 1"
    assert picker.options == ["现行规则：第 1 版（2026Q4 起）", "第 1 版（2026Q4 起）", "第 0 版（系统默认）"], \
        "drafts (and a draft retired unpublished) are for evaluators only"
    picker.set_value(0).run()
    no_failure(at)
    assert any("按第 0 版（非现行）" in x and "第 1 版（2026Q4 起）" in x for x in at.info.values)


def test_the_overview_names_the_version_in_force_for_its_period(demo):
    at = sign_in(demo, "leadership", "pages/overview.py")
    no_failure(at)
    at.selectbox(key="ov_period_month").select("2026-10").run()  # it opens on 2026-09, the latest complete
    no_failure(at)
    assert "评分规则版本：第 1 版（2026Q4 起）" in texts(at)
    at.selectbox(key="ov_period_month").select("2026-09").run()
    assert "评分规则版本：第 0 版（系统默认）" in texts(at)  # before 2026Q4: the shipped default


def test_with_two_evaluators_the_second_one_confirms_on_the_screen(demo):
    from app_helpers import new_app_test

    from services import accounts

    ev = actor(demo, "evaluator")
    accounts.create_user(demo, actor(demo, "admin"), "second_eval", "Second-Eval-2026!", "evaluator")
    data = rv.editable_rubric(demo, ev, 1)
    n = rubrics.save_draft(demo, ev, data, "再调一次", based_on=1)
    at = sign_in(demo, "evaluator", PAGE)
    at.selectbox(key="rub_pick").set_value(n).run()
    at.text_input(key=f"rub_start_{n}").input("2027Q1").run()
    at.checkbox(key=f"rub_sure_{n}").check().run()
    at.button(key="rub_publish").click().run()
    no_failure(at)
    assert any(f"已申请发布第 {n} 版（待确认）" in s.value for s in at.success)
    assert rubrics.version(demo, ev, n).status == "pending"
    at.selectbox(key="rub_pick").set_value(n).run()
    assert at.button(key="rub_confirm").disabled, "the evaluator who asked cannot confirm"

    other = new_app_test()
    other.session_state["auth_token"] = accounts.authenticate(demo, "second_eval", "Second-Eval-2026!").token
    other.run()
    other.switch_page(PAGE).run()
    other.selectbox(key="rub_pick").set_value(n).run()
    assert any("已申请自 2027Q1 起发布" in x and "demo" in x for x in texts(other))
    other.button(key="rub_confirm").click().run()
    no_failure(other)
    assert any(f"第 {n} 版（2027Q1 起）已发布" in s.value for s in other.success)
    assert rubrics.in_force(demo, "2027Q1") == n
