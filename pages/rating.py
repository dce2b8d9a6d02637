"""星级评定: the bureau ranking with stars and item points, one office's waterfall, robustness, export."""

import streamlit as st

import ui.analysis_text  # noqa: F401  (registers this screen's sentences)
import ui.rubric_text  # noqa: F401  (the rubric picker's sentences)
from metrics.scoring import points_column, stars_text
from services import completeness, pdf_export, rubrics
from services import rating_views as rv
from services.errors import ServiceError
from ui.i18n import t
from ui.period import period_picker, show_completeness
from ui.safe import md_escape
from ui.state import current_actor, current_app
from ui.tables import csv_bytes, show_table
from ui.waterfall import waterfall_figure


def deferred_csv(df, labels: dict, name: str, key: str) -> None:
    """The table's CSV download (as ``show_table`` makes it), built only when clicked: the bureau's 3,000
    offices would otherwise be written to CSV on every run of the screen."""
    st.download_button(t("download_csv"), lambda: csv_bytes(df, labels), file_name=f"{name}.csv", mime="text/csv",
                       key=key, icon=":material/download:")



def _pdf_block(key: str, made_for: tuple, build, label: str) -> None:
    """A PDF built on click (for what ``made_for`` names), then offered for download."""
    made = st.session_state.get(key)
    if made is not None and made[0] != made_for:
        made = None
    if made is None and st.button(label, key=f"{key}_make", icon=":material/picture_as_pdf:"):
        try:
            with st.spinner(t("making_pdf")):
                made = (made_for, *build())
            st.session_state[key] = made
        except ServiceError as exc:
            st.error(md_escape(exc))
    if made is not None:
        st.download_button(t("download_file", name=md_escape(made[1])), made[2], file_name=made[1],
                           mime="application/pdf", key=f"{key}_download", icon=":material/download:")


app, actor = current_app(), current_actor()
st.title(t("page_rating"))
sc = rv.scope(app, actor)
period = period_picker("rat", rv.months_in_scope(app, actor), defaults=completeness.default_periods(app, actor))
if period is None:
    st.stop()
show_completeness(completeness.period_completeness(app, actor, period))
versions = {v.number: v.name for v in rubrics.list_versions(app, actor)}
in_force = versions[rubrics.in_force(app, period)]
# None = the version in force for the chosen period (it follows the period); a number = picked explicitly
number = st.selectbox(t("rat_rubric"), [None, *versions], key="rat_rubric",
                      format_func=lambda n: t("rat_rubric_in_force", name=in_force) if n is None else versions[n])
with st.spinner(t("rat_computing")):
    view = rv.rating_view(app, actor, period, number)
ranked, rubric = view.ranked, view.rubric
if not view.choice.is_current:
    st.info(t("rat_not_current", n=view.rubric_number, name=rubric.version, current=view.choice.in_force.name))
if ranked.empty:
    st.info(t("rat_no_data"))
    st.stop()
st.caption(t("rat_caption", period=period.label_zh, as_of=view.as_of.isoformat(), rubric=rubric.version,
             version=view.data_version))

st.subheader(t("rat_ranking"))
if sc.stations is not None:
    st.caption(t("rat_scope_note"))
table = ranked[["rank", "code", "name", "station", "branch", "score"]].copy()
table["stars_text"] = [stars_text(s, rubric.top_stars) for s in ranked["stars"]]
caps = {c.metric: c.label for c in rubric.caps}
table["capped"] = [caps.get(c, "") if c else "" for c in ranked["capped_by"]]
for it in rubric.items:
    table[points_column(it.key)] = ranked[points_column(it.key)]
