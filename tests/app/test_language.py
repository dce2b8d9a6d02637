"""The English switch: indicator names come from the registry in the chosen language (Chinese by default),
on the KPI cards, in the indicator pickers, the indicator table's headers and the charts."""

from __future__ import annotations

import json
import re

from app_helpers import no_failure, sign_in

from metrics.indicators.registry import INDICATORS, label_in

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_TO_KEY = {ind.label: key for key, ind in INDICATORS.items()}
EN_TO_KEY = {ind.label_en: key for key, ind in INDICATORS.items()}


def test_every_indicator_has_an_english_label_and_chinese_stays_the_default():
    for key, ind in INDICATORS.items():
        assert label_in(key) == ind.label and CJK.search(ind.label), key
        english = label_in(key, "en")
        assert english == ind.label_en and english.strip() and not CJK.search(english), key
    assert len(EN_TO_KEY) == len(INDICATORS)  # no two indicators share an English name


def _in_english(at):
    """Pick English in the sidebar's language box (AppTest runs a page opened with ``switch_page`` on
    its own, without app.py's sidebar: the box's session value is then set directly)."""
    if any(s.key == "lang" for s in at.selectbox):
        at.selectbox(key="lang").select("en").run()
    else:
        at.session_state["lang"] = "en"
        at.run()
    no_failure(at)
    return at


def test_overview_cards_name_the_indicators_in_the_chosen_language(shared_demo):
    at = sign_in(shared_demo, "leadership")
    no_failure(at)
    zh = [m.label for m in at.metric]
    assert zh and all(label in ZH_TO_KEY for label in zh), zh
    _in_english(at)
    en = [m.label for m in at.metric]
    assert en == [INDICATORS[ZH_TO_KEY[label]].label_en for label in zh]


def test_overview_pickers_name_the_indicators_in_the_chosen_language(shared_demo):
    at = sign_in(shared_demo, "leadership")
    no_failure(at)
    for key in ("ov_trend_key", "ov_compare_key"):
        assert all(o in ZH_TO_KEY for o in at.selectbox(key=key).options), key
    _in_english(at)
    for key in ("ov_trend_key", "ov_compare_key"):
        options = at.selectbox(key=key).options
        assert options and all(o in EN_TO_KEY for o in options), (key, options)


def test_indicator_screen_pickers_table_and_charts_use_english_labels(shared_demo):
    at = sign_in(shared_demo, "evaluator", "pages/indicators.py")
    no_failure(at)
    assert at.selectbox(key="ind_trend_key").options[0] == INDICATORS["alerts"].label
    _in_english(at)
    trend = at.selectbox(key="ind_trend_key")
    assert trend.options == [ind.label_en for ind in INDICATORS.values()]
    heat = at.selectbox(key="ind_heat_key")
    assert heat.options and all(o in EN_TO_KEY for o in heat.options)
    config = json.loads(at.dataframe[0].proto.columns)
    headers = {col: c.get("label") for col, c in config.items()}
    assert headers["satisfaction"] == "Satisfaction"
    assert headers["satisfaction_low"] == "Satisfaction low"
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert "Police calls by month" in titles, titles
    axis = charts[titles.index("Police calls by month")]["layout"]["yaxis"]["title"]["text"]
    assert axis == "Police calls (count)"
