"""预警处置: the warning loop by role — a station head's queue, the bureau board for leadership and
evaluators, one instruction with its warning, dispute rows and history, and the actions the role allows."""

import pandas as pd
import streamlit as st

import ui.instructions_text  # noqa: F401  (registers this screen's sentences)
from metrics.instruction_loop import INDICATORS
from services import instruction_views as iv
from services import instructions as ins
from services.errors import ServiceError
from ui.i18n import t
from ui.state import current_actor, current_app
from ui.tables import show_table

app, actor = current_app(), current_actor()
st.title(t("page_instructions"))
st.caption(t("ins_caption"))
if st.session_state.get("ins_flash"):
    st.success(st.session_state.pop("ins_flash"))
b = iv.board(app, actor)
if b.items.empty:
    st.info(t("ins_none"))
    st.stop()
LOOP_LABELS = {k: v[0] for k, v in INDICATORS.items()}
COLUMN_LABELS = {k[len("ins_col_"):]: t(k) for k in ui.instructions_text.ENTRIES if k.startswith("ins_col_")}
SHOWN = ["id", "status_label", "overdue", "due", "rule_label", "risk", "station", "office_name", "dispute",
         "message", "supervision_notes"]


def _list(frame, key: str) -> None:
    if frame.empty:
        st.info(t("ins_none"))
        return
    st.caption(t("ins_count", n=len(frame)))
    shown = frame[SHOWN].assign(due=frame["due"].str.replace("T", " ").str[:16])  # Beijing time, to the minute
    show_table(shown, key, labels=COLUMN_LABELS)


def _loop(levels: tuple[str, ...]) -> None:
    months = sorted({str(c)[:7] for c in b.items["created_at"]}, reverse=True)
    c1, c2 = st.columns(2)
    month = c1.selectbox(t("ins_loop_month"), months, key="ins_loop_month")
    level = c2.selectbox(t("ins_loop_level"), levels, index=min(1, len(levels) - 1), key="ins_loop_level",
                         format_func=lambda v: {"office": "警务室", "station": "派出所", "branch": "分局",
                                                "bureau": "全局"}[v])
    st.caption(t("ins_loop_hint"))
    table = iv.loop_indicators(app, actor, month, level)
    show_table(table, "ins_loop", labels={**COLUMN_LABELS, **LOOP_LABELS},
               percent_cols=["ack_on_time_rate", "answer_on_time_rate", "close_rate"], decimals={"avg_close_days": 1})


if b.role == "station_head":
    tabs = st.tabs([t("ins_tab_queue"), t("ins_tab_supervised"), t("ins_tab_all"), t("ins_tab_loop")])
    with tabs[0]:
        st.caption(t("ins_queue_hint"))
        _list(b.queue, "ins_queue")
    with tabs[1]:
        _list(b.supervised, "ins_supervised")
    with tabs[2]:
        _list(b.items, "ins_all")
    with tabs[3]:
        _loop(("office", "station"))
