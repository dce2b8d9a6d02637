"""The sample bureau: deterministic, realistic, consistent with every rule, and readable with zero errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics import schema
from metrics.dataset import empty_frame
from metrics.reader import read_upload
from metrics.schema import LEDGER, MONTHLY, SURVEY_PAIRS, TIME_LIMIT_DAYS
from sample_data.broken import BROKEN_FILES, build_broken
from sample_data.generate import REPORT_DATE, build_bureau, history_name, write_bureau

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
LAST_DAY = pd.Timestamp("2026-10-31")


@pytest.fixture(scope="module")
def bureau() -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_bureau()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> list[Path]:
    return write_bureau(tmp_path_factory.mktemp("bureau"))


def test_two_builds_are_equal_and_another_seed_differs(bureau):
    monthly, ledger = build_bureau()
    pd.testing.assert_frame_equal(monthly, bureau[0])
    pd.testing.assert_frame_equal(ledger, bureau[1])
    other, _ = build_bureau(seed=1)
    assert not other["alerts"].equals(monthly["alerts"])


def test_bureau_has_three_branches_ten_stations_forty_offices_over_24_months(bureau):
    monthly, ledger = bureau
    assert monthly["branch"].nunique() == 3
    assert monthly["station"].nunique() == 10
    assert monthly["office_code"].nunique() == 40
    assert sorted(monthly["month"].unique()) == [str(p) for p in pd.period_range("2024-11", "2026-10", freq="M")]
    assert len(monthly) == 40 * 24
    assert monthly["office_code"].str.fullmatch(r"\d{10}").all()
    per_office_year = ledger.groupby("office_code").size() / 2
    assert 12 <= per_office_year.min() and per_office_year.max() <= 45
    assert set(ledger["office_code"]) <= set(monthly["office_code"])


def test_frames_follow_the_dataset_column_contract(bureau):
    for frame, kind in zip(bureau, (MONTHLY, LEDGER), strict=True):
        expected = empty_frame(kind)
        assert list(frame.columns) == list(expected.columns[: len(kind.keys)]) + ["_file", "_sheet", "_row"]
        for col in kind.columns:
            assert frame[col.key].dtype == expected[col.key].dtype, col.key
            if col.required:
                assert frame[col.key].notna().all(), col.key
    monthly, ledger = bureau
    assert monthly["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert ledger["dispute_id"].is_unique
    assert not monthly.duplicated(["office_code", "month"]).any()


def test_monthly_rows_obey_every_workbook_rule(bureau):
    m = bureau[0]
    days = pd.PeriodIndex(m["month"], freq="M").days_in_month.to_numpy()
    assert (m["officer_days"] <= m["officers"] * days).all()
    daily = m["community_hours"] / m["officer_days"]
    assert (daily <= schema.WARN_DAILY_HOURS).all()
    assert daily.between(5, 9).mean() > 0.8
    assert (m["visited_month"] <= m["households"]).all()
    assert (m["visited_ytd"] <= m["households"]).all()
    assert (m["dispute_alerts"] <= m["alerts"]).all()
    for total, part in SURVEY_PAIRS:
        assert (m[total].isna() == m[part].isna()).all()
        given = m[total].notna()
        assert (m.loc[given, part] <= m.loc[given, total]).all()
    by_office = m.sort_values("month").groupby(["office_code", m["month"].str[:4]])["visited_ytd"]
    assert (by_office.diff().dropna() >= 0).all()
    counts = [c.key for c in MONTHLY.columns if c.type == "int"]
    assert (m[counts].fillna(0) % 1 == 0).all().all()


def test_monthly_rows_show_trends_blanks_and_rating_caps(bureau):
    m = bureau[0]
    some_blank = m.groupby("office_code")["satisfaction_surveyed"].apply(lambda s: s.isna().all())
    assert 0 < some_blank.sum() < 40
    year = m.assign(y=m["month"].str[:4]).groupby(["office_code", "y"])["alerts"].sum().unstack()
    change = year["2026"] / year["2025"]
    assert (change < 1).mean() > 0.6 and (change > 1).sum() >= 1
    assert 1 <= (m.groupby("office_code")["civil_to_criminal"].sum() > 0).sum() <= 3
    assert (m[m["month"] == "2026-10"]["civil_to_criminal"] > 0).any()
    hours = m.groupby("office_code").apply(lambda g: g["community_hours"].sum() / g["officer_days"].sum())
    assert (hours < 4).sum() == 1


def test_ledger_is_consistent_and_covers_every_vocabulary(bureau):
    led = bureau[1]
    assert (led["received_date"] <= LAST_DAY).all()
    assert (led["received_date"] >= pd.Timestamp("2024-11-01")).all()
    for key in ("source", "category", "risk", "complexity", "status"):
        assert set(led[key]) == set(schema.VOCABULARIES[key].values), key
    assert set(led["level"].dropna()) == set(schema.LEVEL.values) and led["level"].isna().any()
    resolved = led["status"] == "已化解"
    assert led.loc[resolved, "resolved_date"].notna().all()
    assert led.loc[led["status"] == "化解中", "resolved_date"].isna().all()
    assert (led["resolved_date"].dropna() >= led.loc[led["resolved_date"].notna(), "received_date"]).all()
    has_fu = led["follow_up_date"].notna()
    assert (led.loc[has_fu, "follow_up_date"] >= led.loc[has_fu, "resolved_date"]).all()
    assert (led["follow_up_date"].dropna() <= LAST_DAY).all()
    assert led["note"].dropna().str.contains("[\u4e00-\u9fff]").all()


def test_ledger_has_late_resolutions_late_follow_ups_and_overdue_open_disputes(bureau):
    led = bureau[1]
    limit = led["complexity"].map(TIME_LIMIT_DAYS)
    took = (led["resolved_date"] - led["received_date"]).dt.days
    resolved = led["status"] == "已化解"
    late = (took[resolved] > limit[resolved]).mean()
    assert 0.03 < late < 0.25
    fu_days = (led["follow_up_date"] - led["resolved_date"]).dt.days[resolved]
    assert (fu_days <= schema.FOLLOW_UP_DAYS).mean() > 0.7
    assert (fu_days > schema.FOLLOW_UP_DAYS).any() and fu_days.isna().any()
    open_ = led[led["status"] == "化解中"]
    overdue = (LAST_DAY - open_["received_date"]).dt.days > open_["complexity"].map(TIME_LIMIT_DAYS)
    assert overdue.any() and (~overdue).any()


def test_some_parties_repeat_within_90_days_also_across_offices(bureau):
    led = bureau[1].dropna(subset=["party_key"])
    assert led["party_key"].str.fullmatch(r"P\d{6,}").all()
    groups = led.groupby("party_key")
    sizes = groups.size()
    assert (sizes >= 2).sum() >= 20 and sizes.max() <= 5
    repeated = led[led["party_key"].isin(sizes[sizes >= 2].index)]
    spans = repeated.groupby("party_key")["received_date"].agg(lambda s: (s.max() - s.min()).days)
    assert (spans <= 90).mean() > 0.8
    assert (repeated.groupby("party_key")["office_code"].nunique() > 1).any()


def test_escalated_disputes_match_the_monthly_disputes_turned_criminal(bureau):
    monthly, led = bureau
    ctc = monthly[monthly["civil_to_criminal"] > 0]
    esc = led[led["escalated"].fillna(False)]
    assert len(esc) >= 1
    assert set(esc["office_code"]) <= set(ctc["office_code"])
    assert led["escalated"].isna().any()


def test_province_scale_codes_and_ids_stay_unique():
    monthly, ledger = build_bureau(branches=1, stations=120, offices=360, months=("2026-01", "2026-03"),
                                   disputes_per_office_year=40)
    offices = monthly.drop_duplicates("office_code")
    assert len(offices) == 360 and offices["office_code"].str.fullmatch(r"\d{10}").all()
    assert offices["office_name"].is_unique
    assert ledger["dispute_id"].is_unique
    assert (ledger["received_date"] <= pd.Timestamp("2026-03-31")).all()


def test_written_workbooks_read_back_with_zero_problems(written):
    names = sorted(p.name for p in written)
    assert history_name() in names and len(names) == 11
    offices_seen = set()
    for path in written:
        up = read_upload(path.read_bytes(), path.name, upload_date=REPORT_DATE)
        assert up.problems == [], (path.name, up.problems[:3])
        assert len(up.monthly) > 0
        # every ledger row names an office of the same workbook
        assert set(up.ledger["office_code"]) <= set(up.monthly["office_code"])
        if path.name != history_name():
            assert set(up.monthly["month"]) == {"2026-10"}
            offices_seen |= set(up.monthly["office_code"])
    assert len(offices_seen) == 40


def test_history_workbook_holds_exactly_the_built_rows(written, bureau):
    monthly, ledger = bureau
    path = next(p for p in written if p.name == history_name())
    up = read_upload(path.read_bytes(), path.name, upload_date=REPORT_DATE)
    keys = ["office_code", "month"]
    got = up.monthly.sort_values(keys).reset_index(drop=True)
    want = monthly.sort_values(keys).reset_index(drop=True)
    numeric = [c.key for c in MONTHLY.columns if c.type in ("int", "number")]
    np.testing.assert_allclose(got[numeric].to_numpy(), want[numeric].to_numpy(), equal_nan=True)
    assert got["office_name"].tolist() == want["office_name"].tolist()
    got_l = up.ledger.sort_values("dispute_id").reset_index(drop=True)
    want_l = ledger.sort_values("dispute_id").reset_index(drop=True)
    assert got_l["dispute_id"].tolist() == want_l["dispute_id"].tolist()
    for key in ("received_date", "resolved_date", "follow_up_date"):
        pd.testing.assert_series_equal(got_l[key], want_l[key], check_names=False)
    for key in ("source", "category", "risk", "complexity", "level", "status"):
        assert got_l[key].tolist() == want_l[key].tolist()


def test_station_workbooks_carry_new_and_updated_disputes_of_the_month(written, bureau):
    _, ledger = bureau
    in_month = pd.Series(False, index=ledger.index)
    for key in ("received_date", "resolved_date", "follow_up_date"):
        in_month |= ledger[key].between("2026-10-01", "2026-10-31").fillna(False)
    total = 0
    for path in written:
        if path.name != history_name():
            total += len(read_upload(path.read_bytes(), path.name, upload_date=REPORT_DATE).ledger)
    assert total == in_month.sum() > 0
    assert (ledger.loc[in_month, "received_date"] < "2026-10-01").any()  # older disputes updated


@pytest.fixture(scope="module")
def broken() -> dict[str, bytes]:
    return build_broken()


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_broken_workbook_gives_exactly_its_listed_problem_codes(name, broken):
    data = broken[name]
    up = read_upload(data, name, upload_date=REPORT_DATE)
    assert {p.code for p in up.problems} == BROKEN_FILES[name]
    assert not up.ok  # each has at least one error that blocks storing


def test_committed_sample_files_are_the_generated_ones():
    assert sorted(p.name for p in (SAMPLE_DIR / "broken").iterdir()) == sorted(BROKEN_FILES)
    bureau_files = sorted(p.name for p in (SAMPLE_DIR / "bureau").glob("*.xlsx"))
    assert history_name() in bureau_files and len(bureau_files) == 11
    total = sum(p.stat().st_size for d in ("bureau", "broken") for p in (SAMPLE_DIR / d).iterdir())
    assert total < 5 * 2**20


def test_stars_spread_like_a_real_bureau_with_a_few_unrated_and_a_cap(bureau):
    """A first look at the demo must not say the whole bureau is failing: on the month the screens open
    on (2026-09, the latest complete one — 2026-10 misses one station in the demo) every star level from ★
    to ★★★★★ is held by some offices, none holds most of them, a few are 待评, and a cap binds somewhere."""
    from metrics.dataset import Dataset
    from metrics.indicators import compute
    from metrics.ranking import rank
    from metrics.rubric import load_rubric
    from metrics.scoring import score

    monthly, ledger = bureau
    ranked = rank(score(compute(Dataset(monthly=monthly, ledger=ledger, sources=[]), "2026-09", "office").units,
                        load_rubric()))
    stars = ranked["stars"].value_counts()
    assert set(stars.index.astype(int)) == {1, 2, 3, 4, 5}
    assert stars.max() <= 0.35 * len(ranked)
    assert 1 <= ranked["stars"].isna().sum() <= 6
    assert ranked["capped_by"].notna().sum() >= 1
    assert ranked["score"].max() >= 90

