"""A deterministic fictional bureau (临海市公安局): monthly rows, a dispute ledger, and their workbooks.

Everything comes from a fixed seed and fixed dates (never "today"), so two builds are equal.
``build_bureau`` is vectorised with numpy: a province (3,000 offices × 24 months, ~1,000,000 disputes)
builds in seconds, which is what the benchmarks under ``bench/`` rely on.

The frames follow the column contract of :mod:`metrics.dataset`, except that ``party_key`` holds plain
identifiers such as ``P000123`` (hashing happens at ingest) — exactly what a workbook would carry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from metrics.schema import (
    CATEGORY,
    COMPLEXITY,
    LEDGER,
    LEVEL,
    MONTHLY,
    PROACTIVE_SOURCES,
    RISK,
    SOURCE,
    STATUS,
    SURVEY_PAIRS,
    TIME_LIMIT_DAYS,
)

CITY = "临海市公安局"
DEFAULT_MONTHS = ("2024-11", "2026-10")
DEFAULT_SEED = 20261031
REPORT_DATE = dt.date(2026, 11, 3)
"""The fixed 填报日期 of the sample reports for the last default month (upload date in tests)."""
GENERATED_FILE = "生成的示例数据"
"""Value of the ``_file`` trace column in generated frames."""

_BRANCH_NAMES = ("东城分局", "西城分局", "海港分局", "南湖分局", "北山分局", "高新区分局", "临港分局",
                 "青松分局", "滨江分局", "金桥分局", "开发区分局", "石门分局")
_FIRST = "东西南北新安和平福康宁永兴华文明广泽青松柳桃杏梅兰竹金银玉石龙凤海湖滨江河山云霞春秋长乐"
_SECOND = "山湖桥港湾塘岭坪庄园街门浦洲亭溪城里坊堡苑湾头口"
_CN_NUM = ("", "二", "三", "四", "五", "六", "七", "八", "九", "十")

_SOURCE_P = (0.30, 0.10, 0.06, 0.08, 0.20, 0.14, 0.07, 0.05)
_CATEGORY_P = (0.18, 0.24, 0.07, 0.14, 0.08, 0.03, 0.04, 0.10, 0.08, 0.04)
_RISK_P = (0.06, 0.26, 0.68)
_COMPLEXITY_P = (0.68, 0.24, 0.08)
_LEVEL_P = (0.58, 0.30, 0.08, 0.04)  # the last one: not given

_NOTE_BY_CATEGORY = {
    "婚姻家庭": ("夫妻因子女抚养问题发生争吵", "婆媳矛盾，多次报警", "离婚财产分割争议"),
    "邻里": ("楼上楼下噪音扰民", "邻居占用公共通道堆放杂物", "宅基地边界及排水问题争执"),
    "土地山林": ("承包地边界争议", "山林权属纠纷", "土地流转费用争议"),
    "经济债务": ("民间借贷到期未还", "合伙经营账目不清", "货款拖欠纠纷"),
    "劳资": ("工地拖欠农民工工资", "员工离职工资结算争议", "工伤赔偿协商不成"),
    "医患": ("对诊疗结果不满到诊所讨说法", "医疗费用争议"),
    "征地拆迁": ("拆迁补偿款分配争议", "征地安置面积争议"),
    "物业": ("物业费收缴争议", "小区停车位管理纠纷", "电梯维修费用分摊争议"),
    "交通事故": ("电动车与行人碰擦赔偿争议", "轻微交通事故赔偿协商"),
    "其他": ("宠物伤人赔偿争议", "网购退货纠纷", "其他矛盾纠纷"),
}
_NOTE_BY_STATUS = {
    "已化解": ("，经调解双方达成协议。", "，已当场调解化解。", "，签订人民调解协议书。"),
    "化解中": ("，正在跟进调解。", "，已约定再次调解。"),
    "已移交": ("，已移交相关部门处理。", "，移交司法所调处。"),
    "调解不成": ("，调解不成，已引导诉讼解决。", "，双方分歧较大，调解未成。"),
}


# ---------------------------------------------------------------------------------------------------
# Organisation: branches, stations, offices
# ---------------------------------------------------------------------------------------------------


def _place_names(rng: np.random.Generator, n: int, offset: int) -> list[str]:
    """``n`` distinct two-character fictional place names (a numeral is added past the pool size)."""
    pool = list(dict.fromkeys(a + b for a in _FIRST for b in _SECOND))
    order = rng.permutation(len(pool))
    out = []
    for i in range(n):
        k, j = divmod(i + offset, len(pool))
        suffix = _CN_NUM[k] if k < len(_CN_NUM) else str(k + 1)
        out.append(pool[order[j]] + suffix)
    return out


def build_organisation(
    *, branches: int = 3, stations: int = 10, offices: int = 40, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """One row per office: office_code, office_name, station, branch (codes are 10-digit text)."""
    if not (1 <= branches <= stations <= offices):
        raise ValueError("需要 1 ≤ 分局数 ≤ 派出所数 ≤ 警务室数")
    rng = np.random.default_rng(seed)
    station_branch = np.concatenate(
        [np.full(len(part), b) for b, part in enumerate(np.array_split(np.arange(stations), branches))]
    )
    office_station = np.concatenate(
        [np.full(len(part), s) for s, part in enumerate(np.array_split(np.arange(offices), stations))]
    )
    branch_names = [
        _BRANCH_NAMES[b] if b < len(_BRANCH_NAMES) else f"第{b + 1}分局" for b in range(branches)
    ]
    places = _place_names(rng, stations + offices, 0)
    station_names = [p + "派出所" for p in places[:stations]]
    kinds = rng.random(offices) < 0.7
    office_names = [p + ("社区警务室" if k else "村警务室") for p, k in zip(places[stations:], kinds, strict=True)]

    # Codes: 37 10 BB SS OO (province, city, branch, station within branch, office within station).
    station_in_branch = np.zeros(stations, dtype=int)
    for b in range(branches):
        idx = np.flatnonzero(station_branch == b)
        station_in_branch[idx] = np.arange(len(idx))
    office_in_station = np.zeros(offices, dtype=int)
    for s in range(stations):
        idx = np.flatnonzero(office_station == s)
        office_in_station[idx] = np.arange(len(idx))
    ob = station_branch[office_station]
    os_ = station_in_branch[office_station]
    if branches < 99 and station_in_branch.max() < 98 and office_in_station.max() < 98:
        codes = [f"3710{b + 1:02d}{s + 1:02d}{o + 1:02d}" for b, s, o in zip(ob, os_, office_in_station, strict=True)]
    else:
        codes = [f"3799{i + 1:06d}" for i in range(offices)]
    return pd.DataFrame(
        {
            "office_code": pd.Series(codes, dtype=object),
            "office_name": pd.Series(office_names, dtype=object),
            "station": pd.Series([station_names[s] for s in office_station], dtype=object),
            "branch": pd.Series([branch_names[b] for b in ob], dtype=object),
        }
    )


def _month_range(months: Sequence[str]) -> pd.PeriodIndex:
    start, end = months
    periods = pd.period_range(start, end, freq="M")
    if len(periods) == 0:
        raise ValueError("月份范围为空")
    return periods


# ---------------------------------------------------------------------------------------------------
# Monthly rows
# ---------------------------------------------------------------------------------------------------


def _monthly(org: pd.DataFrame, periods: pd.PeriodIndex, rng: np.random.Generator, specials: dict) -> pd.DataFrame:
    n_off, n_mon = len(org), len(periods)
    q = specials["quality"][:, None]  # each office's latent quality in [0, 1]: a real bureau's spread
    days = np.asarray(periods.days_in_month, dtype=float)[None, :]
    cal_month = np.asarray(periods.month)
    t = np.arange(n_mon)[None, :]

    officers = rng.choice([1, 2, 2, 2, 3, 3, 4], size=n_off).astype(float)[:, None] * np.ones((1, n_mon))
    auxiliaries = rng.integers(0, 6, size=n_off).astype(float)[:, None] * np.ones((1, n_mon))
    grid_workers = rng.integers(2, 13, size=n_off).astype(float)[:, None] * np.ones((1, n_mon))
    hh0 = rng.integers(600, 5200, size=n_off)[:, None]
    households = (hh0 + np.floor(t * rng.uniform(0, 4, size=n_off)[:, None])).astype(float)
    population = np.round(households * rng.uniform(2.4, 3.3, size=n_off)[:, None])

    officer_days = np.floor(officers * days * rng.uniform(0.72, 0.95, size=(n_off, n_mon)))
    hours = np.clip(rng.normal(5.2 + 3.4 * q, 0.6, size=(n_off, n_mon)), 4.3, 10.5)
    low = specials["low_hours"]
    hours[low] = np.clip(rng.normal(3.2, 0.3, size=(len(low), n_mon)), 2.5, 3.8)
    community_hours = np.round(officer_days * hours, 1)

    visited_month = np.round(households * (0.03 + 0.09 * q) * rng.uniform(0.8, 1.2, size=(n_off, n_mon)))
    overlap = rng.uniform(0.6, 0.95, size=(n_off, n_mon))
    visited_ytd = np.zeros((n_off, n_mon))
    for j in range(n_mon):
        v = visited_month[:, j]
        if j == 0 and cal_month[0] != 1:  # the range starts mid-year: earlier months already visited
            ytd = v * (1 + 0.6 * (cal_month[0] - 1))
        elif cal_month[j] == 1:
            ytd = v
        else:
            ytd = np.maximum(visited_ytd[:, j - 1] + np.round(v * overlap[:, j]), v)
        visited_ytd[:, j] = np.minimum(np.round(ytd), households[:, j])

    base = population[:, :1] / 1000 * rng.uniform(2.5, 6.0, size=(n_off, 1))
    rising = rng.random(n_off) < 0.1
    yearly = np.where(rising, rng.uniform(1.08, 1.25, size=n_off), rng.uniform(0.82, 0.96, size=n_off))[:, None]
    season = 1 + 0.12 * np.sin(2 * np.pi * (cal_month[None, :] - 4) / 12)
    lam = base * yearly ** (t / 12) * season
    alerts = rng.poisson(lam).astype(float)
    dispute_alerts = rng.binomial(alerts.astype(np.int64), rng.uniform(0.2, 0.4, size=(n_off, 1))).astype(float)
    criminal_cases = rng.poisson(lam * 0.08).astype(float)
    fraud_cases = rng.poisson(lam * 0.04).astype(float)
    fraud_cases[rng.random(n_off) < 0.1] = np.nan
    civil_to_criminal = np.zeros((n_off, n_mon))
    for k, i in enumerate(specials["civil_to_criminal"]):
        # one in the last month, one in the month before it (the default period when the last is incomplete)
        civil_to_criminal[i, max(0, n_mon - 1 - k)] = 1
        if n_mon > 3:
            civil_to_criminal[i, int(rng.integers(0, n_mon - 2))] = 1
    criminal_cases = np.maximum(criminal_cases, civil_to_criminal)

    no_survey = rng.random(n_off) < 0.12
    no_fam = no_survey | (rng.random(n_off) < 0.05)
    survey = {}
    for (total_key, part_key), (lo, hi), (plo, phi), blank in zip(
        SURVEY_PAIRS,
        ((20, 51), (30, 101), (30, 101)),
        ((0.70, 0.98), (0.55, 0.92), (0.85, 0.99)),
        (no_fam, no_fam, no_survey),
        strict=True,
    ):
        total = rng.integers(lo, hi, size=(n_off, n_mon))
        share = plo + (phi - plo) * np.clip(q + rng.normal(0, 0.12, size=(n_off, 1)), 0, 1)
        part = rng.binomial(total, share).astype(float)
        total = total.astype(float)
        total[blank] = np.nan
        part[blank] = np.nan
        survey[total_key], survey[part_key] = total, part

    values = {
        "officers": officers, "auxiliaries": auxiliaries, "grid_workers": grid_workers,
        "households": households, "population": population, "visited_month": visited_month,
        "visited_ytd": visited_ytd, "community_hours": community_hours, "officer_days": officer_days,
        "alerts": alerts, "dispute_alerts": dispute_alerts, "criminal_cases": criminal_cases,
        "fraud_cases": fraud_cases, "civil_to_criminal": civil_to_criminal, **survey,
    }
    # Rows ordered by month, then office (as a history export would be).
    cols: dict[str, object] = {}
    for key in ("office_code", "office_name", "station", "branch"):
        cols[key] = pd.Series(np.tile(org[key].to_numpy(dtype=object), n_mon), dtype=object)
    cols["month"] = pd.Series(np.repeat(periods.strftime("%Y-%m").to_numpy(dtype=object), n_off), dtype=object)
    for key, arr in values.items():
        cols[key] = pd.Series(arr.T.reshape(-1), dtype="float64")
    frame = pd.DataFrame(cols)[list(MONTHLY.keys)]
    frame["_file"] = pd.Series([GENERATED_FILE] * len(frame), dtype=object)
    frame["_sheet"] = pd.Series([MONTHLY.title] * len(frame), dtype=object)
    frame["_row"] = np.arange(len(frame), dtype=np.int64) + 2
    return frame


# ---------------------------------------------------------------------------------------------------
# Dispute ledger
# ---------------------------------------------------------------------------------------------------


def _pointer_resolve(ptr: np.ndarray) -> np.ndarray:
    """Follow ``ptr`` (each row points at an earlier row or itself) to the first row of each chain."""
    while True:
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            return ptr
        ptr = nxt


def _ledger(
    org: pd.DataFrame,
    periods: pd.PeriodIndex,
    rng: np.random.Generator,
    specials: dict,
    per_year: float,
) -> pd.DataFrame:
    n_off, n_mon = len(org), len(periods)
    quality = specials["quality"]
    start = periods[0].start_time.normalize()
    end = periods[-1].end_time.normalize()  # the last day of the last month
    span = int((end - start).days) + 1

    rate = per_year * rng.uniform(0.5, 1.35, size=n_off) * n_mon / 12
    counts = rng.poisson(rate)
    office = np.repeat(np.arange(n_off), counts)
    n = len(office)
    day = rng.integers(0, span, size=n)
    order = np.lexsort((day, office))
    office, day = office[order], day[order]

    # Sources: a better office finds more disputes itself (走访排查, 网格员上报, 预警推送).
    q = quality[office]
    proactive = np.array([v in PROACTIVE_SOURCES for v in SOURCE.values])
    p_src = np.asarray(_SOURCE_P)
    own = rng.choice(len(SOURCE.values), size=n, p=np.where(proactive, p_src, 0) / p_src[proactive].sum())
    other = rng.choice(len(SOURCE.values), size=n, p=np.where(proactive, 0, p_src) / p_src[~proactive].sum())
    src = np.where(rng.random(n) < 0.4 + 0.6 * q, own, other)
    cat = rng.choice(len(CATEGORY.values), size=n, p=_CATEGORY_P)
    risk = rng.choice(len(RISK.values), size=n, p=_RISK_P)
    cx = rng.choice(len(COMPLEXITY.values), size=n, p=_COMPLEXITY_P)
    lvl = rng.choice(len(LEVEL.values) + 1, size=n, p=_LEVEL_P)
    limit = np.array([TIME_LIMIT_DAYS[c] for c in COMPLEXITY.values])[cx]

    late = rng.random(n) < 0.16 - 0.14 * q
    # a better office resolves sooner: within the first (1 − 0.8 q) of the limit
    on_time = np.floor(rng.random(n) * np.maximum(limit * (1 - 0.8 * q), 1)).astype(np.int64)
    overdue = limit + 1 + rng.integers(0, np.maximum(limit // 2, 3))
    resolved_day = day + np.where(late, overdue, on_time)

    # Status: 已化解 unless transferred, failed, stuck, or not resolved by the end of the period.
    u = rng.random(n)
    status = np.zeros(n, dtype=int)  # index into STATUS.values: 已化解, 化解中, 已移交, 调解不成
    bad = 0.35 + 1.3 * (1 - q)  # transfers, failures and stuck disputes: rarer in a better office
    status[u < 0.04 * bad] = 2
    status[(u >= 0.04 * bad) & (u < 0.065 * bad)] = 3
    status[(u >= 0.065 * bad) & (u < 0.075 * bad)] = 1  # a few stay open long past their limit
    status[(status == 0) & (resolved_day >= span)] = 1
    resolved = status == 0

    f = rng.random(n)
    timely = 0.7 + 0.28 * q
    fu_day = np.where(f < timely, resolved_day + rng.integers(1, 15, size=n), resolved_day + rng.integers(15, 31, size=n))
    has_fu = resolved & (f < timely + 0.08) & (fu_day < span)

    # Escalated (民转刑): one dispute per civil_to_criminal event of the monthly rows; a few unknown.
    escalated = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
    month_of = (start + pd.to_timedelta(day, unit="D")).to_period("M")
    month_idx = np.asarray((month_of.year - periods[0].year) * 12 + (month_of.month - periods[0].month))
    for i, months in specials["escalations"].items():
        for m in months:
            idx = np.flatnonzero((office == i) & (month_idx == m))
            if len(idx):
                k = idx[0]
                escalated[k] = True
                status[k], resolved[k], has_fu[k] = 2, False, False
    escalated[(rng.random(n) < 0.04) & ~np.asarray(escalated, dtype=bool)] = pd.NA

    # Repeat parties: the same party on 2–3 disputes within 90 days, mostly in one office, sometimes
    # in a neighbouring office of the same station.
    kid = np.arange(n)
    prev_same = np.r_[False, (office[1:] == office[:-1]) & (day[1:] - day[:-1] <= 90)]
    ptr = np.arange(n)
    pick = prev_same & (rng.random(n) < 0.07)
    ptr[pick] = np.flatnonzero(pick) - 1
    kid = kid[_pointer_resolve(ptr)]
    station_code = pd.factorize(org["station"])[0][office]
    by_station = np.lexsort((day, station_code))
    s_off, s_day, s_sta = office[by_station], day[by_station], station_code[by_station]
    cross = np.r_[False, (s_sta[1:] == s_sta[:-1]) & (s_off[1:] != s_off[:-1]) & (s_day[1:] - s_day[:-1] <= 90)]
    cross &= rng.random(n) < 0.02
    cross[1:] &= ~cross[:-1]  # no chains across offices
    kid_s = kid[by_station]
    kid_s[cross] = kid_s[np.flatnonzero(cross) - 1]
    kid[by_station] = kid_s
    width = max(6, len(str(n)))
    party = pd.Series(kid).astype(str).str.zfill(width).radd("P").to_numpy(dtype=object)
    party[rng.random(n) < 0.05] = None

    # Notes: a phrase for the category followed by one for the status, from a small table.
    pairs = [[a + b for a in _NOTE_BY_CATEGORY[c] for b in _NOTE_BY_STATUS[s]] for c in CATEGORY.values for s in STATUS.values]
    width = max(len(p) for p in pairs)
    table = np.array([p + [p[0]] * (width - len(p)) for p in pairs], dtype=object)  # row: category × status
    combos = np.array([len(_NOTE_BY_CATEGORY[c]) * len(_NOTE_BY_STATUS[s]) for c in CATEGORY.values for s in STATUS.values])
    row = cat * len(STATUS.values) + status
    note = table[row, rng.integers(0, 1 << 30, size=n) % combos[row]] if n else np.empty(0, dtype=object)
    note = np.asarray(note, dtype=object)
    note[rng.random(n) < 0.3] = None
    cat_values = np.array(CATEGORY.values, dtype=object)[cat]
    st_values = np.array(STATUS.values, dtype=object)[status]

    received = start + pd.to_timedelta(day, unit="D")
    codes = org["office_code"].to_numpy(dtype=object)[office]
    years = np.asarray(received.year)
    seq = pd.Series(np.ones(n, dtype=np.int64)).groupby([office, years]).cumsum().to_numpy()
    seq_width = max(3, len(str(int(seq.max())) if n else "1"))
    dispute_id = (
        pd.Series(codes, dtype=str) + "-" + pd.Series(years).astype(str) + "-"
        + pd.Series(seq).astype(str).str.zfill(seq_width)
    ).to_numpy(dtype=object)

    def _dates(days: np.ndarray, given: np.ndarray) -> pd.Series:
        out = pd.Series(start + pd.to_timedelta(np.where(given, days, 0), unit="D")).astype("datetime64[ns]")
        out[~given] = pd.NaT
        return out

    level_values = np.array((*LEVEL.values, None), dtype=object)[lvl]
    frame = pd.DataFrame(
        {
            "dispute_id": pd.Series(dispute_id, dtype=object),
            "office_code": pd.Series(codes, dtype=object),
            "received_date": pd.Series(received).astype("datetime64[ns]"),
            "source": pd.Series(np.array(SOURCE.values, dtype=object)[src], dtype=object),
            "category": pd.Series(cat_values, dtype=object),
            "risk": pd.Series(np.array(RISK.values, dtype=object)[risk], dtype=object),
            "complexity": pd.Series(np.array(COMPLEXITY.values, dtype=object)[cx], dtype=object),
            "level": pd.Series(level_values, dtype=object),
            "status": pd.Series(st_values, dtype=object),
            "resolved_date": _dates(resolved_day, resolved),
            "follow_up_date": _dates(fu_day, has_fu),
            "party_key": pd.Series(party, dtype=object),
            "escalated": pd.Series(escalated, dtype="boolean"),
            "note": pd.Series(note, dtype=object),
        }
    )
    # By received date, then office (office order is code order): a numpy sort, not one on text.
    frame = frame.iloc[np.lexsort((office, day))].reset_index(drop=True)
    frame["_file"] = pd.Series([GENERATED_FILE] * len(frame), dtype=object)
    frame["_sheet"] = pd.Series([LEDGER.title] * len(frame), dtype=object)
    frame["_row"] = np.arange(len(frame), dtype=np.int64) + 2
    return frame


def build_bureau(
    *,
    branches: int = 3,
    stations: int = 10,
    offices: int = 40,
    months: tuple[str, str] = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    disputes_per_office_year: float = 30,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample bureau as (monthly, ledger) frames in the column contract of ``metrics.dataset``.

    ``months`` is the inclusive range ("YYYY-MM", "YYYY-MM"). Deterministic for a given set of
    arguments. ``party_key`` is plain text (``P000123``); it is hashed at ingest, not here.
    Built in: each office has a latent quality (beta-distributed) that drives its hours in the community,
    visits, survey answers, proactive finding, speed and success of resolution and follow-ups — so stars
    spread over ★–★★★★★ as in a real bureau, with a few offices 待评 (no survey); most offices' alerts fall
    gently year on year, about one in ten rise; two good offices have 民转刑 cases (one in the last month,
    one in the month before, so the one-vote cap binds on the month the screens open on) and one office
    averages under 4 hours a day in the community.
    """
    periods = _month_range(months)
    org = build_organisation(branches=branches, stations=stations, offices=offices, seed=seed)
    rng = np.random.default_rng([seed, 1])
    # Each office's latent quality, spread as a real bureau's: a few excellent, most good or fair, a few
    # weak — so stars spread over ★–★★★★★ (see tests/test_sample_data.py).
    quality = np.random.default_rng([seed, 3]).beta(2.6, 1.4, size=offices)
    picks = rng.choice(offices, size=min(3, offices), replace=False)
    best = [int(i) for i in np.argsort(-quality) if i not in picks[:1]]
    # 民转刑 at two good offices, so the one-vote cap (at most ★★) visibly binds on a month view
    civil = best[2:4] if len(best) >= 4 else best[:2]
    specials = {"low_hours": picks[:1], "civil_to_criminal": np.array(civil, dtype=np.int64), "quality": quality}
    monthly = _monthly(org, periods, rng, specials)
    # The 民转刑 months of the monthly rows, so the ledger marks a dispute escalated in each.
    ctc = monthly.pivot(index="office_code", columns="month", values="civil_to_criminal")
    ctc = ctc.reindex(index=org["office_code"], columns=periods.strftime("%Y-%m"))
    specials["escalations"] = {int(i): list(np.flatnonzero(ctc.iloc[i].to_numpy() > 0)) for i in specials["civil_to_criminal"]}
    ledger = _ledger(org, periods, np.random.default_rng([seed, 2]), specials, disputes_per_office_year)
    return monthly, ledger


