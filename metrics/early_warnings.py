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
    _as_datetime,
    ledger_arrays,
    ledger_status,
    limits_of,
    month_numbers,
    shared_key_codes,
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


def _dates_text(values: np.ndarray) -> np.ndarray:
    """``datetime64[ns]`` values as ``"YYYY-MM-DD"`` text (the day, time of day dropped; ``"NaT"`` when not given)."""
    return np.datetime_as_string(values.astype("datetime64[D]"), unit="D")


def _ledger_warnings(ledger: pd.DataFrame, as_of: date, time_limits: Mapping[str, int] | None) -> list[dict]:
    """Warnings of the dispute rules, on plain arrays of the disputes received up to ``as_of``.

    Only the warnings' own rows are turned into Python values; every rule is a mask over arrays.
    """
    out: list[dict] = []
    cut = np.datetime64(as_of, "ns")
    received_all = _as_datetime(ledger["received_date"])
    mask = received_all <= cut
    if not mask.any():
        return out
    a = ledger_arrays(ledger, None if mask.all() else mask)
    received = received_all if mask.all() else received_all[mask]
    resolved_date = a["resolved_date"]
    follow_up = a["follow_up_date"]
    st = ledger_status(a, as_of)
    age = _days(cut - received)
    limit = limits_of(a, time_limits)
    ids = a["dispute_id"]
    offices = a["office_code"]
    risk = a["risk"]
    complexity = a["complexity"]
    received_text = _dates_text(received)

    for i in np.flatnonzero(st["open"] & (risk == "红") & (age > RED_OPEN_DAYS)).tolist():
        out.append(dict(rule="red_open", office_code=str(offices[i]), dispute_id=str(ids[i]),
                        message=f"红色风险纠纷 {ids[i]!s} 受理已 {age[i]:.0f} 天仍未化解（超过 {RED_OPEN_DAYS} 天）。",
                        details={"received_date": str(received_text[i]), "days_open": int(age[i])}))
    for i in np.flatnonzero(st["open"] & (age > limit)).tolist():
        out.append(dict(rule="overdue", office_code=str(offices[i]), dispute_id=str(ids[i]),
                        message=f"纠纷 {ids[i]!s}（{complexity[i]}，时限 {limit[i]:.0f} 天）受理已 {age[i]:.0f} 天仍未化解，"
                                f"超期 {age[i] - limit[i]:.0f} 天。",
                        details={"received_date": str(received_text[i]), "days_open": int(age[i]),
                                 "limit_days": int(limit[i]), "complexity": complexity[i]}))
    due = resolved_date + np.timedelta64(FOLLOW_UP_DAYS, "D")
    pending = st["resolved"] & ~(follow_up <= cut)
    days_to_due = _days(due - cut)
    late = np.flatnonzero(pending & (days_to_due < 0))
    soon = np.flatnonzero(pending & (days_to_due >= 0) & (days_to_due <= FOLLOW_UP_SOON_DAYS))
    both = np.concatenate([late, soon])
    resolved_text = dict(zip(both.tolist(), _dates_text(resolved_date[both]).tolist(), strict=True))
    due_text = dict(zip(both.tolist(), _dates_text(due[both]).tolist(), strict=True))
    for i in late.tolist():
        out.append(dict(rule="follow_up_late", office_code=str(offices[i]), dispute_id=str(ids[i]),
                        message=f"纠纷 {ids[i]!s} 于 {resolved_text[i]} 化解，回访应在 {due_text[i]} 前完成，"
                                f"已逾期 {-days_to_due[i]:.0f} 天。",
                        details={"resolved_date": resolved_text[i], "due_date": due_text[i],
                                 "days_late": int(-days_to_due[i])}))
    for i in soon.tolist():
        out.append(dict(rule="follow_up_due", office_code=str(offices[i]), dispute_id=str(ids[i]),
                        message=f"纠纷 {ids[i]!s} 于 {resolved_text[i]} 化解，回访应在 {due_text[i]} 前完成，"
                                f"还剩 {days_to_due[i]:.0f} 天。",
                        details={"resolved_date": resolved_text[i], "due_date": due_text[i],
                                 "days_left": int(days_to_due[i])}))
    out += _repeat_warnings(a, received, as_of)
    return out


