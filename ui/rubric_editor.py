"""The rubric editor widgets: items, bands, caps and settings in the evaluator's terms; returns plain data.

Floors, targets and cap thresholds are shown and typed in the indicator's own unit from the registry
(rates and year-on-year changes in %, hours in 小时/人·天; ``metrics.rubric_units``) and converted
exactly back to the engine's units. Number fields are live text inputs: every keystroke (after a short
pause) reruns the page, so validation answers while the evaluator types, without leaving the field.

:func:`show` returns ``(data, problems)``: the dict ``metrics.rubric.rubric_problems`` validates and
the sentences for what could not be read as a number at all. Widget keys carry the base version and an
edit generation, so loading another version or removing a row starts from fresh widgets. Labels typed
by evaluators stay in inputs and tables.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import streamlit as st

import ui.rubric_text  # noqa: F401  (registers the editor's sentences)
from metrics.indicators.registry import INDICATORS
from metrics.rubric import CAP_OPS
from metrics.rubric_units import UnitError, display_unit, from_display, to_display
from ui.i18n import indicator_label, t

STATE = "rub_edit"
STARS = (1, 2, 3, 4, 5)


def _metric_label(k: str) -> str:
    return f"{indicator_label(k)}（{k}）" if k in INDICATORS else k


def load(base: Any, data: dict[str, Any]) -> None:
    """Start editing ``data`` (version ``base``) unless it is already being edited."""
    cur = st.session_state.get(STATE)
    if cur is None or cur["base"] != base:
        st.session_state[STATE] = {"base": base, "gen": 0, "data": data}


def reset() -> None:
    """Forget the edits (after saving): the next :func:`load` starts from the stored version."""
    st.session_state.pop(STATE, None)


def _bump(mutate) -> None:
    state = st.session_state[STATE]
    mutate(state["data"])
    state["gen"] += 1


def _plain(text: str) -> float:
    try:
        d = Decimal(str(text).strip().replace("，", "").replace(",", ""))
    except InvalidOperation:
        raise UnitError(f"“{text}”不是数字") from None
    if not d.is_finite():
        raise UnitError(f"“{text}”不是有限的数字")
    return float(d)


class _Reader:
    """Reads typed numbers, keeping the stored value and one sentence when the text is not a number."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def unit(self, where: str, field: str, metric: str, text: str, old: float) -> float:
        try:
            return from_display(metric, text)
        except UnitError as exc:
            self.problems.append(f"{where}：{field}{exc}。")
            return old

    def plain(self, where: str, field: str, text: str, old: float) -> float:
        try:
            return _plain(text)
        except UnitError as exc:
            self.problems.append(f"{where}：{field}{exc}。")
            return old


def _unit_text(metric: str) -> str:
    return display_unit(metric).unit if metric in INDICATORS else ""


def _shown(metric: str, value: float) -> str:
    return to_display(metric, value) if metric in INDICATORS else f"{value:g}"


def _fmt(value: float) -> str:
    return format(Decimal(repr(float(value))).normalize(), "f")


