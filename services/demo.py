"""Demo mode (``DASHBOARD_DEMO=1``): the sample bureau and one account per role, seeded once.

On an empty database :func:`ensure_demo` stores the sample bureau through the real upload services,
as the demo evaluator — first the history workbook without its last month, then the last month's
station workbooks of every station but one (so the overview shows a station that has not reported) —
and creates the accounts below, all with the password :data:`DEMO_PASSWORD`:

============  ==============================================
demo_admin    管理员 (admin)
demo_eval     考评员 (evaluator)
demo_leader   局领导 (leadership, whole bureau)
demo_head     所长 (station head of the first sample station)
============  ==============================================

It does nothing when any account exists, so restarting the app never seeds twice. Demo mode must be
switched on explicitly; the app then says "演示模式" on every screen.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from metrics.dataset import Upload
from metrics.early_warnings import default_as_of
from metrics.periods import month_first_day
from metrics.reader import read_upload
from services import accounts, instructions, reading, snapshots, uploads
from services.context import App
from services.errors import PermissionDenied
from store import audit, rows

DEMO_PASSWORD = "Demo-2026-star"
DEMO_USERS = {"admin": "demo_admin", "evaluator": "demo_eval", "leadership": "demo_leader",
              "station_head": "demo_head"}
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "bureau"
UPLOAD_DATE = date(2026, 11, 3)
"""The 填报日期 of the sample reports (see ``sample_data.generate.REPORT_DATE``)."""


def sample_files(folder: Path = SAMPLE_DIR) -> tuple[Path, list[Path]]:
    """The history workbook and the station workbooks of the sample bureau (sorted by name)."""
    history = sorted(folder.glob("历史数据_*.xlsx"))
    stations = sorted(folder.glob("*月报.xlsx"))
    if not history or not stations:
        raise FileNotFoundError(f"示例数据不完整：{folder}（请运行 python -m sample_data 生成）")
    return history[-1], stations


def _history_before(up: Upload, last_month: str) -> Upload:
    """The history upload without its last month (those rows come from the station workbooks)."""
    cut = pd.Timestamp(month_first_day(last_month))
    monthly = up.monthly[up.monthly["month"] < last_month].reset_index(drop=True)
    ledger = up.ledger[up.ledger["received_date"] < cut].reset_index(drop=True)
    return Upload(source=up.source, monthly=monthly, ledger=ledger, problems=list(up.problems))


def seed_instructions(app: App, evaluator, leader, head) -> None:
    """The warning loop of the demo: instructions as of the data's latest day, issued four days ago (red
    and yellow ones are past their sign-off time whatever the sample data), and the head's station walked
    through every status — one signed (feedback overdue), one answered, one
    returned, one closed, and a 督办 note on one still waiting for sign-off."""
    as_of = default_as_of(reading.stored(app).dataset)
    if as_of is None:
        return
    start = audit.now() - timedelta(days=4)
    instructions.sync(app, as_of, evaluator, now=start)
    mine = [i["id"] for i in instructions.list_instructions(app, head, now=start)]
    if len(mine) < 5:
        return
    signed, answered, returned, closed, waiting = mine[:5]
    at = iter(start + timedelta(hours=h) for h in range(1, 40))
    for iid in (signed, answered, returned, closed):
        instructions.acknowledge(app, head, iid, now=next(at))
    for iid in (answered, returned, closed):
        instructions.answer(app, head, iid, "已电话联系当事人并上门调解，双方同意继续协商。", now=next(at))
    instructions.verify(app, evaluator, returned, close=False, reason="反馈未写明调解结果，请补充。", now=next(at))
    instructions.verify(app, leader, closed, close=True, reason="已核实化解。", now=next(at))
    instructions.supervise(app, leader, waiting, "请今日内签收并反馈处置情况。", now=next(at))


def ensure_demo(app: App, folder: Path = SAMPLE_DIR, skip_stations: int = 1) -> bool:
    """Seed the demo bureau and accounts when the database has no account yet; True when it seeded."""
    if accounts.has_users(app):
        return False
    try:
        admin = accounts.create_first_admin(app, DEMO_USERS["admin"], DEMO_PASSWORD)
    except PermissionDenied:  # another process seeded first
        return False
    evaluator = accounts.create_user(app, admin, DEMO_USERS["evaluator"], DEMO_PASSWORD, "evaluator",
                                     display_name="演示考评员")
    history, stations = sample_files(folder)
    up = read_upload(history.read_bytes(), history.name, upload_date=UPLOAD_DATE,
                     party_key_secret=app.party_key_secret)
    last = str(up.monthly["month"].max())
    plan = uploads.plan_uploads(app, evaluator, [_history_before(up, last)])
    uploads.commit_upload(app, evaluator, plan, acknowledge_warnings=True, sync_instructions=False)
    chosen = stations[: max(0, len(stations) - skip_stations)]
    if chosen:
        plan = uploads.prepare_upload(app, evaluator, [(p.name, p.read_bytes()) for p in chosen],
                                      upload_date=UPLOAD_DATE)
        uploads.commit_upload(app, evaluator, plan, acknowledge_warnings=True, sync_instructions=False)
    with app.db.read() as conn:
        registry = rows.office_registry(conn)
    head_station = sorted({(r["branch"], r["station"]) for r in registry.values()})[0][1]
    leader = accounts.create_user(app, admin, DEMO_USERS["leadership"], DEMO_PASSWORD, "leadership",
                                  display_name="演示局领导")
    head = accounts.create_user(app, admin, DEMO_USERS["station_head"], DEMO_PASSWORD, "station_head", "station",
                                head_station, display_name="演示所长")
    seed_instructions(app, evaluator, leader, head)
    snapshots.refresh(app)  # the app's first screen then loads the bureau from the snapshot
    return True
