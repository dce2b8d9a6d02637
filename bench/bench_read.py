"""Benchmark: reading a 100k-row ledger workbook, against a bare python-calamine parse of the same file in
the same run.

Run ``python bench/bench_read.py [--rows N] [--repeat K] [--file PATH]``. The workbook (a 100k-row
矛盾纠纷台账 plus the 警务室月报 naming its offices, so that it validates without errors) is generated
deterministically into ``bench/data/`` by :func:`make_ledger.make_ledger_xlsx` when missing. Cases, run in
K interleaved rounds (load from other processes hits every case alike), best round of each kept:

* floor — ``python_calamine``: open the workbook and ``to_python()`` every sheet (what any reader pays);
* preflight_zip — :func:`metrics.filesafety.preflight_zip` alone (zip-bomb checks, streamed inflate);
* open_book — :func:`metrics.rawbook.open_book` (sniff + pre-flight + calamine + grid cleaning);
* read_upload — :func:`metrics.reader.read_upload` keeping the rows for storage (party keys hashed), what an
  upload to the app runs;
* validate — ``python -m metrics validate FILE --json`` run in-process (read_files + JSON output); it wants
  only the problems, so party keys are neither hashed nor kept (``keep_parties=False``).

Each line shows CPU time (``time.process_time``) and wall time, each with its ratio to the floor's.
The foundation target: validate ≤ 1.5 × floor. CPU ratios are the steadier figure on a shared machine.
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
from make_ledger import ledger_path, make_ledger_xlsx  # noqa: E402

from metrics.cli import main as cli_main  # noqa: E402
from metrics.filesafety import Limits, preflight_zip  # noqa: E402
from metrics.rawbook import open_book  # noqa: E402
from metrics.reader import read_upload  # noqa: E402


def timed(fn) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    c, w = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c, time.perf_counter() - w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--file", type=Path, help="benchmark this workbook instead of the generated one")
    args = ap.parse_args()
    path = args.file or ledger_path(args.rows)
    if not path.exists():
        print(f"生成 {path} …", file=sys.stderr)
        make_ledger_xlsx(path, rows=args.rows, seed=1)
    data = path.read_bytes()
    print(f"文件：{path.name}，{len(data) / 2**20:.1f} MB")

    def floor():
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def preflight():
        assert not hasattr(preflight_zip(data, "xlsx", Limits()), "code")

    def rawbook():
        book, problems = open_book(data, path.name)
        assert book is not None, problems

    def reader():
        up = read_upload(data, path.name)
        assert len(up.ledger), up.problems[:3]

    def validate():
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            cli_main(["validate", str(path), "--json"])
        assert out.getvalue().startswith("{")

    cases = [("floor: python_calamine to_python", floor), ("preflight_zip", preflight), ("open_book", rawbook),
             ("read_upload", reader), ("python -m metrics validate (in-process)", validate)]
    best = {label: (float("inf"), float("inf")) for label, _ in cases}
    for _ in range(args.repeat):
        for label, fn in cases:
            cpu, wall = timed(fn)
            best[label] = (min(best[label][0], cpu), min(best[label][1], wall))
    base_cpu, base_wall = best[cases[0][0]]
    print(f"{'':42s} {'CPU':>8s} {'× floor':>8s} {'wall':>8s} {'× floor':>8s}")
    for label, _ in cases:
        cpu, wall = best[label]
        print(f"{label:42s} {cpu:7.3f}s {cpu / base_cpu:7.2f}× {wall:7.3f}s {wall / base_wall:7.2f}×")


if __name__ == "__main__":
    main()
