"""A rubric is checked in the indicators' terms: units, ranges, directions — every problem one sentence
naming the item — and numbers typed in the indicator's own unit convert exactly both ways."""

from __future__ import annotations

import copy
import math
import tomllib

import pytest

from metrics.indicators.registry import INDICATORS
from metrics.rubric import (
    load_rubric,
    rubric_from_dict,
    rubric_problems,
    rubric_to_toml,
    version_name,
)
from metrics.rubric_units import UnitError, display_unit, from_display, to_display


def _data():
    return copy.deepcopy(load_rubric().to_dict())


def _item(data, metric):
    return next(i for i in data["items"] if i["metric"] == metric)


# --- units --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("metric, stored, shown", [
    ("on_time_rate", 0.95, "95"), ("on_time_rate", 0.7, "70"), ("resolution_rate", 0.98, "98"),
    ("follow_up_rate", 1.0, "100"), ("visit_coverage", 0.3, "30"), ("resolution_rate", 0.123, "12.3"),
    ("dispute_alerts_yoy", -0.2, "-20"), ("dispute_alerts_yoy", 0.1, "10"), ("avg_daily_hours", 4.0, "4"),
    ("avg_daily_hours", 7.25, "7.25"), ("civil_to_criminal", 0.0, "0"),
])  # fmt: skip
def test_values_are_shown_in_the_indicators_unit_and_come_back_exactly(metric, stored, shown):
    assert to_display(metric, stored) == shown
    assert from_display(metric, shown) == stored  # exactly: 0.95, never 0.9500000000000001


def test_every_default_item_round_trips_through_its_display_unit_exactly():
    for it in load_rubric().items:
        for v in (it.floor, it.target):
            assert from_display(it.metric, to_display(it.metric, v)) == v


def test_rates_accept_70_and_70_percent_alike_and_other_units_refuse_a_percent_sign():
    for typed in ("70", "70%", " 70 % ", "７０％", "70.0"):
        assert from_display("on_time_rate", typed) == 0.7
    assert from_display("on_time_rate", "0.7") == 0.007  # in a per-cent field a number is always per cent
    with pytest.raises(UnitError, match="小时/人·天"):
        from_display("avg_daily_hours", "70%")
    for bad in ("abc", "", "1e999999", "nan"):
        with pytest.raises(UnitError):
            from_display("on_time_rate", bad)


def test_display_units_follow_the_registry():
    assert display_unit("resolution_rate").unit == "%" and display_unit("resolution_rate").range_text() == "0%–100%"
    assert display_unit("criminal_cases_yoy").range_text() == "不低于 -100%"
    assert display_unit("avg_daily_hours").unit == "小时/人·天"
    assert {display_unit(k).unit for k, ind in INDICATORS.items() if ind.unit == "ratio"} == {"%"}


# --- the indicators' meaning ----------------------------------------------------------------------------

def _rate_floor_70(d):
    _item(d, "on_time_rate")["floor"] = 70  # meant as 70 %, target 0.95


def _rate_floor_and_target_in_percent(d):
    _item(d, "on_time_rate")["floor"] = 70
    _item(d, "on_time_rate")["target"] = 95


def _higher_better_reversed(d):
    _item(d, "resolution_rate")["floor"], _item(d, "resolution_rate")["target"] = 0.98, 0.80


def _lower_better_reversed(d):
    _item(d, "criminal_cases_yoy")["floor"], _item(d, "criminal_cases_yoy")["target"] = -0.2, 0.1


def _yoy_below_minus_100(d):
    _item(d, "dispute_alerts_yoy")["target"] = -1.5


def _hours_above_a_day(d):
    _item(d, "avg_daily_hours")["target"] = 30


def _overlapping_bands(d):
    d["bands"][2]["min_score"] = 85  # 90, 80, 85, 60


def _cap_unknown(d):
    d["caps"][0]["metric"] = "coffee"


def _weights_99(d):
    d["items"][-1]["weight"] = 4


