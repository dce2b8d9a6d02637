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


def line(label: str, cpu: float, wall: float, base: tuple[float, float] | None = None, digits: int = 2) -> None:
    """Print one timed case: CPU and wall seconds, and their ratios to ``base`` (CPU, wall) when given."""
    ratio = "" if base is None else f"（基线的 CPU {cpu / base[0]:.{digits}f} 倍，墙钟 {wall / base[1]:.{digits}f} 倍）"
    print(f"  {label}：CPU {cpu:.{digits}f} 秒，墙钟 {wall:.{digits}f} 秒{ratio}", flush=True)