# ---------------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------------


def _is_blank(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))


def _write_sheet(wb, name: str, kind, frame: pd.DataFrame, title: str, note: str) -> None:
    ws = wb.add_worksheet(name)
    fmt_title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    fmt_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "align": "center", "valign": "vcenter"})
    fmt_text = wb.add_format({"num_format": "@"})
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    cols = kind.columns
    ws.merge_range(0, 0, 0, len(cols) - 1, title, fmt_title)
    ws.merge_range(1, 0, 1, len(cols) - 1, note)
    ws.set_row(0, 28)
    for j, col in enumerate(cols):
        ws.write_string(2, j, col.header, fmt_head)
        ws.set_column(j, j, max(10, len(col.header) * 2 + 2), fmt_text if col.type == "code" else None)
    ws.freeze_panes(3, 0)
    data = {col.key: frame[col.key].tolist() if col.key in frame else [None] * len(frame) for col in cols}
    for i in range(len(frame)):
        r = i + 3
        for j, col in enumerate(cols):
            v = data[col.key][i]
            if _is_blank(v):
                continue
            if col.type in ("int", "number"):
                ws.write_number(r, j, float(v))
            elif col.type == "date":
                ws.write_datetime(r, j, pd.Timestamp(v).to_pydatetime(), fmt_date)
            elif col.type == "bool":
                ws.write_string(r, j, "是" if bool(v) else "否")
            elif col.type == "code":
                ws.write_string(r, j, str(v), fmt_text)
            else:
                ws.write_string(r, j, str(v))


