"""A station head sees the same numbers for their own offices as leadership does — even when a repeat
dispute's partner sits at another station — and their warnings never name another station's dispute.

Two station workbooks (sample_data's generator, real .xlsx) go through the real upload services; one
party appears on a dispute at 城南派出所 and, 14 days later, on one at 城关派出所. metrics.md counts the
later one as a repeat dispute ("another dispute (any office)"), which only a bureau-wide computation
sees.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from metrics.indicators import compute
from metrics.indicators.registry import INDICATORS
from metrics.periods import parse_period
from sample_data.generate import build_bureau, write_station_workbook
from services import rating_views, reading, uploads, views
from services.accounts import create_user
from tests.dbfixtures import create_users

KEYS = list(INDICATORS)
HOME, AWAY = "城关派出所", "城南派出所"
HOME_BRANCH, AWAY_BRANCH = "东城分局", "西城分局"
PARTY = "P-CROSS-STATION-1"
GAP_DAYS = 14


def _bureau() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Two branches of one station each; one party on a dispute at each station, 14 days apart."""
    monthly, ledger = build_bureau(branches=2, stations=2, offices=4, months=("2026-06", "2026-09"), seed=11)
    rename = dict(zip(sorted(set(monthly["station"])), (HOME, AWAY), strict=True))
    branch_of = {HOME: HOME_BRANCH, AWAY: AWAY_BRANCH}
    monthly["station"] = monthly["station"].map(rename)
    monthly["branch"] = monthly["station"].map(branch_of)
    station_of = monthly.drop_duplicates("office_code").set_index("office_code")["station"]
    at = ledger["office_code"].map(station_of)
    received = pd.to_datetime(ledger["received_date"])
    home = ledger[(at == HOME) & (received >= "2026-09-15") & (received <= "2026-09-25")].index[0]
    partner_day = received[home] - pd.Timedelta(days=GAP_DAYS)
    away = ledger[(at == AWAY) & (received == partner_day)].index
    if not len(away):  # move an AWAY dispute received that month onto the partner day (a valid row stays valid)
        # (resolved and followed up, if at all, on or after the partner day: the dates stay in order)
        cand = ledger[(at == AWAY) & (received.dt.month == partner_day.month)
                      & ~(ledger["resolved_date"] < partner_day) & ~(ledger["follow_up_date"] < partner_day)].index
        away = cand[:1]
        ledger.loc[away, "received_date"] = partner_day
    away = away[0]
    ledger.loc[[home, away], "party_key"] = PARTY
    facts = {"home_id": ledger.at[home, "dispute_id"], "home_office": ledger.at[home, "office_code"],
             "away_id": ledger.at[away, "dispute_id"], "away_office": ledger.at[away, "office_code"],
             "away_offices": set(monthly.loc[monthly["station"] == AWAY, "office_code"]),
             "away_names": set(monthly.loc[monthly["station"] == AWAY, "office_name"])}
    return monthly, ledger, facts


def _upload(app, actor, name: str, monthly: pd.DataFrame, ledger: pd.DataFrame) -> None:
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    plan = uploads.prepare_upload(app, actor, [(name, buf.getvalue())])
    assert not plan.blocked, [p.message for p in plan.problems if p.severity == "error"]
    uploads.commit_upload(app, actor, plan, acknowledge_warnings=True)


@pytest.fixture
def bureau(app):
    reading.clear_cache()
    u = create_users(app)
    monthly, ledger, facts = _bureau()
    for station in (AWAY, HOME):
        m = monthly[monthly["station"] == station]
        led = ledger[ledger["office_code"].isin(set(m["office_code"]))]
        _upload(app, u["eval"], f"{station}.xlsx", m, led)
    # a branch scope must name a branch the registry knows: after the uploads
    u["branch_lead"] = create_user(app, u["admin"], "branch_lead", "Branch-Lead-2026!", "leadership",
                                   scope_kind="branch", scope_value=HOME_BRANCH)
    return u, facts


def _same(mine: pd.DataFrame, theirs: pd.DataFrame, index: str = "code") -> None:
    a = mine.set_index(index).sort_index()
    b = theirs.set_index(index).loc[a.index]
    assert len(a)
    pd.testing.assert_frame_equal(a[KEYS], b[KEYS], check_exact=True)


def test_station_head_sees_leadership_values_for_every_indicator_of_their_offices(bureau, app):
    for period in ("2026-09", "2026Q3"):
        _check_period(app, *bureau, period)