def show() -> tuple[dict[str, Any], list[str]]:
    """Render the editor for the loaded rubric; return the edited data and the unreadable inputs."""
    state = st.session_state[STATE]
    data, p = state["data"], f"rub_{state['base']}_{state['gen']}"
    metrics = list(INDICATORS)
    read = _Reader()
    st.markdown(f"**{t('rub_items')}**")
    st.caption(t("rub_units_hint"))
    items = []
    for i, it in enumerate(data["items"]):
        where = t("rub_item_where", n=i + 1, label=it["label"])
        c = st.columns([3, 3, 1.1, 1.5, 1.5, 1.2, 0.8])
        label = c[0].text_input(t("rub_label"), it["label"], key=f"{p}_i{i}_label", live=True)
        metric = c[1].selectbox(t("rub_metric"), metrics, index=metrics.index(it["metric"]) if it["metric"] in metrics
                                else 0, format_func=_metric_label, key=f"{p}_i{i}_metric")
        unit = _unit_text(metric)
        weight = read.plain(where, t("rub_weight"), c[2].text_input(
            t("rub_weight"), _fmt(it["weight"]), key=f"{p}_i{i}_weight", live=True), it["weight"])
        floor = read.unit(where, t("rub_floor"), metric, c[3].text_input(
            t("rub_floor_unit", unit=unit), _shown(it["metric"], it["floor"]), key=f"{p}_i{i}_floor", live=True),
            it["floor"])
        target = read.unit(where, t("rub_target"), metric, c[4].text_input(
            t("rub_target_unit", unit=unit), _shown(it["metric"], it["target"]), key=f"{p}_i{i}_target", live=True),
            it["target"])
        reverse = c[5].checkbox(t("rub_reverse"), value=bool(it.get("reverse", False)), key=f"{p}_i{i}_reverse",
                                help=t("rub_reverse_help"))
        if c[6].button(t("rub_remove"), key=f"{p}_i{i}_rm"):
            _bump(lambda d, i=i: d["items"].pop(i))
            st.rerun()
        row = {"key": it.get("key") or metric, "label": label, "metric": metric, "weight": weight,
               "floor": floor, "target": target}
        if reverse:
            row["reverse"] = True
        items.append(row)
    if st.button(t("rub_add_item"), key=f"{p}_add_item"):
        used = {x["metric"] for x in items}
        free = next((m for m in metrics if m not in used and INDICATORS[m].better), metrics[0])
        low, high = (0.0, 1.0) if INDICATORS[free].better == "higher" else (1.0, 0.0)
        _bump(lambda d: d["items"].append({"key": free, "label": INDICATORS[free].label, "metric": free,
                                           "weight": 0.0, "floor": low, "target": high}))
        st.rerun()
    st.caption(t("rub_weight_sum", total=f"{sum(x['weight'] for x in items):g}"))

    st.markdown(f"**{t('rub_bands')}**")
    bands = []
    for i, b in enumerate(data["bands"]):
        where = t("rub_band_where", n=i + 1)
        c = st.columns(2)
        min_score = read.plain(where, t("rub_min_score"), c[0].text_input(
            t("rub_min_score"), _fmt(b["min_score"]), key=f"{p}_b{i}_min", live=True), b["min_score"])
        stars = c[1].selectbox(t("rub_stars"), STARS, index=STARS.index(b["stars"]) if b["stars"] in STARS else 4,
                               key=f"{p}_b{i}_stars")
        bands.append({"min_score": min_score, "stars": int(stars)})

    st.markdown(f"**{t('rub_caps')}**")
    caps = []
    for i, cap in enumerate(data.get("caps", [])):
        where = t("rub_cap_where", n=i + 1, label=cap.get("label", ""))
        c = st.columns([3, 3, 1, 1.5, 1.3, 0.8])
        label = c[0].text_input(t("rub_label"), cap.get("label", ""), key=f"{p}_c{i}_label", live=True)
        metric = c[1].selectbox(t("rub_metric"), metrics, index=metrics.index(cap["metric"]) if cap["metric"] in metrics
                                else 0, format_func=_metric_label, key=f"{p}_c{i}_metric")
        op = c[2].selectbox(t("rub_op"), CAP_OPS, index=CAP_OPS.index(cap["op"]) if cap["op"] in CAP_OPS else 0,
                            key=f"{p}_c{i}_op")
        threshold = read.unit(where, t("rub_threshold"), metric, c[3].text_input(
            t("rub_threshold_unit", unit=_unit_text(metric)), _shown(cap["metric"], cap["threshold"]),
            key=f"{p}_c{i}_thr", live=True), cap["threshold"])
        max_stars = c[4].selectbox(t("rub_max_stars"), STARS, index=STARS.index(cap["max_stars"])
                                   if cap["max_stars"] in STARS else 0, key=f"{p}_c{i}_max")
        if c[5].button(t("rub_remove"), key=f"{p}_c{i}_rm"):
            _bump(lambda d, i=i: d["caps"].pop(i))
            st.rerun()
        caps.append({"metric": metric, "label": label, "op": op, "threshold": threshold, "max_stars": int(max_stars)})
    if st.button(t("rub_add_cap"), key=f"{p}_add_cap"):
        _bump(lambda d: d.setdefault("caps", []).append({"metric": "civil_to_criminal", "label": "新封顶规则",
                                                         "op": ">", "threshold": 0.0, "max_stars": 2}))
        st.rerun()

    st.markdown(f"**{t('rub_other')}**")
    where = t("rub_other")
    c = st.columns(3)
    old_w = float(data.get("min_weight_with_data", 80))
    min_w = read.plain(where, t("rub_min_weight"), c[0].text_input(
        t("rub_min_weight"), _fmt(old_w), key=f"{p}_minw", live=True), old_w)
    quota = data.get("quota", {})
    enabled = c[1].checkbox(t("rub_quota"), value=bool(quota.get("enabled", False)), key=f"{p}_quota")
    old_share = float(quota.get("top_share", 0.2))
    share_pct = read.plain(where, t("rub_quota_share"), c[2].text_input(
        t("rub_quota_share_pct"), _fmt(float(Decimal(repr(old_share)) * 100)), key=f"{p}_share", live=True),
        old_share * 100)
    share = float(Decimal(repr(share_pct)) / 100)
    edited = {"version": str(data.get("version", "draft")), "min_weight_with_data": min_w, "items": items,
              "bands": bands, "caps": caps, "quota": {"enabled": enabled, "top_share": share}}
    return edited, read.problems
