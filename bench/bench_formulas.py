"""Benchmark: a ledger whose 纠纷编号 column is a formula validates in about the time of the same ledger
without formulas (the formula-cell scan of ``metrics.xlsxcells`` is linear in the sheet's size).

Run ``python bench/bench_formulas.py [--rows N] [--repeat K]``. Both workbooks (``N`` ledger rows plus the
警务室月报 naming their offices; the same values, one with every 纠纷编号 written as
``="JF01"&TEXT(ROW()-1,"00000000")`` with its result saved) are generated deterministically into
``bench/data/`` by :func:`make_ledger.make_ledger_xlsx` when missing. Each round runs
``read_upload(..., keep_parties=False)`` — what ``python -m metrics validate`` runs — on both, interleaved
(load from other processes hits both alike); the best round of each is kept.

Target: formulas ≤ 1.5 × plain (the scan used to cost formulas × sheet size: 20k formula rows took 53 s).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from make_ledger import ledger_path, make_ledger_xlsx  # noqa: E402
from timing import best, line  # noqa: E402

from metrics.reader import read_upload  # noqa: E402

TARGET = 1.5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = {}
    for formula_ids in (False, True):
        path = ledger_path(args.rows, formula_ids)
        if not path.exists():
            print(f"生成 {path} …", file=sys.stderr)
            make_ledger_xlsx(path, rows=args.rows, seed=1, formula_ids=formula_ids)
        files[formula_ids] = (path.name, path.read_bytes())

    def validate(formula_ids: bool):
        name, data = files[formula_ids]

        def run():
            up = read_upload(data, name, keep_parties=False)
            assert len(up.ledger) == args.rows and not up.errors, up.problems[:3]
        return run

    results = {False: (float("inf"), float("inf")), True: (float("inf"), float("inf"))}
    for _ in range(args.repeat):
        for formula_ids in (False, True):
            cpu, wall, _ = best(validate(formula_ids), 1)
            results[formula_ids] = (min(results[formula_ids][0], cpu), min(results[formula_ids][1], wall))
    print(f"台账 {args.rows} 行（validate 所做的读取与校验，取 {args.repeat} 轮中最好的一轮）：")
    line("纠纷编号为文本", *results[False])
    line("纠纷编号为公式", *results[True], base=results[False])
    ratio = results[True][0] / results[False][0]
    print(f"公式/文本（CPU）= {ratio:.2f}，目标 ≤ {TARGET}：{'达到' if ratio <= TARGET else '未达到'}")


if __name__ == "__main__":
    main()