def _check_period(app, u, facts, period: str) -> None:
    head, lead = u["head"], u["lead"]
    for level in ("office", "station"):
        mine = rating_views.indicator_view(app, head, period, level).units
        assert set(mine["station"]) == {HOME}
        _same(mine, rating_views.indicator_view(app, lead, period, level).units)
        report, _ = reading.indicators(app, head, period, level)
        _same(report.units, rating_views.indicator_view(app, lead, period, level).units)

    # The repeat partner at the other station counts: the head's office has a repeat dispute, which a
    # computation on the head's own rows alone would miss.
    office = rating_views.indicator_view(app, head, period, "office").units.set_index("code")
    own_rows = compute(_rows_of_station(app, HOME), period, "office").units.set_index("code")
    assert office.at[facts["home_office"], "repeat_disputes"] == own_rows.at[facts["home_office"], "repeat_disputes"] + 1

    # 总览: the station head's total is their station's unit as leadership computes it, prior year too.
    p = parse_period(period)
    ov_head, ov_lead = views.overview(app, head, p), views.overview(app, lead, p)
    station_row = ov_lead.stations.set_index("code").loc[HOME]
    for key in KEYS:
        assert _eq(ov_head.total[key], station_row[key]), key
    # and its changes on the prior year are the station's like-for-like ones (the engine's 同比 for counts)
    assert _eq(ov_head.changes["alerts"].relative, station_row["alerts_yoy"])
    assert _eq(ov_head.changes["criminal_cases"].absolute,
               station_row["criminal_cases"] - station_row["criminal_cases_prior"])
    _same(ov_head.stations, ov_lead.stations)
    # Scores, ranks and stars are the bureau's, restricted to the head's offices.
    cols = ["rank", "score", "stars"]
    theirs = ov_lead.offices.set_index("code").loc[sorted(ov_head.offices["code"])]
    pd.testing.assert_frame_equal(ov_head.offices.set_index("code").sort_index()[cols], theirs[cols])
    assert ov_head.stars["count"].sum() == len(ov_head.offices) < len(ov_lead.offices)


def test_branch_leader_total_is_the_branch_unit_and_trend_points_match(bureau, app):
    u, _ = bureau
    period = parse_period("2026-09")
    branch = views.overview(app, u["branch_lead"], period)
    lead = views.overview(app, u["lead"], period)
    row = lead.branches.set_index("code").loc[HOME_BRANCH]
    assert all(_eq(branch.total[k], row[k]) for k in KEYS)
    assert set(branch.offices["branch"]) == {HOME_BRANCH} and list(branch.branches["code"]) == [HOME_BRANCH]
    trend = views.trend(app, u["head"], "repeat_disputes", "2026-09", months=4)
    station = rating_views.trend_view(app, u["lead"], "repeat_disputes", "station", "2026-09", months=4)
    expected = station[station["code"] == HOME].set_index("month")["value"]
    assert list(trend["month"]) == ["2026-06", "2026-07", "2026-08", "2026-09"]
    assert np.array_equal(trend["value"].to_numpy(), expected.loc[trend["month"]].to_numpy(), equal_nan=True)


def test_station_head_warnings_name_no_other_stations_dispute_or_office(bureau, app):
    u, facts = bureau
    p = parse_period("2026-09")
    lead_warnings = views.overview(app, u["lead"], p).warnings
    lead_repeat = lead_warnings[lead_warnings["dispute_id"] == facts["home_id"]]
    assert facts["away_id"] in lead_repeat.iloc[0]["message"]  # leadership sees the partner by name

    head_warnings = views.overview(app, u["head"], p).warnings
    board = rating_views.dispute_board(app, u["head"])
    mine = head_warnings[(head_warnings["rule"] == "repeat_dispute") & (head_warnings["dispute_id"] == facts["home_id"])]
    assert len(mine) == 1
    assert f"{reading.ELSEWHERE}（相隔 {GAP_DAYS} 天）" in mine.iloc[0]["message"]
    assert reading.ELSEWHERE in mine.iloc[0]["details"]["earlier"]
    assert facts["home_id"] in set(board.repeat["dispute_id"])
    forbidden = {facts["away_id"], *facts["away_offices"], *facts["away_names"], AWAY}
    for frame in (head_warnings, board.repeat):
        assert set(frame["station"]) <= {HOME}
        text = frame.astype(str).to_string() + json.dumps(list(frame.get("details", [])), ensure_ascii=False,
                                                           default=str)
        leaked = {f for f in forbidden if f in text}
        assert not leaked, leaked


def _eq(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def _rows_of_station(app, station: str):
    """The head's own rows only — what the old per-scope computation read (for the contrast above)."""
    from metrics.dataset import Dataset

    ds = reading.stored(app).dataset
    codes = set(ds.monthly.loc[ds.monthly["station"] == station, "office_code"])
    return Dataset(monthly=ds.monthly[ds.monthly["office_code"].isin(codes)],
                   ledger=ds.ledger[ds.ledger["office_code"].isin(codes)])
