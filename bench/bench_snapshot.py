"""Benchmark: loading the bureau's current rows from the columnar snapshot, against the database read and
against a bare read of the same files into Arrow tables (the baseline, timed in the same run), and
against ``pyarrow.parquet.read_table`` of the same tables stored as Parquet (why the snapshot is Arrow IPC).

    python bench/bench_snapshot.py [--offices 3000] [--repeat 3] [--skip-db]

The database is built by :mod:`bench.make_province_db` (3,000 offices: ``bench/data/province/``, reused;
git-ignored). When its snapshot is missing or stale it is made first through ``services.snapshots.refresh``
— the same code path a restarted server takes on its first read. Lines (best of ``--repeat``, CPU and
wall seconds, ratio to the baseline):

* 基线 — ``monthly.arrow`` and ``ledger.arrow`` read into Arrow tables (no checks, no pandas);
* 对照 — the same tables written as Parquet (lz4, page checksums) and read with ``pq.read_table``;
* 快照 — ``snapshots.load`` in a fresh state (nothing in memory): database state read and checked, both
  files read with page checksums verified and converted to the frames of the column contract;
* 追加 — an older snapshot caught up with the last upload's rows (what a fresh process pays after an
  upload whose snapshot was not written yet);
* 数据库 — ``store.rows.current_monthly`` + ``current_ledger`` (what every cold start paid before).

Frames are compared for equality before timing; nothing is asserted about speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import make_province_db as province  # noqa: E402
from bench.timing import best, line  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description="快照读取基准：快照 / 追加 / 数据库 / 裸 read_table")
    ap.add_argument("--offices", type=int, default=province.SCALE["offices"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-db", action="store_true", help="不计时数据库读取（省级规模约 20 秒）")
    args = ap.parse_args()
    if args.offices == province.SCALE["offices"]:
        folder = province.build(province.DATA_DIR)
    else:
        folder = province.build(province.DATA_DIR.with_name(f"province_{args.offices}"),
                                scale={"offices": args.offices, "stations": max(1, args.offices // 10),
                                       "branches": max(1, args.offices // 100)})

    import pyarrow as pa
    import pyarrow.parquet as pq
    from pandas.testing import assert_frame_equal

    from services import snapshots
    from services.context import open_app
    from store import rows
    from store import snapshot as snap

    app = open_app(province.settings_for(folder), migrate_now=False)
    try:
        with app.db.read() as conn:
            state = snap.read_state(conn)
        where = snapshots.folder(app)
        current = where / snap.folder_name(snap.Meta.of(state))
        if not current.is_dir():
            print(f"正在生成快照（从数据库读取，省级规模约 20 秒）：{current}", flush=True)
            t = time.perf_counter()
            snapshots.refresh(app)
            print(f"  快照已生成，用时 {time.perf_counter() - t:.1f} 秒", flush=True)
        sizes = {f.name: f.stat().st_size for f in current.iterdir()}
        print(f"\n快照读取基准（{args.offices} 个警务室，月报 {state.counts()[0]:,} 行，纠纷 {state.counts()[1]:,} 行；"
              f"文件 {', '.join(f'{k} {v / 2**20:.1f} MB' for k, v in sorted(sizes.items()))}）", flush=True)

        def bare():
            return [pa.ipc.open_file(pa.py_buffer((current / f"{n}.arrow").read_bytes())).read_all()
                    for n in ("monthly", "ledger")]

        tables = bare()
        with tempfile.TemporaryDirectory() as tmp:  # the same tables as Parquet, for comparison
            for n, t in zip(("monthly", "ledger"), tables, strict=True):
                pq.write_table(t, f"{tmp}/{n}.parquet", compression="lz4", write_page_checksum=True,
                               row_group_size=max(t.num_rows, 1))
            pq_cpu, pq_wall, _ = best(lambda: [pq.read_table(f"{tmp}/{n}.parquet", page_checksum_verification=True,
                                                             read_dictionary=[f.name for f in t.schema
                                                                              if pa.types.is_dictionary(f.type)])
                                               for n, t in zip(("monthly", "ledger"), tables, strict=True)],
                                      args.repeat)

        def from_snapshot():
            snapshots.forget()
            got = snapshots.load(app, write=False)
            assert got.origin == "snapshot", got.origin
            return got

        base_cpu, base_wall, _ = best(bare, args.repeat)
        line("基线 读入两个 Arrow 文件为 Arrow 表（pa.ipc.open_file(...).read_all()）", base_cpu, base_wall)
        line("对照 同样的表存为 Parquet（lz4，页校验）后 pq.read_table", pq_cpu, pq_wall, (base_cpu, base_wall))
        cpu, wall, got = best(from_snapshot, args.repeat)
        line("快照 snapshots.load（校验 + 读取 + 转为约定列类型）", cpu, wall, (base_cpu, base_wall))

        # an older snapshot of the same history plus the last upload's rows
        last = state.uploads[-1].id
        older = snap.Meta(snap.FORMAT, state.uploads[-2].id, state.digest(state.uploads[-2].id), state.revision,
                          *state.counts(state.uploads[-2].id), (0, 0))
        with app.db.read() as conn:
            lm = rows.current_monthly(conn, upload_ids=[last]).drop(columns=snapshots.TRACE)
            ll = rows.current_ledger(conn, upload_ids=[last]).drop(columns=snapshots.TRACE)
        m_old = got.monthly[~got.monthly.set_index(["office_code", "month"]).index.isin(
            lm.set_index(["office_code", "month"]).index)].reset_index(drop=True)
        l_old = got.ledger[~got.ledger["dispute_id"].isin(ll["dispute_id"])].reset_index(drop=True)
        if (len(m_old), len(l_old)) == state.counts(older.version):
            # in a data folder of its own: other processes may be reading the real one
            with tempfile.TemporaryDirectory() as tmp:
                elsewhere = dataclasses.replace(app, settings=dataclasses.replace(app.settings, data_dir=Path(tmp)))
                snap.write(snapshots.folder(elsewhere), older, m_old, l_old)

                def caught_up():
                    snapshots.forget()
                    out = snapshots.load(elsewhere, write=False)
                    assert out.origin == "catch-up", out.origin
                    return out

                cpu, wall, cu = best(caught_up, args.repeat)
                line(f"追加 上一版快照 + 最后一次上传的 {len(ll):,} 条纠纷", cpu, wall, (base_cpu, base_wall))
                assert_frame_equal(cu.ledger, got.ledger)
                assert_frame_equal(cu.monthly, got.monthly)
        if not args.skip_db:
            def database():
                with app.db.read() as conn:
                    return (rows.current_monthly(conn).drop(columns=snapshots.TRACE),
                            rows.current_ledger(conn).drop(columns=snapshots.TRACE))
            cpu, wall, (m, led) = best(database, 1)
            line("数据库 rows.current_monthly + current_ledger", cpu, wall, (base_cpu, base_wall))
            assert_frame_equal(m, got.monthly)
            assert_frame_equal(led, got.ledger)
            print("  快照读出的数据与数据库逐列相同。")
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