MEANING = {
    "rate floor typed as 70": (_rate_floor_70, [["按期化解率", "起点 7000%", "超出比率的可能范围（0%–100%）", "70 表示 70%"],
                                                ["按期化解率", "越高越好", "起点应低于目标", "反向计分"]]),
    "rate floor and target typed in percent": (_rate_floor_and_target_in_percent,
                                               [["按期化解率", "起点 7000%"], ["按期化解率", "目标 9500%"]]),
    "higher is better reversed": (_higher_better_reversed, [["矛盾纠纷化解率", "越高越好", "起点 98、目标 80"]]),
    "lower is better reversed": (_lower_better_reversed, [["刑事立案同比", "越低越好", "起点应高于目标"]]),
    "yoy below -100 %": (_yoy_below_minus_100, [["纠纷类警情同比", "目标 -150%", "同比变化", "不低于 -100%"]]),
    "hours above a day": (_hours_above_a_day, [["驻社区日均时长", "目标 30小时/人·天", "0–24"]]),
    "overlapping bands": (_overlapping_bands, [["星级分档第 3 档", "严格递减", "分档重叠"]]),
    "cap on unknown indicator": (_cap_unknown, [["封顶规则第 1 条（民转刑一票否决）", "coffee", "不是已知指标"]]),
    "weights not 100": (_weights_99, [["权重合计必须为 100", "当前为 99"]]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MEANING))
def test_each_problem_is_one_sentence_naming_the_item(case):
    change, expected = MEANING[case]
    data = _data()
    change(data)
    rubric, problems = rubric_problems(data)
    assert rubric is None
    assert len(problems) == len(expected), problems
    for sentence, words in zip(problems, expected, strict=True):
        for w in words:
            assert w in sentence, (case, sentence)


def test_all_problems_are_reported_at_once():
    data = _data()
    _rate_floor_70(data)
    _hours_above_a_day(data)
    _cap_unknown(data)
    _weights_99(data)
    _, problems = rubric_problems(data)
    assert len(problems) == 5
    assert sum(p.startswith("评分项第 2 项（按期化解率）") for p in problems) == 2 and any("驻社区日均时长" in p for p in problems)


def test_a_confirmed_reversal_is_accepted_and_kept_and_a_needless_one_is_pointed_out():
    data = _data()
    _higher_better_reversed(data)
    _item(data, "resolution_rate")["reverse"] = True
    r = rubric_from_dict(data)
    assert r.item("resolution_rate").reverse and r.item("resolution_rate").better == "lower"
    assert rubric_from_dict(tomllib.loads(rubric_to_toml(r))) == r
    plain = _data()
    _item(plain, "on_time_rate")["reverse"] = True
    _, problems = rubric_problems(plain)
    assert len(problems) == 1 and "按期化解率" in problems[0] and "取消勾选" in problems[0]


def test_versions_saved_before_the_meaning_checks_are_still_read_when_not_strict():
    data = _data()
    _rate_floor_70(data)
    assert rubric_from_dict(data, strict=False).item("on_time_rate").floor == 70


def test_the_default_rubric_passes_every_check_and_its_digest_ignores_the_version_label():
    r = load_rubric()
    assert rubric_problems(r.to_dict()) == (r, [])
    import dataclasses
    assert dataclasses.replace(r, version="第 3 版（2027Q1 起）").digest() == r.digest()
    changed = _data()
    changed["items"][0]["floor"] = 0.81
    assert rubric_from_dict(changed).digest() != r.digest()
    assert not math.isnan(r.items[0].points(0.9))


def test_one_name_per_version():
    assert version_name(0) == "第 0 版（系统默认）"
    assert version_name(2, "published", "2027Q1") == "第 2 版（2027Q1 起）"
    assert version_name(2, "published", None) == "第 2 版（自始适用）"
    assert version_name(3, "draft") == "第 3 版（草稿）"
    assert version_name(3, "pending", "2027Q1") == "第 3 版（待确认）"
    assert version_name(2, "retired", "2027Q1") == "第 2 版（2027Q1 起，已停用）"
    assert version_name(4, "retired", None, was_published=False) == "第 4 版（已停用）"
