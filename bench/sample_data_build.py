"""Benchmark: building a province-scale sample bureau (3,000 offices × 24 months, ~1,000,000 disputes).

Baseline, measured in the same run: drawing the same number of random values with numpy and wrapping
them in DataFrames of the same shape (the least any generator of that size must do). Reported as a
ratio, never asserted. Run: ``python bench/sample_data_build.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_data.generate import build_bureau  # noqa: E402

SCALE = dict(branches=30, stations=300, offices=3000, disputes_per_office_year=167)


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    took, (monthly, ledger) = _best(lambda: build_bureau(**SCALE))
    rows_m, cols_m, rows_l, cols_l = len(monthly), monthly.shape[1], len(ledger), ledger.shape[1]

    def baseline():
        rng = np.random.default_rng(0)
        m = pd.DataFrame(rng.random((rows_m, cols_m)))
        l = pd.DataFrame(rng.random((rows_l, cols_l)))  # noqa: E741
        return m, l

    base, _ = _best(baseline)
    print(f"build_bureau 省级规模：{rows_m:,} 行月报、{rows_l:,} 条纠纷，用时 {took:.2f} 秒")
    print(f"基线（同形状随机数 DataFrame）：{base:.2f} 秒；比值 {took / base:.1f}×")


if __name__ == "__main__":
    main()
