"""Benchmark: the command line as whole processes — start-up is part of what a user waits for.

Run ``python bench/bench_startup.py [--rows N] [--repeat K]``. Each case is a fresh ``python`` process
(``subprocess``), run K times interleaved with the others, the best run of each kept; CPU seconds are
the child's user + system time (``resource.getrusage(RUSAGE_CHILDREN)``), the steadier figure on a
shared machine, wall seconds are shown beside them:

* bare parse — ``python -c`` opening the ledger with python-calamine and ``to_python()`` of every sheet
  (what any reader pays, start-up included);
* validate — ``python -m metrics validate LEDGER --json`` on the same 100k-row ledger
  (generated into ``bench/data/`` by :func:`make_ledger.make_ledger_xlsx` when missing);
* --help — ``python -m metrics --help``;
* interpreter — ``python -c pass`` (the floor of any process, for reference).

Targets (issue 11): validate ≤ 1.5 × bare parse; ``--help`` ≤ 0.3 s.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from make_ledger import ledger_path, make_ledger_xlsx  # noqa: E402

BARE = ("import sys, python_calamine as pc\n"
        "wb = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
        "for n in wb.sheet_names:\n"
        "    wb.get_sheet_by_name(n).to_python(skip_empty_area=False)\n")


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = ledger_path(args.rows)
    if not path.exists():
        print(f"生成 {path} …", file=sys.stderr)
        make_ledger_xlsx(path, rows=args.rows, seed=1)
    py = sys.executable
    cases = {
        "interpreter": [py, "-c", "pass"],
        "bare parse": [py, "-c", BARE, str(path)],
        "validate": [py, "-m", "metrics", "validate", str(path), "--json"],
        "--help": [py, "-m", "metrics", "--help"],
    }
    best = {k: (float("inf"), float("inf")) for k in cases}
    for _ in range(args.repeat):
        for label, cmd in cases.items():
            cpu, wall = run_once(cmd)
            best[label] = (min(best[label][0], cpu), min(best[label][1], wall))
    print(f"整个进程计时（{args.repeat} 次取最好）：")
    for label, (cpu, wall) in best.items():
        print(f"  {label:12s} CPU {cpu:6.2f} 秒  墙钟 {wall:6.2f} 秒")
    (vc, vw), (bc, bw) = best["validate"], best["bare parse"]
    print(f"validate / bare parse：CPU {vc / bc:.2f} 倍，墙钟 {vw / bw:.2f} 倍（目标 ≤ 1.5）")
    hc, hw = best["--help"]
    print(f"--help：CPU {hc:.2f} 秒，墙钟 {hw:.2f} 秒（目标 ≤ 0.3 秒）")


if __name__ == "__main__":
    main()
