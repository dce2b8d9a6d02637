"""Timing shared by the benchmarks: the best of several runs, CPU and wall seconds."""

from __future__ import annotations

import gc
import time


def best(fn, repeat: int) -> tuple[float, float, object]:
    """(best CPU seconds, best wall seconds, last result) of ``repeat`` calls of ``fn``.

    The previous result is let go and garbage collected before each call, so one run's memory does
    not weigh on the next."""
    cpu, wall, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        out = None
        gc.collect()
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return cpu, wall, out
