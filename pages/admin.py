"""系统管理: users (create, role and scope, reset password, lock/unlock), the office registry, the
audit log (filterable) and the backup download. Every action goes through an admin-only service."""

import pandas as pd
import streamlit as st

from services import accounts, offices_admin, sessions, views
from services.actors import ROLE_LABELS
from services.errors import ServiceError
from store.tables import ROLES, SCOPE_KINDS
from ui import state
from ui.i18n import t
from ui.safe import md_escape
from ui.tables import show_table

app, actor = state.current_app(), state.current_actor()
st.title(t("admin_title"))
if notice := st.session_state.pop("adm_notice", None):
    st.success(notice)


def _run(action, done: str) -> None:
    try:
        action()
    except ServiceError as exc:
        st.error(md_escape(exc))
    else:
        st.session_state["adm_notice"] = done
        st.rerun()  # show the tables as they are now


tab_users, tab_offices, tab_audit, tab_backup = st.tabs([t("tab_users"), t("tab_offices"), t("tab_audit"),
                                                          t("tab_backup")])
with tab_users:
    with st.expander(t("new_user")):
        with st.form("adm_new_user", clear_on_submit=False):
            username = st.text_input(t("username"), key="adm_new_username")
            display = st.text_input(t("display_name"), key="adm_new_display")
            password = st.text_input(t("password"), type="password", key="adm_new_password")
            role = st.selectbox(t("role"), ROLES, format_func=ROLE_LABELS.get, key="adm_new_role")
            kind = st.selectbox(t("scope_kind"), SCOPE_KINDS, format_func=lambda k: t(f"scope_kind_{k}"),
                                key="adm_new_scope_kind")
            value = st.text_input(t("scope_value"), key="adm_new_scope_value")
            if st.form_submit_button(t("create_user"), type="primary"):
                _run(lambda: accounts.create_user(app, actor, username, password, role, kind,
                                                  value.strip() or None, display), t("user_created"))
    users = accounts.list_users(app, actor)
    table = pd.DataFrame([{
        "id": u["id"], "username": u["username"], "display_name": u["display_name"],
        "role": ROLE_LABELS.get(u["role"], u["role"]),
        "scope": u["scope_value"] or t("scope_bureau"), "disabled": bool(u["disabled"]),
        "failed_logins": u["failed_logins"],
        "locked_until": pd.Timestamp(u["locked_until"]).strftime("%Y-%m-%d %H:%M") if u["locked_until"] else None,
    } for u in users])
    show_table(table, "adm_users", download_name="用户列表",
               labels={"id": "ID", "username": t("col_username"), "display_name": t("display_name"),
                       "role": t("col_role"), "scope": t("col_scope"), "disabled": t("col_disabled"),
                       "failed_logins": t("col_failed"), "locked_until": t("col_locked_until")})
    by_id = {u["id"]: u for u in users}
    picked = st.selectbox(t("pick_user"), list(by_id), key="adm_pick_user",
                          format_func=lambda i: f"{by_id[i]['username']}（{ROLE_LABELS.get(by_id[i]['role'])}）")
    if picked is not None:
        c1, c2, c3 = st.columns(3)
        with c1, st.form("adm_role_form"):
            st.subheader(t("change_role"))
            new_role = st.selectbox(t("role"), ROLES, format_func=ROLE_LABELS.get, key="adm_role",
                                    index=ROLES.index(by_id[picked]["role"]))
            kind = st.selectbox(t("scope_kind"), SCOPE_KINDS, format_func=lambda k: t(f"scope_kind_{k}"),
                                key="adm_role_scope_kind")
            value = st.text_input(t("scope_value"), key="adm_role_scope_value")
            if st.form_submit_button(t("change_role")):
                _run(lambda: accounts.change_role(app, actor, picked, new_role, kind, value.strip() or None),
                     t("role_changed"))
        with c2, st.form("adm_reset_form"):
            st.subheader(t("reset_password"))
            pw = st.text_input(t("new_password"), type="password", key="adm_reset_pw")
            if st.form_submit_button(t("reset_password")):
                _run(lambda: accounts.reset_password(app, actor, picked, pw), t("password_reset_done"))
        with c3:
            st.subheader(t("lock_user") if not by_id[picked]["disabled"] else t("unlock_user"))
            if not by_id[picked]["disabled"]:
                if st.button(t("lock_user"), key="adm_lock"):
                    _run(lambda: accounts.set_locked(app, actor, picked, True), t("locked_done"))
            elif st.button(t("unlock_user"), key="adm_unlock"):
                _run(lambda: accounts.set_locked(app, actor, picked, False), t("unlocked_done"))

    if picked is not None:  # sessions: end every sign-in of the picked user (all browsers, all processes)
        st.subheader(t("revoke_sessions_title"))
        if st.button(t("revoke_sessions"), key="adm_revoke_sessions"):
            _run(lambda: sessions.revoke_user_sessions(app, actor, picked), t("sessions_revoked"))

