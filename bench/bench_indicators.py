"""Benchmark: every indicator for all four levels over one quarter, on a province-scale dataset.

Data: 3,000 offices × 24 months (72,000 monthly rows) and about 1,000,000 disputes, generated
deterministically by ``sample_data.generate.build_bureau`` (never committed). The floor is a bare
pandas group-by of the same rows in the same run: ledger rows counted per office and monthly counts
summed per office. Target: the engine within 3× that floor.

    python bench/bench_indicators.py [--offices 3000] [--disputes 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrics.dataset import Dataset  # noqa: E402
from metrics.indicators import compute, compute_levels  # noqa: E402
from sample_data.generate import build_bureau  # noqa: E402

PERIOD = "2026Q3"
COUNTS = ["alerts", "dispute_alerts", "criminal_cases", "civil_to_criminal", "community_hours", "officer_days"]


def best(func, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds over ``repeat`` runs (CPU time is steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--offices", type=int, default=3000)
    ap.add_argument("--disputes", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t = time.perf_counter()
    monthly, ledger = build_bureau(branches=max(1, args.offices // 250), stations=max(1, args.offices // 10),
                                   offices=args.offices, months=("2024-11", "2026-10"), seed=20261022,
                                   disputes_per_office_year=args.disputes / args.offices / 2)
    print(f"生成数据 {time.perf_counter() - t:.1f} 秒：月报 {len(monthly):,} 行，台账 {len(ledger):,} 行")
    ds = Dataset(monthly=monthly, ledger=ledger)

    def floor() -> None:
        ledger.groupby("office_code").size()
        monthly.groupby("office_code")[COUNTS].sum()

    def engine_all_levels() -> None:
        compute_levels(ds, PERIOD)

    def engine_four_calls() -> None:
        for level in ("office", "station", "branch", "bureau"):
            compute(ds, PERIOD, level=level)

    (f, fc), (e, ec), (e4, e4c) = (best(fn, args.repeat) for fn in (floor, engine_all_levels, engine_four_calls))
    print(f"基线（pandas 裸 group-by，同一批行）：{f:.3f} 秒（CPU {fc:.3f} 秒）")
    print(f"compute_levels（四级全部指标，{PERIOD}）：{e:.3f} 秒 = 基线的 {e / f:.2f} 倍；"
          f"CPU {ec:.3f} 秒 = {ec / fc:.2f} 倍（目标 ≤ 3 倍）")
    print(f"compute × 4 次（每级单独计算）：{e4:.3f} 秒 = 基线的 {e4 / f:.2f} 倍；CPU {e4c / fc:.2f} 倍")


if __name__ == "__main__":
    main()
