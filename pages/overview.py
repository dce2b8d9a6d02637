"""总览: KPI cards, star distribution, trends, branch/station comparison, best and weakest five, open
warnings, and the stations that have not reported the period's last month — over the user's scope."""


import streamlit as st

from metrics.early_warnings import SEVERITY_LABELS
from services import bulletin, completeness, views
from services.errors import ServiceError
from ui import cache, charts, instruction_summary, state
from ui.i18n import indicator_label, t
from ui.kpi import Card, kpi_row
from ui.period import period_picker, show_completeness
from ui.safe import md_escape
from ui.tables import csv_bytes, show_table

app, actor = state.current_app(), state.current_actor()
st.title(t("overview_title"))
period = period_picker("ov_period", cache.months(app, actor), defaults=completeness.default_periods(app, actor))
if period is None:
    st.stop()
ov = cache.overview(app, actor, period)
st.text(t("overview_caption", scope=ov.scope, period=period.label_zh, as_of=ov.as_of.isoformat(),
          version=ov.version))
show_completeness(ov.reported)
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

kpi_row([Card(k, ov.total.get(k), ov.changes.get(k), ov.targets.get(k)) for k in views.KPI_KEYS])

left, right = st.columns(2)
with left:
    st.subheader(t("star_distribution"))
    st.plotly_chart(charts.star_distribution_chart(ov.stars, t("star_distribution")), key="ov_stars")
    st.text(t("rubric_version", version=ov.rubric_version))  # the version in force for the period, by name
with right:
    st.subheader(t("missing_uploads", month=period.label))
    missing = ov.completeness[ov.completeness["missing"] > 0]
    if missing.empty:
        st.success(t("all_uploaded", month=period.label))
    else:  # only the stations that have offices still to report
        show_table(missing[["station", "missing", "offices"]], "ov_completeness",
                   download_name=f"上报情况_{period.label}",
                   labels={"station": t("col_station"), "missing": t("col_not_reported"),
                           "offices": t("col_expected")})

st.subheader(t("trends"))
trend_key = st.selectbox(t("trend_indicator"), views.TREND_KEYS, format_func=indicator_label,
                         key="ov_trend_key")
series = cache.trend(app, actor, trend_key, period.last)
st.plotly_chart(charts.trend_chart(series, trend_key), key="ov_trend")

st.subheader(t("compare_title"))
cmp_key = st.selectbox(t("compare_indicator"), views.KPI_KEYS, format_func=indicator_label,
                       key="ov_compare_key")
compared = {"bureau": (("branch", ov.branches, t("branches")), ("station", ov.stations, t("stations"))),
            "branch": (("station", ov.stations, t("stations")), ("office", ov.office_units, t("offices_level"))),
            "station": (("office", ov.office_units, t("offices_level")),)}[ov.total_level]
for col, (level, frame, title) in zip(st.columns(len(compared)), compared, strict=True):
    fig = charts.bar_compare(frame, cmp_key, reference=ov.total.get(cmp_key),
                             title=f"{title} · {indicator_label(cmp_key)}")  # escapes the names itself
    col.plotly_chart(fig, key=f"ov_cmp_{level}")

rank_labels = {"rank": t("col_rank"), "code": t("col_office"), "name": t("col_office_name"),
               "station": t("col_station"), "branch": t("col_branch"), "score": t("col_score"),
               "stars_text": t("col_stars")}
if ov.single_list:  # fewer than ten rated offices: one ranked list, not two overlapping ones
    st.subheader(t("ranking_all"))
    show_table(ov.best, "ov_ranking", labels=rank_labels, decimals={"score": 2}, download_name="警务室排名")
else:
    b1, b2 = st.columns(2)
    with b1:
        st.subheader(t("best_five"))
        show_table(ov.best, "ov_best", labels=rank_labels, decimals={"score": 2}, download_name="得分最高五个警务室")
    with b2:
        st.subheader(t("worst_five"))
        show_table(ov.worst, "ov_worst", labels=rank_labels, decimals={"score": 2},
                   download_name="得分最低五个警务室")

st.subheader(t("open_warnings"))
WARNING_COLUMNS = ["severity", "label", "branch", "station", "office_name", "dispute_id", "month", "message"]
WARNING_LABELS = {"severity": t("col_level_sev"), "label": t("col_rule"), "branch": t("col_branch"),
                  "station": t("col_station"), "office_name": t("col_office_name"), "dispute_id": t("col_dispute"),
                  "month": t("col_month"), "message": t("col_message")}


def warnings_csv() -> bytes:
    """Every warning of the scope as CSV — built only when the button is clicked (tens of thousands of rows
    at province scale), read again for the acting user."""
    full = views.warnings_list(app, actor, ov.as_of, since=period.first_day)
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

instruction_summary.show_overdue(app, actor)  # the warning loop's overdue instructions (issue 13)
