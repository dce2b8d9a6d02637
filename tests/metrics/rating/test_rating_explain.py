"""Explanations: item by item, the cap that applied, and a "next star" change that really works."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rating_frames import default, frame, office

from metrics.explain import _grid, explain, next_star_options
from metrics.scoring import score


def _stars(row: dict, rubric) -> int:
    s = score(frame(row), rubric).iloc[0]
    return 0 if not s["rated"] else int(s["stars"])


def _random_offices(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    r = default()
    rows = []
    for i in range(n):
        values = {}
        for it in r.items:
            lo, hi = sorted((it.floor, it.target))
            span = hi - lo
            v = float(rng.uniform(lo - 0.3 * span, hi + 0.1 * span))
            if rng.random() < 0.06:
                v = None
            values[it.metric] = v
        values["civil_to_criminal"] = float(rng.choice([0, 0, 0, 0, 1, 2]))
        rows.append(office(f"X{i:04d}", **values))
    return rows


def _best_value(metric: str, rubric) -> float:
    item = next((i for i in rubric.items if i.metric == metric), None)
    if item is not None:
        return item.target
    return 0.0  # civil_to_criminal: no case at all


def test_item_sentences_points_and_losses_add_up():
    r = default()
    e = explain(office("A", resolution_rate=0.912, follow_up_rate=None), r)
    res = next(i for i in e.items if i.metric == "resolution_rate")
    assert res.points == pytest.approx(20 * (0.912 - 0.8) / 0.18)
    assert res.points + res.lost == pytest.approx(20)
    assert "矛盾纠纷化解率 91.2%（起点 80.0%，目标 98.0%）" in res.sentence
    fu = next(i for i in e.items if i.metric == "follow_up_rate")
    assert fu.points is None and "无数据" in fu.sentence
    assert sum(i.contribution for i in e.items if i.contribution is not None) == pytest.approx(e.score)
    steps = e.waterfall()
    assert steps[-1]["total"] and steps[-1]["contribution"] == pytest.approx(e.score)


def test_lower_is_better_item_says_so():
    e = explain(office("A", dispute_alerts_yoy=-0.05), default())
    item = next(i for i in e.items if i.metric == "dispute_alerts_yoy")
    assert "越低越好" in item.sentence and "−5.0%" in item.sentence and "+10.0%" in item.sentence


def test_the_cap_that_applied_is_explained():
    e = explain(office("A", civil_to_criminal=1), default())
    assert e.capped_by == "civil_to_criminal" and e.stars == 2 and e.band_stars == 5
    assert "民转刑一票否决" in e.cap_sentence and "★★☆☆☆" in e.cap_sentence
    assert e.cap_sentence in e.sentences


def test_next_star_for_a_binding_cap_is_lifting_the_cap():
    e = explain(office("A", civil_to_criminal=1, avg_daily_hours=3.5), default())
    assert e.next_star.metric == "civil_to_criminal" and e.next_star.to_value == 0
    assert e.next_star.sentence == "民转刑 从 1 降低到 0 即可升至 ★★★☆☆"


def test_next_star_sentence_names_the_item_and_the_values():
    r = default()
    row = office("A", resolution_rate=0.88)  # 88.9 → ★★★★
    e = explain(row, r)
    assert e.stars == 4
    ns = e.next_star
    assert ns.sentence.startswith(f"{ns.label} 从 ") and ns.sentence.endswith("即可升至 ★★★★★")
    assert _stars({**row, ns.metric: ns.to_value}, r) == 5


def test_unrated_office_is_explained_without_next_star():
    e = explain(office("A", resolution_rate=None, follow_up_rate=None), default())
    assert not e.rated and e.score is None and e.stars is None and e.next_star is None
    assert e.sentences[0].startswith("待评")


def test_top_star_office_has_nothing_to_gain():
    e = explain(office("A"), default())
    assert e.stars == 5 and e.next_star is None and e.next_star_sentence == "已是最高星级。"


def test_no_single_item_can_when_both_the_score_and_a_cap_hold_the_office_back():
    # 65 points (band ★★) and 民转刑 (cap ★★): ★★★ needs both a higher score and no case — two changes.
    row = office("A", resolution_rate=0.8, on_time_rate=0.7, follow_up_rate=0.6, civil_to_criminal=1)
    e = explain(row, default())
    assert e.score == pytest.approx(65.0)
    assert e.stars == 2 and e.next_star is None
    assert "没有任何单项指标" in e.next_star_sentence


@pytest.mark.parametrize("seed", [1, 2])
def test_next_star_change_applied_to_the_data_gives_the_next_star_and_is_minimal(seed):
    r = default()
    checked = 0
    for row in _random_offices(80, seed):
        e = explain(row, r)
        if not e.rated or e.stars >= 5 or e.next_star is None:
            continue
        ns = e.next_star
        assert _stars({**row, ns.metric: ns.to_value}, r) >= e.stars + 1, (row, ns)
        # One display step less good no longer reaches the next star.
        if ns.from_value is not None:
            step = _grid(ns.metric) * (1 if ns.to_value > ns.from_value else -1)
            back = ns.to_value - step
            if (back - ns.from_value) * step > 0:
                assert _stars({**row, ns.metric: back}, r) <= e.stars, (row, ns)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("seed", [3, 4])
def test_no_single_item_can_is_true_when_said(seed):
    r = default()
    said = 0
    for row in _random_offices(80, seed):
        e = explain(row, r)
        if not e.rated or e.stars >= 5 or e.next_star is not None:
            continue
        said += 1
        assert "没有任何单项指标" in e.next_star_sentence
        variants = [{**row, m: _best_value(m, r)} for m in [i.metric for i in r.items] + [c.metric for c in r.caps]]
        best = score(frame(*variants), r)["stars"].fillna(0)
        assert (best <= e.stars).all(), (row, best.tolist())
    assert said > 2


def test_options_are_sorted_smallest_change_first():
    r = default()
    row = office("A", resolution_rate=0.85, on_time_rate=0.8, proactive_rate=0.8)
    options = next_star_options(row, r)
    assert len(options) >= 2
    sizes = []
    for ns in options:
        item = next(i for i in r.items if i.metric == ns.metric)
        sizes.append(abs(ns.to_value - ns.from_value) / abs(item.target - item.floor))
    assert sizes == sorted(sizes)
    assert all(not math.isnan(ns.to_value) for ns in options)
