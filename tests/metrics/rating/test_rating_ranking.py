"""Ranks by score with the tie-breaks of rubric.md, within bureau, branch and station; 待评 unranked."""

from __future__ import annotations

import pandas as pd
from rating_frames import default, frame, office

from metrics.ranking import rank
from metrics.scoring import score


def _ranked(*rows):
    return rank(score(frame(*rows), default()))


def test_higher_score_ranks_first_and_ranks_have_no_gaps():
    out = _ranked(office("C", resolution_rate=0.85), office("A", resolution_rate=0.95), office("B"))
    assert list(out["code"]) == ["B", "A", "C"]
    assert list(out["rank"]) == [1, 2, 3]


def test_equal_scores_are_broken_by_resolution_rate():
    # Both at or above the target earn full points, so scores are equal (100); 0.99 beats 0.98.
    out = _ranked(office("A", resolution_rate=0.98), office("B", resolution_rate=0.99))
    assert out["score"].iloc[0] == out["score"].iloc[1]
    assert list(out["code"]) == ["B", "A"]


def test_equal_scores_and_resolution_rates_are_broken_by_community_hours():
    out = _ranked(office("A", avg_daily_hours=8.0), office("B", avg_daily_hours=9.5))
    assert list(out["code"]) == ["B", "A"]


def test_equal_scores_rates_and_hours_are_broken_by_office_code_ascending():
    out = _ranked(office("3702000003"), office("3702000001"), office("3702000002"))
    assert list(out["code"]) == ["3702000001", "3702000002", "3702000003"]
    assert list(out["rank"]) == [1, 2, 3]


def test_missing_resolution_rate_sorts_after_a_present_one_on_equal_scores():
    # Without resolution_rate the other items carry exactly 80 points → rescaled to 100 as well.
    out = _ranked(office("A", resolution_rate=None), office("B", resolution_rate=0.98))
    assert list(out["code"]) == ["B", "A"]


def test_unrated_offices_get_no_rank_and_do_not_leave_gaps():
    out = _ranked(office("A", resolution_rate=0.9), office("B", resolution_rate=None, follow_up_rate=None),
                  office("C"))
    assert list(out["code"]) == ["C", "A", "B"]
    assert list(out["rank"][:2]) == [1, 2]
    assert out["rank"].iloc[2] is pd.NA
    assert out["rank_in_branch"].iloc[2] is pd.NA and out["rank_in_station"].iloc[2] is pd.NA


def test_ranks_within_branch_and_station():
    out = _ranked(
        office("A1", branch="东城分局", station="甲所", resolution_rate=0.90),
        office("A2", branch="东城分局", station="甲所", resolution_rate=0.95),
        office("A3", branch="东城分局", station="乙所", resolution_rate=0.85),
        office("B1", branch="西城分局", station="甲所", resolution_rate=0.92),  # same station name, other branch
    ).set_index("code")
    assert out.loc[["A2", "B1", "A1", "A3"], "rank"].tolist() == [1, 2, 3, 4]
    assert out.loc[["A2", "A1", "A3", "B1"], "rank_in_branch"].tolist() == [1, 2, 3, 1]
    assert out.loc[["A2", "A1", "A3", "B1"], "rank_in_station"].tolist() == [1, 2, 1, 1]


def test_rank_follows_the_score_even_when_a_cap_lowers_the_stars():
    out = _ranked(office("A", civil_to_criminal=1), office("B", resolution_rate=0.85))
    assert list(out["code"]) == ["A", "B"]
    assert list(out["stars"]) == [2, 4]


def test_empty_table_ranks_to_an_empty_table():
    out = rank(score(frame(office("A")).iloc[0:0], default()))
    assert len(out) == 0 and "rank" in out.columns
