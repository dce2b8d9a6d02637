"""Indicators of the warning loop (预警指令闭环, issue 13), per office, station, branch and bureau.

The input is one row per instruction (built by ``services.instructions.loop_frame`` from the database;
nothing here reads a database) with the columns of ``FRAME_COLUMNS``: times are timezone-aware, the
month (``"YYYY-MM"``) is the month the instruction was issued in, in the bureau's time zone. An
instruction belongs to the period of its issue month. ``now`` is the moment the indicators are taken.

* ``ack_on_time_rate`` 签收及时率 = instructions signed by their sign-off deadline (issue + hours) ÷
  instructions signed, or not signed with that deadline passed (those still within it are not counted);
* ``answer_on_time_rate`` 反馈及时率 = first feedbacks given by their feedback deadline (sign-off + hours) ÷
  signed instructions with a feedback, or without one and that deadline passed;
* ``close_rate`` 办结率 = instructions closed (已办结) ÷ instructions issued;
* ``avg_close_days`` 平均办结天数 = mean of (closed − issued) in days over the closed instructions;
* ``overdue_count`` 逾期指令数 = open instructions past their current deadline at ``now``.

A rate whose denominator is 0 is empty (NaN), never 0 or 100 %.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

FRAME_COLUMNS = ("id", "office_code", "office_name", "station", "branch", "month", "status", "created_at",
                 "hours", "acknowledged_at", "first_answer_at", "closed_at", "due_at")
LEVEL_KEYS = {"office": ["office_code", "office_name", "station", "branch"], "station": ["station", "branch"],
              "branch": ["branch"], "bureau": []}
INDICATORS: dict[str, tuple[str, str, str]] = {
    "ack_on_time_rate": ("签收及时率", "ratio", "按时签收数 ÷（已签收数 + 超过签收时限仍未签收数）"),
    "answer_on_time_rate": ("反馈及时率", "ratio", "按时首次反馈数 ÷（已反馈数 + 签收后超过反馈时限仍未反馈数）"),
    "close_rate": ("办结率", "ratio", "已办结指令数 ÷ 本期生成的指令数"),
    "avg_close_days": ("平均办结天数", "days", "已办结指令的（办结时间 − 生成时间）之平均，单位：天"),
    "overdue_count": ("逾期指令数", "count", "尚未办结且已超过当前时限的指令数"),
}
"""key → (Chinese label, unit, definition)."""


def _per_row(frame: pd.DataFrame, now: datetime) -> pd.DataFrame:
    hours = pd.to_timedelta(frame["hours"].astype(float), unit="h")
    created = pd.to_datetime(frame["created_at"], utc=True)
    ack = pd.to_datetime(frame["acknowledged_at"], utc=True)
    answer = pd.to_datetime(frame["first_answer_at"], utc=True)
    closed = pd.to_datetime(frame["closed_at"], utc=True)
    due = pd.to_datetime(frame["due_at"], utc=True)
    at = pd.Timestamp(now).tz_convert("UTC")
    ack_due = created + hours
    answer_due = ack + hours
    return pd.DataFrame({
        "ack_ok": (ack.notna() & (ack <= ack_due)).astype(float),
        "ack_base": (ack.notna() | (ack_due < at)).astype(float),
        "answer_ok": (answer.notna() & (answer <= answer_due)).astype(float),
        "answer_base": (ack.notna() & (answer.notna() | (answer_due < at))).astype(float),
        "closed": (frame["status"] == "closed").astype(float),
        "issued": 1.0,
        "close_days": ((closed - created).dt.total_seconds() / 86400.0).where(closed.notna()),
        "overdue": ((frame["status"] != "closed") & (due < at)).astype(float),
    }, index=frame.index)


def loop_indicators(frame: pd.DataFrame, level: str, months: list[str], now: datetime) -> pd.DataFrame:
    """One row per unit of ``level`` with instructions issued in ``months``: its keys, ``issued`` and the
    indicators of ``INDICATORS``."""
    if level not in LEVEL_KEYS:
        raise ValueError(f"unknown level {level!r}")
    keys = LEVEL_KEYS[level]
    cols = [*keys, "issued", *INDICATORS]
    sub = frame[frame["month"].isin(months)] if len(frame) else frame
    if not len(sub):
        return pd.DataFrame(columns=cols)
    rows = pd.concat([sub[keys].reset_index(drop=True), _per_row(sub, now).reset_index(drop=True)], axis=1)
    g = rows.groupby(keys, sort=True, dropna=False) if keys else rows.assign(_all=0).groupby("_all")
    s = g[["ack_ok", "ack_base", "answer_ok", "answer_base", "closed", "issued", "overdue"]].sum()
    out = pd.DataFrame({
        "issued": s["issued"].astype(int),
        "ack_on_time_rate": s["ack_ok"] / s["ack_base"].replace(0, np.nan),
        "answer_on_time_rate": s["answer_ok"] / s["answer_base"].replace(0, np.nan),
        "close_rate": s["closed"] / s["issued"],
        "avg_close_days": g["close_days"].mean(),
        "overdue_count": s["overdue"].astype(int),
    })
    out = out.reset_index()
    if not keys:
        out = out.drop(columns=["_all"])
    return out[cols]
