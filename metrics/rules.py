"""Rules between cells and rows (workbook.md tables A and B), each a small vectorised function.

Every rule takes the typed frame of one sheet (columns per the contract of ``metrics.dataset``; a cell
that failed to parse is NaN/None/NaT, so rules never fire on it) and returns :class:`Finding` records:
which row (frame index), which column, which problem code, the value shown and the message details.
``metrics.reader`` turns findings into ``Problem`` records with Excel rows and headers as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from metrics import schema
from metrics.schema import LEDGER, MONTHLY


class Finding(NamedTuple):
    index: Any
    """Frame index label of the row."""
    column: str
    """Column key the problem is shown at."""
    code: str
    value: Any
    details: dict[str, Any]


def _num(x: Any) -> str:
    """A number as a person writes it: 12.0 → "12", 3.5 → "3.5"."""
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _day(x: Any) -> str:
    return pd.Timestamp(x).date().isoformat()


def _findings(mask: pd.Series, column: str, code: str, value: Callable[[int], Any],
              details: Callable[[int], dict[str, Any]] = lambda p: {}) -> list[Finding]:
    """One finding per row where ``mask`` holds; ``value`` and ``details`` take the row's POSITION
    (rules read plain numpy arrays by position: a pandas lookup per row costs ~100× more when a rule
    fires on every row of a 100k-row sheet)."""
    hits = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
    labels = mask.index[hits].tolist()
    return [Finding(i, column, code, value(p), details(p)) for i, p in zip(labels, hits.tolist(), strict=True)]


def _arr(df: pd.DataFrame, key: str) -> np.ndarray:
    """A column as a numpy array, indexed by row position."""
    return df[key].to_numpy()


# --- A. monthly ---------------------------------------------------------------------------------------

def visited_exceeds_households(df: pd.DataFrame) -> list[Finding]:
    """本月走访户数 > 辖区户数 → warning."""
    mask = df["visited_month"] > df["households"]
    visited, households = _arr(df, "visited_month"), _arr(df, "households")
    return _findings(mask, "visited_month", "visited_exceeds_households",
                     lambda p: _num(visited[p]), lambda p: {"households": _num(households[p])})


def visited_ytd_exceeds_households(df: pd.DataFrame) -> list[Finding]:
    """本年累计走访户数 (distinct households) > 辖区户数 → error."""
    mask = df["visited_ytd"] > df["households"]
    visited, households = _arr(df, "visited_ytd"), _arr(df, "households")
    return _findings(mask, "visited_ytd", "visited_ytd_exceeds_households",
                     lambda p: _num(visited[p]), lambda p: {"households": _num(households[p])})


def visited_ytd_decreased(df: pd.DataFrame, previous_rows: pd.DataFrame | None = None) -> list[Finding]:
    """本年累计走访户数 lower than the same office's latest earlier month of the same year → warning.

    Earlier months come from this upload and from ``previous_rows`` (stored rows: office_code, month,
    visited_ytd); a month given in this upload replaces the stored one.
    """
    cols = ["office_code", "month", "visited_ytd"]
    here = df[cols].dropna().assign(is_here=True, row_idx=df.index[df[cols].notna().all(axis=1)])
    frames = [here]
    if previous_rows is not None and len(previous_rows):
        prev = previous_rows[cols].dropna().assign(is_here=False, row_idx=-1)
        frames.insert(0, prev)
    allrows = pd.concat(frames, ignore_index=True)
    allrows = allrows.drop_duplicates(["office_code", "month"], keep="last")
    allrows["year_"] = allrows["month"].str[:4]
    allrows = allrows.sort_values(["office_code", "month"], kind="stable")
    grouped = allrows.groupby(["office_code", "year_"], sort=False)
    allrows["prev_ytd"] = grouped["visited_ytd"].shift(1)
    allrows["prev_month"] = grouped["month"].shift(1)
    hits = allrows[allrows["is_here"] & (allrows["visited_ytd"] < allrows["prev_ytd"])]
    return [
        Finding(r.row_idx, "visited_ytd", "visited_ytd_decreased", _num(r.visited_ytd),
                {"prev_month": r.prev_month, "prev_value": _num(r.prev_ytd)})
        for r in hits.itertuples()
    ]


def officer_days_exceed(df: pd.DataFrame) -> list[Finding]:
    """民警在岗天数 > 社区民警数 × days in the month → error."""
    days = pd.to_datetime(df["month"], format="%Y-%m", errors="coerce").dt.days_in_month
    limit = df["officers"] * days
    mask = df["officer_days"] > limit
    officer_days, officers = _arr(df, "officer_days"), _arr(df, "officers")
    days, limit = days.to_numpy(), limit.to_numpy()
    return _findings(mask, "officer_days", "officer_days_exceed", lambda p: _num(officer_days[p]),
                     lambda p: {"officers": _num(officers[p]), "days": int(days[p]), "limit": _num(limit[p])})


def daily_hours(df: pd.DataFrame) -> list[Finding]:
    """驻社区总时长 / 民警在岗天数 > 24 → error (impossible); > 14 → warning. Hours > 0 with 0 officer-days
    is an error too (``hours_without_officer_days``: the ratio is infinite)."""
    ratio = df["community_hours"] / df["officer_days"].where(df["officer_days"] > 0)
    hours, r = _arr(df, "community_hours"), ratio.to_numpy()
    out = _findings(ratio > schema.MAX_DAILY_HOURS, "community_hours", "daily_hours_impossible",
                    lambda p: _num(hours[p]), lambda p: {"ratio": float(r[p])})
    high = (ratio > schema.WARN_DAILY_HOURS) & (ratio <= schema.MAX_DAILY_HOURS)
    out += _findings(high, "community_hours", "daily_hours_high",
                     lambda p: _num(hours[p]), lambda p: {"ratio": float(r[p])})
    no_days = (df["officer_days"] == 0) & (df["community_hours"] > 0)
    out += _findings(no_days, "community_hours", "hours_without_officer_days", lambda p: _num(hours[p]))
    return out


PART_OF: tuple[tuple[str, str], ...] = (
    ("dispute_alerts", "alerts"),
    *((part, total) for total, part in schema.SURVEY_PAIRS),
)
"""(part, total): the part is never larger than the total."""


def part_exceeds_total(df: pd.DataFrame, header: Callable[[str], str]) -> list[Finding]:
    """纠纷类警情数 > 警情总数, 熟悉户数 > 抽查户数, 知晓人数 > 调查人数, 满意人数 > 调查人数 → error."""
    out: list[Finding] = []
    for part, total in PART_OF:
        mask = df[part] > df[total]
        parts, totals = _arr(df, part), _arr(df, total)
        out += _findings(mask, part, "part_exceeds_total", lambda p, a=parts: _num(a[p]),
                         lambda p, t=total, b=totals: {"total_header": header(t), "total": _num(b[p])})
    return out


def pair_incomplete(df: pd.DataFrame, header: Callable[[str], str], bad_cells: set[tuple[Any, str]] = frozenset()
                    ) -> list[Finding]:
    """One of a survey pair given without the other → error, shown at the missing cell.

    ``bad_cells`` — (index, key) of cells that were filled but rejected: not "missing".
    """
    out: list[Finding] = []
    for first, second in schema.SURVEY_PAIRS:
        a, b = df[first].notna(), df[second].notna()
        for given, missing, mask in ((first, second, a & ~b), (second, first, b & ~a)):
            for i in mask[mask].index:
                if (i, missing) in bad_cells:
                    continue
                out.append(Finding(i, missing, "pair_incomplete", "",
                                   {"given": header(given), "missing": header(missing)}))
    return out


def duplicate_key(df: pd.DataFrame, keys: tuple[str, ...], header: Callable[[str], str], key_name: str
                  ) -> list[Finding]:
    """The same key on several rows of one sheet → an error on **every** row that carries it, each naming
    the others (``other_indices``, in row order), so that all of them are marked, not only the later ones."""
    sub = df[list(keys)]
    sub = sub[sub.notna().all(axis=1)]
    dup = sub.duplicated(keep=False)
    if not dup.any():
        return []
    rows = sub[dup]
    groups = rows.reset_index().groupby(list(keys), sort=False)["index"].agg(list)
    out = []
    for key, members in groups.items():
        key = key if isinstance(key, tuple) else (key,)
        desc = "，".join(f"{header(k)} {v}" for k, v in zip(keys, key, strict=True))
        for i in members:
            out.append(Finding(i, keys[0], "duplicate_key", key[0],
                               {"other_indices": [j for j in members if j != i], "key_desc": desc,
                                "key_name": key_name}))
    return out


def monthly_rules(df: pd.DataFrame, header: Callable[[str], str], *, previous_rows: pd.DataFrame | None = None,
                  bad_cells: set[tuple[Any, str]] = frozenset()) -> list[Finding]:
    """Every rule of table A on a typed monthly frame."""
    return [
        *duplicate_key(df, MONTHLY.key_columns, header, "警务室的每个统计月份"),
        *visited_exceeds_households(df),
        *visited_ytd_exceeds_households(df),
        *visited_ytd_decreased(df, previous_rows),
        *officer_days_exceed(df),
        *daily_hours(df),
        *part_exceeds_total(df, header),
        *pair_incomplete(df, header, bad_cells),
    ]


# --- B. ledger ----------------------------------------------------------------------------------------

def unknown_office(df: pd.DataFrame, offices: Iterable[str]) -> list[Finding]:
    """警务室编码 not in this upload's monthly rows nor among stored offices → error."""
    known = set(offices)
    codes = df["office_code"]
    mask = codes.notna() & ~codes.isin(known)
    values = codes.to_numpy()
    return _findings(mask, "office_code", "unknown_office", lambda p: values[p])


