"""The rubric editor widgets: items, bands, caps and settings as plain inputs; returns plain data.

Returns the dict ``metrics.rubric.rubric_from_dict`` validates, so validation as you type is the
engine's own. Widget keys carry the base version and an edit generation, so loading another version
or removing a row starts from fresh widgets. Labels typed by evaluators stay in inputs and tables.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from metrics.indicators.registry import INDICATORS
from metrics.rubric import CAP_OPS
from ui.i18n import indicator_label, t

STATE = "rub_edit"


def _metric_label(k: str) -> str:
    return f"{indicator_label(k)}（{k}）" if k in INDICATORS else k


def load(base: int, data: dict[str, Any]) -> None:
    """Start editing ``data`` (version ``base``) unless it is already being edited."""
    cur = st.session_state.get(STATE)
    if cur is None or cur["base"] != base:
        st.session_state[STATE] = {"base": base, "gen": 0, "data": data}


def _bump(mutate) -> None:
    state = st.session_state[STATE]
    mutate(state["data"])
    state["gen"] += 1


def show() -> dict[str, Any]:
    """Render the editor for the loaded rubric and return the edited data."""
    state = st.session_state[STATE]
    data, p = state["data"], f"rub_{state['base']}_{state['gen']}"
    metrics = list(INDICATORS)
    st.markdown(f"**{t('rub_items')}**")
    items = []
    for i, it in enumerate(data["items"]):
        c = st.columns([3, 3, 1.3, 1.3, 1.3, 0.8])
        label = c[0].text_input(t("rub_label"), it["label"], key=f"{p}_i{i}_label")
        metric = c[1].selectbox(t("rub_metric"), metrics, index=metrics.index(it["metric"]) if it["metric"] in metrics
                                else 0, format_func=_metric_label, key=f"{p}_i{i}_metric")
        weight = c[2].number_input(t("rub_weight"), value=float(it["weight"]), step=1.0, key=f"{p}_i{i}_weight")
        floor = c[3].number_input(t("rub_floor"), value=float(it["floor"]), step=0.01, format="%.4g",
                                  key=f"{p}_i{i}_floor")
        target = c[4].number_input(t("rub_target"), value=float(it["target"]), step=0.01, format="%.4g",
                                   key=f"{p}_i{i}_target")
        if c[5].button(t("rub_remove"), key=f"{p}_i{i}_rm"):
            _bump(lambda d, i=i: d["items"].pop(i))
            st.rerun()
        items.append({"key": it.get("key") or metric, "label": label, "metric": metric, "weight": weight,
                      "floor": floor, "target": target})
    if st.button(t("rub_add_item"), key=f"{p}_add_item"):
        used = {x["metric"] for x in items}
        free = next((m for m in metrics if m not in used), metrics[0])
        _bump(lambda d: d["items"].append({"key": free, "label": INDICATORS[free].label, "metric": free,
                                           "weight": 0.0, "floor": 0.0, "target": 1.0}))
        st.rerun()
    st.caption(t("rub_weight_sum", total=f"{sum(x['weight'] for x in items):g}"))

    st.markdown(f"**{t('rub_bands')}**")
    bands = []
    for i, b in enumerate(data["bands"]):
        c = st.columns(2)
        bands.append({"min_score": c[0].number_input(t("rub_min_score"), value=float(b["min_score"]), step=1.0,
                                                     key=f"{p}_b{i}_min"),
                      "stars": int(c[1].number_input(t("rub_stars"), value=int(b["stars"]), step=1,
                                                     key=f"{p}_b{i}_stars"))})

    st.markdown(f"**{t('rub_caps')}**")
    caps = []
    for i, cap in enumerate(data.get("caps", [])):
        c = st.columns([3, 3, 1, 1.3, 1.3, 0.8])
        label = c[0].text_input(t("rub_label"), cap.get("label", ""), key=f"{p}_c{i}_label")
        metric = c[1].selectbox(t("rub_metric"), metrics, index=metrics.index(cap["metric"]) if cap["metric"] in metrics
                                else 0, format_func=_metric_label, key=f"{p}_c{i}_metric")
        op = c[2].selectbox(t("rub_op"), CAP_OPS, index=CAP_OPS.index(cap["op"]) if cap["op"] in CAP_OPS else 0,
                            key=f"{p}_c{i}_op")
        threshold = c[3].number_input(t("rub_threshold"), value=float(cap["threshold"]), format="%.4g",
                                      key=f"{p}_c{i}_thr")
        max_stars = int(c[4].number_input(t("rub_max_stars"), value=int(cap["max_stars"]), step=1,
                                          key=f"{p}_c{i}_max"))
        if c[5].button(t("rub_remove"), key=f"{p}_c{i}_rm"):
            _bump(lambda d, i=i: d["caps"].pop(i))
            st.rerun()
        caps.append({"metric": metric, "label": label, "op": op, "threshold": threshold, "max_stars": max_stars})
    if st.button(t("rub_add_cap"), key=f"{p}_add_cap"):
        _bump(lambda d: d.setdefault("caps", []).append({"metric": "civil_to_criminal", "label": "新封顶规则",
                                                         "op": ">", "threshold": 0.0, "max_stars": 2}))
        st.rerun()

    st.markdown(f"**{t('rub_other')}**")
    c = st.columns(3)
    min_w = c[0].number_input(t("rub_min_weight"), value=float(data.get("min_weight_with_data", 80)), step=1.0,
                              key=f"{p}_minw")
    quota = data.get("quota", {})
    enabled = c[1].checkbox(t("rub_quota"), value=bool(quota.get("enabled", False)), key=f"{p}_quota")
    share = c[2].number_input(t("rub_quota_share"), value=float(quota.get("top_share", 0.2)), step=0.05,
                              key=f"{p}_share")
    return {"version": str(data.get("version", "draft")), "min_weight_with_data": min_w, "items": items,
            "bands": bands, "caps": caps, "quota": {"enabled": enabled, "top_share": share}}
