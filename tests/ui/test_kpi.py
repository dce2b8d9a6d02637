"""KPI card colours follow the indicator's direction, an unchanged value is neither good nor bad, and the
change shown is the one given (the engine's 同比), never one the card computes."""

from services.changes import Change
from ui.kpi import delta_colour, format_change


def test_colour_follows_the_direction_of_the_indicator():
    assert delta_colour("resolution_rate", 0.1) == "normal"  # higher is better
    assert delta_colour("red_open", -2) == "inverse"  # lower is better


def test_no_change_is_shown_without_colour():
    assert delta_colour("red_open", 0) == "off"
    assert delta_colour("resolution_rate", 0.0) == "off"


def test_unknown_change_keeps_the_direction_colour():
    assert delta_colour("red_open", None) == "inverse"


def test_count_change_shows_the_engine_yoy_not_a_ratio_of_its_own():
    # absolute −121 on a prior of 1,000 would be −12.1 %; the engine's like-for-like 同比 says −10.0 %
    assert format_change("alerts", Change("alerts", -121.0, -0.10024, "engine_yoy")) == "-121（-10.0%）"
    assert format_change("resolution_rate", Change("resolution_rate", -0.034, float("nan"), "same_offices", 36)) \
        == "-3.4 个百分点"
    assert format_change("alerts", Change("alerts", float("nan"), float("nan"), "engine_yoy")) is None
