"""KPI card colours follow the indicator's direction, and an unchanged value is neither good nor bad."""

from ui.kpi import delta_colour


def test_colour_follows_the_direction_of_the_indicator():
    assert delta_colour("resolution_rate", 0.9, 0.8) == "normal"  # higher is better
    assert delta_colour("red_open", 3, 5) == "inverse"  # lower is better


def test_no_change_is_shown_without_colour():
    assert delta_colour("red_open", 0, 0) == "off"
    assert delta_colour("resolution_rate", 0.9, 0.9) == "off"


def test_unknown_prior_keeps_the_direction_colour():
    assert delta_colour("red_open", 0, None) == "inverse"
