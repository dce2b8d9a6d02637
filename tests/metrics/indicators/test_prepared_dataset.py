"""A prepared dataset (its ledger read through kept codes) gives exactly what a plain dataset gives.

The app prepares the bureau's rows once per data version (``prepared.prepare``) and computes many
periods, levels and trends on them; the command line reads a plain ``Dataset`` afresh. Both ways must
agree to the last bit, on a generated bureau and on awkward rows (keys not given, unknown complexity,
an office only in the ledger, pandas ``str`` columns).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from metrics.dataset import Dataset
from metrics.indicators import INDICATORS, LEVELS, compute, compute_levels, monthly_series
from metrics.indicators.prepared import LedgerReader, PreparedDataset, prepare
from sample_data.generate import build_bureau


def _bureau(seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_bureau(branches=2, stations=6, offices=30, months=("2025-01", "2026-10"), seed=seed,
                        disputes_per_office_year=300)


def _awkward(monthly: pd.DataFrame, ledger: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bureau with rows the validator would let through but the fast paths must not trip on."""
    ledger = ledger.copy()
    n = len(ledger)
    rng = np.random.default_rng(5)
    for col in ("party_key", "level", "risk", "source"):
        ledger.loc[rng.choice(n, n // 20, replace=False), col] = None
    ledger.loc[rng.choice(n, 30, replace=False), "complexity"] = "未知复杂程度"
    # A dispute repeated by another office's dispute, and an office that appears only in the ledger.
    ledger.loc[1, "party_key"] = ledger.loc[0, "party_key"] = "同一当事人"
    ledger.loc[2, "office_code"] = "LEDGER-ONLY-01"
    return monthly, ledger


def _both(monthly: pd.DataFrame, ledger: pd.DataFrame) -> tuple[Dataset, PreparedDataset]:
    return Dataset(monthly=monthly, ledger=ledger), prepare(Dataset(monthly=monthly, ledger=ledger))


@pytest.fixture(scope="module")
def plain_and_prepared() -> tuple[Dataset, PreparedDataset]:
    return _both(*_awkward(*_bureau()))


@pytest.mark.parametrize("period", ["2026-10", "2026Q3", "2025", "2025-11..2026-10", "2026-02"])
def test_every_level_is_the_same_prepared_or_not(plain_and_prepared, period):
    plain, prepared = plain_and_prepared
    want = compute_levels(plain, period)
    got = compute_levels(prepared, period)
    for level in LEVELS:
        assert got[level].as_of == want[level].as_of
        assert_frame_equal(got[level].units, want[level].units, check_exact=True)
    assert want["office"].units["repeat_disputes"].sum() > 0


def test_an_earlier_as_of_reads_the_kept_codes_as_of_that_day(plain_and_prepared):
    plain, prepared = plain_and_prepared
    for as_of in (date(2026, 8, 15), date(2026, 9, 30), date(2026, 7, 1)):
        for level in ("office", "bureau"):
            assert_frame_equal(compute(prepared, "2026Q3", level, as_of=as_of).units,
                               compute(plain, "2026Q3", level, as_of=as_of).units, check_exact=True)


def test_time_limits_apply_through_the_kept_codes(plain_and_prepared):
    plain, prepared = plain_and_prepared
    limits = {"简单": 1, "一般": 5, "疑难复杂": 20}
    want = compute(plain, "2026Q3", "station", time_limits=limits).units
    got = compute(prepared, "2026Q3", "station", time_limits=limits).units
    assert_frame_equal(got, want, check_exact=True)
    assert not want["on_time_rate"].equals(compute(plain, "2026Q3", "station").units["on_time_rate"])


@pytest.mark.parametrize("level", ["office", "branch"])
def test_every_trend_is_the_same_prepared_or_not(plain_and_prepared, level):
    plain, prepared = plain_and_prepared
    months = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    for key in INDICATORS:
        assert_frame_equal(monthly_series(prepared, months, level, key),
                           monthly_series(plain, months, level, key), check_exact=True, obj=key)


def test_pandas_str_columns_read_the_same_kept_or_not():
    monthly, ledger = _awkward(*_bureau(seed=12))
    text = ["dispute_id", "office_code", "source", "risk", "complexity", "level", "status", "party_key"]
    as_str = ledger.astype({c: "str" for c in text})
    plain, prepared = _both(monthly, as_str)
    reference = Dataset(monthly=monthly, ledger=ledger)
    for level in ("office", "station"):
        want = compute(reference, "2026Q3", level).units
        assert_frame_equal(compute(plain, "2026Q3", level).units, want, check_exact=True)
        assert_frame_equal(compute(prepared, "2026Q3", level).units, want, check_exact=True)


def test_a_reader_that_keeps_gives_the_same_values_and_repeat_partners():
    _, ledger = _awkward(*_bureau(seed=13))
    rows = np.flatnonzero(np.arange(len(ledger)) % 3 != 0)
    raw, kept = LedgerReader(ledger), LedgerReader(ledger, keep=True)
    for col in ("office_code", "status", "source", "risk", "complexity", "level"):
        (rc, ru), (kc, ku) = raw.codes(col, rows), kept.codes(col, rows)
        assert list(np.append(ru, None)[rc]) == list(np.append(ku, None)[kc]), col
    # Party codes: the same grouping of the keys seen twice among the rows.
    rp, kp = raw.party(rows), kept.party(rows)
    shared = np.flatnonzero(rp >= 0)
    assert len(shared) > 0
    assert np.array_equal(pd.factorize(rp[shared])[0], pd.factorize(kp[shared])[0])
    assert sorted(raw.offices()) == sorted(kept.offices()) == sorted(set(ledger["office_code"]))


def test_prepare_keeps_the_frames_and_is_idempotent():
    monthly, ledger = _bureau(seed=14)
    ds = Dataset(monthly=monthly, ledger=ledger)
    prepared = prepare(ds)
    assert prepared.monthly is monthly and prepared.ledger is ledger
    assert prepare(prepared) is prepared
    assert isinstance(prepared, Dataset)


def test_codes_handed_over_give_the_same_answer_and_must_fit_the_ledger(plain_and_prepared):
    plain, _ = plain_and_prepared
    ledger = plain.ledger
    codes = {c: pd.factorize(ledger[c].to_numpy(dtype=object)) for c in ("status", "risk", "party_key", "office_code")}
    handed = prepare(Dataset(monthly=plain.monthly, ledger=ledger), ledger_codes=codes)
    assert set(codes) <= set(handed.ledger_reader._codes)
    for level in LEVELS:
        assert_frame_equal(compute(handed, "2026Q3", level).units, compute(plain, "2026Q3", level).units,
                           check_exact=True)
    with pytest.raises(ValueError):
        prepare(plain, ledger_codes={"status": (codes["status"][0][:-1], codes["status"][1])})
