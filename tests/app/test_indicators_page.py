"""指标分析 through AppTest on the demo bureau: every role, scope limits, drill-down refusal."""

from __future__ import annotations

import analysis_helpers
import pytest
from analysis_helpers import actor as _actor
from app_helpers import no_failure, sign_in, texts

from services import rating_views as rv
from services.errors import PermissionDenied

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)
PAGE = "pages/indicators.py"


@pytest.mark.parametrize("role", ["leadership", "station_head", "evaluator", "admin"])
def test_indicator_page_renders_for_every_role(demo, role):
    at = sign_in(demo, role, PAGE)
    no_failure(at)
    assert at.title[0].value == "指标分析"
    assert at.dataframe, "the indicator table is shown"


def test_station_head_indicator_table_holds_only_their_own_offices(demo):
    head = _actor(demo, "station_head")
    at = sign_in(demo, "station_head", PAGE)
    no_failure(at)
    table = at.dataframe[0].value
    assert len(table) > 0
    assert set(table["station"]) == {head.scope_value}
    # and no other level than office/station is offered
    assert list(at.radio(key="ind_level").options) == ["警务室", "派出所"]


def test_evaluator_indicator_table_holds_every_office_and_matches_the_service(demo):
    ev = _actor(demo, "evaluator")
    at = sign_in(demo, "evaluator", PAGE)
    table = at.dataframe[0].value
    from services import completeness

    shown_month = completeness.default_periods(demo, ev)["month"]  # the latest complete month
    view = rv.indicator_view(demo, ev, shown_month, "office")
    assert sorted(table["code"]) == sorted(view.units["code"])
    assert len(set(table["station"])) > 1
    # percent with one decimal: the shown resolution rate is the engine's fraction × 100
    shown = table.set_index("code")["resolution_rate"]
    engine = view.units.set_index("code")["resolution_rate"] * 100
    assert shown.dropna().round(6).equals(engine.loc[shown.dropna().index].round(6))


def test_station_level_and_drill_down_render_for_leadership(demo):
    at = sign_in(demo, "leadership", PAGE)
    at.radio(key="ind_level").set_value("station").run()
    no_failure(at)
    assert len(at.dataframe[0].value) > 1
    assert any(x.startswith("本期受理的纠纷") for x in texts(at))


def test_forged_drill_value_for_another_station_is_refused_by_the_service(demo):
    head = _actor(demo, "station_head")
    others = set(rv.visible_units(demo, _actor(demo, "evaluator"))["station"]) - {head.scope_value}
    with pytest.raises(PermissionDenied):
        rv.ledger_view(demo, head, level="station", unit=sorted(others)[0])
    with pytest.raises(PermissionDenied):
        rv.indicator_view(demo, head, rv.months_in_scope(demo, head)[-1], "bureau")


def test_trend_keeps_units_and_data_after_the_level_changes(demo):
    """Changing 层级 used to leave the unit picker empty and the trend chart blank (axes −1…6)."""
    at = sign_in(demo, "evaluator", PAGE)
    no_failure(at)
    at.radio(key="ind_level").set_value("station").run()
    no_failure(at)
    picker = next(m for m in at.multiselect if m.label == "显示的单位（最多 12 个）")
    assert picker.value and set(picker.value) <= set(picker.options)
    assert all(name.endswith("派出所") for name in picker.value)
    chart = next(c for c in at.get("plotly_chart") if "ind_trend_chart" in c.proto.id)
    import json

    traces = json.loads(chart.proto.spec)["data"]
    assert traces and all(any(y is not None for y in tr["y"]) for tr in traces)