def write_station_workbook(
    path: str | Path | BinaryIO,
    monthly: pd.DataFrame,
    ledger: pd.DataFrame,
    *,
    title: str | None = None,
    unit: str | None = None,
    fill_date: str | None = None,
) -> Path | None:
    """Write an .xlsx with both sheets as real reports look: merged title row, 填报单位/填报日期 row, header.

    Codes are written as text; dates as date cells; 是否民转刑 as 是/否. Title, unit and date default to
    ones derived from the rows (station name, last month, the 3rd of the following month).
    """
    import xlsxwriter

    target = str(path) if isinstance(path, str | Path) else path
    stations = sorted(set(monthly["station"])) if len(monthly) else []
    unit = unit or (stations[0] if len(stations) == 1 else CITY)
    last = max(monthly["month"]) if len(monthly) else DEFAULT_MONTHS[1]
    period = pd.Period(last, freq="M")
    if fill_date is None:
        fill_date = fill_date_of(last).isoformat()
    if title is None:
        title = f"{unit}{period.year}年{period.month}月社区警务工作月报表"
    wb = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False})
    wb.set_properties({"title": title, "author": unit, "created": dt.datetime(2026, 11, 3, 9, 0, 0)})
    note = f"填报单位：{unit}        填报日期：{fill_date}"
    _write_sheet(wb, MONTHLY.title, MONTHLY, monthly, title, note)
    _write_sheet(wb, LEDGER.title, LEDGER, ledger, title.replace("月报表", "矛盾纠纷台账"), note)
    wb.close()
    return Path(path) if isinstance(path, str | Path) else None


