"""Storing a 100k-row ledger upload into SQLite and PostgreSQL, next to reading and validating that file.

    python bench/bench_store.py [--rows 100000] [--no-postgres]

Generates the workbook (sample bureau generator; nothing is committed), then in the same run times
1. reading and validating it (``metrics.reader.read_upload``) — the baseline;
2. preview + storing it in one transaction into a fresh SQLite file;
3. the same into a throwaway PostgreSQL cluster (initdb/pg_ctl, as the tests do);
and prints each time with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description="存储基准：10 万行台账上传写入 SQLite / PostgreSQL 的耗时")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()

    from metrics.reader import read_upload
    from sample_data.generate import build_bureau, write_station_workbook
    from services import uploads as svc
    from store import migrate
    from tests.dbfixtures import create_users, open_test_app

    t = time.perf_counter()
    per_office_year = args.rows / (40 * 2) * 1.15
    monthly, ledger = build_bureau(offices=40, disputes_per_office_year=per_office_year)
    ledger = ledger.iloc[: args.rows]
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    data = buf.getvalue()
    print(f"生成工作簿：月报 {len(monthly)} 行，台账 {len(ledger)} 行，{len(data) / 2**20:.1f} MB，"
          f"用时 {time.perf_counter() - t:.1f} 秒", flush=True)

    t = time.perf_counter()
    up = read_upload(data, "台账10万行.xlsx", upload_date=date(2026, 11, 5), party_key_secret=b"k" * 32)
    base = time.perf_counter() - t
    assert up.ok and len(up.ledger) == args.rows, ([p.message for p in up.errors][:3], len(up.ledger))
    print(f"读取并校验：{base:.2f} 秒（基准 1.00）", flush=True)

    targets = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_store_"))
    targets.append(("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", None))
    if not args.no_postgres:
        from tests.dbfixtures import start_pg_server
        pg_root = Path(tempfile.mkdtemp(prefix="bench_pg_"))
        server, stop_server = start_pg_server(pg_root)

        def stop() -> None:
            stop_server()
            shutil.rmtree(pg_root, ignore_errors=True)

        targets.append(("PostgreSQL", server.url(server.new_database()), stop))
    try:
        for label, url, _ in targets:
            app = open_test_app(url, str(tmp))
            migrate.upgrade(app.db)
            actor = create_users(app)["eval"].id
            t = time.perf_counter()
            plan = svc.plan_uploads(app, actor, [up])
            t_plan = time.perf_counter() - t
            receipt = svc.commit_upload(app, actor, plan, acknowledge_warnings=True)
            total = time.perf_counter() - t
            assert receipt.upload_ids, receipt.message
            print(f"写入 {label}：{total:.2f} 秒（预览 {t_plan:.2f} 秒 + 事务 {total - t_plan:.2f} 秒），"
                  f"为读取校验的 {total / base:.2f} 倍", flush=True)
            app.close()
    finally:
        for _, _, stop in targets:
            if stop:
                stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
