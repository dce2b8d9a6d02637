"""总览: KPI cards, star distribution, trends, branch/station comparison, best and weakest five, open
warnings, and the stations that have not reported the period's last month — over the user's scope."""


import streamlit as st

from metrics.early_warnings import SEVERITY_LABELS
from services import bulletin, views
from services.errors import ServiceError
from ui import cache, charts, state
from ui.i18n import indicator_label, t
from ui.kpi import Card, kpi_row
from ui.period import period_picker
from ui.safe import md_escape
from ui.tables import csv_bytes, show_table

app, actor = state.current_app(), state.current_actor()
st.title(t("overview_title"))
period = period_picker("ov_period", cache.months(app, actor))
if period is None:
    st.stop()
ov = cache.overview(app, actor, period)
st.text(t("overview_caption", scope=ov.scope, period=period.label_zh, as_of=ov.as_of.isoformat(),
          version=ov.version))
if ov.empty:
    st.info(t("no_data"))
    st.stop()

BULLETIN = "overview_bulletin"
"""((period label, data version), file name, bytes) of the 通报 built on request."""
if actor.role in ("leadership", "evaluator", "admin"):
    made = st.session_state.get(BULLETIN)
    if made is not None and made[0] != (period.label, ov.version):
        made = None
    if made is None and st.button(t("make_bulletin"), key="ov_bulletin_make", icon=":material/description:"):
        try:
            with st.spinner(t("making_bulletin")):
                name, data = bulletin.bulletin(app, actor, period)
            made = ((period.label, ov.version), name, data)
            st.session_state[BULLETIN] = made
        except ServiceError as exc:
            st.error(md_escape(exc))
    if made is not None:
        st.download_button(t("download_bulletin", name=md_escape(made[1])), made[2], file_name=made[1],
                           key="ov_bulletin_download", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

kpi_row([Card(k, ov.total.get(k), ov.prior.get(k), ov.targets.get(k)) for k in views.KPI_KEYS])

left, right = st.columns(2)
with left:
    st.subheader(t("star_distribution"))
    st.plotly_chart(charts.star_distribution_chart(ov.stars, t("star_distribution")), key="ov_stars")
    st.text(t("rubric_version", version=ov.rubric_version))  # the version in force for the period, by name
with right:
    st.subheader(t("missing_uploads", month=period.last))
    missing = ov.completeness[ov.completeness["missing"] > 0]
    if missing.empty:
        st.success(t("all_uploaded", month=period.last))
    show_table(ov.completeness, "ov_completeness", download_name=f"上报情况_{period.last}",
               labels={"branch": t("col_branch"), "station": t("col_station"), "offices": t("col_expected"),
                       "reported": t("col_reported"), "missing": t("missing_uploads", month=period.last)})

st.subheader(t("trends"))
trend_key = st.selectbox(t("trend_indicator"), views.TREND_KEYS, format_func=indicator_label,
                         key="ov_trend_key")
series = cache.trend(app, actor, trend_key, period.last)
st.plotly_chart(charts.trend_chart(series, trend_key), key="ov_trend")

st.subheader(t("compare_title"))
cmp_key = st.selectbox(t("compare_indicator"), views.KPI_KEYS, format_func=indicator_label,
                       key="ov_compare_key")
c1, c2 = st.columns(2)
for col, frame, title, key in ((c1, ov.branches, t("branches"), "ov_cmp_branch"),
                               (c2, ov.stations, t("stations"), "ov_cmp_station")):
    fig = charts.bar_compare(frame, cmp_key, reference=ov.total.get(cmp_key),
                             title=f"{title} · {indicator_label(cmp_key)}")  # escapes the names itself
    col.plotly_chart(fig, key=key)

rank_labels = {"rank": t("col_rank"), "code": t("col_office"), "name": t("col_office_name"),
               "station": t("col_station"), "branch": t("col_branch"), "score": t("col_score"),
               "stars_text": t("col_stars")}
b1, b2 = st.columns(2)
with b1:
    st.subheader(t("best_five"))
    show_table(ov.best, "ov_best", labels=rank_labels, decimals={"score": 1}, download_name="得分最高五个警务室")
with b2:
    st.subheader(t("worst_five"))
    show_table(ov.worst, "ov_worst", labels=rank_labels, decimals={"score": 1}, download_name="得分最低五个警务室")

st.subheader(t("open_warnings"))
WARNING_COLUMNS = ["severity", "label", "branch", "station", "office_name", "dispute_id", "month", "message"]
WARNING_LABELS = {"severity": t("col_level_sev"), "label": t("col_rule"), "branch": t("col_branch"),
                  "station": t("col_station"), "office_name": t("col_office_name"), "dispute_id": t("col_dispute"),
                  "month": t("col_month"), "message": t("col_message")}


def warnings_csv() -> bytes:
    """Every warning of the scope as CSV — built only when the button is clicked (tens of thousands of rows
    at province scale), read again for the acting user."""
    full = views.warnings_list(app, actor, ov.as_of)
    return csv_bytes(full.assign(severity=full["severity"].map(SEVERITY_LABELS))[WARNING_COLUMNS], WARNING_LABELS)


if ov.warnings.empty:
    st.info(t("no_warnings"))
else:
    if ov.warnings_total > len(ov.warnings):
        st.caption(t("warnings_shown", total=ov.warnings_total, shown=len(ov.warnings)))
    w = ov.warnings.assign(severity=ov.warnings["severity"].map(SEVERITY_LABELS))[WARNING_COLUMNS]
    show_table(w, "ov_warnings", labels=WARNING_LABELS)
    st.download_button(t("download_all_warnings"), warnings_csv, file_name=f"预警_{period.label}.csv", mime="text/csv",
                       key="ov_warnings_csv", icon=":material/download:")
