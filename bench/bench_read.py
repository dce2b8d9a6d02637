"""Benchmark: reading a 100k-row ledger .xlsx, against a bare python-calamine parse measured in the same run.

Run ``python bench/bench_read.py [--rows N] [--repeat K]``. The file is generated (deterministically) into
``bench/data/`` by :func:`bench.make_ledger.make_ledger_xlsx` when missing. Timings (best of K interleaved rounds):

* floor — ``python_calamine``: open the workbook and ``to_python()`` the sheet (what any reader must pay);
* preflight — :func:`metrics.filesafety.preflight_zip` alone (the zip-bomb checks and streamed inflate);
* open_book — :func:`metrics.rawbook.open_book` (sniff + pre-flight + calamine + grid cleaning);
* validate — ``python -m metrics validate FILE --json`` run in-process (when ``metrics.reader`` exists).

Each line shows its ratio to the floor. The foundation target: validate ≤ 1.5 × floor.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import python_calamine as pc  # noqa: E402
from make_ledger import DATA_DIR, make_ledger_xlsx  # noqa: E402

from metrics.filesafety import Limits, preflight_zip  # noqa: E402
from metrics.rawbook import open_book  # noqa: E402


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = DATA_DIR / f"ledger_{args.rows}.xlsx"
    if not path.exists():
        print(f"生成 {path} …", file=sys.stderr)
        make_ledger_xlsx(path, rows=args.rows, seed=1)
    data = path.read_bytes()
    print(f"文件：{path.name}，{len(data) / 2**20:.1f} MB，{args.rows} 行")

    def floor():
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        wb.get_sheet_by_index(0).to_python(skip_empty_area=False)

    def preflight():
        assert not hasattr(preflight_zip(data, "xlsx", Limits()), "code")

    def rawbook():
        book, problems = open_book(data, path.name)
        assert book is not None, problems

    cases = [("floor: python_calamine to_python", floor), ("preflight_zip", preflight), ("open_book", rawbook)]
    try:
        import metrics.reader  # noqa: F401
        from metrics.cli import main as cli_main

        def validate():
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli_main(["validate", str(path), "--json"])

        cases.append(("python -m metrics validate (in-process)", validate))
    except ImportError:
        print("（metrics.reader 尚不存在，跳过 validate）")
    # interleaved rounds, best of each: load from other processes hits every case alike
    best = {label: float("inf") for label, _ in cases}
    for _ in range(args.repeat):
        for label, fn in cases:
            best[label] = min(best[label], timed(fn))
    results = [(label, best[label]) for label, _ in cases]
    base = results[0][1]
    for label, seconds in results:
        print(f"{label:45s} {seconds:7.3f} s   {seconds / base:5.2f} × floor")


if __name__ == "__main__":
    main()
