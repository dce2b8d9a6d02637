"""The ledger components (one path for a period and for every month of a trend) equal the components
counted a dispute at a time (``tests/metrics/ledger_reference.py``), on a generated bureau with awkward
rows: several as_of dates (before a period's end, mid-month), custom time limits, keys not given, an
unknown complexity, times of day."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from ledger_reference import ledger_components_reference

from metrics.indicators.components import ledger_components
from metrics.indicators.units import office_table
from sample_data.generate import build_bureau


@pytest.fixture(scope="module")
def awkward():
    monthly, ledger = build_bureau(branches=2, stations=4, offices=12, months=("2025-09", "2026-10"), seed=23,
                                   disputes_per_office_year=150)
    ledger = ledger.copy()
    rng = np.random.default_rng(9)
    n = len(ledger)
    for col in ("party_key", "level", "risk", "source"):
        ledger.loc[rng.choice(n, n // 15, replace=False), col] = None
    ledger.loc[rng.choice(n, 12, replace=False), "complexity"] = "未知复杂程度"
    # Same party at two offices on one day, and a time of day on a received date.
    ledger.loc[[3, 4], "party_key"] = "同一当事人"
    ledger.loc[[3, 4], "received_date"] = pd.Timestamp("2026-08-10")
    ledger.loc[5, "received_date"] = pd.Timestamp("2026-09-30 18:30")
    return monthly, ledger


@pytest.mark.parametrize("first,last,as_of,limits", [
    (date(2026, 7, 1), date(2026, 9, 30), date(2026, 9, 30), None),
    (date(2026, 7, 1), date(2026, 9, 30), date(2026, 8, 15), None),
    (date(2026, 9, 1), date(2026, 9, 30), date(2026, 10, 31), {"简单": 1, "一般": 5, "疑难复杂": 20}),
    (date(2026, 1, 1), date(2026, 12, 31), date(2026, 10, 31), None),
])
def test_ledger_components_equal_the_dispute_by_dispute_count(awkward, first, last, as_of, limits):
    monthly, ledger = awkward
    offices = office_table(monthly, ledger)
    got = ledger_components(ledger, offices, first, last, as_of, limits)
    want = ledger_components_reference(ledger, offices.index, first, last, as_of, limits)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_names=False)
    assert want["repeat_disputes"].sum() > 0 and want["open"].sum() > 0 and want["on_time"].sum() > 0