table["rank_in_branch"], table["rank_in_station"] = ranked["rank_in_branch"], ranked["rank_in_station"]
table["reason"] = ranked["reason"].fillna("")
labels = {"rank": t("col_rank"), "code": t("col_unit_code"), "name": t("col_unit_name"), "station": t("col_station"),
          "branch": t("col_branch"), "score": t("col_score"), "stars_text": t("col_stars"), "capped": t("col_capped"),
          "rank_in_branch": t("col_rank_branch"), "rank_in_station": t("col_rank_station"), "reason": t("col_reason"),
          **{points_column(it.key): f"{it.label}（{it.weight:g}）" for it in rubric.items}}
show_table(table, "rat_ranking", labels=labels,
           decimals={"score": 2, **{points_column(it.key): 2 for it in rubric.items}})
deferred_csv(table, labels, f"排名_{period.label}", "rat_ranking_csv")

st.subheader(t("rat_office"))
mine = ranked[ranked["code"].astype(str).isin(view.visible)]
if mine.empty:
    st.info(t("rat_no_office"))
else:
    names = dict(zip(mine["code"].astype(str), mine["name"].astype(str), strict=True))
    code = st.selectbox(t("rat_pick_office"), list(names), format_func=lambda c: f"{names[c]}（{c}）", key="rat_office")
    try:
        ex = rv.explain_office(app, actor, period, view.rubric_number, code)
    except ServiceError as exc:
        st.error(md_escape(exc))
        st.stop()
    st.plotly_chart(waterfall_figure(ex, top_stars=rubric.top_stars), key="rat_waterfall")
    cols = st.columns(2)
    cols[0].markdown(f"**{t('rat_cap')}**")
    cols[0].text(ex.cap_sentence or t("rat_no_cap"))
    cols[1].markdown(f"**{t('rat_next_star')}**")
    cols[1].text(ex.next_star_sentence)
    with st.expander(t("rat_items")):
        st.text("\n".join(ex.sentences))
    _pdf_block("rat_card_pdf", (period.label, view.rubric_number, view.data_version, code),
               lambda: pdf_export.scorecard_pdf(app, actor, period, view.rubric_number, code), t("rat_card_pdf"))

st.subheader(t("rat_robust"))
st.caption(t("rat_robust_hint"))
rob = rv.robustness_view(app, actor, period, view.rubric_number)
robust_cols = ["rank", "code", "name", "station", "median_rank", "rank_p5", "rank_p95", "star_change_share", "unstable"]
robust_labels = {"rank": t("col_rank"), "code": t("col_unit_code"), "name": t("col_unit_name"),
                 "station": t("col_station"), "median_rank": t("col_median_rank"), "rank_p5": t("col_rank_p5"),
                 "rank_p95": t("col_rank_p95"), "star_change_share": t("col_star_change"),
                 "unstable": t("col_unstable")}
show_table(rob[robust_cols], "rat_robust", labels=robust_labels,
           percent_cols=["star_change_share"], decimals={"median_rank": 1, "rank_p5": 1, "rank_p95": 1})
deferred_csv(rob[robust_cols], robust_labels, f"稳健性_{period.label}", "rat_robust_csv")

if actor.role in rv.EXPORT_ROLES:
    st.subheader(t("rat_export"))
    export_key = ("rat_export", period.label, view.rubric_number, rubric.digest(), view.data_version)
    if st.button(t("rat_export_make"), key="rat_export_make"):
        try:
            st.session_state["rat_export_files"] = (export_key, [rv.export_ranking(app, actor, period, view.rubric_number, f)
                                                                 for f in ("xlsx", "csv")])
            st.success(t("rat_export_done"))
        except ServiceError as exc:
            st.error(md_escape(exc))
    made = st.session_state.get("rat_export_files")
    if made and made[0] == export_key:
        (xname, xdata), (cname, cdata) = made[1]
        st.download_button(t("rat_export_xlsx"), xdata, file_name=xname, key="rat_dl_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        st.download_button(t("rat_export_csv"), cdata, file_name=cname, mime="text/csv", key="rat_dl_csv")
    _pdf_block("rat_ranking_pdf", export_key, lambda: pdf_export.ranking_pdf(app, actor, period, view.rubric_number),
               t("rat_ranking_pdf"))
