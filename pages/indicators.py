"""指标分析: every indicator per unit, trends, heat map, funnel plots, drill down to the ledger rows."""

import streamlit as st

import ui.analysis_text  # noqa: F401  (registers this screen's sentences)
from metrics.indicators.registry import INDICATORS
from metrics.indicators.units import LEVEL_LABELS
from services import completeness
from services import rating_views as rv
from services.errors import ServiceError
from ui import indicator_table
from ui.charts import trend_chart
from ui.funnel import funnel_figure, funnel_points
from ui.heatmap import heatmap_figure
from ui.i18n import indicator_label, t
from ui.period import period_picker, show_completeness
from ui.safe import md_escape
from ui.state import current_actor, current_app
from ui.tables import show_table

app, actor = current_app(), current_actor()
st.title(t("page_indicators"))
sc = rv.scope(app, actor)
period = period_picker("ind", rv.months_in_scope(app, actor), defaults=completeness.default_periods(app, actor))
if period is None:
    st.stop()
show_completeness(completeness.period_completeness(app, actor, period))
level = st.radio(t("level"), sc.levels, format_func=LEVEL_LABELS.get, horizontal=True, key="ind_level")
try:
    view = rv.indicator_view(app, actor, period, level)
except ServiceError as exc:
    st.error(md_escape(exc))
    st.stop()
if view.units.empty:
    st.info(t("ind_no_units"))
    st.stop()
st.caption(t("ind_caption", period=period.label_zh, as_of=view.as_of.isoformat(), version=view.data_version))
labels = indicator_table.labels()
tab_table, tab_trend, tab_heat, tab_funnel, tab_drill = st.tabs(
    [t("ind_tab_table"), t("ind_tab_trend"), t("ind_tab_heat"), t("ind_tab_funnel"), t("ind_tab_drill")])

with tab_table:
    st.caption(t("ind_wilson_note"))
    show_table(indicator_table.table_frame(view.units), "ind_table", labels=labels,
               percent_cols=indicator_table.percent_columns(), decimals=indicator_table.decimals(),
               download_name=f"指标_{period.label}_{LEVEL_LABELS[level]}")

with tab_trend:
    key = st.selectbox(t("ind_choose_indicator"), list(INDICATORS), format_func=indicator_label,
                       key="ind_trend_key")
    names = view.units["name"].astype(str).tolist()
    # one picker per level: the offices chosen at one level are not units of another (the picker emptied)
    chosen = st.multiselect(t("ind_choose_units"), names, default=names[:6], max_selections=12,
                            key=f"ind_trend_units_{level}", placeholder=t("choose_placeholder"))
    with st.spinner(t("ind_trend_loading")):
        series = rv.trend_view(app, actor, key, level, period.months[-1])
    series = series[series["name"].astype(str).isin(chosen)]
    st.plotly_chart(trend_chart(series, key), key="ind_trend_chart")
    show_table(series[["name", "month", "value"]], "ind_trend_table", labels={
        "name": t("col_unit_name"), "month": t("month_axis"), "value": indicator_label(key)},
        percent_cols=["value"] if INDICATORS[key].unit in ("ratio", "pp") else [], download_name=f"趋势_{key}")

with tab_heat:
    hkey = st.selectbox(t("ind_choose_indicator"), [k for k, i in INDICATORS.items() if i.source == "monthly"],
                        format_func=indicator_label, key="ind_heat_key")
    st.caption(t("ind_heat_hint"))
    heat = rv.trend_view(app, actor, hkey, "office", period.months[-1])
    st.plotly_chart(heatmap_figure(heat, hkey), key="ind_heat_chart")

with tab_funnel:
    st.caption(t("ind_funnel_hint"))
    for fkey in rv.FUNNEL_COMPONENTS:
        data = rv.funnel_view(app, actor, period, level, fkey)
        points, p0 = funnel_points(data, "num", "den")
        if points.empty:
            st.info(t("ind_funnel_none"))
            continue
        label = indicator_label(fkey)
        st.plotly_chart(funnel_figure(points, p0, title=t("chart_funnel_title", label=label, level=LEVEL_LABELS[level]), rate_label=label,
                                      volume_label=data.attrs["volume_label"], better=INDICATORS[fkey].better),
                        key=f"ind_funnel_{fkey}")
        outside = points[points["zone"] != "within"]
        st.caption(t("ind_funnel_outside"))
        show_table(outside[["code", "name", "num", "volume", "rate", "zone"]], f"ind_funnel_out_{fkey}",
                   labels={"code": t("col_unit_code"), "name": t("col_unit_name"), "num": label,
                           "volume": data.attrs["volume_label"], "rate": label, "zone": ""},
                   percent_cols=["rate"], download_name=f"漏斗图控制限外_{fkey}_{period.label}")

with tab_drill:
    units = rv.visible_units(app, actor)
    cols = st.columns(3)
    branches = sorted(units["branch"].astype(str).unique())
    branch = cols[0].selectbox(t("ind_drill_branch"), branches, key="ind_drill_branch")
    in_branch = units[units["branch"] == branch]
    station = cols[1].selectbox(t("ind_drill_station"), [None, *sorted(in_branch["station"].unique())],
                                format_func=lambda s: t("ind_drill_all") if s is None else s, key="ind_drill_station")
    in_station = in_branch if station is None else in_branch[in_branch["station"] == station]
    office = cols[2].selectbox(t("ind_drill_office"), [None, *in_station["code"]], key="ind_drill_office",
                               format_func=lambda c: t("ind_drill_all") if c is None else
                               f"{units.set_index('code').at[c, 'name']}（{c}）")
    drill_level, unit = ("office", office) if office else (("station", station) if station else ("branch", branch))
    if drill_level == "branch" and "branch" not in sc.levels:
        drill_level, unit = "station", in_branch["station"].iloc[0]
    try:
        rows = rv.ledger_view(app, actor, period=period, level=drill_level, unit=unit, as_of=view.as_of)
    except ServiceError as exc:
        st.error(md_escape(exc))
        st.stop()
    st.subheader(t("ind_drill_rows", n=len(rows)))
    show_table(rows, "ind_drill_table", labels=rv.LEDGER_HEADERS, download_name=f"纠纷明细_{period.label}")
