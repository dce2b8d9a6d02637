"""评分规则 (evaluators): edit with validation as you type, save as a new version, compare versions."""

import pandas as pd
import streamlit as st

import ui.analysis_text  # noqa: F401  (registers this screen's sentences)
from metrics.scoring import stars_text
from services import completeness
from services import rating_views as rv
from services.errors import ServiceError
from ui import rubric_editor
from ui.i18n import t
from ui.period import period_picker, show_completeness
from ui.state import current_actor, current_app
from ui.tables import show_table

app, actor = current_app(), current_actor()
st.title(t("page_rubric"))
if actor.role not in rv.RUBRIC_ROLES:  # the menu hides this page; the services refuse as well
    st.error(t("rub_only_evaluators"))
    st.stop()
versions = rv.list_rubric_versions(app, actor)
labels = {v.version: v.label for v in versions}
latest = versions[0].version

with st.expander(t("rub_versions")):
    show_table(pd.DataFrame([{"label": v.label, "comment": v.comment, "author": v.author,
                              "created": "" if v.created_at is None else str(v.created_at)[:19]} for v in versions]),
               "rub_versions", labels={"label": t("col_version"), "comment": t("col_comment"),
                                       "author": t("col_author"), "created": t("col_created")},
               download_name="评分规则版本")
    st.download_button(t("rub_download"), rv.rubric_toml(app, actor, latest), file_name=f"rubric_{latest}.toml",
                       mime="application/toml", key="rub_download")

rubric_editor.load(latest, rv.rubric_dict(app, actor, latest))
st.caption(t("rub_base") + "：" + labels[latest])
data = rubric_editor.show()
rubric, problem = rv.validate_rubric(data)
if problem:
    st.error(t("rub_invalid"))
    st.text(problem)
else:
    st.success(t("rub_valid"))
comment = st.text_input(t("rub_comment"), key="rub_comment")
if st.button(t("rub_save"), key="rub_save", type="primary", disabled=rubric is None):
    try:
        saved = rv.save_rubric_version(app, actor, data, comment, based_on=latest)
        st.session_state.pop(rubric_editor.STATE, None)
        st.session_state["rub_saved"] = saved.version
        st.rerun()
    except ServiceError as exc:
        st.error(str(exc))
if st.session_state.get("rub_saved"):
    st.success(t("rub_saved", version=st.session_state["rub_saved"]))

st.subheader(t("rub_compare"))
period = period_picker("rub", rv.months_in_scope(app, actor), defaults=completeness.default_periods(app, actor))
if period is not None:
    show_completeness(completeness.period_completeness(app, actor, period))
if period is not None and len(versions) > 1:
    c = st.columns(2)
    a = c[0].selectbox(t("rub_compare_a"), list(labels), index=1, format_func=labels.get, key="rub_cmp_a")
    b = c[1].selectbox(t("rub_compare_b"), list(labels), index=0, format_func=labels.get, key="rub_cmp_b")
    moves = rv.compare_rubrics(app, actor, period, a, b)
    st.caption(t("rub_compare_summary", moved=int((moves["rank_move"].fillna(0) != 0).sum()),
                 up=int((moves["star_move"] > 0).sum()), down=int((moves["star_move"] < 0).sum())))
    for side in ("a", "b"):
        moves[f"stars_{side}"] = [stars_text(s) for s in moves[f"stars_{side}"]]
    show_table(moves, "rub_compare_table", labels={
        "code": t("col_unit_code"), "name": t("col_unit_name"), "station": t("col_station"),
        "branch": t("col_branch"), "rank_a": t("col_rank_a"), "rank_b": t("col_rank_b"),
        "stars_a": t("col_stars_a"), "stars_b": t("col_stars_b"), "score_a": t("col_score_a"),
        "score_b": t("col_score_b"), "rank_move": t("col_rank_move"), "star_move": t("col_star_move")},
        decimals={"score_a": 2, "score_b": 2}, download_name=f"规则比较_{a}_{b}")
