"""The engine's fast paths give exactly what the plain ways give.

The indicators engine reads a province in well under a second by working on arrays: party keys are
prefiltered by hash buckets, enum columns read as codes of their few distinct values, units summed
from a float block.
Each of those is checked here against the straightforward computation it replaces, on a generated
bureau and on hand-made awkward inputs, with exact equality.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from unit_reference import summed_by_unit, unit_keys, unit_report, unit_table

from metrics.dataset import Dataset
from metrics.indicators import engine
from metrics.indicators.prepared import LedgerReader, lookup, member_of, shared_key_codes
from metrics.indicators.units import LEVELS, _sorted_offices, office_table, unit_groups
from metrics.periods import parse_period
from sample_data.generate import build_bureau


@pytest.fixture(scope="module")
def bureau() -> Dataset:
    monthly, ledger = build_bureau(branches=3, stations=9, offices=60, months=("2025-01", "2026-10"), seed=7,
                                   disputes_per_office_year=400)
    return Dataset(monthly=monthly, ledger=ledger)


def _exact_shared(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, _ = pd.factorize(keys)
    counts = np.bincount(codes[codes >= 0], minlength=max(1, codes.max() + 1))
    return (codes >= 0) & (counts[np.maximum(codes, 0)] >= 2), codes


def _assert_same_grouping(keys: np.ndarray) -> None:
    got = shared_key_codes(keys)
    shared, exact = _exact_shared(keys)
    assert np.array_equal(got >= 0, shared)
    at = np.flatnonzero(shared)
    # Same key ⇔ same code, among the keys seen twice or more.
    assert np.array_equal(pd.factorize(got[at])[0], pd.factorize(exact[at])[0])


class _CollidingKey(str):
    """A text whose hash collides with every other: forces the exact comparison."""

    def __hash__(self) -> int:
        return 7


def test_shared_party_keys_are_exactly_the_keys_seen_twice():
    rng = np.random.default_rng(3)
    pool = [f"{rng.integers(10**12):064x}" for _ in range(400)]
    keys = np.array([pool[i] if i < len(pool) else None for i in rng.integers(0, 500, 5000)], dtype=object)
    keys[::97] = np.nan
    _assert_same_grouping(keys)
    assert (shared_key_codes(keys) >= 0).sum() > 1000


def test_shared_party_keys_skip_missing_keys_and_lone_keys():
    keys = np.array(["a", None, "a", float("nan"), float("nan"), None, "b", "c", "b", pd.NA, pd.NA, "d"],
                    dtype=object)
    codes = shared_key_codes(keys)
    assert codes[0] == codes[2] >= 0 and codes[6] == codes[8] >= 0 and codes[0] != codes[6]
    assert (codes[[1, 3, 4, 5, 7, 9, 10, 11]] == -1).all()
    _assert_same_grouping(keys)


def test_shared_party_keys_with_colliding_hashes_are_compared_exactly():
    keys = np.array([_CollidingKey(t) for t in ("x", "y", "x", "z", "y", "w")], dtype=object)
    codes = shared_key_codes(keys)
    assert codes[0] == codes[2] and codes[1] == codes[4] and codes[0] != codes[1]
    assert codes[3] == codes[5] == -1


@pytest.mark.parametrize("values", [
    ["已化解", "化解中", None, "已移交", "调解不成", "已化解", float("nan"), "其他"],
    ["已化解", pd.NA, "化解中", "已化解"],
    [],
])
def test_matching_enum_values_agrees_with_a_dictionary(values):
    frame = pd.DataFrame({"status": pd.Series(values, dtype=object)})
    rows = np.arange(len(values))
    names = ("已化解", "化解中", "已移交", "调解不成")
    limits = {"一般": 7, "复杂": 15, "疑难": 60}
    cx = [v if not isinstance(v, str) else {"已化解": "一般", "化解中": "疑难"}.get(v, v) for v in values]
    frame["complexity"] = pd.Series(cx, dtype=object)
    for reader in (LedgerReader(frame), LedgerReader(frame, keep=True)):
        codes, uniques = reader.codes("status", rows)
        for name in names:
            assert member_of(codes, uniques, (name,)).tolist() == [isinstance(v, str) and v == name for v in values]
        got = lookup(*reader.codes("complexity", rows), limits, np.nan)
        want = [limits.get(v, np.nan) if isinstance(v, str) else np.nan for v in cx]
        np.testing.assert_array_equal(got, np.array(want, dtype="float64"))


def test_office_table_order_is_that_of_sorting_by_branch_station_code():
    table = pd.DataFrame(
        {"name": ["甲", "乙", "丙", "丁", "戊"], "station": ["B所", None, "A所", "B所", "A所"],
         "branch": ["二分局", "一分局", "二分局", None, "二分局"], "reported": True},
        index=pd.Index(["K5", "K2", "K9", "K1", "K3"], name="office_code"),
    )
    want = table.assign(_code=table.index).sort_values(["branch", "station", "_code"], kind="stable")
    pd.testing.assert_frame_equal(_sorted_offices(table), want.drop(columns="_code"), check_exact=True)


def test_unit_groups_match_unit_table_and_unit_keys(bureau):
    offices = office_table(bureau.monthly, bureau.ledger)
    # Two stations of the same name in different branches must stay two units.
    offices.loc[offices["branch"] == offices["branch"].iloc[-1], "station"] = offices["station"].iloc[0]
    for level in LEVELS:
        groups = unit_groups(offices, level)
        table = unit_table(offices, level)
        assert len(groups) == len(table)
        for col in ("code", "name", "station", "branch"):
            assert groups.ids[col].tolist() == table[col].tolist(), (level, col)
        if groups.of_office is not None:
            assert np.array_equal(table.index.get_indexer(unit_keys(offices, level)), groups.of_office)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_offices_without_a_station_or_branch_sum_as_the_frame_reference(bureau, missing):
    offices = office_table(bureau.monthly, bureau.ledger)
    offices["branch"] = offices["branch"].astype(object)
    offices["station"] = offices["station"].astype(object)
    offices.iloc[3, offices.columns.get_loc("branch")] = missing
    offices.iloc[7, offices.columns.get_loc("station")] = missing
    offices.iloc[9, offices.columns.get_loc("station")] = None
    offices.iloc[11, offices.columns.get_loc("branch")] = np.nan
    comps = pd.DataFrame({"a": np.arange(len(offices), dtype="float64") + 0.1, "b": 1.0}, index=offices.index)
    for level in LEVELS:
        units, want = summed_by_unit(offices, comps, level)
        got = engine.sum_by_unit(offices, comps, level)
        assert got[["code", "name", "station", "branch"]].astype(str).values.tolist() == \
            units[["code", "name", "station", "branch"]].astype(str).values.tolist(), level
        np.testing.assert_array_equal(got[["a", "b"]].to_numpy(), want.to_numpy(), err_msg=level)


def test_no_office_gives_no_unit_but_the_bureau():
    offices = pd.DataFrame({"name": [], "station": [], "branch": [], "reported": []},
                           index=pd.Index([], name="office_code", dtype=object))
    comps = pd.DataFrame({"a": []}, index=offices.index, dtype="float64")
    for level in LEVELS:
        got = engine.sum_by_unit(offices, comps, level)
        units, want = summed_by_unit(offices, comps, level)
        assert len(got) == len(units) == (1 if level == "bureau" else 0)
        np.testing.assert_array_equal(got[["a"]].to_numpy(), want.to_numpy())


@pytest.mark.parametrize("period,as_of", [("2026Q3", None), ("2026", date(2026, 8, 20)), ("2026-02", None)])
def test_every_level_from_arrays_equals_the_frame_reference(bureau, period, as_of):
    p = parse_period(period)
    as_of = engine.resolve_as_of(bureau, p, as_of)
    sums = engine._office_sums(bureau, p, as_of, None)
    assert sums.block is not None
    assert sums.components["repeat_disputes"].sum() > 0
    for level in LEVELS:
        fast = engine._unit_report(sums, p, as_of, level).units
        reference = unit_report(sums, p, as_of, level)
        pd.testing.assert_frame_equal(fast, reference, check_exact=True)


def test_ledger_only_offices_and_missing_keys_give_the_same_reports(bureau):
    ledger = bureau.ledger.copy()
    ledger.loc[ledger.index[:30], "office_code"] = "X-ledger-only"
    ledger.loc[ledger.index[30:200], "party_key"] = None
    ds = Dataset(monthly=bureau.monthly, ledger=ledger)
    p = parse_period("2026Q2")
    as_of = engine.resolve_as_of(ds, p, None)
    sums = engine._office_sums(ds, p, as_of, None)
    for level in LEVELS:
        pd.testing.assert_frame_equal(engine._unit_report(sums, p, as_of, level).units,
                                      unit_report(sums, p, as_of, level), check_exact=True)


def test_reports_of_offices_lacking_a_station_or_branch_equal_the_frame_reference(bureau):
    monthly = bureau.monthly.copy()
    codes = sorted(monthly["office_code"].unique())
    monthly["branch"] = monthly["branch"].astype(object)
    monthly["station"] = monthly["station"].astype(object)
    monthly.loc[monthly["office_code"] == codes[0], "branch"] = None
    monthly.loc[monthly["office_code"] == codes[1], "station"] = None
    ds = Dataset(monthly=monthly, ledger=bureau.ledger)
    p = parse_period("2026Q3")
    as_of = engine.resolve_as_of(ds, p, None)
    sums = engine._office_sums(ds, p, as_of, None)
    for level in LEVELS:
        pd.testing.assert_frame_equal(engine._unit_report(sums, p, as_of, level).units,
                                      unit_report(sums, p, as_of, level), check_exact=True, obj=level)
