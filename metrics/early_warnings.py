"""Early warnings (预警) of metrics.md, listed by the app and by ``python -m metrics warnings``.

Rules (codes are stable; the Chinese label and sentence come from ``RULES``):

* ``repeat_dispute`` — a dispute received in the 90 days up to as_of whose party_key appears on another
  dispute (any office) received in the 90 days before it (both ends included);
* ``red_open`` — a red-risk dispute still open more than 3 days after it was received;
* ``overdue`` — an open dispute past the time limit of its complexity;
* ``follow_up_due`` / ``follow_up_late`` — a resolved dispute not yet followed up whose follow-up
  (due 14 days after resolution) falls within the next 3 days, or is already late;
* ``monthly_jump`` — an office whose latest monthly value (as of as_of) is far from its own history:
  |z| ≥ 3 against its previous 12 months (at least 6 of them reported), z = (value − mean) / spread,
  where the spread is the standard deviation but never less than √mean (Poisson noise) nor 1 —
  usually a typing error, sometimes a real event.

Each warning names the office, the dispute or the month, the rule and the numbers behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from metrics.dataset import Dataset
from metrics.indicators.components import (
    REPEAT_WINDOW_DAYS,
    ledger_status,
    limits_of,
    month_numbers,
)
from metrics.indicators.units import office_table
from metrics.periods import month_from_index, month_last_day, month_of
from metrics.schema import FOLLOW_UP_DAYS, MONTHLY

RED_OPEN_DAYS = 3
FOLLOW_UP_SOON_DAYS = 3
JUMP_Z = 3.0
JUMP_HISTORY = 12
JUMP_MIN_HISTORY = 6
JUMP_COLUMNS = ("alerts", "dispute_alerts", "criminal_cases", "fraud_cases", "civil_to_criminal",
                "visited_month", "community_hours", "officer_days", "households", "population")
"""Monthly values watched for jumps."""

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}

RULES: dict[str, tuple[str, str]] = {
    "red_open": ("high", "红色纠纷未化解"),
    "repeat_dispute": ("high", "重复纠纷"),
    "overdue": ("medium", "超期未化解"),
    "follow_up_late": ("medium", "回访逾期"),
    "monthly_jump": ("medium", "月报数值异常波动"),
    "follow_up_due": ("low", "回访即将到期"),
}
"""Rule code → (severity, Chinese label)."""

COLUMNS = ("rule", "label", "severity", "office_code", "office_name", "station", "branch", "dispute_id",
           "month", "message", "details")


@dataclass(frozen=True)
class EarlyWarning:
    """One warning: which rule, which office, which dispute or month, and the numbers behind it."""

    rule: str
    office_code: str
    office_name: str
    station: str
    branch: str
    message: str
    dispute_id: str | None = None
    month: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return RULES[self.rule][0]

    @property
    def label(self) -> str:
        return RULES[self.rule][1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "label": self.label, "severity": self.severity, "office_code": self.office_code,
            "office_name": self.office_name, "station": self.station, "branch": self.branch,
            "dispute_id": self.dispute_id, "month": self.month, "message": self.message, "details": self.details,
        }


Warning = EarlyWarning  # the name the brief and the app use  # noqa: A001


def default_as_of(dataset: Dataset) -> date | None:
    """The latest of: the last day of the latest reported month, and the latest date in the ledger.

    None when the dataset is empty.
    """
    candidates: list[date] = []
    if len(dataset.monthly):
        candidates.append(month_last_day(str(dataset.monthly["month"].max())))
    for col in ("received_date", "resolved_date", "follow_up_date"):
        if len(dataset.ledger):
            latest = pd.to_datetime(dataset.ledger[col]).max()
            if pd.notna(latest):
                candidates.append(latest.date())
    return max(candidates) if candidates else None


def _days(delta) -> np.ndarray:
    return np.asarray(delta / np.timedelta64(1, "D"), dtype="float64")


def _fmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _ledger_warnings(ledger: pd.DataFrame, as_of: date, time_limits: Mapping[str, int] | None) -> list[dict]:
    out: list[dict] = []
    cut = np.datetime64(as_of, "ns")
    received_all = pd.to_datetime(ledger["received_date"]).to_numpy(dtype="datetime64[ns]")
    led = ledger[received_all <= cut]
    if not len(led):
        return out
    received = pd.to_datetime(led["received_date"]).to_numpy(dtype="datetime64[ns]")
    resolved_date = pd.to_datetime(led["resolved_date"]).to_numpy(dtype="datetime64[ns]")
    follow_up = pd.to_datetime(led["follow_up_date"]).to_numpy(dtype="datetime64[ns]")
    st = ledger_status(led, as_of)
    age = _days(cut - received)
    limit = limits_of(led, time_limits)
    ids = led["dispute_id"].astype(str).to_numpy()
    offices = led["office_code"].astype(str).to_numpy()
    risk = led["risk"].to_numpy(dtype=object)
    complexity = led["complexity"].to_numpy(dtype=object)

    for i in np.flatnonzero(st["open"] & (risk == "红") & (age > RED_OPEN_DAYS)):
        out.append(dict(rule="red_open", office_code=offices[i], dispute_id=ids[i],
                        message=f"红色风险纠纷 {ids[i]} 受理已 {age[i]:.0f} 天仍未化解（超过 {RED_OPEN_DAYS} 天）。",
                        details={"received_date": str(received[i])[:10], "days_open": int(age[i])}))
    for i in np.flatnonzero(st["open"] & (age > limit)):
        out.append(dict(rule="overdue", office_code=offices[i], dispute_id=ids[i],
                        message=f"纠纷 {ids[i]}（{complexity[i]}，时限 {limit[i]:.0f} 天）受理已 {age[i]:.0f} 天仍未化解，"
                                f"超期 {age[i] - limit[i]:.0f} 天。",
                        details={"received_date": str(received[i])[:10], "days_open": int(age[i]),
                                 "limit_days": int(limit[i]), "complexity": complexity[i]}))
    due = resolved_date + np.timedelta64(FOLLOW_UP_DAYS, "D")
    pending = st["resolved"] & ~(follow_up <= cut)
    days_to_due = _days(due - cut)
    for i in np.flatnonzero(pending & (days_to_due < 0)):
        out.append(dict(rule="follow_up_late", office_code=offices[i], dispute_id=ids[i],
                        message=f"纠纷 {ids[i]} 于 {str(resolved_date[i])[:10]} 化解，回访应在 {str(due[i])[:10]} 前完成，"
                                f"已逾期 {-days_to_due[i]:.0f} 天。",
                        details={"resolved_date": str(resolved_date[i])[:10], "due_date": str(due[i])[:10],
                                 "days_late": int(-days_to_due[i])}))
    for i in np.flatnonzero(pending & (days_to_due >= 0) & (days_to_due <= FOLLOW_UP_SOON_DAYS)):
        out.append(dict(rule="follow_up_due", office_code=offices[i], dispute_id=ids[i],
                        message=f"纠纷 {ids[i]} 于 {str(resolved_date[i])[:10]} 化解，回访应在 {str(due[i])[:10]} 前完成，"
                                f"还剩 {days_to_due[i]:.0f} 天。",
                        details={"resolved_date": str(resolved_date[i])[:10], "due_date": str(due[i])[:10],
                                 "days_left": int(days_to_due[i])}))
    out += _repeat_warnings(led, as_of)
    return out


def _repeat_warnings(led: pd.DataFrame, as_of: date) -> list[dict]:
    """Repeat disputes received in the 90 days up to as_of, each with its earlier partner(s)."""
    start = np.datetime64(as_of - timedelta(days=2 * REPEAT_WINDOW_DAYS), "ns")
    received = pd.to_datetime(led["received_date"]).to_numpy(dtype="datetime64[ns]")
    cand = led[(received >= start) & led["party_key"].notna().to_numpy()]
    if len(cand) < 2:
        return []
    cand = cand.assign(rdate=pd.to_datetime(cand["received_date"]).astype("datetime64[ns]"))
    cand = cand.sort_values(["party_key", "rdate", "dispute_id"], kind="stable")
    recent_from = pd.Timestamp(as_of - timedelta(days=REPEAT_WINDOW_DAYS))
    out = []
    window = pd.Timedelta(days=REPEAT_WINDOW_DAYS)
    for _key, grp in cand.groupby("party_key", sort=False):
        if len(grp) < 2:
            continue
        rows = list(grp[["dispute_id", "office_code", "rdate"]].itertuples(index=False))
        for row in rows:
            if row.rdate < recent_from:
                continue
            partners = [p for p in rows if p.dispute_id != row.dispute_id and row.rdate - window <= p.rdate <= row.rdate]
            if not partners:
                continue
            shown = "、".join(f"{p.dispute_id}（{p.office_code}，{p.rdate.date()}）" for p in partners)
            out.append(dict(rule="repeat_dispute", office_code=str(row.office_code), dispute_id=str(row.dispute_id),
                            message=f"纠纷 {row.dispute_id}（{row.rdate.date()} 受理）的当事人在此前 {REPEAT_WINDOW_DAYS} 天内"
                                    f"已有纠纷：{shown}。",
                            details={"received_date": str(row.rdate.date()),
                                     "earlier": [str(p.dispute_id) for p in partners],
                                     "days_since": [int((row.rdate - p.rdate).days) for p in partners]}))
    return out


def _jump_warnings(monthly: pd.DataFrame, as_of: date) -> list[dict]:
    """|z| ≥ 3 of each office's latest month (≤ as_of's month) against its previous 12 months."""
    if not len(monthly):
        return []
    cut = month_of(as_of)
    m = monthly[monthly["month"].astype(str) <= cut]
    if not len(m):
        return []
    num = month_numbers(m["month"])
    m = m.assign(_n=num)
    latest = m.sort_values("_n").drop_duplicates("office_code", keep="last").set_index("office_code")
    last_n = m["office_code"].map(latest["_n"]).to_numpy()
    hist = m[(m["_n"].to_numpy() < last_n) & (m["_n"].to_numpy() >= last_n - JUMP_HISTORY)]
    if not len(hist):
        return []
    out = []
    cols = [c for c in JUMP_COLUMNS if c in m.columns]
    g = hist.groupby("office_code")[cols]
    count, mean, std = g.count(), g.mean(), g.std(ddof=1)
    for col in cols:
        header = MONTHLY.column(col).header
        value = latest[col].reindex(count.index)
        spread = np.maximum(np.maximum(std[col].fillna(0.0), np.sqrt(mean[col].clip(lower=0))), 1.0)
        z = (value - mean[col]) / spread
        hits = z[(count[col] >= JUMP_MIN_HISTORY) & value.notna() & (z.abs() >= JUMP_Z)]
        for code, zval in hits.items():
            month = month_from_index(int(latest.at[code, "_n"]))
            v, mu, n = float(value[code]), float(mean.at[code, col]), int(count.at[code, col])
            direction = "高于" if zval > 0 else "低于"
            out.append(dict(rule="monthly_jump", office_code=str(code), month=month,
                            message=f"{month}“{header}”为 {_fmt(v)}，明显{direction}前 {n} 个月的平均值 {mu:.1f}"
                                    f"（z = {zval:.1f}），请核对是否填报有误。",
                            details={"column": col, "value": v, "mean": mu, "spread": float(spread[code]),
                                     "z": float(zval), "history_months": n}))
    return out


def warnings(
    dataset: Dataset, as_of: date | None = None, time_limits: Mapping[str, int] | None = None
) -> list[EarlyWarning]:
    """Every early warning of ``dataset`` as of ``as_of`` (default: :func:`default_as_of`), most severe
    first, then by branch, station, office and dispute/month."""
    as_of = as_of or default_as_of(dataset)
    if as_of is None:
        return []
    offices = office_table(dataset.monthly, dataset.ledger)
    raw = _ledger_warnings(dataset.ledger, as_of, time_limits) if len(dataset.ledger) else []
    raw += _jump_warnings(dataset.monthly, as_of)
    result = []
    for w in raw:
        code = w["office_code"]
        info = offices.loc[code] if code in offices.index else None
        result.append(EarlyWarning(
            rule=w["rule"], office_code=code,
            office_name=str(info["name"]) if info is not None else code,
            station=str(info["station"]) if info is not None else "",
            branch=str(info["branch"]) if info is not None else "",
            message=w["message"], dispute_id=w.get("dispute_id"), month=w.get("month"), details=w["details"],
        ))
    result.sort(key=lambda w: (SEVERITY_ORDER[w.severity], w.rule, w.branch, w.station, w.office_code,
                               w.dispute_id or "", w.month or "", w.details.get("column", "")))
    return result


def warnings_frame(items: list[EarlyWarning]) -> pd.DataFrame:
    """The warnings as a table (one row each), columns ``COLUMNS``."""
    return pd.DataFrame([w.to_dict() for w in items], columns=list(COLUMNS))
