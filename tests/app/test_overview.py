"""总览 on the demo bureau: renders for every role, and shows only what the role's scope allows."""

from __future__ import annotations

import pytest
from app_helpers import no_failure, sign_in

from services import demo
from store import rows


@pytest.mark.parametrize("role", ["leadership", "station_head", "evaluator", "admin"])
def test_overview_renders_for_every_role_with_kpis_and_demo_banner(shared_demo, role):
    at = sign_in(shared_demo, role)
    no_failure(at)
    assert at.title[0].value == "总览"
    assert any("演示模式" in w.value for w in at.warning)
    labels = [m.label for m in at.metric]
    assert "矛盾纠纷化解率" in labels and "警情总数" in labels


def test_station_head_overview_holds_only_their_station(shared_demo):
    at = sign_in(shared_demo, "station_head")
    no_failure(at)
    with shared_demo.db.read() as conn:
        registry = rows.office_registry(conn)
    head_station = at.session_state["_actor"].scope_value
    own = {c for c, r in registry.items() if r["station"] == head_station}
    assert own and len(own) < len(registry)
    shown, station_tables = set(), 0
    for df in at.dataframe:
        frame = df.value
        for col in frame.columns:
            if frame[col].astype(str).isin(set(registry)).any():
                shown |= set(frame[col].astype(str)) & set(registry)
        if "station" in frame.columns:
            assert set(frame["station"].dropna()) <= {head_station}, set(frame["station"])
            station_tables += 1
    assert shown and shown <= own
    assert station_tables >= 1  # the one ranked list (and warnings); completeness only lists missing stations
    assert "本范围警务室排名" in [h.value for h in at.subheader]  # fewer than ten offices: one list
    assert "得分最高的五个警务室" not in [h.value for h in at.subheader]


def _choose_month(at, month: str):
    at.selectbox(key="ov_period_month").select(month).run()
    no_failure(at)
    return at


def test_leadership_overview_lists_only_the_station_that_has_not_reported(shared_demo):
    at = _choose_month(sign_in(shared_demo, "leadership"), "2026-10")
    completeness = next(df.value for df in at.dataframe if "missing" in df.value.columns)
    _, station_files = demo.sample_files()
    skipped_station = station_files[-1].name.split("_")[1]
    assert list(completeness["station"]) == [skipped_station]  # not every station
    assert "尚未上报的派出所" not in "".join(map(str, completeness.columns))
    assert not any("均已上报" in s.value for s in at.success)


def test_a_complete_month_says_every_station_reported_and_lists_none(shared_demo):
    at = _choose_month(sign_in(shared_demo, "leadership"), "2026-09")
    assert any("均已上报" in s.value for s in at.success)
    assert not [df for df in at.dataframe if "missing" in df.value.columns]


def test_station_head_compares_their_offices_not_an_empty_branch_chart(shared_demo):
    import json

    at = sign_in(shared_demo, "station_head")
    no_failure(at)
    charts = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    compare = [spec for cid, spec in charts.items() if "ov_cmp_" in cid]
    assert len(compare) == 1 and any("ov_cmp_office" in cid for cid in charts)
    bars = compare[0]["data"][0]
    assert len(bars["y"]) == 4  # the station's four offices, each a bar
