"""Weight-perturbation robustness: reproducible, consistent with the real scoring, narrow when it should be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rating_frames import default, frame, office, variant

from metrics.ranking import rank
from metrics.robustness import perturbed_weights, robustness, simulate
from metrics.scoring import score


def _field(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    r = default()
    rows = []
    for i in range(n):
        values = {}
        for it in r.items:
            lo, hi = sorted((it.floor, it.target))
            values[it.metric] = float(rng.uniform(lo - 0.2 * (hi - lo), hi))
        values["civil_to_criminal"] = float(rng.choice([0, 0, 0, 1]))
        rows.append(office(f"O{i:03d}", station=f"所{i % 4}", branch=f"分局{i % 2}", **values))
    return frame(*rows)


def test_weights_are_perturbed_within_twenty_percent_and_rescaled_to_100():
    r = default()
    w = perturbed_weights(r, draws=500, seed=1)
    base = np.array([it.weight for it in r.items])
    assert w.shape == (500, len(base))
    assert np.allclose(w.sum(axis=1), 100.0)
    ratio = w / base
    assert (ratio.max(axis=1) / ratio.min(axis=1) <= 1.2 / 0.8 + 1e-12).all()


def test_robustness_is_reproducible_with_the_fixed_seed():
    units = _field(40)
    a = robustness(units, default(), draws=300, seed=11)
    b = robustness(units, default(), draws=300, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = robustness(units, default(), draws=300, seed=12)
    assert not np.allclose(a["median_rank"].to_numpy(), c["median_rank"].to_numpy()) or not np.allclose(
        a["rank_p95"].to_numpy(), c["rank_p95"].to_numpy()
    )


def test_an_office_far_ahead_of_all_others_has_a_narrow_rank_range():
    units = pd.concat([frame(office("LEADER")), _field(30)], ignore_index=True)
    out = robustness(units, default()).set_index("code")
    lead = out.loc["LEADER"]
    assert lead["rank"] == 1 and lead["median_rank"] == 1 and lead["rank_p5"] == 1 and lead["rank_p95"] == 1
    assert lead["star_change_share"] == 0 and not lead["unstable"]
    others = out.drop(index="LEADER")
    assert (others["rank_p95"] - others["rank_p5"]).max() > 0  # the pack does move


def test_an_office_on_a_band_boundary_is_flagged_unstable():
    # Everything at target except two items worth 20 points that earn nothing: exactly 80.00 → ★★★★,
    # and a heavier weight on either of the two pulls it under 80 in many draws.
    units = frame(office("EDGE", dispute_alerts_yoy=0.1, visit_coverage=0.3), office("SAFE"))
    out = robustness(units, default(), draws=1000).set_index("code")
    assert out.loc["EDGE", "stars"] == 4
    assert out.loc["EDGE", "star_change_share"] > 0.10 and out.loc["EDGE", "unstable"]
    assert out.loc["SAFE", "star_change_share"] == 0 and not out.loc["SAFE", "unstable"]


def test_simulation_with_the_unperturbed_weights_reproduces_scoring_and_ranking():
    # Caps, 待评, tie-breaks and the quota are the same code path as the real ranking.
    r = variant(quota={"enabled": True, "top_share": 0.1})
    units = pd.concat(
        [_field(60), frame(office("TIE1"), office("TIE2"), office("NR", resolution_rate=None, follow_up_rate=None))],
        ignore_index=True,
    )
    base = np.array([[it.weight for it in r.items]], dtype="float64")
    ranks, stars = simulate(units, r, base)
    ranked = rank(score(units, r)).set_index("code")
    expected_rank = ranked.loc[units["code"], "rank"].astype("Float64").fillna(np.nan).to_numpy(dtype=float)
    expected_stars = ranked.loc[units["code"], "stars"].fillna(0).to_numpy(dtype=int)
    np.testing.assert_array_equal(ranks[:, 0], expected_rank)
    np.testing.assert_array_equal(stars[:, 0], expected_stars)


def test_unrated_office_has_no_rank_in_any_draw():
    units = frame(office("A"), office("NR", resolution_rate=None, follow_up_rate=None))
    out = robustness(units, default(), draws=50).set_index("code")
    assert np.isnan(out.loc["NR", "median_rank"]) and out.loc["NR", "rated_share"] == 0
    assert out.loc["NR", "star_change_share"] == 0


def test_percentiles_match_numpy():
    units = _field(25)
    r = default()
    out = robustness(units, r, draws=200, seed=5)
    ranks, _ = simulate(units, r, perturbed_weights(r, 200, 5))
    assert out["rank_p5"].to_numpy() == pytest.approx(np.percentile(ranks, 5, axis=1))
    assert out["median_rank"].to_numpy() == pytest.approx(np.median(ranks, axis=1))
    assert out["rank_p95"].to_numpy() == pytest.approx(np.percentile(ranks, 95, axis=1))
