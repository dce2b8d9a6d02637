"""Build the province-scale demo database for the app benchmark (3,000 offices × 24 months, ~1M disputes).

The sample generator (``sample_data.generate.build_bureau``) gives the frames; they are stored through
the real upload services (``services.uploads.plan_uploads`` + ``commit_upload``, as the evaluator), one
upload per branch, exactly as the demo seeding stores the sample bureau — so the database holds what the
app would hold after a province had uploaded its history. The SQLite database and its secrets go to
``bench/data/province/`` (git-ignored); a stamp file marks a complete build, so a second call reuses it.

Run: ``python bench/make_province_db.py [--force] [--offices N]``. Accounts (password :data:`PASSWORD`):
``bench_admin`` (管理员) and ``bench_eval`` (考评员).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrics.dataset import SourceFile, Upload  # noqa: E402
from metrics.reader import party_hash  # noqa: E402
from sample_data.generate import build_bureau  # noqa: E402
from services import accounts, uploads  # noqa: E402
from services.context import App, open_app  # noqa: E402
from services.settings import Settings, sqlite_url  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent / "data" / "province"
SCALE = dict(branches=30, stations=300, offices=3000, disputes_per_office_year=181)  # ≈1,000,000 disputes
PASSWORD = "Bench-2026-province"
ADMIN, EVALUATOR = "bench_admin", "bench_eval"
STAMP = "complete.txt"


def settings_for(data_dir: Path = DATA_DIR) -> Settings:
    """The settings the app uses for the database in ``data_dir`` (same as ``DASHBOARD_DATA_DIR``)."""
    return Settings(data_dir=data_dir, database_url=sqlite_url(data_dir / "dashboard.sqlite3"),
                    secret_key_file=data_dir / "secret.key")


def _hash_parties(ledger: pd.DataFrame, secret: bytes) -> pd.DataFrame:
    """Replace plain party identifiers by the installation's keyed hash, as the reader does at ingest."""
    keys = ledger["party_key"]
    uniq = pd.unique(keys.dropna())
    mapping = {k: party_hash(str(k), secret) for k in uniq}
    out = ledger.copy()
    out["party_key"] = keys.map(mapping).astype(object).where(keys.notna(), None)
    return out


def _branch_uploads(monthly: pd.DataFrame, ledger: pd.DataFrame) -> list[Upload]:
    """One upload per branch: its offices' monthly rows and their disputes."""
    branch_of = monthly.drop_duplicates("office_code").set_index("office_code")["branch"]
    ledger_branch = ledger["office_code"].map(branch_of)
    out = []
    for branch, m in monthly.groupby("branch", sort=True):
        led = ledger[ledger_branch == branch]
        name = f"{branch}_历史数据.xlsx"
        digest = hashlib.sha256(f"bench-province:{branch}:{len(m)}:{len(led)}".encode()).hexdigest()
        m = m.assign(_file=name).reset_index(drop=True)
        led = led.assign(_file=name).reset_index(drop=True)
        out.append(Upload(source=SourceFile(name=name, sha256=digest, size=0), monthly=m, ledger=led))
    return out


def build(data_dir: Path = DATA_DIR, *, force: bool = False, scale: dict | None = None,
          log=print) -> Path:
    """Build (or reuse) the province database in ``data_dir`` and return ``data_dir``."""
    scale = {**SCALE, **(scale or {})}
    stamp = data_dir / STAMP
    wanted = repr(sorted(scale.items()))
    if not force and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        log(f"复用已有的省级演示数据库：{data_dir}")
        return data_dir
    if data_dir.exists():
        shutil.rmtree(data_dir)
    t0 = time.perf_counter()
    app: App = open_app(settings_for(data_dir))
    try:
        admin = accounts.create_first_admin(app, ADMIN, PASSWORD)
        evaluator = accounts.create_user(app, admin, EVALUATOR, PASSWORD, "evaluator", display_name="基准考评员")
        monthly, ledger = build_bureau(**scale)
        ledger = _hash_parties(ledger, app.party_key_secret)
        log(f"已生成：{monthly['office_code'].nunique()} 个警务室，月报 {len(monthly)} 行，纠纷 {len(ledger)} 条"
            f"（{time.perf_counter() - t0:.1f} 秒）")
        batch = _branch_uploads(monthly, ledger)
        for i, up in enumerate(batch, 1):
            t = time.perf_counter()
            plan = uploads.plan_uploads(app, evaluator, [up])
            if plan.blocked:
                codes = sorted({p.code for f in plan.files for p in f.errors})
                raise SystemExit(f"生成的数据未通过检查：{codes}")
            uploads.commit_upload(app, evaluator, plan, acknowledge_warnings=True)
            log(f"  [{i}/{len(batch)}] {up.source.name}：月报 {len(up.monthly)} 行，纠纷 {len(up.ledger)} 条，"
                f"{time.perf_counter() - t:.1f} 秒")
    finally:
        app.close()
    stamp.write_text(wanted, encoding="utf-8")
    log(f"省级演示数据库已建成：{data_dir}（共 {time.perf_counter() - t0:.0f} 秒）")
    return data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成应用基准测试用的省级演示数据库")
    parser.add_argument("--force", action="store_true", help="删除已有数据库并重新生成")
    parser.add_argument("--offices", type=int, default=SCALE["offices"], help="警务室数（默认 3000）")
    args = parser.parse_args(argv)
    factor = args.offices / SCALE["offices"]
    scale = {"offices": args.offices, "stations": max(1, round(SCALE["stations"] * factor)),
             "branches": max(1, round(SCALE["branches"] * factor))}
    build(DATA_DIR if args.offices == SCALE["offices"] else DATA_DIR.with_name(f"province_{args.offices}"),
          force=args.force, scale=scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