def repeat_partners(keys: np.ndarray, received: np.ndarray, ids: np.ndarray, recent_from: np.datetime64,
                    window_days: int = REPEAT_WINDOW_DAYS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each repeat dispute received from ``recent_from`` on, with its partners, found on arrays.

    ``keys`` (party keys, None/NaN = not given), ``received`` (``datetime64[ns]``) and ``ids`` (dispute
    ids) describe the rows that may take part. A partner of row i is another row (another dispute id)
    with the same key received between ``window_days`` days before row i and row i's date, both ends
    included. Rows are sorted by (key, received, dispute id); a row's partners are then one contiguous
    run of its key found with two binary searches — no loop over keys or rows.

    Returns ``(rows, partners, owner)``: the repeat rows (positions into the inputs, in that sort order),
    and their partners as pairs (``partners[p]`` is a partner of ``rows[owner[p]]``), pairs grouped by
    owner and listed in (received, dispute id) order.
    """
    empty = np.array([], dtype=np.int64)
    n = len(keys)
    if n < 2:
        return empty, empty, empty
    given = np.flatnonzero(pd.notna(keys))
    codes = np.full(n, -1, dtype=np.intp)
    codes[given] = shared_key_codes(np.asarray(keys, dtype=object)[given])
    sel = np.flatnonzero(codes >= 0)
    if len(sel) < 2:
        return empty, empty, empty
    id_rank, _ = pd.factorize(np.asarray(ids, dtype=object)[sel], sort=True)
    t_sel = received[sel].astype("int64")
    order = np.lexsort((id_rank, t_sel, codes[sel]))
    sel = sel[order]
    k = codes[sel].astype(np.int64)
    t = t_sel[order]
    uniq, t_rank = np.unique(t, return_inverse=True)
    width = np.int64(len(uniq) + 1)
    key_time = k * width + t_rank.reshape(-1)
    window = np.int64(window_days) * 86_400 * 10**9
    lo = np.searchsorted(key_time, k * width + np.searchsorted(uniq, t - window, side="left"), side="left")
    hi = np.searchsorted(key_time, key_time, side="right")
    targets = np.flatnonzero((t >= np.datetime64(recent_from, "ns").astype("int64")) & (hi - lo >= 2))
    if not len(targets):
        return empty, empty, empty
    lens = hi[targets] - lo[targets]
    owner = np.repeat(np.arange(len(targets)), lens)
    partner = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(lo[targets], lens)
    sorted_ids = np.asarray(ids, dtype=object)[sel]
    keep = np.asarray(sorted_ids[partner] != sorted_ids[targets[owner]], dtype=bool)
    owner, partner = owner[keep], partner[keep]
    has = np.bincount(owner, minlength=len(targets)) > 0
    renumber = np.cumsum(has) - 1
    return sel[targets[has]], sel[partner], renumber[owner]


def _repeat_warnings(a: Mapping[str, np.ndarray], received: np.ndarray, as_of: date) -> list[dict]:
    """Repeat disputes received in the 90 days up to as_of, each with its earlier partner(s).

    ``a`` holds the ledger arrays of the disputes received up to as_of (``received`` their dates).
    """
    start = np.datetime64(as_of - timedelta(days=2 * REPEAT_WINDOW_DAYS), "ns")
    cand = np.flatnonzero(received >= start)
    if len(cand) < 2:
        return []
    ids = a["dispute_id"][cand]
    offices = a["office_code"][cand]
    rdate = received[cand]
    rows, partners, owner = repeat_partners(a["party_key"][cand], rdate, ids,
                                            np.datetime64(as_of - timedelta(days=REPEAT_WINDOW_DAYS), "ns"))
    if not len(rows):
        return []
    row_text = _dates_text(rdate[rows]).tolist()
    partner_text = _dates_text(rdate[partners]).tolist()
    days = ((rdate[rows][owner] - rdate[partners]) // np.timedelta64(1, "D")).astype(np.int64).tolist()
    partner_ids = [str(x) for x in ids[partners].tolist()]
    partner_offices = [str(x) for x in offices[partners].tolist()]
    bounds = np.r_[0, np.cumsum(np.bincount(owner, minlength=len(rows)))].tolist()
    out = []
    for r, (dispute, office) in enumerate(zip(ids[rows].tolist(), offices[rows].tolist(), strict=True)):
        lo, hi = bounds[r], bounds[r + 1]
        shown = "、".join(f"{partner_ids[p]}（{partner_offices[p]}，{partner_text[p]}）" for p in range(lo, hi))
        out.append(dict(rule="repeat_dispute", office_code=str(office), dispute_id=str(dispute),
                        message=f"纠纷 {dispute!s}（{row_text[r]} 受理）的当事人在此前 {REPEAT_WINDOW_DAYS} 天内"
                                f"已有纠纷：{shown}。",
                        details={"received_date": row_text[r],
                                 "earlier": partner_ids[lo:hi],
                                 "days_since": days[lo:hi]}))
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
    info = {code: (str(name), str(station), str(branch)) for code, name, station, branch in zip(
        offices.index.tolist(), offices["name"].tolist(), offices["station"].tolist(), offices["branch"].tolist(),
        strict=True)}
    result = []
    for w in raw:
        code = w["office_code"]
        name, station, branch = info.get(code, (code, "", ""))
        result.append(EarlyWarning(
            rule=w["rule"], office_code=code, office_name=name, station=station, branch=branch,
            message=w["message"], dispute_id=w.get("dispute_id"), month=w.get("month"), details=w["details"],
        ))
    result.sort(key=lambda w: (SEVERITY_ORDER[w.severity], w.rule, w.branch, w.station, w.office_code,
                               w.dispute_id or "", w.month or "", w.details.get("column", "")))
    return result


def warnings_frame(items: list[EarlyWarning]) -> pd.DataFrame:
    """The warnings as a table (one row each), columns ``COLUMNS``."""
    return pd.DataFrame([w.to_dict() for w in items], columns=list(COLUMNS))
