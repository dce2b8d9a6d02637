"""``monthly_series`` finds every month's components in one pass, yet each point equals
``compute(dataset, month, level)`` exactly: same units in the same order, same value — for every
indicator, every level, months whose as_of falls before their end (status read as of that day),
months after the last reported month, a ledger-only office, repeated months and custom time limits."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from metrics.dataset import Dataset, SourceFile, Upload, merge
from metrics.indicators import INDICATORS, compute_levels, monthly_series
from metrics.indicators.components import ledger_components
from metrics.indicators.engine import ID_COLUMNS
from metrics.indicators.series import ledger_components_by_month
from metrics.indicators.units import office_table
from metrics.periods import default_as_of, month_first_day, month_last_day, parse_period
from sample_data.generate import build_bureau

MONTHS = ["2025-11", "2026-02", "2026-05", "2026-06", "2026-09", "2026-10", "2026-11"]
"""2026-10 is the last reported month: 2026-11 is read as of 2026-10-31, before it starts."""


@pytest.fixture(scope="module")
def bureau() -> Dataset:
    monthly, ledger = build_bureau(branches=2, stations=4, offices=12, disputes_per_office_year=150)
    # A ledger-only office (no monthly rows) with disputes in two of the months, one resolved later.
    extra = ledger.iloc[:3].copy()
    extra["office_code"] = "9999999999"
    extra["dispute_id"] = ["X-1", "X-2", "X-3"]
    extra["received_date"] = pd.to_datetime(["2026-02-03", "2026-02-20", "2026-06-10"]).astype("datetime64[ns]")
    extra["status"] = ["已化解", "化解中", "已化解"]
    extra["resolved_date"] = pd.to_datetime(["2026-03-05", None, "2026-06-12"]).astype("datetime64[ns]")
    extra["follow_up_date"] = pd.NaT
    ledger = pd.concat([ledger, extra], ignore_index=True)
    up = Upload(source=SourceFile("b.xlsx", "0" * 64, 1), monthly=monthly.assign(_file="b.xlsx"),
                ledger=ledger.assign(_file="b.xlsx"))
    return merge([up])


def _reference(ds: Dataset, months: list[str], time_limits=None) -> dict[str, dict]:
    return {m: compute_levels(ds, m, time_limits=time_limits) for m in dict.fromkeys(months)}


def _expected(ref: dict, months: list[str], level: str, key: str) -> pd.DataFrame:
    frames = [ref[m][level].units[list(ID_COLUMNS)].assign(month=m, value=ref[m][level].units[key].to_numpy())
              for m in months]
    return pd.concat(frames, ignore_index=True)[[*ID_COLUMNS, "month", "value"]]


@pytest.fixture(scope="module")
def reference(bureau):
    return _reference(bureau, MONTHS)


@pytest.mark.parametrize("level", ["office", "station", "branch", "bureau"])
def test_every_indicator_series_equals_compute_of_each_month(bureau, reference, level):
    for key in INDICATORS:
        got = monthly_series(bureau, MONTHS, level, key)
        assert_frame_equal(got, _expected(reference, MONTHS, level, key), check_exact=True, check_dtype=False)


def test_ledger_series_sees_the_status_as_of_each_month(bureau, reference):
    got = monthly_series(bureau, MONTHS, "office", "open")
    x = got[got["code"] == "9999999999"].set_index("month")["value"]
    # X-1 (received 02-03, resolved 03-05) is still open at the end of February; X-3 resolved in June.
    assert x.to_dict() == {"2026-02": 2.0, "2026-06": 0.0}
    assert (reference["2026-11"]["office"].units["disputes"].fillna(0) == 0).all()
    assert got.loc[got["month"] == "2026-10", "value"].sum() > 0


def test_repeated_months_and_custom_time_limits_equal_compute(bureau):
    limits = {"一般": 2, "复杂": 5, "疑难": 30}
    months = ["2026-06", "2026-05", "2026-06"]
    ref = _reference(bureau, months, limits)
    for key in ("on_time_rate", "overdue_open", "repeat_disputes", "alerts"):
        got = monthly_series(bureau, months, "station", key, time_limits=limits)
        assert_frame_equal(got, _expected(ref, months, "station", key), check_exact=True, check_dtype=False)


def test_month_components_in_one_pass_equal_ledger_components_per_month(bureau):
    offices = office_table(bureau.monthly, bureau.ledger)
    reported = pd.unique(bureau.monthly["month"].astype(object))
    as_ofs = [default_as_of(parse_period(m), reported) for m in MONTHS]
    block = ledger_components_by_month(bureau.ledger, offices, MONTHS, as_ofs)
    for i, (m, as_of) in enumerate(zip(MONTHS, as_ofs, strict=True)):
        want = ledger_components(bureau.ledger, offices, month_first_day(m), month_last_day(m), as_of)
        assert np.array_equal(block[:, i, :], want.to_numpy(dtype="float64")), m
        assert list(want.columns) == [
            "disputes", "resolved", "transferred", "failed", "open", "on_time", "follow_up_done", "follow_up_due",
            "proactive", "grassroots", "level_given", "overdue_open", "red_open", "repeat_disputes"]
    assert block[..., -1].sum() > 0 and block[..., 0].sum() > 100


def test_mid_month_as_of_reads_only_disputes_received_by_then():
    monthly, ledger = build_bureau(branches=1, stations=1, offices=3, months=("2026-01", "2026-03"),
                                   disputes_per_office_year=200)
    ds = merge([Upload(source=SourceFile("b.xlsx", "0" * 64, 1), monthly=monthly.assign(_file="b.xlsx"),
                       ledger=ledger.assign(_file="b.xlsx"))])
    offices = office_table(ds.monthly, ds.ledger)
    as_ofs = [date(2026, 2, 10), date(2026, 3, 31)]
    block = ledger_components_by_month(ds.ledger, offices, ["2026-02", "2026-03"], as_ofs)
    for i, (m, as_of) in enumerate(zip(["2026-02", "2026-03"], as_ofs, strict=True)):
        want = ledger_components(ds.ledger, offices, month_first_day(m), month_last_day(m), as_of)
        assert np.array_equal(block[:, i, :], want.to_numpy(dtype="float64"))
    received = ds.ledger["received_date"]
    assert block[:, 0, 0].sum() == ((received >= "2026-02-01") & (received <= "2026-02-10")).sum()


def test_empty_months_and_unknown_key():
    ds = merge([])
    assert list(monthly_series(ds, [], "office", "alerts").columns) == [*ID_COLUMNS, "month", "value"]
    with pytest.raises(KeyError):
        monthly_series(ds, ["2026-01"], "office", "no_such_key")


def test_only_the_asked_components_are_read_and_they_equal_the_full_pass(bureau):
    from metrics.indicators.series import LEDGER_COLUMNS, components_read

    offices = office_table(bureau.monthly, bureau.ledger)
    reported = pd.unique(bureau.monthly["month"].astype(object))
    as_ofs = [default_as_of(parse_period(m), reported) for m in MONTHS]
    full = ledger_components_by_month(bureau.ledger, offices, MONTHS, as_ofs)
    for cols in (["repeat_disputes"], ["red_open", "disputes"], ["on_time", "overdue_open", "grassroots"]):
        part = ledger_components_by_month(bureau.ledger, offices, MONTHS, as_ofs, columns=cols)
        assert np.array_equal(part, full[:, :, [LEDGER_COLUMNS.index(c) for c in cols]])
    assert components_read(INDICATORS["resolution_rate"].func) == ["disputes", "resolved", "transferred"]
    with pytest.raises(KeyError):
        ledger_components_by_month(bureau.ledger, offices, MONTHS, as_ofs, columns=["alerts"])
