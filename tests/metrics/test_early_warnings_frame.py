"""``early_warnings.frame`` — the vectorised table of warnings — equals, row for row, value for value and
dtype for dtype, the table the earlier paths give: ``warnings_frame`` of the row-by-row reference
(``test_early_warnings_paths.reference_warnings``) and of the previous array path (``previous_warnings``
below: one dict and one ``EarlyWarning`` per warning, kept as the baseline ``bench/bench_cold_reads.py``
times against). Checked on a generated bureau at month ends, mid-month, first days, before every
dispute and after the last one, with custom time limits, with pandas ``str`` and categorical ledger
columns, and on hand-made edge cases (offices known only from the ledger, an office code that is not
text, monthly rows only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from ledger_reference import limits_of, status_as_of
from pandas.testing import assert_frame_equal

from metrics import early_warnings as ew
from metrics.dataset import Dataset
from metrics.indicators.components import month_numbers
from metrics.indicators.prepared import as_datetime as _as_datetime
from metrics.indicators.prepared import shared_key_codes
from metrics.indicators.repeats import REPEAT_WINDOW_DAYS, repeat_partners
from metrics.indicators.units import UNKNOWN, office_table
from metrics.periods import month_from_index, month_of
from metrics.schema import FOLLOW_UP_DAYS, MONTHLY
from sample_data.generate import build_bureau
from tests.metrics.test_early_warnings_paths import _dataset, _hand_ledger, reference_warnings

# --- the previous array path (one object per warning) ---------------------------------------------------

_LEDGER_COLUMNS = ("dispute_id", "office_code", "received_date", "risk", "complexity", "status", "resolved_date",
                   "follow_up_date", "party_key")


def _arrays(ledger: pd.DataFrame, mask: np.ndarray | None) -> dict[str, np.ndarray]:
    out = {}
    for col in _LEDGER_COLUMNS:
        arr = _as_datetime(ledger[col]) if col.endswith("_date") else ledger[col].to_numpy(dtype=object)
        out[col] = arr if mask is None else arr[mask]
    return out


def _days(delta) -> np.ndarray:
    return np.asarray(delta / np.timedelta64(1, "D"), dtype="float64")


def _fmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _dates_text(values: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(values.astype("datetime64[D]"), unit="D")


def _prev_ledger(ledger: pd.DataFrame, as_of: date, time_limits: Mapping[str, int] | None) -> list[dict]:
    """Warnings of the dispute rules, on plain arrays of the disputes received up to ``as_of``.

    Only the warnings' own rows are turned into Python values; every rule is a mask over arrays.
    """
    out: list[dict] = []
    cut = np.datetime64(as_of, "ns")
    received_all = _as_datetime(ledger["received_date"])
    mask = received_all <= cut
    if not mask.any():
        return out
    a = _arrays(ledger, None if mask.all() else mask)
    received = received_all if mask.all() else received_all[mask]
    resolved_date = a["resolved_date"]
    follow_up = a["follow_up_date"]
    st = status_as_of(a, as_of)
    age = _days(cut - received)
    limit = limits_of(a, time_limits)
    ids = a["dispute_id"]
    offices = a["office_code"]
    risk = a["risk"]
    complexity = a["complexity"]
    received_text = _dates_text(received)

    for i in np.flatnonzero(st["open"] & (risk == "红") & (age > ew.RED_OPEN_DAYS)).tolist():
        out.append(dict(rule="red_open", office_code=str(offices[i]), dispute_id=str(ids[i]),
                        message=f"红色风险纠纷 {ids[i]!s} 受理已 {age[i]:.0f} 天仍未化解（超过 {ew.RED_OPEN_DAYS} 天）。",
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
    soon = np.flatnonzero(pending & (days_to_due >= 0) & (days_to_due <= ew.FOLLOW_UP_SOON_DAYS))
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
    out += _prev_repeats(a, received, as_of)
    return out



def _prev_repeats(a: Mapping[str, np.ndarray], received: np.ndarray, as_of: date) -> list[dict]:
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
    keys = a["party_key"][cand]
    codes = np.full(len(cand), -1, dtype=np.intp)
    given = np.flatnonzero(pd.notna(keys))
    codes[given] = shared_key_codes(np.asarray(keys, dtype=object)[given])
    rows, partners, owner = repeat_partners(codes, rdate, ids, np.datetime64(as_of - timedelta(days=REPEAT_WINDOW_DAYS), "ns"),
                                            pd.factorize(np.asarray(ids, dtype=object), sort=True)[0])
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



def _prev_jumps(monthly: pd.DataFrame, as_of: date) -> list[dict]:
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
    hist = m[(m["_n"].to_numpy() < last_n) & (m["_n"].to_numpy() >= last_n - ew.JUMP_HISTORY)]
    if not len(hist):
        return []
    out = []
    cols = [c for c in ew.JUMP_COLUMNS if c in m.columns]
    g = hist.groupby("office_code")[cols]
    count, mean, std = g.count(), g.mean(), g.std(ddof=1)
    for col in cols:
        header = MONTHLY.column(col).header
        value = latest[col].reindex(count.index)
        spread = np.maximum(np.maximum(std[col].fillna(0.0), np.sqrt(mean[col].clip(lower=0))), 1.0)
        z = (value - mean[col]) / spread
        hits = z[(count[col] >= ew.JUMP_MIN_HISTORY) & value.notna() & (z.abs() >= ew.JUMP_Z)]
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



def previous_warnings(
    dataset: Dataset, as_of: date | None = None, time_limits: Mapping[str, int] | None = None
) -> list[ew.EarlyWarning]:
    """The warnings as the array path before ``early_warnings.frame`` built them: one dict, then one
    ``EarlyWarning`` per warning, sorted as Python tuples."""
    as_of = as_of or ew.default_as_of(dataset)
    if as_of is None:
        return []
    offices = office_table(dataset.monthly, dataset.ledger)
    raw = _prev_ledger(dataset.ledger, as_of, time_limits) if len(dataset.ledger) else []
    raw += _prev_jumps(dataset.monthly, as_of)
    info = {code: (str(name), str(station), str(branch)) for code, name, station, branch in zip(
        offices.index.tolist(), offices["name"].tolist(), offices["station"].tolist(), offices["branch"].tolist(),
        strict=True)}
    result = []
    for w in raw:
        code = w["office_code"]
        name, station, branch = info.get(code, (code, "", ""))
        result.append(ew.EarlyWarning(
            rule=w["rule"], office_code=code, office_name=name, station=station, branch=branch,
            message=w["message"], dispute_id=w.get("dispute_id"), month=w.get("month"), details=w["details"],
        ))
    result.sort(key=lambda w: (ew.SEVERITY_ORDER[w.severity], w.rule, w.branch, w.station, w.office_code,
                               w.dispute_id or "", w.month or "", w.details.get("column", "")))
    return result



# --- helpers ----------------------------------------------------------------------------------------------


def _same_frames(dataset: Dataset, as_of: date | None, time_limits: Mapping[str, int] | None = None,
                 reference: bool = True) -> pd.DataFrame:
    """``frame`` of ``dataset``, asserted equal (values, order, dtypes) to both earlier paths (the
    row-by-row reference unless ``reference`` is False) and to ``warnings_frame(warnings(...))``."""
    got = ew.frame(dataset, as_of, time_limits)
    assert list(got.columns) == list(ew.COLUMNS)
    if reference:
        assert_frame_equal(got, ew.warnings_frame(reference_warnings(dataset, as_of, time_limits)))
    assert_frame_equal(got, ew.warnings_frame(previous_warnings(dataset, as_of, time_limits)))
    assert_frame_equal(got, ew.warnings_frame(ew.warnings(dataset, as_of, time_limits)))
    for details in got["details"]:  # plain Python values, as the JSON export and the app expect
        for v in details.values():
            assert not isinstance(v, np.generic)
            if isinstance(v, list):
                assert all(type(x) in (str, int) for x in v)
    return got


@pytest.fixture(scope="module")
def bureau() -> Dataset:
    """A generated bureau with a few typing errors in its monthly rows (so monthly_jump fires)."""
    monthly, ledger = build_bureau(branches=2, stations=6, offices=40, disputes_per_office_year=120)
    codes = sorted(monthly["office_code"].unique())
    for code, month, col, factor in ((codes[0], "2026-10", "alerts", 10), (codes[1], "2026-06", "community_hours", 0.1),
                                     (codes[5], "2025-12", "population", 10), (codes[7], "2026-10", "households", 0.1)):
        at = (monthly["office_code"] == code) & (monthly["month"] == month)
        monthly.loc[at, col] = monthly.loc[at, col] * factor
    monthly = monthly[~((monthly["office_code"] == codes[1]) & (monthly["month"] > "2026-06"))]  # its last month
    return _dataset(monthly.reset_index(drop=True), ledger)


# --- tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [
    date(2026, 10, 31),  # the data's last day
    date(2026, 10, 1),  # a first day: the month's jumps, nothing received yet that month
    date(2026, 6, 15),
    date(2026, 2, 28),
    date(2025, 12, 31),
    date(2025, 2, 3),  # early: little history, few repeats
    date(2027, 3, 1),  # after every dispute: everything open is long overdue
])
def test_frame_equals_the_earlier_paths_on_a_generated_bureau(bureau, as_of):
    got = _same_frames(bureau, as_of)
    if as_of >= date(2025, 6, 1):  # the comparison means something: the dispute rules fire
        assert {"overdue", "follow_up_late", "red_open"} <= set(got["rule"])
    if date(2025, 6, 1) <= as_of <= date(2026, 10, 31):
        assert (got["rule"] == "repeat_dispute").sum() >= 5


def test_frame_at_the_default_as_of_and_with_custom_time_limits(bureau):
    got = _same_frames(bureau, None)
    assert len(got) and set(got["rule"]) >= {"monthly_jump", "repeat_dispute"}
    _same_frames(bureau, date(2026, 10, 31), {"简单": 3, "复杂": 7, "疑难": 20})


def test_frame_of_pandas_str_and_categorical_ledger_columns(bureau):
    want = ew.frame(bureau, date(2026, 10, 31))
    for dtype in ("str", "category"):
        ledger = bureau.ledger.copy()
        for col in ("dispute_id", "office_code", "party_key", "status", "risk", "complexity"):
            ledger[col] = ledger[col].astype(dtype)
        ds = Dataset(monthly=bureau.monthly, ledger=ledger, sources=bureau.sources)
        assert_frame_equal(_same_frames(ds, date(2026, 10, 31)), want)


def test_frame_before_every_dispute_has_monthly_jumps_only_and_no_dispute_ids(bureau):
    got = _same_frames(bureau, date(2025, 10, 31))
    early = _same_frames(bureau, date(2024, 10, 31))
    assert early.empty and list(early.columns) == list(ew.COLUMNS)
    monthly_only = Dataset(monthly=bureau.monthly, ledger=bureau.ledger.iloc[0:0], sources=bureau.sources)
    jumps = _same_frames(monthly_only, date(2026, 10, 31))
    assert len(jumps) and set(jumps["rule"]) == {"monthly_jump"} and jumps["dispute_id"].isna().all()
    assert len(got)


def test_frame_of_an_empty_dataset_is_empty_with_the_columns():
    empty = Dataset(monthly=pd.DataFrame(), ledger=pd.DataFrame(), sources=[])
    got = ew.frame(empty)
    assert got.empty and list(got.columns) == list(ew.COLUMNS)
    assert_frame_equal(got, ew.warnings_frame([]))


def test_offices_known_only_from_the_ledger_keep_their_code_and_an_unknown_station():
    monthly, _ = build_bureau(branches=1, stations=1, offices=2, months=("2026-01", "2026-09"),
                              disputes_per_office_year=24)
    a = sorted(monthly["office_code"].unique())[0]
    ledger = _hand_ledger([
        dict(dispute_id="K1", office_code=a, received_date="2026-09-01", risk="红", party_key=None),
        dict(dispute_id="L1", office_code="9999999999", received_date="2026-09-01", risk="红", party_key=None),
        dict(dispute_id="N1", office_code=np.nan, received_date="2026-09-02", risk="红", party_key=None),
        dict(dispute_id="P1", office_code="9999999999", received_date="2026-07-01", party_key="p"),
        dict(dispute_id="P2", office_code=a, received_date="2026-09-20", party_key="p"),  # partner elsewhere
    ])
    # (The row-by-row reference cannot sort a code that is not text; the previous array path can.)
    got = _same_frames(_dataset(monthly, ledger), date(2026, 9, 30), reference=False)
    red = got[got["rule"] == "red_open"].set_index("dispute_id")
    assert red.loc["L1", ["office_name", "station", "branch"]].tolist() == ["9999999999", UNKNOWN, UNKNOWN]
    assert red.loc["N1", ["office_code", "office_name", "station", "branch"]].tolist() == ["nan", "nan", "", ""]
    assert red.loc["K1", "station"] == office_table(monthly).at[a, "station"]
    assert got.loc[got["rule"] == "repeat_dispute", "details"].tolist() == [
        {"received_date": "2026-09-20", "earlier": ["P1"], "days_since": [81]}]


def test_days_with_a_time_of_day_round_in_messages_and_truncate_in_details():
    monthly, _ = build_bureau(branches=1, stations=1, offices=1, months=("2026-01", "2026-09"),
                              disputes_per_office_year=24)
    ledger = _hand_ledger([
        dict(dispute_id="T1", received_date="2026-09-25T06:00", risk="红", complexity="疑难"),  # 4.75 days open
        dict(dispute_id="T2", received_date="2026-09-10T20:00", risk="黄", complexity="复杂"),  # 19.17 days: 4.17 over
        # resolved 09-14 12:00: follow-up due 09-28 12:00, 1.5 days late
        dict(dispute_id="T3", received_date="2026-09-01", status="已化解", resolved_date="2026-09-14T12:00"),
    ]).assign(party_key=None)
    got = _same_frames(_dataset(monthly, ledger), date(2026, 9, 30)).set_index("rule")
    assert "受理已 5 天" in got.at["red_open", "message"] and got.at["red_open", "details"]["days_open"] == 4
    assert "受理已 19 天" in got.at["overdue", "message"] and "超期 4 天" in got.at["overdue", "message"]
    assert "已逾期 2 天" in got.at["follow_up_late", "message"]
    assert got.at["follow_up_late", "details"] == {"resolved_date": "2026-09-14", "due_date": "2026-09-28",
                                                    "days_late": 1}


def test_listing_writes_only_the_rows_asked_for_and_they_equal_the_full_tables_rows(bureau):
    as_of = date(2026, 10, 31)
    full = ew.frame(bureau, as_of)
    got = ew.listing(bureau, as_of)
    assert len(got) == len(full)
    keys = got.keys()
    assert keys[["rule", "office_code", "station", "branch"]].astype(str).equals(
        full[["rule", "office_code", "station", "branch"]].astype(str))
    rng = np.random.default_rng(7)
    jumps = np.flatnonzero(full["rule"].to_numpy() == "monthly_jump")
    for rows in (np.arange(5), rng.choice(len(full), 40, replace=False), jumps[:3], np.array([], dtype=int)):
        want = full.iloc[rows].reset_index(drop=True)
        table = got.table(rows)
        if len(rows):  # same dtypes as the full table: a few jump rows keep a str dispute_id column
            assert_frame_equal(table, want)
        else:
            assert table.empty and list(table.columns) == list(ew.COLUMNS)
        assert [w.message for w in got.items(rows)] == want["message"].tolist()


@pytest.mark.parametrize("as_of", [date(2026, 10, 31), date(2026, 2, 28), None])
def test_a_prepared_dataset_gives_the_same_warnings(bureau, as_of):
    from metrics.indicators.prepared import prepare

    prepared = prepare(Dataset(monthly=bureau.monthly, ledger=bureau.ledger, sources=bureau.sources))
    got = ew.frame(prepared, as_of)
    assert_frame_equal(got, ew.frame(bureau, as_of))
    assert (got["rule"] == "repeat_dispute").sum() >= 5
