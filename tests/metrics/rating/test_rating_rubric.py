"""The rubric is validated data: the default loads, round-trips, and every broken entry is refused by name."""

from __future__ import annotations

import copy
import tomllib

import pytest

from metrics.rubric import (
    DEFAULT_PATH,
    RubricError,
    load_rubric,
    parse_rubric,
    rubric_from_dict,
    rubric_to_toml,
)


def _data():
    return copy.deepcopy(load_rubric().to_dict())


def test_default_rubric_matches_the_spec_table():
    r = load_rubric()
    assert r.version == "default-1"
    assert [(i.metric, i.weight, i.floor, i.target) for i in r.items] == [
        ("resolution_rate", 20, 0.80, 0.98), ("on_time_rate", 10, 0.70, 0.95),
        ("follow_up_rate", 5, 0.60, 1.00), ("proactive_rate", 10, 0.50, 0.95),
        ("dispute_alerts_yoy", 15, 0.10, -0.20), ("criminal_cases_yoy", 10, 0.10, -0.20),
        ("avg_daily_hours", 15, 4.0, 8.0), ("officer_familiarity", 5, 0.60, 0.95),
        ("resident_familiarity", 5, 0.50, 0.90), ("visit_coverage", 5, 0.30, 0.80),
    ]  # fmt: skip
    assert [(b.min_score, b.stars) for b in r.bands] == [(90, 5), (80, 4), (70, 3), (60, 2)]
    assert [(c.metric, c.op, c.threshold, c.max_stars) for c in r.caps] == [
        ("civil_to_criminal", ">", 0, 2), ("avg_daily_hours", "<", 4.0, 3)]
    assert not r.quota.enabled and r.min_weight_with_data == 80


def test_lower_is_better_is_derived_from_floor_above_target():
    r = load_rubric()
    assert {i.metric for i in r.items if i.better == "lower"} == {"dispute_alerts_yoy", "criminal_cases_yoy"}


def test_rubric_round_trips_through_toml_and_keeps_its_digest():
    r = load_rubric()
    back = rubric_from_dict(tomllib.loads(rubric_to_toml(r)))
    assert back == r
    assert back.digest() == r.digest()
    assert parse_rubric(DEFAULT_PATH.read_text(encoding="utf-8")) == r


def test_rubric_is_frozen():
    r = load_rubric()
    with pytest.raises(AttributeError):
        r.version = "x"  # type: ignore[misc]


def _set(path, value):
    def change(d):
        target = d
        for p in path[:-1]:
            target = target[p]
        target[path[-1]] = value
    return change


def _delete(path):
    def change(d):
        target = d
        for p in path[:-1]:
            target = target[p]
        del target[path[-1]]
    return change


def _sum_not_100(d):
    d["items"][0]["weight"] = 25


def _bands_not_descending(d):
    d["bands"][1]["min_score"] = 95


def _band_stars_not_descending(d):
    d["bands"][1]["stars"] = 5


def _duplicate_metric(d):
    d["items"][1]["metric"] = "resolution_rate"
    d["items"][1]["key"] = "again"


def _duplicate_key(d):
    d["items"][1]["key"] = "resolution_rate"


# case id → (change, words the message must contain)
BROKEN = {
    "negative weight": (_set(["items", 1, "weight"], -10), ["按期化解率", "权重必须为正数"]),
    "zero weight": (_set(["items", 2, "weight"], 0), ["回访率", "权重必须为正数"]),
    "weights not summing to 100": (_sum_not_100, ["权重合计必须为 100", "105"]),
    "floor equals target": (_set(["items", 3, "floor"], 0.95), ["事前排查率", "不能相同"]),
    "unknown metric": (_set(["items", 0, "metric"], "happiness"), ["矛盾纠纷化解率", "happiness", "不是已知指标"]),
    "weight as text": (_set(["items", 0, "weight"], "20"), ["矛盾纠纷化解率", "weight", "必须是数字"]),
    "weight as boolean": (_set(["items", 0, "weight"], True), ["矛盾纠纷化解率", "必须是数字"]),
    "weight not finite": (_set(["items", 0, "weight"], float("nan")), ["矛盾纠纷化解率", "有限"]),
    "missing target": (_delete(["items", 4, "target"]), ["纠纷类警情同比", "缺少字段", "target"]),
    "misspelt field": (_set(["items", 5, "wieght"], 3), ["刑事立案同比", "不认识的字段", "wieght"]),
    "duplicate metric": (_duplicate_metric, ["第 2 项", "resolution_rate", "只能评一次"]),
    "duplicate key": (_duplicate_key, ["第 2 项", "重复"]),
    "no items": (_set(["items"], []), ["至少需要一个评分项"]),
    "bands not descending": (_bands_not_descending, ["星级分档第 2 档", "严格递减", "95"]),
    "band stars not descending": (_band_stars_not_descending, ["星级分档第 2 档", "星级必须严格递减"]),
    "band stars out of range": (_set(["bands", 0, "stars"], 6), ["星级分档第 1 档", "2 到 5"]),
    "band score above 100": (_set(["bands", 0, "min_score"], 120), ["星级分档第 1 档", "0（不含）到 100"]),
    "no bands": (_set(["bands"], []), ["至少需要一个星级分档"]),
    "cap with bad operator": (_set(["caps", 0, "op"], "!="), ["民转刑一票否决", "比较符"]),
    "cap on unknown metric": (_set(["caps", 1, "metric"], "coffee"), ["封顶规则第 2 条", "coffee"]),
    "cap above top stars": (_set(["caps", 0, "max_stars"], 5), ["民转刑一票否决", "封顶星级"]),
    "quota share above 1": (_set(["quota", "top_share"], 1.5), ["五星名额", "top_share"]),
    "quota switch not boolean": (_set(["quota", "enabled"], "yes"), ["五星名额", "enabled"]),
    "min weight above 100": (_set(["min_weight_with_data"], 120), ["min_weight_with_data"]),
    "empty version": (_set(["version"], "  "), ["version", "非空"]),
    "unknown top-level entry": (_set(["weights"], {}), ["不认识的字段", "weights"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_rubric_is_refused_with_a_message_naming_the_entry(case):
    change, words = BROKEN[case]
    data = _data()
    change(data)
    with pytest.raises(RubricError) as err:
        rubric_from_dict(data)
    for w in words:
        assert w in str(err.value), (case, str(err.value))


def test_every_broken_rubric_case_gives_its_own_message():
    messages = []
    for change, _ in BROKEN.values():
        data = _data()
        change(data)
        with pytest.raises(RubricError) as err:
            rubric_from_dict(data)
        messages.append(str(err.value))
    assert len(set(messages)) == len(messages)


def test_broken_toml_text_and_missing_file_are_refused_in_chinese(tmp_path):
    with pytest.raises(RubricError, match="不是有效的 TOML"):
        parse_rubric("version = [unclosed")
    with pytest.raises(RubricError, match="找不到评分规则文件"):
        load_rubric(tmp_path / "nope.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("version = '默认'".encode("gbk"))
    with pytest.raises(RubricError, match="UTF-8"):
        load_rubric(bad)


def test_a_valid_edited_rubric_loads_from_a_file(tmp_path):
    data = _data()
    data["version"] = "edited-2"
    data["items"][0]["weight"] = 15
    data["items"][1]["weight"] = 15
    path = tmp_path / "r.toml"
    path.write_text(rubric_to_toml(rubric_from_dict(data)), encoding="utf-8")
    r = load_rubric(path)
    assert r.version == "edited-2" and r.items[0].weight == 15