def station_rows(
    monthly: pd.DataFrame, ledger: pd.DataFrame, station: str, month: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What ``station`` reports for ``month``: its offices' monthly rows of that month, and the ledger rows
    of those offices received, resolved or followed up in that month (new disputes and updates)."""
    rows = monthly[(monthly["month"] == month) & (monthly["station"] == station)]
    lo = pd.Timestamp(month + "-01")
    hi = lo + pd.offsets.MonthEnd(0)
    touched = np.zeros(len(ledger), dtype=bool)
    for key in ("received_date", "resolved_date", "follow_up_date"):
        touched |= ledger[key].between(lo, hi).fillna(False).to_numpy(dtype=bool)
    led = ledger[touched & ledger["office_code"].isin(set(rows["office_code"])).to_numpy(dtype=bool)]
    return rows.reset_index(drop=True), led.reset_index(drop=True)


def history_name(months: tuple[str, str] = DEFAULT_MONTHS) -> str:
    return f"历史数据_{months[0]}至{months[1]}.xlsx"


def station_file_name(branch: str, station: str, month: str) -> str:
    return f"{branch}_{station}_{month}月报.xlsx"


def write_bureau(folder: str | Path, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the sample bureau into ``folder``: one workbook per station for the last month, and history.

    A station workbook holds its offices' rows of the last month and the ledger rows received, resolved
    or followed up in that month; the history workbook holds every month and every ledger row.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    monthly, ledger = build_bureau(seed=seed)
    last = max(monthly["month"])
    written = []
    latest = monthly[monthly["month"] == last]
    for (branch, station), _rows in latest.groupby(["branch", "station"], sort=True):
        rows, led = station_rows(monthly, ledger, station, last)
        written.append(write_station_workbook(folder / station_file_name(branch, station, last), rows, led))
    first = min(monthly["month"])
    written.append(
        write_station_workbook(
            folder / history_name((first, last)), monthly, ledger,
            title=f"{CITY}社区警务工作历史数据（{first}至{last}）", unit=CITY,
        )
    )
    # Workbooks of an earlier generation (other station names or months) would be stale: remove them.
    for old in (*folder.glob("*月报.xlsx"), *folder.glob("历史数据_*.xlsx")):
        if old not in written:
            old.unlink()
    return written


def fill_date_of(month: str) -> dt.date:
    """The fixed 填报日期 used for ``month``'s report (3rd of the following month)."""
    return (pd.Period(month, freq="M") + 1).start_time.date().replace(day=3)
