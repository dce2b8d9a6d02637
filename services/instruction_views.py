"""What the 预警处置 screen, 总览 and the ledger download show of the warning loop (issue 13): the board
cut by role, the xlsx instruction ledger, and the loop indicators — read through ``services.instructions``
(its scope rules), computed by ``metrics.instruction_loop``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, func, select

from services import reading
from services.actors import Actor, reload
from services.context import App
from services.errors import PermissionDenied, ServiceError
from services.instructions import (
    BUREAU_TZ,
    STATUS_LABELS,
    as_utc,
    list_instructions,
    now_or_clock,
    parse_settings,
    today,
    visible_station_set,
)
from store import audit
from store.tables import instruction_events, instruction_settings, instructions

# --- the screen 预警处置 and the ledger --------------------------------------------------------------

BOARD_COLUMNS = ("id", "status_label", "overdue", "condition_cleared", "due", "rule_label", "risk", "station",
                 "branch", "office_name", "dispute", "month", "message", "supervision_notes", "created_at", "status",
                 "version")
BOARD_LABELS = {"id": "指令号", "status_label": "状态", "overdue": "逾期", "condition_cleared": "预警条件已消除",
                "due": "期限", "rule_label": "预警", "risk": "风险", "station": "派出所", "branch": "分局",
                "office_name": "警务室", "dispute": "纠纷编号", "month": "月份", "message": "预警内容",
                "supervision_notes": "督办", "created_at": "生成时间", "status": "状态代码", "version": "版本"}


@dataclass(frozen=True)
class Board:
    """What 预警处置 shows one user: every visible instruction and the cuts the role needs."""

    role: str
    items: pd.DataFrame
    """Every visible instruction (``BOARD_COLUMNS``), overdue first, then by due time."""
    queue: pd.DataFrame
    """A station head's queue: 待签收, 已签收 (待反馈) and 已退回."""
    overdue: pd.DataFrame
    supervised: pd.DataFrame
    verification: pd.DataFrame
    """What waits for a verifier: answered, or open with the condition cleared."""
    by_status: pd.DataFrame
    by_station: pd.DataFrame
    by_branch: pd.DataFrame


def _count_by(items: pd.DataFrame, by: str) -> pd.DataFrame:
    cols = [by, *STATUS_LABELS.values(), "逾期"]
    if not len(items):
        return pd.DataFrame(columns=cols)
    t = pd.crosstab(items[by], items["status_label"]).reindex(columns=list(STATUS_LABELS.values()), fill_value=0)
    t["逾期"] = items.groupby(by)["overdue"].sum().astype(int)
    t.columns.name = None
    return t.reset_index()[cols]


def board(app: App, actor: Actor | int, *, now: datetime | None = None) -> Board:
    """The instructions the actor may see, cut for the screen (see :class:`Board`)."""
    from metrics.early_warnings import RULES

    with app.db.read() as conn:
        role = reload(conn, actor).role
    listed = list_instructions(app, actor, now=now)
    items = pd.DataFrame([{**i, "rule_label": RULES.get(i["rule"], ("", i["rule"]))[1]} for i in listed],
                         columns=list(BOARD_COLUMNS)) if listed else pd.DataFrame(columns=list(BOARD_COLUMNS))
    items = items[list(BOARD_COLUMNS)]
    open_ = items[items["status"] != "closed"]
    by_status = pd.DataFrame({"状态": list(STATUS_LABELS.values()),
                              "指令数": [int((items["status"] == s).sum()) for s in STATUS_LABELS]})
    return Board(
        role=role, items=items.reset_index(drop=True),
        queue=items[items["status"].isin(["new", "acknowledged", "returned"])].reset_index(drop=True),
        overdue=open_[open_["overdue"].astype(bool)].reset_index(drop=True),
        supervised=open_[open_["supervision_notes"].astype(int) > 0].reset_index(drop=True),
        verification=open_[(open_["status"] == "answered") | open_["condition_cleared"].astype(bool)]
        .reset_index(drop=True),
        by_status=by_status, by_station=_count_by(items, "station"), by_branch=_count_by(items, "branch"))