def date_in_future(df: pd.DataFrame, upload_date: dt.date, header: Callable[[str], str]) -> list[Finding]:
    """受理日期 (and 化解日期, 回访日期) after the upload date → error."""
    limit = pd.Timestamp(upload_date)
    out: list[Finding] = []
    for key in ("received_date", "resolved_date", "follow_up_date"):
        mask = df[key] > limit
        days = _arr(df, key)
        out += _findings(mask, key, "date_in_future", lambda p, d=days: _day(d[p]),
                         lambda p: {"upload_date": upload_date.isoformat()})
    return out


def resolved_date_missing(df: pd.DataFrame) -> list[Finding]:
    """办理状态 已化解 without 化解日期 → error."""
    mask = (df["status"] == "已化解") & df["resolved_date"].isna()
    return _findings(mask, "resolved_date", "resolved_date_missing", lambda i: "")


def resolved_date_while_open(df: pd.DataFrame) -> list[Finding]:
    """办理状态 化解中 with a 化解日期 → error."""
    mask = (df["status"] == "化解中") & df["resolved_date"].notna()
    days = _arr(df, "resolved_date")
    return _findings(mask, "resolved_date", "resolved_date_while_open", lambda p: _day(days[p]))


def date_before(df: pd.DataFrame, header: Callable[[str], str]) -> list[Finding]:
    """化解日期 before 受理日期, 回访日期 before 化解日期 → error."""
    out: list[Finding] = []
    for later, earlier in (("resolved_date", "received_date"), ("follow_up_date", "resolved_date")):
        mask = df[later] < df[earlier]
        a, b = _arr(df, later), _arr(df, earlier)
        out += _findings(mask, later, "date_before", lambda p, a=a: _day(a[p]),
                         lambda p, e=earlier, b=b: {"other_header": header(e), "other": _day(b[p])})
    return out


def follow_up_without_resolution(df: pd.DataFrame) -> list[Finding]:
    """回访日期 given without 化解日期 → warning (the follow-up cannot count)."""
    mask = df["follow_up_date"].notna() & df["resolved_date"].isna()
    days = _arr(df, "follow_up_date")
    return _findings(mask, "follow_up_date", "follow_up_without_resolution", lambda p: _day(days[p]))


def ledger_rules(df: pd.DataFrame, header: Callable[[str], str], *, offices: Iterable[str],
                 upload_date: dt.date) -> list[Finding]:
    """Every rule of table B on a typed ledger frame."""
    return [
        *duplicate_key(df, LEDGER.key_columns, header, "纠纷编号"),
        *unknown_office(df, offices),
        *date_in_future(df, upload_date, header),
        *resolved_date_missing(df),
        *resolved_date_while_open(df),
        *date_before(df, header),
        *follow_up_without_resolution(df),
    ]
