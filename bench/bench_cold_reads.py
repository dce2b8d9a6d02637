"""Benchmark: the app's cold reads — early warnings, loading the stored rows, a 24-month ledger trend —
each against the plain implementation it replaced, timed in the same run; then the cold 总览.

    python bench/bench_cold_reads.py [--offices 300] [--repeat 3] [--skip-old]

The database is built by :mod:`bench.make_province_db` (stored through the upload services) into
``bench/data/scope_<offices>/`` (``bench/data/province/`` for 3,000 offices; git-ignored) and reused.
Every figure is the best of ``--repeat`` runs, CPU (``time.process_time``) and wall
(``time.perf_counter``) seconds, with its ratio to the baseline of its line:

* 预警 — the table of every warning, bureau-wide at the data's latest date: ``early_warnings.frame``
  (vectorised, text built for the warning rows only) against ``warnings_frame`` of the previous array
  path (``previous_warnings`` in ``tests/metrics/test_early_warnings_frame.py``: one dict and one
  ``EarlyWarning`` per warning) and, unless ``--skip-old``, of ``reference_warnings`` (the row-by-row
  rules, ``tests/metrics/test_early_warnings_paths.py``); and the sorted ``listing`` with only the
  overview's first ``WARNINGS_SHOWN`` rows written;
* 读取 — ``store.rows.current_ledger`` / ``current_monthly`` against the reference reads kept in
  ``tests/store/test_rows_read.py`` (rows as mappings, converted per value); the raw fetch of the same
  rows (``fetchall`` without conversion) is shown as the floor;
* 趋势 — ``monthly_series`` of a ledger indicator over 24 months against ``compute`` month by month;
* 总览 — ``views.overview`` for the evaluator with every cache cleared (cold) and again (warm), against
  the bureau-wide load plus ``compute_levels`` of the period (what any overview must pay once); and with
  the rows already loaded and only the results' cache cleared (what the first overview after a load
  computes), against what it computed before: ``compute_levels`` of the period and of the year before
  plus the previous array path's table of every warning.

Outputs are compared for equality before timing; nothing is asserted about speed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import make_province_db as province  # noqa: E402
from bench.timing import best, line  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description="冷读取基准：预警、读取已存数据、24 个月趋势、总览")
    ap.add_argument("--offices", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-old", action="store_true", help="不运行旧实现（省级规模时很慢）")
    args = ap.parse_args()
    if args.offices == province.SCALE["offices"]:
        folder = province.build(province.DATA_DIR)
    else:
        factor = args.offices / province.SCALE["offices"]
        scale = {"offices": args.offices, "stations": max(1, round(province.SCALE["stations"] * factor)),
                 "branches": max(1, round(province.SCALE["branches"] * factor))}
        folder = province.build(province.DATA_DIR.with_name(f"scope_{args.offices}"), scale=scale)

    import pandas as pd
    from pandas.testing import assert_frame_equal
    from sqlalchemy import select

    from metrics import early_warnings
    from metrics.indicators import compute, compute_levels, monthly_series
    from metrics.indicators.engine import ID_COLUMNS
    from metrics.periods import month_range, parse_period, shift_month
    from services import reading, views
    from services.context import open_app
    from store import rows
    from store.tables import users
    from tests.metrics.test_early_warnings_frame import previous_warnings
    from tests.metrics.test_early_warnings_paths import reference_warnings
    from tests.store.test_rows_read import reference_ledger, reference_monthly

    app = open_app(province.settings_for(folder))
    r = args.repeat
    try:
        with app.db.read() as conn:
            evaluator = conn.execute(select(users.c.id).where(users.c.username == province.EVALUATOR)).scalar_one()
        stored = reading._load(app)
        ds = stored.dataset
        last = str(ds.monthly["month"].max())
        period = parse_period(last)
        print(f"{args.offices} 个警务室：月报 {len(ds.monthly)} 行，纠纷 {len(ds.ledger)} 条；期间 {period.label}；"
              f"每项取 {r} 次中最快", flush=True)

        # --- reading the stored rows ---------------------------------------------------------------------
        print("读取已存数据（全局当前行）：", flush=True)
        with app.db.read() as conn:
            def raw_fetch():
                from store.tables import dispute_rows
                return conn.execute(select(dispute_rows).where(dispute_rows.c.is_current)).fetchall()
            floor = best(raw_fetch, r)
            line("纠纷原始读取（fetchall，不转换，下限）", *floor[:2])
            new_l = best(lambda: rows.current_ledger(conn), r)
            new_m = best(lambda: rows.current_monthly(conn), r)
            if not args.skip_old:
                old_l = best(lambda: reference_ledger(conn), r)
                old_m = best(lambda: reference_monthly(conn), r)
                assert_frame_equal(new_l[2], old_l[2])
                assert_frame_equal(new_m[2], old_m[2])
                line("纠纷·旧（基准）", *old_l[:2])
                line("纠纷·新", *new_l[:2], base=old_l[:2])
                line("月报·旧（基准）", *old_m[:2])
                line("月报·新", *new_m[:2], base=old_m[:2])
            else:
                line("纠纷·新", *new_l[:2], base=floor[:2])
                line("月报·新", *new_m[:2])

        # --- early warnings ------------------------------------------------------------------------------
        as_of = early_warnings.default_as_of(ds)
        print(f"预警（全局，截至 {as_of}）：", flush=True)
        new_w = best(lambda: early_warnings.frame(ds, as_of), r)
        counts = new_w[2]["rule"].value_counts().to_dict()
        print(f"  共 {len(new_w[2])} 条：{counts}", flush=True)
        prev_w = best(lambda: early_warnings.warnings_frame(previous_warnings(ds, as_of)), r)
        assert_frame_equal(new_w[2], prev_w[2])
        if not args.skip_old:
            old_w = best(lambda: early_warnings.warnings_frame(reference_warnings(ds, as_of)), r)
            assert_frame_equal(new_w[2], old_w[2])
            line("旧（逐行，基准）", *old_w[:2])
            line("上一版数组（逐条对象再成表）", *prev_w[:2], base=old_w[:2])
        else:
            line("上一版数组（逐条对象再成表，基准）", *prev_w[:2])
        line("新（整表，仅为预警行生成文字）", *new_w[:2], base=prev_w[:2])
        page = best(lambda: early_warnings.listing(ds, as_of).table(range(views.WARNINGS_SHOWN)), r)
        assert_frame_equal(page[2], new_w[2].head(views.WARNINGS_SHOWN))
        line(f"新（排序后只写总览列出的前 {views.WARNINGS_SHOWN} 条）", *page[:2], base=prev_w[:2])

        # --- a 24-month ledger trend ---------------------------------------------------------------------
        months = month_range(shift_month(last, -23), last)
        for key, level in (("resolution_rate", "bureau"), ("repeat_disputes", "station")):
            print(f"24 个月趋势（{key}，{level}）：", flush=True)
            new_s = best(lambda key=key, level=level: monthly_series(ds, months, level, key), r)
            if not args.skip_old:
                def per_month(key=key, level=level):
                    frames = []
                    for m in months:
                        rep = compute(ds, m, level)
                        frames.append(rep.units[list(ID_COLUMNS)].assign(month=m, value=rep.units[key].to_numpy()))
                    return pd.concat(frames, ignore_index=True)[[*ID_COLUMNS, "month", "value"]]
                old_s = best(per_month, r)
                assert_frame_equal(new_s[2], old_s[2], check_exact=True, check_dtype=False)
                line("逐月 compute（基准）", *old_s[:2])
                line("一次分组", *new_s[:2], base=old_s[:2])
            else:
                line("一次分组", *new_s[:2])

        # --- the overview --------------------------------------------------------------------------------
        print("总览（考评员，全局）：", flush=True)

        def load_and_compute():
            reading.clear_cache()
            st = reading._load(app)
            compute_levels(st.dataset, period)
        base = best(load_and_compute, r)
        line("全局读取一次并计算（基准）", *base[:2])

        def cold():
            reading.clear_cache()
            views.overview(app, evaluator, period)
        line("总览·冷", *best(cold, r)[:2], base=base[:2])
        line("总览·热", *best(lambda: views.overview(app, evaluator, period), r)[:2], base=base[:2])

        print("总览（考评员，全局；数据已读入，只清空结果缓存）：", flush=True)
        reading.clear_cache()
        st = reading.stored(app)
        as_of_p = reading.reports(app, st, period)["office"].as_of

        def before():  # what the overview computed before: the indicators and every warning, one object each
            compute_levels(st.dataset, period), compute_levels(st.dataset, period.prior_year())
            early_warnings.warnings_frame(previous_warnings(st.dataset, as_of_p))
        indicators = best(before, r)
        line("指标（本期与上年同期）加上一版预警表（基准）", *indicators[:2])

        def results_cold():
            with reading._CACHE_LOCK:
                reading._CACHE.clear()
            return views.overview(app, evaluator, period)
        ov = best(results_cold, r)
        line("总览·冷（数据已读入）", *ov[:2], base=indicators[:2])
        print(f"  其中预警 {ov[2].warnings_total} 条，列出 {len(ov[2].warnings)} 条", flush=True)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
