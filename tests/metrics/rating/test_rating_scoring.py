"""Item points, missing-data rescale, 待评, bands on the unrounded score, caps and the top-star quota."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from rating_frames import PERFECT, default, frame, office, single_item_rubric, variant

from metrics.scoring import points_column, score, stars_text


def _points(metric: str, value: float) -> float:
    r = default()
    item = next(i for i in r.items if i.metric == metric)
    row = score(frame(office("A", **{metric: value})), r).iloc[0]
    return row[points_column(item.key)]


@pytest.mark.parametrize(
    ("value", "points"),
    [(0.70, 0.0), (0.7999, 0.0), (0.80, 0.0), (0.8018, 0.2), (0.89, 10.0), (0.9782, 19.8), (0.98, 20.0),
     (0.99, 20.0), (1.0, 20.0)],
)
def test_higher_is_better_item_scores_linearly_between_floor_and_target(value, points):
    assert _points("resolution_rate", value) == pytest.approx(points, abs=1e-9)


@pytest.mark.parametrize(
    ("value", "points"),
    [(0.30, 0.0), (0.1001, 0.0), (0.10, 0.0), (0.08, 1.0), (-0.05, 7.5), (-0.18, 14.0), (-0.20, 15.0),
     (-0.5, 15.0)],
)
def test_lower_is_better_item_scores_linearly_from_floor_down_to_target(value, points):
    assert _points("dispute_alerts_yoy", value) == pytest.approx(points, abs=1e-9)


def test_perfect_office_scores_100_and_five_stars():
    row = score(frame(office("A")), default()).iloc[0]
    assert row["score"] == pytest.approx(100.0)
    assert row["stars"] == 5 and row["rated"] and row["capped_by"] is None and row["missing"] == []


def test_hand_computed_score_with_every_item_partial():
    # resolution 0.89 → 10/20; on_time 0.825 → 5/10; follow_up 0.8 → 2.5/5; proactive 0.725 → 5/10;
    # dispute yoy -0.05 → 7.5/15; criminal yoy 0.1 → 0/10; hours 6 → 7.5/15; officer fam 0.775 → 2.5/5;
    # resident fam 0.7 → 2.5/5; visit 0.55 → 2.5/5. Σ = 45.
    row = score(frame(office("A", resolution_rate=0.89, on_time_rate=0.825, follow_up_rate=0.8,
                             proactive_rate=0.725, dispute_alerts_yoy=-0.05, criminal_cases_yoy=0.1,
                             avg_daily_hours=6, officer_familiarity=0.775, resident_familiarity=0.7,
                             visit_coverage=0.55)), default()).iloc[0]  # fmt: skip
    assert row["score"] == pytest.approx(45.0)
    assert row["stars"] == 1


def test_rescale_when_items_with_data_carry_exactly_80_points():
    # resolution_rate (20) missing: the other items carry exactly 80 → rated, rescaled.
    row = score(frame(office("A", resolution_rate=None, on_time_rate=0.825)), default()).iloc[0]
    assert row["rated"]
    assert row["weight_with_data"] == 80
    assert row["missing"] == ["resolution_rate"]
    assert math.isnan(row[points_column("resolution_rate")])
    assert row["score"] == pytest.approx((80 - 5) * 100 / 80)  # 93.75
    assert row["stars"] == 5


def test_office_is_unrated_when_items_with_data_carry_less_than_80_points():
    row = score(frame(office("A", resolution_rate=None, follow_up_rate=None)), default()).iloc[0]
    assert not row["rated"]
    assert math.isnan(row["score"]) and row["stars"] is pd.NA
    assert row["missing"] == ["resolution_rate", "follow_up_rate"]
    assert "75" in row["reason"] and "80" in row["reason"] and "矛盾纠纷化解率" in row["reason"]


def test_missing_metric_column_counts_as_missing_data():
    df = frame(office("A")).drop(columns=["visit_coverage"])
    row = score(df, default()).iloc[0]
    assert row["missing"] == ["visit_coverage"] and row["score"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("value", "stars"),
    [(0.89996, 4), (0.9, 5), (0.79999, 3), (0.8, 4), (0.7, 3), (0.6, 2), (0.59999999, 1), (0.0, 1)],
)
def test_bands_use_the_unrounded_score(value, stars):
    # One item worth 100 points from 0 to 1: score = 100 × value. 89.996 shows as 90.00 but is ★★★★.
    row = score(frame(office("A", resolution_rate=value)), single_item_rubric()).iloc[0]
    assert row["score"] == pytest.approx(value * 100)
    assert row["stars"] == stars


def test_civil_to_criminal_caps_at_two_stars_after_the_bands():
    row = score(frame(office("A", civil_to_criminal=1)), default()).iloc[0]
    assert row["score"] == pytest.approx(100.0)
    assert row["band_stars"] == 5 and row["stars"] == 2 and row["capped_by"] == "civil_to_criminal"


def test_low_community_hours_cap_at_three_stars():
    row = score(frame(office("A", avg_daily_hours=3.99)), default()).iloc[0]
    assert row["score"] == pytest.approx(85.0)  # hours earn nothing below the floor
    assert row["band_stars"] == 4 and row["stars"] == 3 and row["capped_by"] == "avg_daily_hours"


def test_hours_exactly_at_four_are_not_capped():
    row = score(frame(office("A", avg_daily_hours=4.0)), default()).iloc[0]
    assert row["stars"] == 4 and row["capped_by"] is None


def test_the_stricter_cap_wins_when_both_apply():
    row = score(frame(office("A", avg_daily_hours=3.0, civil_to_criminal=2)), default()).iloc[0]
    assert row["stars"] == 2 and row["capped_by"] == "civil_to_criminal"


def test_a_cap_that_does_not_lower_the_stars_is_not_reported():
    row = score(frame(office("A", resolution_rate=0.8, on_time_rate=0.7, proactive_rate=0.5,
                             dispute_alerts_yoy=0.1, civil_to_criminal=3)), default()).iloc[0]  # fmt: skip
    assert row["band_stars"] == 1 and row["stars"] == 1 and row["capped_by"] is None


def test_missing_cap_metric_does_not_trigger_the_cap():
    row = score(frame(office("A", civil_to_criminal=None)), default()).iloc[0]
    assert row["stars"] == 5 and row["capped_by"] is None


def test_quota_keeps_top_share_of_rated_offices_at_five_stars_and_drops_the_lowest_scores():
    r = variant(quota={"enabled": True, "top_share": 0.2})
    # Ten five-star offices with distinct scores (resolution 0.98 … 0.935), plus one unrated office.
    rows = [office(f"A{i}", resolution_rate=0.98 - 0.005 * i) for i in range(10)]
    rows.append(office("Z", resolution_rate=None, follow_up_rate=None))
    out = score(frame(*rows), r).set_index("code")
    assert (out.loc[[f"A{i}" for i in range(10)], "band_stars"] == 5).all()
    assert list(out.loc[["A0", "A1"], "stars"]) == [5, 5]  # floor(0.2 × 10 rated) = 2 keep five stars
    assert (out.loc[[f"A{i}" for i in range(2, 10)], "stars"] == 4).all()
    assert list(out["quota_dropped"]) == [False, False] + [True] * 8 + [False]
    assert not out.loc["Z", "rated"]


def test_quota_off_by_default_keeps_every_five_star_office():
    rows = [office(f"A{i}", resolution_rate=0.98 - 0.005 * i) for i in range(10)]
    assert (score(frame(*rows), default())["stars"] == 5).all()


def test_quota_uses_the_tie_breaks_for_equal_scores():
    r = variant(quota={"enabled": True, "top_share": 0.5})
    rows = [office("B", resolution_rate=0.99), office("A", resolution_rate=0.985)]  # equal scores (100)
    out = score(frame(*rows), r).set_index("code")
    assert out.loc["B", "stars"] == 5 and out.loc["A", "stars"] == 4


def test_stars_text_is_filled_then_hollow_and_unrated_says_so():
    assert stars_text(4) == "★★★★☆"
    assert stars_text(1) == "★☆☆☆☆"
    assert stars_text(None) == "待评"


def test_scoring_keeps_rows_and_records_the_rubric_version():
    rows = [office("B"), office("A", resolution_rate=0.9)]
    out = score(frame(*rows), default())
    assert list(out["code"]) == ["B", "A"]
    assert out.attrs["rubric_version"] == "default-1"
    assert set(PERFECT) <= set(out.columns)
