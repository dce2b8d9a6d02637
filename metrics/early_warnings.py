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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from metrics.dataset import Dataset
from metrics.indicators.components import month_numbers
from metrics.indicators.ledger_state import LedgerState
from metrics.indicators.prepared import LedgerReader, view
from metrics.indicators.repeats import REPEAT_WINDOW_DAYS, repeat_partners
from metrics.indicators.units import UNKNOWN, office_table
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


_DAY = np.timedelta64(1, "D")

Rendered = tuple[list[str], list[dict[str, Any]]]


@dataclass(frozen=True)
class _Part:
    """The warnings of one rule, in its own order: what sorting and scoping need (offices, dispute ids,
    months, jump columns) held as lists, the text (message and ``details``) written on demand for the
    rows asked for — ``render(idx)`` with positions into this part."""

    rule: str
    office_code: list[str]
    render: Callable[[np.ndarray], Rendered]
    dispute_id: list[str] | None = None
    month: list[str] | None = None
    column: list[str] | None = None

    def __len__(self) -> int:
        return len(self.office_code)


def _days(delta) -> np.ndarray:
    return np.asarray(delta / _DAY, dtype="float64")


def _fmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _dates_text(values: np.ndarray) -> np.ndarray:
    """``datetime64[ns]`` values as ``"YYYY-MM-DD"`` text (the day, time of day dropped; ``"NaT"`` when not
    given), each distinct day formatted once."""
    days = values.astype("datetime64[D]")
    if len(days) < 64:
        return np.datetime_as_string(days, unit="D")
    uniq, inv = np.unique(days, return_inverse=True)
    return np.datetime_as_string(uniq, unit="D")[inv.reshape(-1)]


def _day_counts(values: np.ndarray) -> tuple[list[str], list[int]]:
    """Day counts (floats) as message text (``f"{x:.0f}"``) and as ``int(x)``, each distinct value once."""
    uniq, inv = np.unique(values, return_inverse=True)
    u = uniq.tolist()
    inv = inv.reshape(-1)
    return (np.array([f"{x:.0f}" for x in u], dtype=object)[inv].tolist(),
            np.array([int(x) for x in u] or [0], dtype=object)[inv].tolist())


