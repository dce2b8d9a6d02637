"""The array paths of ``metrics.early_warnings`` give exactly what a plain row-by-row reading of the
rules gives: same warnings, same order, same messages and details, on a generated bureau (several
as_of dates, mid-month and month ends) and on hand-made edge cases (same-day partners, a dispute with
several partners, partners at another office, keys not given, times of day, pandas ``str`` columns).

``reference_warnings`` is the straightforward implementation (a loop over party keys and rows, the
office looked up per warning) that the module used before it was vectorised; ``bench/bench_cold_reads.py``
times against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from ledger_reference import limits_of, repeat_partner_pairs, status_as_of

from metrics import early_warnings as ew
from metrics.dataset import Dataset, SourceFile, Upload, merge
from metrics.indicators.prepared import shared_key_codes
from metrics.indicators.repeats import REPEAT_WINDOW_DAYS, repeat_partners
from metrics.indicators.units import office_table
from metrics.schema import FOLLOW_UP_DAYS
from sample_data.generate import build_bureau

# --- the reference: rules read row by row --------------------------------------------------------------


def _ref_ledger(ledger: pd.DataFrame, as_of: date, time_limits: Mapping[str, int] | None) -> list[dict]:
    out: list[dict] = []
    cut = np.datetime64(as_of, "ns")
    led = ledger[pd.to_datetime(ledger["received_date"]).to_numpy(dtype="datetime64[ns]") <= cut]
    if not len(led):
        return out
    received = pd.to_datetime(led["received_date"]).to_numpy(dtype="datetime64[ns]")
    resolved_date = pd.to_datetime(led["resolved_date"]).to_numpy(dtype="datetime64[ns]")
    follow_up = pd.to_datetime(led["follow_up_date"]).to_numpy(dtype="datetime64[ns]")
    st = status_as_of(led, as_of)
    age = np.asarray((cut - received) / np.timedelta64(1, "D"), dtype="float64")
    limit = limits_of(led, time_limits)
    ids = led["dispute_id"].astype(str).to_numpy()
    offices = led["office_code"].astype(str).to_numpy()
    risk = led["risk"].to_numpy(dtype=object)
    complexity = led["complexity"].to_numpy(dtype=object)
    for i in np.flatnonzero(st["open"] & (risk == "红") & (age > ew.RED_OPEN_DAYS)):
        out.append(dict(rule="red_open", office_code=offices[i], dispute_id=ids[i],
                        message=f"红色风险纠纷 {ids[i]} 受理已 {age[i]:.0f} 天仍未化解（超过 {ew.RED_OPEN_DAYS} 天）。",
                        details={"received_date": str(received[i])[:10], "days_open": int(age[i])}))
    for i in np.flatnonzero(st["open"] & (age > limit)):
        out.append(dict(rule="overdue", office_code=offices[i], dispute_id=ids[i],
                        message=f"纠纷 {ids[i]}（{complexity[i]}，时限 {limit[i]:.0f} 天）受理已 {age[i]:.0f} 天仍未化解，"
                                f"超期 {age[i] - limit[i]:.0f} 天。",
                        details={"received_date": str(received[i])[:10], "days_open": int(age[i]),
                                 "limit_days": int(limit[i]), "complexity": complexity[i]}))
    due = resolved_date + np.timedelta64(FOLLOW_UP_DAYS, "D")
    pending = st["resolved"] & ~(follow_up <= cut)
    days_to_due = np.asarray((due - cut) / np.timedelta64(1, "D"), dtype="float64")
    for i in np.flatnonzero(pending & (days_to_due < 0)):
        out.append(dict(rule="follow_up_late", office_code=offices[i], dispute_id=ids[i],
                        message=f"纠纷 {ids[i]} 于 {str(resolved_date[i])[:10]} 化解，回访应在 {str(due[i])[:10]} 前完成，"
                                f"已逾期 {-days_to_due[i]:.0f} 天。",
                        details={"resolved_date": str(resolved_date[i])[:10], "due_date": str(due[i])[:10],
                                 "days_late": int(-days_to_due[i])}))
    for i in np.flatnonzero(pending & (days_to_due >= 0) & (days_to_due <= ew.FOLLOW_UP_SOON_DAYS)):
        out.append(dict(rule="follow_up_due", office_code=offices[i], dispute_id=ids[i],
                        message=f"纠纷 {ids[i]} 于 {str(resolved_date[i])[:10]} 化解，回访应在 {str(due[i])[:10]} 前完成，"
                                f"还剩 {days_to_due[i]:.0f} 天。",
                        details={"resolved_date": str(resolved_date[i])[:10], "due_date": str(due[i])[:10],
                                 "days_left": int(days_to_due[i])}))
    return out + _ref_repeats(led, as_of)


def _ref_repeats(led: pd.DataFrame, as_of: date) -> list[dict]:
    start = np.datetime64(as_of - timedelta(days=2 * REPEAT_WINDOW_DAYS), "ns")
    received = pd.to_datetime(led["received_date"]).to_numpy(dtype="datetime64[ns]")
    cand = led[(received >= start) & led["party_key"].notna().to_numpy()]
    if len(cand) < 2:
        return []
    cand = cand.assign(rdate=pd.to_datetime(cand["received_date"]).astype("datetime64[ns]"))
    cand = cand.sort_values(["party_key", "rdate", "dispute_id"], kind="stable")
    recent_from = pd.Timestamp(as_of - timedelta(days=REPEAT_WINDOW_DAYS))
    window = pd.Timedelta(days=REPEAT_WINDOW_DAYS)
    out = []
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


def reference_warnings(dataset: Dataset, as_of: date | None = None,
                       time_limits: Mapping[str, int] | None = None) -> list[ew.EarlyWarning]:
    """Every early warning, read rule by rule and row by row (the plain implementation)."""
    as_of = as_of or ew.default_as_of(dataset)
    if as_of is None:
        return []
    offices = office_table(dataset.monthly, dataset.ledger)
    raw = _ref_ledger(dataset.ledger, as_of, time_limits) if len(dataset.ledger) else []
    raw += ew._jump_warnings(dataset.monthly, as_of)
    result = []
    for w in raw:
        code = w["office_code"]
        info = offices.loc[code] if code in offices.index else None
        result.append(ew.EarlyWarning(
            rule=w["rule"], office_code=code,
            office_name=str(info["name"]) if info is not None else code,
            station=str(info["station"]) if info is not None else "",
            branch=str(info["branch"]) if info is not None else "",
            message=w["message"], dispute_id=w.get("dispute_id"), month=w.get("month"), details=w["details"],
        ))
    result.sort(key=lambda w: (ew.SEVERITY_ORDER[w.severity], w.rule, w.branch, w.station, w.office_code,
                               w.dispute_id or "", w.month or "", w.details.get("column", "")))
    return result


# --- helpers ----------------------------------------------------------------------------------------------


def _dataset(monthly: pd.DataFrame, ledger: pd.DataFrame) -> Dataset:
    up = Upload(source=SourceFile("bureau.xlsx", "0" * 64, 1), monthly=monthly.assign(_file="bureau.xlsx"),
                ledger=ledger.assign(_file="bureau.xlsx"))
    return merge([up])


def _dicts(items: list[ew.EarlyWarning]) -> list[dict]:
    return [w.to_dict() for w in items]


def _assert_same(dataset: Dataset, as_of: date, time_limits=None) -> list[ew.EarlyWarning]:
    got = ew.warnings(dataset, as_of, time_limits)
    want = reference_warnings(dataset, as_of, time_limits)
    assert _dicts(got) == _dicts(want)
    for g in got:  # details hold plain Python values, as the JSON export and the app expect
        for v in g.details.values():
            assert not isinstance(v, np.generic)
            if isinstance(v, list):
                assert all(type(x) in (str, int) for x in v)
    return got


@pytest.fixture(scope="module")
def bureau() -> Dataset:
    monthly, ledger = build_bureau(branches=2, stations=6, offices=40, disputes_per_office_year=120)
    return _dataset(monthly, ledger)


# --- tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [date(2026, 10, 31), date(2026, 6, 15), date(2025, 12, 31), date(2025, 2, 3)])
def test_vectorised_warnings_equal_the_reference_on_a_generated_bureau(bureau, as_of):
    got = _assert_same(bureau, as_of)
    rules = {w.rule for w in got}
    # The comparison means something: the generated bureau fires the dispute rules, repeats included.
    assert {"repeat_dispute", "overdue", "follow_up_late"} <= rules
    assert sum(w.rule == "repeat_dispute" for w in got) >= 5


def test_vectorised_warnings_equal_the_reference_with_custom_time_limits(bureau):
    _assert_same(bureau, date(2026, 10, 31), {"简单": 3, "复杂": 7, "疑难": 20})


def test_default_as_of_gives_the_same_warnings_as_the_reference(bureau):
    assert _dicts(ew.warnings(bureau)) == _dicts(reference_warnings(bureau))


def _hand_ledger(rows: list[dict]) -> pd.DataFrame:
    _, base = build_bureau(branches=1, stations=1, offices=2, months=("2026-09", "2026-09"),
                           disputes_per_office_year=24)
    template = base.iloc[[0]].reset_index(drop=True)
    out = []
    for r in rows:
        rec = template.copy()
        rec["status"] = "化解中"
        rec["resolved_date"] = pd.NaT
        rec["follow_up_date"] = pd.NaT
        for k, v in r.items():
            rec[k] = pd.Timestamp(v) if k.endswith("_date") and v is not None else v
        out.append(rec)
    return pd.concat(out, ignore_index=True)


def test_repeat_partners_same_day_several_offices_and_keys_not_given_match_the_reference():
    monthly, base = build_bureau(branches=1, stations=1, offices=2, months=("2026-01", "2026-09"),
                                 disputes_per_office_year=24)
    a, b = sorted(base["office_code"].unique())[:2]
    ledger = _hand_ledger([
        dict(dispute_id="D3", office_code=a, received_date="2026-09-20", party_key="k1"),
        dict(dispute_id="D1", office_code=b, received_date="2026-09-20", party_key="k1"),  # same day: partners both ways
        dict(dispute_id="D2", office_code=a, received_date="2026-07-05", party_key="k1"),
        dict(dispute_id="D0", office_code=b, received_date="2026-06-22", party_key="k1"),  # 90 days before D3/D1
        dict(dispute_id="E1", office_code=a, received_date="2026-09-01", party_key=None),
        dict(dispute_id="E2", office_code=a, received_date="2026-09-02", party_key=None),  # no key: never repeats
        dict(dispute_id="F1", office_code=b, received_date="2026-05-01", party_key="k2"),
        dict(dispute_id="F2", office_code=b, received_date="2026-07-10", party_key="k2"),  # F1 70 days before
        dict(dispute_id="F3", office_code=b, received_date="2026-07-01", party_key="k2"),  # before the recent window
        dict(dispute_id="G1", office_code=a, received_date="2026-09-28T18:30", party_key="k3"),
        dict(dispute_id="G2", office_code=b, received_date="2026-09-29T08:00", party_key="k3"),  # times of day
        dict(dispute_id="G3", office_code=b, received_date="2026-09-30T08:00", party_key="k3"),  # after as_of's start
        dict(dispute_id="H1", office_code=a, received_date="2026-10-02", party_key="k3"),  # after as_of: ignored
    ])
    ds = _dataset(monthly, ledger)
    got = [w for w in _assert_same(ds, date(2026, 9, 30)) if w.rule == "repeat_dispute"]
    by_id = {w.dispute_id: w.details for w in got}
    assert sorted(by_id) == ["D1", "D2", "D3", "F2", "G2"]
    assert by_id["D1"]["earlier"] == ["D0", "D2", "D3"] and by_id["D1"]["days_since"] == [90, 77, 0]
    assert by_id["D3"]["earlier"] == ["D0", "D2", "D1"]
    assert by_id["F2"]["earlier"] == ["F1", "F3"] and by_id["F2"]["days_since"] == [70, 9]
    assert by_id["G2"] == {"received_date": "2026-09-29", "earlier": ["G1"], "days_since": [0]}


def test_pandas_string_columns_give_the_same_warnings(bureau):
    ledger = bureau.ledger.copy()
    for col in ("dispute_id", "office_code", "party_key", "status", "risk", "complexity"):
        ledger[col] = ledger[col].astype("str").where(ledger[col].notna(), None).astype("str")
    ds = Dataset(monthly=bureau.monthly, ledger=ledger, sources=bureau.sources)
    assert _dicts(ew.warnings(ds, date(2026, 10, 31))) == _dicts(ew.warnings(bureau, date(2026, 10, 31)))
    _assert_same(ds, date(2026, 10, 31))


def test_as_of_before_every_dispute_gives_only_monthly_warnings(bureau):
    got = _assert_same(bureau, date(2023, 1, 31))
    assert all(w.rule == "monthly_jump" for w in got)


def test_repeat_partners_lists_each_partner_pair_once():
    keys = np.array(["a", "a", "a", None, "b"], dtype=object)
    received = np.array(["2026-01-01", "2026-01-01", "2026-03-01", "2026-03-01", "2026-03-02"], dtype="datetime64[ns]")
    ids = np.array(["X2", "X1", "X3", "Y", "Z"], dtype=object)
    codes = np.full(len(keys), -1, dtype=np.intp)
    given = np.flatnonzero(pd.notna(keys))
    codes[given] = shared_key_codes(keys[given])
    rows, partners, owner = repeat_partners(codes, received, ids, np.datetime64("2026-01-01", "ns"),
                                            pd.factorize(ids, sort=True)[0])
    pairs = [(ids[rows[o]], ids[p]) for o, p in zip(owner, partners, strict=True)]
    assert pairs == [("X1", "X2"), ("X2", "X1"), ("X3", "X1"), ("X3", "X2")]
    assert pairs == [(ids[i], ids[j]) for i, j in repeat_partner_pairs(keys, received, ids, "2026-01-01")]