def ledger_xlsx(app: App, actor: Actor | int, *, now: datetime | None = None) -> tuple[str, bytes]:
    """The instruction ledger (指令台账) of the actor's scope as an xlsx workbook, every text cell written
    as a string (no formula, link or number can come from user text): (file name, bytes)."""
    import io

    import xlsxwriter

    from metrics.safe_export import clean_text, xlsxwriter_options

    b = board(app, actor, now=now)
    cols = [c for c in BOARD_COLUMNS if c not in ("status", "version")]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **xlsxwriter_options()})
    ws = wb.add_worksheet("指令台账")
    for j, c in enumerate(cols):
        ws.write_string(0, j, BOARD_LABELS[c])
    for i, rec in enumerate(b.items[cols].to_dict("records"), start=1):
        for j, c in enumerate(cols):
            v = rec[c]
            if c == "id" or c == "supervision_notes":
                ws.write_number(i, j, int(v))
            elif isinstance(v, bool):
                ws.write_string(i, j, "是" if v else "否")
            else:
                ws.write_string(i, j, clean_text(v))
    wb.close()
    with app.db.write() as conn:
        who = reload(conn, actor)
        audit.append(conn, "DataExported", actor_id=who.id, actor_name=who.username, what="instruction_ledger",
                     rows=len(b.items))
    return f"预警指令台账_{today().isoformat()}.xlsx", buf.getvalue()


# --- indicators of the loop ------------------------------------------------------------------------

def _loop_frame(conn: Connection, vis: set[str] | None) -> pd.DataFrame:
    """One row per visible instruction in ``metrics.instruction_loop.FRAME_COLUMNS``."""
    from metrics.instruction_loop import FRAME_COLUMNS

    q = select(instructions)
    if vis is not None:
        q = q.where(instructions.c.station.in_(sorted(vis)))
    recs = [dict(r) for r in conn.execute(q).mappings()]
    if not recs:
        return pd.DataFrame(columns=list(FRAME_COLUMNS))
    first_answer = dict(conn.execute(select(instruction_events.c.instruction_id, func.min(instruction_events.c.at))
                                     .where(instruction_events.c.kind == "answered")
                                     .group_by(instruction_events.c.instruction_id)).all())
    first_ack = dict(conn.execute(select(instruction_events.c.instruction_id, func.min(instruction_events.c.at))
                                  .where(instruction_events.c.kind == "acknowledged")
                                  .group_by(instruction_events.c.instruction_id)).all())
    bodies = dict(conn.execute(select(instruction_settings.c.version, instruction_settings.c.body)).all())
    parsed = {v: parse_settings(b) for v, b in bodies.items()}
    out = []
    for r in recs:
        created = as_utc(r["created_at"])
        out.append({
            "id": r["id"], "office_code": r["office_code"], "office_name": r["office_name"], "station": r["station"],
            "branch": r["branch"], "month": created.astimezone(BUREAU_TZ).strftime("%Y-%m"), "status": r["status"],
            "created_at": created, "hours": parsed[r["settings_version"]].hours_for(r["risk"]),
            "acknowledged_at": as_utc(first_ack.get(r["id"])), "first_answer_at": as_utc(first_answer.get(r["id"])),
            "closed_at": as_utc(r["closed_at"]), "due_at": as_utc(r["due_at"])})
    return pd.DataFrame(out, columns=list(FRAME_COLUMNS))


def loop_indicators(app: App, actor: Actor | int, period: str, level: str = "station", *,
                    now: datetime | None = None) -> pd.DataFrame:
    """签收及时率, 反馈及时率, 办结率, 平均办结天数, 逾期指令数 of the instructions issued in ``period``
    (e.g. ``2026-10``, ``2026Q4``, ``2026``), per ``level`` (office, station, branch, bureau), within the
    actor's scope (a station head: their station's offices and the station; a branch leader: up to the
    branch)."""
    from metrics.instruction_loop import LEVEL_KEYS
    from metrics.instruction_loop import loop_indicators as compute
    from metrics.periods import month_range

    p = reading.period_of(period)
    if level not in LEVEL_KEYS:
        raise ServiceError(f"未知的层级“{level}”（可选：office、station、branch、bureau）。")
    with app.db.read() as conn:
        who = reload(conn, actor)
        vis = visible_station_set(conn, who)
        allowed = {"station_head": ("office", "station")}.get(who.role)
        if who.role == "leadership" and who.scope_kind == "branch":
            allowed = ("office", "station", "branch")
        if allowed is not None and level not in allowed:
            raise PermissionDenied("您的范围不含该层级的汇总。")
        frame = _loop_frame(conn, vis)
    return compute(frame, level, month_range(p.first, p.last), now_or_clock(now))