def _objects_at(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values at positions ``rows`` as an object array of Python values, whatever the column's dtype."""
    if values.dtype == object:
        return values.to_numpy()[rows]
    return values.take(rows).to_numpy(dtype=object)


def _texts_at(values: pd.Series, rows: np.ndarray) -> list[str]:
    """``str()`` of the values at positions ``rows`` (no conversion when they are all strings already)."""
    arr = _objects_at(values, rows)
    if pd.api.types.infer_dtype(arr, skipna=False) in ("string", "empty"):
        return arr.tolist()
    return [str(x) for x in arr.tolist()]


def _ledger_parts(as_of: date, time_limits: Mapping[str, int] | None, reader: LedgerReader) -> list[_Part]:
    """The dispute rules' warnings (red_open, overdue, follow_up_late, follow_up_due, repeat_dispute),
    each rule's disputes in ledger order, among the disputes received up to ``as_of``.

    Open, resolved, the time limit and red risk are those of
    :class:`~metrics.indicators.ledger_state.LedgerState` as of ``as_of``. Only the warnings' ids and
    offices are read eagerly; their text is written when rendered — each distinct day and day count
    formatted once.
    """
    ledger = reader.frame
    cut = np.datetime64(as_of, "ns")
    received = reader.dates("received_date")
    taken = np.flatnonzero(received <= cut)
    if not len(taken):
        return []
    state = LedgerState(reader, taken, cut, time_limits, received=received[taken])
    ids_col, office_col = ledger["dispute_id"], ledger["office_code"]
    is_open = state.open
    rows = taken[is_open]
    # The open disputes' risk and complexity are read only for them (few, next to every dispute taken).
    open_state = LedgerState(reader, rows, cut, time_limits, received=received[rows])
    age = open_state.age
    parts = []

    red = (age > RED_OPEN_DAYS) & open_state.red_open
    red_at, red_age, red_ids = rows[red], age[red], _texts_at(ids_col, rows[red])

    def render_red(idx: np.ndarray) -> Rendered:
        text, days = _day_counts(red_age[idx])
        ids = [red_ids[i] for i in idx.tolist()]
        return ([f"红色风险纠纷 {i} 受理已 {d} 天仍未化解（超过 {RED_OPEN_DAYS} 天）。" for i, d in zip(ids, text, strict=True)],
                [{"received_date": r, "days_open": d}
                 for r, d in zip(_dates_text(received[red_at[idx]]).tolist(), days, strict=True)])
    parts.append(_Part("red_open", _texts_at(office_col, red_at), render_red, dispute_id=red_ids))

    limit = open_state.limit
    over = age > limit
    over_at, over_age, over_limit = rows[over], age[over], limit[over]
    over_cx = _objects_at(ledger["complexity"], over_at)
    over_ids = _texts_at(ids_col, over_at)

    def render_overdue(idx: np.ndarray) -> Rendered:
        (text, days), (lim_text, lim) = _day_counts(over_age[idx]), _day_counts(over_limit[idx])
        past = _day_counts(over_age[idx] - over_limit[idx])[0]
        ids, cx = [over_ids[i] for i in idx.tolist()], over_cx[idx].tolist()
        return ([f"纠纷 {i}（{c}，时限 {m} 天）受理已 {d} 天仍未化解，超期 {p} 天。"
                 for i, c, m, d, p in zip(ids, cx, lim_text, text, past, strict=True)],
                [{"received_date": r, "days_open": d, "limit_days": m, "complexity": c}
                 for r, d, m, c in zip(_dates_text(received[over_at[idx]]).tolist(), days, lim, cx, strict=True)])
    parts.append(_Part("overdue", _texts_at(office_col, over_at), render_overdue, dispute_id=over_ids))

    # Follow-ups: resolved up to as_of, not followed up by then, due within the next few days or late.
    resolved = reader.dates("resolved_date")
    waiting = state.resolved & ~state.followed
    cand = taken[waiting]
    due = state.resolved_date[waiting] + np.timedelta64(FOLLOW_UP_DAYS, "D")
    to_due = _days(due - cut)
    keep = to_due <= FOLLOW_UP_SOON_DAYS
    cand, due, to_due = cand[keep], due[keep], to_due[keep]
    for rule, sel in (("follow_up_late", to_due < 0), ("follow_up_due", to_due >= 0)):
        parts.append(_follow_up_part(rule, cand[sel], due[sel], to_due[sel], resolved, ids_col, office_col))

    parts.append(_repeat_part(ledger, received, taken, as_of, reader))
    return parts


def _follow_up_part(rule: str, at: np.ndarray, due: np.ndarray, to_due: np.ndarray, resolved: np.ndarray,
                    ids_col: pd.Series, office_col: pd.Series) -> _Part:
    """follow_up_late (``to_due`` < 0) or follow_up_due warnings of the disputes at positions ``at``."""
    ids = _texts_at(ids_col, at)

    def render(idx: np.ndarray) -> Rendered:
        resolved_text, due_text = _dates_text(resolved[at[idx]]).tolist(), _dates_text(due[idx]).tolist()
        sub = [ids[i] for i in idx.tolist()]
        if rule == "follow_up_late":
            text, days = _day_counts(-to_due[idx])
            return ([f"纠纷 {i} 于 {r} 化解，回访应在 {u} 前完成，已逾期 {d} 天。"
                     for i, r, u, d in zip(sub, resolved_text, due_text, text, strict=True)],
                    [{"resolved_date": r, "due_date": u, "days_late": d}
                     for r, u, d in zip(resolved_text, due_text, days, strict=True)])
        text, days = _day_counts(to_due[idx])
        return ([f"纠纷 {i} 于 {r} 化解，回访应在 {u} 前完成，还剩 {d} 天。"
                 for i, r, u, d in zip(sub, resolved_text, due_text, text, strict=True)],
                [{"resolved_date": r, "due_date": u, "days_left": d}
                 for r, u, d in zip(resolved_text, due_text, days, strict=True)])
    return _Part(rule, _texts_at(office_col, at), render, dispute_id=ids)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct ``values`` in sorted order — a sort key for ``np.lexsort``.

    Strings are ranked by Arrow (UTF-8 bytes sort in code point order, as Python compares ``str``);
    anything else (or a string UTF-8 cannot hold) by ``pd.factorize(sort=True)``.
    """
    if len(values) and pd.api.types.infer_dtype(values, skipna=False) == "string":
        try:
            return pc.rank(pa.array(values, type=pa.string()), sort_keys="ascending",
                           tiebreaker="dense").to_numpy().astype(np.int64)
        except (pa.ArrowException, UnicodeError):
            pass
    return pd.factorize(values, sort=True)[0]


def _key_ranks(values: np.ndarray) -> np.ndarray:
    """Sort key of a text column where None or "" sorts first (``x or ""``): 0 for those, else 1 + rank."""
    out = np.zeros(len(values), dtype=np.int64)
    given = np.flatnonzero(~np.equal(values, None) & np.not_equal(values, ""))
    if len(given):
        out[given] = 1 + _ranks(values[given])
    return out


def _repeat_part(ledger: pd.DataFrame, received: np.ndarray, taken: np.ndarray, as_of: date,
                 reader: LedgerReader) -> _Part:
    """Repeat disputes received in the 90 days up to as_of, each with its earlier partner(s)
    (:func:`~metrics.indicators.repeats.repeat_partners`).

    ``taken`` are the disputes received up to as_of (positions; ``received`` every dispute's date);
    only those received in the 180 days up to as_of can take part. A rendered row names only its own
    partners. ``reader`` gives the party keys as codes.
    """
    start = np.datetime64(as_of - timedelta(days=2 * REPEAT_WINDOW_DAYS), "ns")
    cand = taken[received[taken] >= start]
    none = _Part("repeat_dispute", [], lambda idx: ([], []), dispute_id=[])
    if len(cand) < 2:
        return none
    ids = _objects_at(ledger["dispute_id"], cand)
    rdate = received[cand]
    codes = reader.party(cand) if reader.has("party_key") else np.full(len(cand), -1, dtype=np.intp)
    keyed = np.flatnonzero(codes >= 0)
    id_order = np.zeros(len(cand), dtype=np.int64)
    id_order[keyed] = _ranks(ids[keyed])
    rows, partners, owner = repeat_partners(codes, rdate, ids, np.datetime64(as_of - timedelta(days=REPEAT_WINDOW_DAYS),
                                                                             "ns"), id_order)
    if not len(rows):
        return none
    bounds = np.r_[0, np.cumsum(np.bincount(owner, minlength=len(rows)))]
    dispute = _texts_at(ledger["dispute_id"], cand[rows])

    def render(idx: np.ndarray) -> Rendered:
        lo, hi = bounds[idx], bounds[idx + 1]
        lens = hi - lo
        pick = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(lo, lens)
        who = partners[pick]
        row_text = _dates_text(rdate[rows[idx]]).tolist()
        partner_text = _dates_text(rdate[who]).tolist()
        days = ((rdate[rows[owner[pick]]] - rdate[who]) // _DAY).astype(np.int64).tolist()
        partner_ids = _texts_at(ledger["dispute_id"], cand[who])
        partner_offices = _texts_at(ledger["office_code"], cand[who])
        shown = [f"{i}（{o}，{t}）" for i, o, t in zip(partner_ids, partner_offices, partner_text, strict=True)]
        ends = np.cumsum(lens).tolist()
        message, details, start = [], [], 0
        for r, end, text in zip(idx.tolist(), ends, row_text, strict=True):
            message.append(f"纠纷 {dispute[r]}（{text} 受理）的当事人在此前 {REPEAT_WINDOW_DAYS} 天内已有纠纷："
                           f"{'、'.join(shown[start:end])}。")
            details.append({"received_date": text, "earlier": partner_ids[start:end], "days_since": days[start:end]})
            start = end
        return message, details
    return _Part("repeat_dispute", _texts_at(ledger["office_code"], cand[rows]), render, dispute_id=dispute)


def _jump_warnings(monthly: pd.DataFrame, as_of: date) -> list[dict]:
    """|z| ≥ 3 of each office's latest month (≤ as_of's month) against its previous 12 months."""
    if not len(monthly):
        return []
    cut = month_of(as_of)
    cols = [c for c in JUMP_COLUMNS if c in monthly.columns]
    month_no, months = pd.factorize(monthly["month"])  # each distinct month compared once
    keep = np.r_[np.array([str(x) <= cut for x in months], dtype=bool), False][month_no]
    if not keep.any():
        return []
    m = monthly.loc[keep, ["office_code", "month", *cols]]  # only the columns read: every take is narrow
    num = month_numbers(m["month"])
    office_no, _ = pd.factorize(m["office_code"])
    by_office = np.lexsort((num, office_no))  # office, then month; an office's last row is its latest
    ends = by_office[np.r_[office_no[by_office][1:] != office_no[by_office][:-1], True]]
    ends = ends[office_no[ends] >= 0]
    latest = m.iloc[ends].assign(_n=num[ends]).set_index("office_code")
    newest = np.full(office_no.max() + 2, np.iinfo(np.int64).min, dtype=np.int64)  # last: no office code
    newest[office_no[ends]] = num[ends]
    last_n = newest[office_no]  # each row's office's latest month number
    hist = m[(num < last_n) & (num >= last_n - JUMP_HISTORY) & (office_no >= 0)]
    if not len(hist):
        return []
    out = []
    g = hist.groupby("office_code")[cols]
    count, mean, std = g.count(), g.mean(), g.std(ddof=1)
    codes = count.index.tolist()
    at = latest.index.get_indexer(count.index)
    month = {}
    for col in cols:
        header = MONTHLY.column(col).header
        value = latest[col].to_numpy(dtype="float64")[at]
        mu, sd = mean[col].to_numpy(dtype="float64"), std[col].to_numpy(dtype="float64")
        n = count[col].to_numpy()
        spread = np.maximum(np.maximum(np.where(np.isnan(sd), 0.0, sd), np.sqrt(np.maximum(mu, 0.0))), 1.0)
        z = (value - mu) / spread
        for i in np.flatnonzero((n >= JUMP_MIN_HISTORY) & ~np.isnan(value) & (np.abs(z) >= JUMP_Z)).tolist():
            code, zval = codes[i], float(z[i])
            if code not in month:
                month[code] = month_from_index(int(latest["_n"].iat[at[i]]))
            v, m_, k = float(value[i]), float(mu[i]), int(n[i])
            direction = "高于" if zval > 0 else "低于"
            out.append(dict(rule="monthly_jump", office_code=str(code), month=month[code],
                            message=f"{month[code]}“{header}”为 {_fmt(v)}，明显{direction}前 {k} 个月的平均值 {m_:.1f}"
                                    f"（z = {zval:.1f}），请核对是否填报有误。",
                            details={"column": col, "value": v, "mean": m_, "spread": float(spread[i]),
                                     "z": zval, "history_months": k}))
    return out


def _jump_part(monthly: pd.DataFrame, as_of: date) -> _Part:
    raw = _jump_warnings(monthly, as_of)

    def render(idx: np.ndarray) -> Rendered:
        return [raw[i]["message"] for i in idx.tolist()], [raw[i]["details"] for i in idx.tolist()]
    return _Part("monthly_jump", [w["office_code"] for w in raw], render, month=[w["month"] for w in raw],
                 column=[w["details"]["column"] for w in raw])


_RULE_ORDER = tuple(sorted(RULES, key=lambda r: (SEVERITY_ORDER[RULES[r][0]], r)))
"""Rules in the order warnings are listed: most severe first, then by code."""
_RULE_TEXT = {"rule": list(_RULE_ORDER), "label": [RULES[r][1] for r in _RULE_ORDER],
              "severity": [RULES[r][0] for r in _RULE_ORDER]}
_OFFICE_COLUMNS = ("office_code", "office_name", "station", "branch")


def _objects(values) -> np.ndarray:
    return np.fromiter(values, dtype=object, count=len(values))


def _text_column(values: np.ndarray, codes: np.ndarray | None = None, as_text: bool | None = None):
    """A column of strings (None = missing) as pandas infers it from Python values: ``str`` dtype, or
    object when no value is given at all (``as_text`` decides instead when given). ``codes``: the column
    is ``values[codes]`` (small tables)."""
    if not (as_text if as_text is not None else not np.equal(values, None).all()):
        return values if codes is None else values[codes]
    arr = pd.array(values, dtype="str")
    return arr if codes is None else arr.take(codes)


@dataclass(frozen=True)
class Listing:
    """Every early warning in listed order — most severe first, then by rule, branch, station, office and
    dispute/month — with its message and ``details`` not yet written.

    ``len()`` counts them; :meth:`keys` gives what scoping needs; :meth:`table` writes the rows asked
    for (all by default): a screen that lists the first 200 of 87,000 writes 200 messages.
    """

    rule_no: np.ndarray
    """Each warning's rule, as its position in the listing order of rules."""
    office_no: np.ndarray
    offices: dict[str, np.ndarray]
    """``office_code, office_name, station, branch`` of each distinct office (strings)."""
    dispute_id: np.ndarray
    month: np.ndarray
    part_no: np.ndarray
    part_row: np.ndarray
    parts: tuple[_Part, ...]

    def __len__(self) -> int:
        return len(self.rule_no)

    def keys(self) -> pd.DataFrame:
        """``rule, office_code, station, branch`` of every warning (object columns), for choosing rows."""
        return pd.DataFrame({"rule": np.array(_RULE_ORDER, dtype=object)[self.rule_no],
                             **{c: self.offices[c][self.office_no] for c in ("office_code", "station", "branch")}})

    def _rendered(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        message, details = np.empty(len(rows), dtype=object), np.empty(len(rows), dtype=object)
        part_no, part_row = self.part_no[rows], self.part_row[rows]
        for p in np.unique(part_no).tolist():
            at = np.flatnonzero(part_no == p)
            m, d = self.parts[p].render(part_row[at])
            message[at], details[at] = _objects(m), _objects(d)
        return message, details

    def table(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The warnings at listing positions ``rows`` (all when None), in that order, as a table with the
        columns ``COLUMNS`` — the rows, values and dtypes of ``warnings_frame(warnings(...))``."""
        rows = np.arange(len(self)) if rows is None else np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return pd.DataFrame(columns=list(COLUMNS))
        message, details = self._rendered(rows)
        rule_no, office_no = self.rule_no[rows], self.office_no[rows]
        data = {name: _text_column(np.array(values, dtype=object), rule_no) for name, values in _RULE_TEXT.items()}
        data |= {name: _text_column(self.offices[name], office_no) for name in _OFFICE_COLUMNS}
        for name in ("dispute_id", "month"):  # str dtype when any warning of the listing has one
            data[name] = _text_column(getattr(self, name)[rows], as_text=not np.equal(getattr(self, name), None).all())
        data["message"], data["details"] = _text_column(message), details
        return pd.DataFrame(data, columns=list(COLUMNS))

    def items(self, rows: np.ndarray | None = None) -> list[EarlyWarning]:
        """The warnings at listing positions ``rows`` (all when None) as ``EarlyWarning`` objects."""
        rows = np.arange(len(self)) if rows is None else np.asarray(rows, dtype=np.int64)
        message, details = self._rendered(rows)
        office_no = self.office_no[rows]
        cols = [np.array(_RULE_ORDER, dtype=object)[self.rule_no[rows]],
                *(self.offices[c][office_no] for c in _OFFICE_COLUMNS), message, self.dispute_id[rows],
                self.month[rows], details]
        return [EarlyWarning(rule=r, office_code=c, office_name=n, station=s, branch=b, message=m, dispute_id=d,
                             month=mo, details=de)
                for r, c, n, s, b, m, d, mo, de in zip(*(c.tolist() for c in cols), strict=True)]


def listing(dataset: Dataset, as_of: date | None = None, time_limits: Mapping[str, int] | None = None) -> Listing:
    """Every early warning of ``dataset`` as of ``as_of`` (default: :func:`default_as_of`), sorted, text
    unwritten (ties in rule order, then ledger order — as a stable sort of the rules' lists)."""
    as_of = as_of or default_as_of(dataset)
    parts = []
    if as_of is not None:
        parts = _ledger_parts(as_of, time_limits, view(dataset).ledger_reader) if len(dataset.ledger) else []
        parts = [p for p in [*parts, _jump_part(dataset.monthly, as_of)] if len(p)]
    sizes = [len(p) for p in parts]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([_objects(getattr(p, name) if getattr(p, name) is not None else [None] * n)
                               for p, n in zip(parts, sizes, strict=True)]) if parts else np.empty(0, dtype=object)

    rule_no = np.repeat(np.array([_RULE_ORDER.index(p.rule) for p in parts], dtype=np.int64), sizes)
    part_no = np.repeat(np.arange(len(parts), dtype=np.int64), sizes)
    part_row = np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]) if parts else np.empty(0, np.int64)
    # Offices: name, station and branch of each distinct office, as office_table(monthly, ledger) gives
    # them — an office only in the ledger is listed under its code with an unknown station and branch;
    # a code matching no office at all (its ledger value was not text) keeps "" for both.
    office_no, codes = pd.factorize(joined("office_code"))
    codes = np.asarray(codes, dtype=object)
    table = office_table(dataset.monthly) if len(codes) else pd.DataFrame()
    pos = table.index.get_indexer(pd.Index(codes, dtype=object)) if len(table) else np.full(len(codes), -1)
    unknown = np.full(len(codes), "", dtype=object)
    if (pos < 0).any() and len(dataset.ledger):
        missing = codes[pos < 0]
        present = set(dataset.ledger["office_code"][dataset.ledger["office_code"].isin(missing)].tolist())
        unknown[pos < 0] = [UNKNOWN if code in present else "" for code in missing.tolist()]
    offices = {"office_code": codes}
    for name, col in (("office_name", "name"), ("station", "station"), ("branch", "branch")):
        known = np.array([str(x) for x in table[col].tolist()] + [""] if len(table) else [""], dtype=object)[pos]
        offices[name] = np.where(pos >= 0, known, codes if col == "name" else unknown)
    by_office = sorted(range(len(codes)), key=lambda j: (offices["branch"][j], offices["station"][j], codes[j]))
    office_rank = np.empty(len(codes), dtype=np.int64)
    office_rank[by_office] = np.arange(len(codes))

    dispute, month, column = joined("dispute_id"), joined("month"), joined("column")
    order = np.lexsort((*(_key_ranks(k) for k in (column, month, dispute)), office_rank[office_no], rule_no))
    return Listing(rule_no[order], office_no[order], offices, dispute[order], month[order], part_no[order],
                   part_row[order], tuple(parts))


def frame(dataset: Dataset, as_of: date | None = None, time_limits: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Every early warning of ``dataset`` as of ``as_of`` (default: :func:`default_as_of`) as a table,
    columns ``COLUMNS``, most severe first, then by branch, station, office and dispute/month.

    Exactly ``warnings_frame(warnings(dataset, as_of))``, built column by column on arrays: rules and
    offices as numbers into small tables, one message and one ``details`` dict per warning, no other
    per-warning object. (:func:`listing` writes only the rows asked for.)
    """
    return listing(dataset, as_of, time_limits).table()


def warnings(
    dataset: Dataset, as_of: date | None = None, time_limits: Mapping[str, int] | None = None
) -> list[EarlyWarning]:
    """Every early warning of ``dataset`` as of ``as_of`` (default: :func:`default_as_of`), most severe
    first, then by branch, station, office and dispute/month — :func:`frame`'s rows as objects."""
    return listing(dataset, as_of, time_limits).items()


def warnings_frame(items: list[EarlyWarning]) -> pd.DataFrame:
    """The warnings as a table (one row each), columns ``COLUMNS``."""
    return pd.DataFrame([w.to_dict() for w in items], columns=list(COLUMNS))
