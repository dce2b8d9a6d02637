"""数据上报: template download, multi-file upload with progress, the problem table (errors block,
warnings need a tick), annotated workbook download, preview of changes, confirm → store, history."""

import logging
from datetime import datetime

import pandas as pd
import streamlit as st

from metrics.periods import month_of, shift_month
from metrics.schema import LEDGER, MONTHLY
from metrics.template import build_template
from services import clock, templates
from services import uploads as svc
from services.errors import ServiceError
from ui import state
from ui.i18n import t
from ui.problems import show_problems
from ui.safe import md_escape
from ui.tables import show_table

LOG = logging.getLogger("dashboard.upload")

PLAN, DATA, RECEIPT, GEN = "upload_plan", "upload_bytes", "upload_receipt", "upload_generation"
ANNOTATED = "upload_annotated"
"""sha256 → the annotated workbook built on request for a file of the plan on screen."""
STORE_ERROR = "upload_store_error"
STATION_TEMPLATE = "upload_station_template"
"""((station, month), file name, bytes) of the station template built on request (dropped on store)."""
app, actor = state.current_app(), state.current_actor()
st.title(t("upload_title"))
st.info(t("upload_intro"))


@st.cache_data(show_spinner=False)
def _template() -> bytes:
    return build_template()


st.download_button(t("download_template"), _template(), file_name="社区警务月报模板.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="up_template", icon=":material/download:")


def _station_template_block() -> None:
    """A station's template for a month: its offices listed, 户数/人口 carried, built on request."""
    stations = templates.template_stations(app, actor)
    if not stations:
        return
    this_month = month_of(datetime.now(clock.zone(app.settings)).date())
    months = [shift_month(this_month, -k) for k in range(13)]
    with st.expander(t("station_template_title"), icon=":material/assignment:"):
        st.caption(t("station_template_help"))
        c1, c2 = st.columns(2)
        station = c1.selectbox(t("col_station"), stations, key="up_tpl_station")
        month = c2.selectbox(t("col_month"), months, index=1, key="up_tpl_month")
        made = st.session_state.get(STATION_TEMPLATE)
        if made is not None and made[0] != (station, month):
            made = None
        if made is None and st.button(t("make_station_template"), key="up_tpl_make", icon=":material/build:"):
            try:
                name, data = templates.station_template(app, actor, station, month)
                made = ((station, month), name, data)
                st.session_state[STATION_TEMPLATE] = made
            except ServiceError as exc:
                st.error(md_escape(exc))
        if made is not None:
            st.download_button(t("download_station_template", name=md_escape(made[1])), made[2],
                               file_name=made[1], key="up_tpl_download", icon=":material/download:",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


_station_template_block()


def _show_receipt(receipt) -> None:
    """What the last confirmed store wrote: the service's message and one row per stored upload, read
    back from the upload history (the database's account, not the preview's)."""
    st.success(md_escape(receipt.message), icon=":material/task_alt:")
    stored = [h for h in svc.upload_history(app, actor) if h["id"] in set(receipt.upload_ids)]
    if stored:
        st.subheader(t("receipt_title"))
        show_table(pd.DataFrame([{
            "version": h["version"], "file_name": h["file_name"], "stations": h["stations"],
            "monthly_new": h["monthly_new"], "monthly_replaced": h["monthly_replaced"],
            "disputes_new": h["disputes_new"], "disputes_updated": h["disputes_updated"], "sha256": h["sha256"],
        } for h in sorted(stored, key=lambda h: h["id"])]), "up_receipt", download_name="保存回执",
            labels={"version": t("col_version"), "file_name": t("col_file"), "stations": t("col_stations"),
                    "monthly_new": t("preview_new_months"), "monthly_replaced": t("col_months_replaced"),
                    "disputes_new": t("preview_new_disputes"), "disputes_updated": t("col_disputes_updated"),
                    "sha256": t("col_sha")})


# A new uploader (new key) after each store, so the stored files are not offered again.
# No ``type=``: Streamlit then checks file names itself while reading the browser's widget states, before
# this script runs, and answers a forged name (evil.exe) with its own English error page. The names are
# checked here instead, and the reader judges every file by its content.
generation = st.session_state.get(GEN, 0)
files = st.file_uploader(t("choose_files"), accept_multiple_files=True, help=t("choose_files_help"),
                         key="up_files" if not generation else f"up_files_{generation}")
refused = svc.refused_names([f.name for f in files or []])
if refused:
    st.error(t("upload_bad_names", names=md_escape("、".join(f"“{n}”" for n in refused)),
               allowed=" ".join(f".{e}" for e in svc.UPLOAD_EXTENSIONS)))
if st.button(t("check_files"), type="primary", disabled=not files or bool(refused), key="up_check"):
    st.session_state.pop(RECEIPT, None)
    st.session_state.pop(ANNOTATED, None)
    batch = [(f.name, f.getvalue()) for f in files]
    with st.status(t("reading_files"), expanded=True) as status:
        bar = st.progress(0.0)
        plan = svc.prepare_upload(app, actor, batch,
                                  on_progress=lambda x, msg: bar.progress(min(x, 1.0), text=md_escape(msg)))
        status.update(label=t("reading_done"), state="complete", expanded=False)
    st.session_state[PLAN], st.session_state[DATA] = plan, dict(batch)


def _label(key: str, kind) -> str:
    try:
        return kind.column(key).header
    except (KeyError, AttributeError):
        return key


def _changes(items, kind, key_cols) -> pd.DataFrame:
    recs = []
    for ch in items:
        for field, (old, new) in ch.changes.items():
            recs.append({**dict(zip(key_cols, ch.key, strict=False)), "field": _label(field, kind),
                         "old": "" if old is None else str(old), "new": "" if new is None else str(new)})
    return pd.DataFrame(recs, columns=[*key_cols, "field", "old", "new"])


def _store() -> None:
    """``on_click`` of 确认保存, run before the page is drawn again: store the plan on screen once.

    Success spends the plan — the page then shows the receipt, a fresh file box and no preview, so the
    same plan cannot be confirmed twice; a refusal keeps the plan and its preview, with the reason."""
    plan = st.session_state.get(PLAN)
    if plan is None:
        return
    ack = bool(st.session_state.get("up_ack", False)) if plan.has_warnings else False
    try:
        done = svc.commit_upload(app, actor, plan, acknowledge_warnings=ack)
    except ServiceError as exc:
        st.session_state[STORE_ERROR] = str(exc)
        return
    except Exception:  # never a traceback for the user; the log has it
        LOG.exception("storing the upload failed")
        st.session_state[STORE_ERROR] = t("unexpected_error")
        return
    for name in (PLAN, DATA, ANNOTATED, STATION_TEMPLATE, "up_ack"):
        st.session_state.pop(name, None)
    st.session_state[RECEIPT] = done
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


receipt = st.session_state.get(RECEIPT)
if receipt is not None:
    _show_receipt(receipt)

plan = st.session_state.get(PLAN)
if plan is not None:
    data = st.session_state.get(DATA, {})
    for i, fp in enumerate(plan.files):
        st.subheader(t("col_file"))
        st.text(fp.source.name)
        if fp.duplicate_of is not None:
            st.info(t("duplicate_file"))
            st.text(svc.duplicate_message(fp, app.settings))
            continue
        show_problems(fp.problems, key=f"up_problems_{i}", download_name=f"问题清单_{i + 1}")
        # Built only on request, and only for a file the reader read: a file refused as a whole (a zip
        # bomb among them) has nothing to mark, and reruns of the page never rebuild it.
        if svc.annotatable(fp) and fp.source.name in data:
            made = st.session_state.get(ANNOTATED, {}).get(fp.source.sha256)
            if made is None and st.button(t("make_annotated"), key=f"up_make_annotated_{i}",
                                          icon=":material/edit_note:"):
                try:
                    with st.spinner(t("making_annotated")):
                        made = svc.annotated_workbook(app, fp, data[fp.source.name])
                    st.session_state.setdefault(ANNOTATED, {})[fp.source.sha256] = made
                except ServiceError as exc:
                    st.error(md_escape(exc))
                except Exception:  # the annotated copy is a convenience; the table above is the report
                    LOG.exception("annotated workbook for %s failed", fp.source.name)
                    st.error(t("annotated_failed"))
            if made is not None:
                st.download_button(t("download_annotated", name=md_escape(fp.source.name)), made,
                                   file_name=f"问题标注_{fp.source.name.rsplit('.', 1)[0]}.xlsx",
                                   key=f"up_annotated_{i}", icon=":material/download:")
    if plan.blocked:
        st.error(t("errors_block", n=len([p for p in plan.problems if p.severity == "error"])))
    else:
        st.subheader(t("preview_title"))
        labels = {"office_code": t("col_office"), "month": t("col_month"), "dispute_id": t("col_dispute"),
                  "field": t("col_field"), "old": t("col_old"), "new": t("col_new")}
        new_m = [k for fp in plan.files for k in fp.diff.new_months]
        rep_m = [c for fp in plan.files for c in fp.diff.replaced_months]
        new_d = [d for fp in plan.files for d in fp.diff.new_disputes]
        upd_d = [c for fp in plan.files for c in fp.diff.updated_disputes]
        unchanged = (sum(fp.diff.unchanged_months for fp in plan.files),
                     sum(fp.diff.unchanged_disputes for fp in plan.files))
        tabs = st.tabs([f"{t('preview_new_months')}（{len(new_m)}）", f"{t('preview_replaced_months')}（{len(rep_m)}）",
                        f"{t('preview_new_disputes')}（{len(new_d)}）",
                        f"{t('preview_updated_disputes')}（{len(upd_d)}）"])
        with tabs[0]:
            show_table(pd.DataFrame(new_m, columns=["office_code", "month"]), "up_new_months", labels=labels,
                       download_name="预览_新增警务室月报")
        with tabs[1]:
            show_table(_changes(rep_m, MONTHLY, ["office_code", "month"]), "up_rep_months", labels=labels,
                       download_name="预览_替换的警务室月报")
        with tabs[2]:
            show_table(pd.DataFrame({"dispute_id": new_d}), "up_new_disputes", labels=labels,
                       download_name="预览_新增纠纷")
        with tabs[3]:
            show_table(_changes(upd_d, LEDGER, ["dispute_id"]), "up_upd_disputes", labels=labels,
                       download_name="预览_更新的纠纷")
        st.text(t("preview_unchanged", m=unchanged[0], d=unchanged[1]))
        ack = True
        if plan.has_warnings:
            st.warning(t("warnings_found", n=len([p for p in plan.problems if p.severity == "warning"])))
            ack = st.checkbox(t("ack_warnings"), key="up_ack")
        if not plan.to_store:
            st.info(t("preview_nothing"))
        st.button(t("confirm_store"), type="primary", disabled=not (ack and plan.to_store), key="up_store",
                  on_click=_store)
        failed = st.session_state.pop(STORE_ERROR, None)
        if failed:
            st.error(md_escape(failed))

st.subheader(t("history_title"))
history = svc.upload_history(app, actor)
if not history:
    st.info(t("no_history"))
else:
    hist = pd.DataFrame([{
        "version": h["version"], "created_at": clock.local_text(h["created_at"], app.settings),
        "uploader_name": h["uploader_name"], "file_name": h["file_name"], "stations": h["stations"],
        "result": t("result_stored") if h["result"] == "stored" else t("result_rejected"),
        "sha256": h["sha256"], "size": h["size"],
    } for h in history])
    show_table(hist, "up_history", download_name="上传记录",
               labels={"version": t("col_version"), "created_at": t("col_when"), "uploader_name": t("col_who"),
                       "file_name": t("col_file"), "stations": t("col_stations"), "result": t("col_result"),
                       "sha256": t("col_sha"), "size": t("col_size")})
