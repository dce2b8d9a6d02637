"""Benchmark: the 总览 read for several station heads — per-scope computation (the old path) against the
one read path (bureau-wide load and compute once per data version, then cut to each scope).

    python bench/bench_scope_reads.py [--offices 300] [--heads 5]

The database is built by :mod:`bench.make_province_db` (stored through the upload services) into
``bench/data/scope_<offices>/`` (git-ignored) and reused. In this process, same run:

* baseline — one bureau-wide load of the current rows plus ``compute_levels`` of the period (what any
  correct overview must pay once: the indicators need every station's rows);
* old path — for each station head: their stations' rows only (``rows.current_*(stations=…)``) and
  ``compute_levels`` on them (what ``views.overview`` did before; its repeat disputes were wrong);
* one path, cold — cache cleared, ``views.overview`` for each head (the first pays the bureau-wide
  load, compute and scoring; the others cut from the cache);
* one path, warm — the same heads again (the cache of the data version holds).

Each figure is printed with its ratio to the baseline; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import make_province_db as province  # noqa: E402


def _heads(app, admin, stations: list[str]) -> list:
    from sqlalchemy import select

    from services import accounts
    from services.actors import reload
    from store.tables import users

    out = []
    for i, station in enumerate(stations):
        name = f"bench_head_{i}"
        with app.db.read() as conn:
            uid = conn.execute(select(users.c.id).where(users.c.username == name)).scalar()
            if uid is not None:
                out.append(reload(conn, uid))
                continue
        out.append(accounts.create_user(app, admin, name, province.PASSWORD, "station_head",
                                        scope_kind="station", scope_value=station))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description="总览读取基准：按辖区分别计算 vs 全局计算一次再按辖区筛选")
    ap.add_argument("--offices", type=int, default=300)
    ap.add_argument("--heads", type=int, default=5)
    args = ap.parse_args()
    factor = args.offices / province.SCALE["offices"]
    scale = {"offices": args.offices, "stations": max(1, round(province.SCALE["stations"] * factor)),
             "branches": max(1, round(province.SCALE["branches"] * factor))}
    folder = province.build(province.DATA_DIR.with_name(f"scope_{args.offices}"), scale=scale)

    from sqlalchemy import select

    from metrics.dataset import Dataset
    from metrics.indicators import compute_levels
    from metrics.periods import parse_period
    from services import reading, views
    from services.context import open_app
    from store import rows
    from store.tables import offices, users

    app = open_app(province.settings_for(folder))
    try:
        with app.db.read() as conn:
            admin = conn.execute(select(users.c.id).where(users.c.username == province.ADMIN)).scalar_one()
            stations = sorted({r[0] for r in conn.execute(select(offices.c.station).distinct())})[: args.heads]
        heads = _heads(app, admin, stations)
        period = parse_period(max(reading.months_in_scope(app, admin)))
        print(f"{args.offices} 个警务室，{len(heads)} 个所长，期间 {period.label}", flush=True)

        reading.clear_cache()
        t = time.perf_counter()
        stored = reading._load(app)
        compute_levels(stored.dataset, period)
        base = time.perf_counter() - t
        print(f"基准（全局读取一次并计算）：{base:.2f} 秒（1.00）", flush=True)

        t = time.perf_counter()
        for head in heads:
            with app.db.read() as conn:
                m = rows.current_monthly(conn, stations={head.scope_value}).drop(columns=["_id", "_upload", "_version"])
                led = rows.current_ledger(conn, stations={head.scope_value}).drop(columns=["_id", "_upload", "_version"])
            compute_levels(Dataset(monthly=m, ledger=led), period)
        old = time.perf_counter() - t
        print(f"旧路径（每个所长只读本所并计算，{len(heads)} 人）：{old:.2f} 秒（{old / base:.2f}）", flush=True)

        reading.clear_cache()
        t = time.perf_counter()
        for head in heads:
            views.overview(app, head, period)
        cold = time.perf_counter() - t
        print(f"统一路径·冷（{len(heads)} 人的总览，含评分与预警）：{cold:.2f} 秒（{cold / base:.2f}）", flush=True)

        t = time.perf_counter()
        for head in heads:
            views.overview(app, head, period)
        warm = time.perf_counter() - t
        print(f"统一路径·热（同一数据版本再读 {len(heads)} 人）：{warm:.2f} 秒（{warm / base:.2f}）", flush=True)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
