"""评分规则 (evaluators): versions, the editor checked as you type, drafts, publishing for a period,
retiring, and the comparison of any two versions."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

import ui.analysis_text  # noqa: F401  (registers this screen's sentences)
import ui.rubric_text  # noqa: F401
from metrics.periods import parse_period
from services import rating_views as rv
from services import rubrics
from services.errors import ServiceError
from ui import rubric_compare, rubric_editor
from ui.i18n import t
from ui.safe import md_escape
from ui.state import current_actor, current_app
from ui.tables import show_table

BUREAU_TZ = ZoneInfo("Asia/Shanghai")


def when(dt) -> str:
    if dt is None:
        return ""
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M")


def run(action, done) -> None:
    """Run one change; on success remember the sentence ``done(result)`` and rerun, else show the refusal."""
    try:
        result = action()
    except ServiceError as exc:
        st.error(md_escape(exc))  # a refusal may quote labels the evaluator typed
        return
    rubric_editor.reset()
    st.session_state["rub_done"] = done(result)
    st.rerun()


def published(v) -> str:
    return t("rub_published" if v.status == "published" else "rub_requested", name=v.name)


app, actor = current_app(), current_actor()
st.title(t("page_rubric"))
if actor.role not in rv.RUBRIC_ROLES:  # the menu hides this page; the services refuse as well
    st.error(t("rub_only_evaluators"))
    st.stop()
if st.session_state.get("rub_done"):
    st.success(st.session_state.pop("rub_done"))
versions = rubrics.list_versions(app, actor)
by_number = {v.number: v for v in versions}

with st.expander(t("rub_versions_title"), expanded=True):
    show_table(pd.DataFrame([{"name": v.name, "status": v.status_label, "effective": v.effective_from or "",
                              "comment": v.comment, "author": v.author, "created": when(v.created_at),
                              "published": v.published_by or "", "digest": v.digest[:12]} for v in versions]),
               "rub_versions", labels={"name": t("rub_col_name"), "status": t("rub_col_status"),
                                       "effective": t("rub_col_effective"), "comment": t("col_comment"),
                                       "author": t("col_author"), "created": t("col_created"),
                                       "published": t("rub_col_published"), "digest": t("rub_col_digest")},
               download_name="评分规则版本")

if st.session_state.get("rub_pick_next") in by_number:  # a draft just saved: open it
    st.session_state["rub_pick"] = st.session_state.pop("rub_pick_next")
if st.session_state.get("rub_pick") not in by_number:
    drafts = [v.number for v in versions if v.status in ("draft", "pending")]
    st.session_state["rub_pick"] = drafts[0] if drafts else versions[0].number
number = st.selectbox(t("rub_work_on"), list(by_number), format_func=lambda n: by_number[n].name, key="rub_pick")
info = by_number[number]
st.caption(t("rub_status", status=info.status_label, digest=info.digest[:12]))
st.download_button(t("rub_download"), rubrics.toml_of(app, actor, number), file_name=f"rubric_{number}.toml",
                   mime="application/toml", key="rub_download")

rubric_editor.load(f"{number}-{info.digest[:12]}", rv.editable_rubric(app, actor, number))
data, unreadable = rubric_editor.show()
rubric, problems = rv.validate_rubric(data)
problems = unreadable + problems
if problems:
    st.error(t("rub_problems"))
    for sentence in problems:
        st.text(sentence)  # sentences name evaluator-typed labels: plain text, never Markdown
else:
    st.success(t("rub_ok"))

ok = not problems
comment = st.text_input(t("rub_draft_comment"), info.comment if info.status == "draft" else "",
                        key=f"rub_comment_{number}", live=True)
cols = st.columns(2)
if info.status == "draft":
    if cols[0].button(t("rub_save_draft", name=info.name), key="rub_save", type="primary", disabled=not ok):
        run(lambda: rubrics.update_draft(app, actor, number, data, comment, info.digest),
            lambda v: t("rub_saved_draft", name=v.name))
elif info.status != "pending":
    st.caption(t("rub_readonly", name=info.name, status=info.status_label))
if cols[1].button(t("rub_save_new"), key="rub_save_new", disabled=not ok or not comment.strip()):
    def saved(n: int) -> str:
        st.session_state["rub_pick_next"] = n
        return t("rub_saved_draft", name=rubrics.version(app, actor, n).name)

    run(lambda: rubrics.save_draft(app, actor, data, comment, based_on=number), saved)

if info.status in ("draft", "pending"):
    st.subheader(t("rub_publish_title"))
    st.caption(t("rub_publish_hint"))
    if info.status == "pending":
        st.info(t("rub_pending", who=md_escape(info.requested_by or ""), start=info.effective_from or ""))
        if st.button(t("rub_confirm_publish", name=info.name, start=info.effective_from), key="rub_confirm",
                     type="primary", disabled=info.requested_by_id == actor.id):
            run(lambda: rubrics.publish(app, actor, number, info.effective_from or ""), published)
    else:
        start = st.text_input(t("rub_effective"), rubrics.suggested_start(), key=f"rub_start_{number}", live=True)
        try:
            first = parse_period(start).first
        except ValueError as exc:
            st.error(md_escape(exc))
            first = None
        if first is not None and first <= datetime.now(BUREAU_TZ).strftime("%Y-%m"):
            st.warning(t("rub_past_start", start=md_escape(start.strip())))
        sure = st.checkbox(t("rub_publish_confirm"), key=f"rub_sure_{number}")
        if st.button(t("rub_publish", name=info.name), key="rub_publish", type="primary",
                     disabled=not (ok and sure and first is not None)):
            run(lambda: rubrics.publish(app, actor, number, start), published)

if number != rubrics.DEFAULT_VERSION and info.status != "retired":
    with st.expander(t("rub_retire_title")):
        sure = st.checkbox(t("rub_retire_confirm", name=info.name), key=f"rub_retire_sure_{number}")
        if st.button(t("rub_retire"), key="rub_retire", disabled=not sure):
            run(lambda: rubrics.retire(app, actor, number), lambda v: t("rub_retired", name=v.name))

st.subheader(t("rub_compare_title"))
rubric_compare.show(app, actor, versions, number)