with tab_offices:
    reg = views.office_registry(app, actor)
    if reg.empty:
        st.info(t("no_data_at_all"))
    else:
        show_table(reg[["code", "name", "station", "branch", "updated_upload_id"]], "adm_offices",
                   download_name="警务室登记",
                   labels={"code": t("col_office"), "name": t("col_office_name"), "station": t("col_station"),
                           "branch": t("col_branch"), "updated_upload_id": t("col_version")})
        with st.expander(t("move_office")):
            st.caption(t("move_office_intro"))
            regd = reg.set_index("code").to_dict("index")
            code = st.selectbox(t("move_office_pick"), list(regd), key="adm_move_office",
                                format_func=lambda c: f"{c} {regd[c]['name']}（{regd[c]['station']}）")
            if code is not None:
                # keyed by the office: the choices always start from the picked office's registry entry
                stations = sorted(set(reg["station"]))
                branches = sorted(set(reg["branch"]))
                to_station = st.selectbox(t("move_office_station"), stations, key=f"adm_move_station_{code}",
                                          index=stations.index(regd[code]["station"]), accept_new_options=True)
                to_branch = st.selectbox(t("move_office_branch"), branches, key=f"adm_move_branch_{code}",
                                         index=branches.index(regd[code]["branch"]), accept_new_options=True)
                if st.button(t("move_office_button"), key="adm_move_button"):
                    _run(lambda: offices_admin.move_office(app, actor, code, station=to_station or "",
                                                           branch=to_branch or ""), t("move_office_done"))

with tab_audit:
    f1, f2, f3 = st.columns(3)
    kinds = f1.multiselect(t("audit_kind_filter"), views.audit_kinds(), key="adm_audit_kinds")
    who = f2.text_input(t("audit_user_filter"), key="adm_audit_who")
    days = f3.date_input(t("audit_date_filter"), value=(), key="adm_audit_days")
    since = days[0] if len(days) > 0 else None
    until = days[1] if len(days) > 1 else since
    log = views.audit_log(app, actor, kinds=kinds, actor_contains=who, since=since, until=until)
    if log.empty:
        st.info(t("no_rows"))
    else:
        log["at"] = pd.to_datetime(log["at"], utc=True).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S")
        show_table(log, "adm_audit", download_name="审计日志",
                   labels={"id": "ID", "at": t("col_when"), "kind": t("col_kind"), "actor_name": t("col_actor"),
                           "upload_id": t("col_version"), "details": t("col_details")})

with tab_backup:
    st.info(t("backup_intro"))
    # served by web/routes.py only to a signed-in admin (session cookie), audited; never a /media/ address
    if app.db.is_sqlite:
        st.link_button(t("backup_download_link"), "/download/backup", icon=":material/download:")
        st.caption(t("backup_download_note"))
    else:
        st.info(t("backup_unavailable"))