else:
    tabs = st.tabs([t("ins_tab_board"), t("ins_tab_overdue"), t("ins_tab_supervised"), t("ins_tab_verify"),
                    t("ins_tab_all"), t("ins_tab_loop")])
    with tabs[0]:
        cols = st.columns(len(b.by_status))
        for col, rec in zip(cols, b.by_status.to_dict("records"), strict=True):
            col.metric(rec["状态"], rec["指令数"])
        st.subheader(t("ins_by_station"))
        show_table(b.by_station, "ins_by_station", labels=COLUMN_LABELS)
        st.subheader(t("ins_by_branch"))
        show_table(b.by_branch, "ins_by_branch", labels=COLUMN_LABELS)
    with tabs[1]:
        _list(b.overdue, "ins_overdue")
    with tabs[2]:
        _list(b.supervised, "ins_supervised")
    with tabs[3]:
        _list(b.verification, "ins_verify")
    with tabs[4]:
        _list(b.items, "ins_all")
    with tabs[5]:
        _loop(("office", "station", "branch", "bureau"))
    name, data = iv.ledger_xlsx(app, actor) if st.session_state.get("ins_ledger_ready") else ("", b"")
    if data:
        st.download_button(t("ins_ledger"), data, file_name=name, key="ins_ledger_download",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    elif st.button(t("ins_ledger"), key="ins_ledger_build"):
        st.session_state["ins_ledger_ready"] = True
        st.rerun()

st.divider()
# Options and their labels do not change with a status (Streamlit would reset the choice): ids in order.
ids = sorted(b.items["id"].astype(int).tolist())
labels = {int(r["id"]): f"#{r['id']} · {r['station']} · {r['office_name']} · {r['rule_label']}"
          for r in b.items.to_dict("records")}
chosen = st.selectbox(t("ins_pick"), ids, format_func=lambda i: labels[i], key="ins_pick")
one = ins.instruction(app, actor, int(chosen))
st.subheader(t("ins_detail"))
st.text(t("ins_status_line", status=one["status_label"], due=one["due"].replace("T", " ")[:16])
        if one["status"] != "closed" else one["status_label"])
if one["overdue"]:
    st.error(t("ins_overdue"))
if one["condition_cleared"]:
    st.warning(t("ins_cleared"))
if one["notes"]:
    st.markdown(f"**{t('ins_notes')}**")
    for n in one["notes"]:
        st.text(f"{n['at'].replace('T', ' ')} {n['author']}：{n['text']}")
st.markdown(f"**{t('ins_warning')}**")
st.text(one["message"])
rows = ins.dispute_rows(app, actor, int(chosen))
if len(rows):
    st.markdown(f"**{t('ins_rows')}**")
    show_table(rows[[c for c in rows.columns if not c.startswith("_") and c != "party_key"]], "ins_rows")
st.markdown(f"**{t('ins_history')}**")
show_table(pd.DataFrame(one["history"])[["at", "label", "actor", "text"]], "ins_history",
           labels=COLUMN_LABELS)


def _act(fn, *args, **kw) -> None:
    try:
        got = fn(app, actor, int(chosen), *args, version=one["version"], **kw)
    except ServiceError as exc:
        st.error(str(exc))
        return
    st.session_state["ins_flash"] = t("ins_done", id=got["id"], status=got["status_label"])
    st.rerun()


if actor.role == "station_head":
    if one["status"] == "new" and st.button(t("ins_ack"), key="ins_ack"):
        _act(ins.acknowledge)
    if one["status"] in ("acknowledged", "answered", "returned"):
        with st.form("ins_answer_form", clear_on_submit=True):
            text = st.text_area(t("ins_answer_text"), key="ins_answer_text")
            if st.form_submit_button(t("ins_answer"), key="ins_answer"):
                _act(ins.answer, text)
if actor.role in ins.VERIFIERS and one["status"] != "closed":
    with st.form("ins_verify_form"):
        reason = st.text_input(t("ins_reason"), key="ins_reason")
        c1, c2 = st.columns(2)
        close = c1.form_submit_button(t("ins_close"), key="ins_close")
        back = c2.form_submit_button(t("ins_return"), key="ins_return")
    if close:
        _act(ins.verify, close=True, reason=reason)
    elif back:
        _act(ins.verify, close=False, reason=reason)
if actor.role == "leadership" and one["status"] != "closed":
    with st.form("ins_note_form", clear_on_submit=True):
        note = st.text_input(t("ins_note_text"), key="ins_note_text")
        if st.form_submit_button(t("ins_supervise"), key="ins_supervise"):
            try:
                ins.supervise(app, actor, int(chosen), note)
            except ServiceError as exc:
                st.error(str(exc))
            else:
                st.session_state["ins_flash"] = t("ins_done", id=int(chosen), status=one["status_label"])
                st.rerun()
