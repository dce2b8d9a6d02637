"""The dispute board's resolution by mediation level reads the ledger state and the 基层化解率 rule of
the indicators engine (``LedgerState`` and ``ledger.grassroots_rate``), not a copy of them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.indicators.ledger_state import LedgerState
from metrics.indicators.prepared import LedgerReader
from services.rating_views import resolution_by_level


def test_resolution_by_level_counts_resolved_disputes_as_of_the_date_and_rates_grassroots():
    d = pd.Timestamp
    led = pd.DataFrame({
        "station": ["甲所", "甲所", "甲所", "甲所", "乙所", "乙所", "乙所"],
        "status": ["已化解", "已化解", "已化解", "化解中", "已化解", "已化解", "已化解"],
        "level": ["社区", "派出所", None, "社区", "县局", None, "社区"],
        "resolved_date": [d("2026-09-01"), d("2026-09-02"), d("2026-09-03"), pd.NaT, d("2026-09-04"),
                          d("2026-09-05"), d("2026-10-20")],  # the last one: resolved after as_of, so open
        "received_date": [d("2026-08-01")] * 7,
    })
    state = LedgerState(LedgerReader(led), np.arange(len(led)), np.datetime64(date(2026, 9, 30), "ns"))
    done = state.resolved
    assert done.tolist() == [True, True, True, False, True, True, False]
    table = resolution_by_level(led[done], state.grassroots[done], state.level_given[done]).set_index("派出所")
    assert table.loc["甲所", ["社区调解", "派出所调解", "县局调解", "未填层级", "合计"]].tolist() == [1, 1, 0, 1, 3]
    assert table.loc["甲所", "基层化解率"] == 0.5  # 社区 ÷ resolved with a level given
    assert table.loc["乙所", "合计"] == 2 and table.loc["乙所", "基层化解率"] == 0.0
    only_unknown = led.iloc[[2]]
    no_level = resolution_by_level(only_unknown, np.array([False]), np.array([False]))
    assert np.isnan(no_level["基层化解率"].iloc[0])  # null, never 0, when no resolved dispute gives a level
