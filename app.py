"""Router and sign-in gate: page config, first-run setup, sign-in, and the pages of the user's role.

Run with ``streamlit run app.py``. ``DASHBOARD_DEMO=1`` starts demo mode (the sample bureau and one
account per role, see ``services/demo.py``); every screen then says "演示模式".

Only the pages of the signed-in user's role are given to ``st.navigation`` with their files: another
role's page cannot be reached by URL. Its address is registered too, hidden, for a page that only says
"无权访问此页面" (instead of Streamlit's English "Page not found"); signed out, every page address shows
the sign-in form, and after signing in the user lands on the page they asked for, if their role has it.
Services still check role and scope on every call.

Signing in survives a reload, a second tab and a bookmark: the browser holds the session token in an
HttpOnly cookie (``web/cookies.py``, set by ``/auth/complete`` of ``web/routes.py`` when ``serve.py``
serves the app). Each new Streamlit session reads it once from ``st.context.cookies``; every run
validates the token against the database, so a sign-out anywhere ends the session everywhere.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from services import accounts
from services.errors import ServiceError
from ui import state
from ui.i18n import LANGUAGES, t
from ui.nav import PAGES, pages_for
from ui.safe import md_escape
from web.cookies import SESSION_COOKIE, browser_binding

LOG = logging.getLogger("dashboard.app")
HERE = Path(__file__).resolve().parent
PAGE_ICON = HERE / "ui" / "assets" / "page_icon.png"


def _browser_cookies() -> dict[str, str]:
    """The cookies of the WebSocket handshake (``st.context.cookies``) as plain strings; empty where
    there is no browser (AppTest)."""
    try:
        found = dict(st.context.cookies)
    except Exception:  # no browser connection behind this session
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def _language_picker() -> None:
    st.session_state.setdefault("lang", state.settings().language)
    st.sidebar.selectbox(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")


def _setup_page() -> None:
    app = state.current_app()
    st.title(t("setup_title"))
    st.info(t("setup_intro"))
    with st.form("setup_form"):
        username = st.text_input(t("username"), key="setup_user")
        pw1 = st.text_input(t("password"), type="password", key="setup_pw1")
        pw2 = st.text_input(t("password_again"), type="password", key="setup_pw2")
        submitted = st.form_submit_button(t("create_admin"), type="primary")
    if submitted:
        if pw1 != pw2:
            st.error(t("password_mismatch"))
            return
        try:
            accounts.create_first_admin(app, username, pw1)
        except ServiceError as exc:
            st.error(md_escape(exc))
            return
        st.session_state["_signin_msg"] = t("setup_done")
        st.rerun()


def _signin_page() -> None:
    app = state.current_app()
    st.title(t("app_title"))
    st.subheader(t("signin_title"))
    note = st.session_state.pop("_signin_msg", None)
    if note:
        st.info(md_escape(note))
    with st.form("signin_form"):
        username = st.text_input(t("username"), key="signin_user")
        password = st.text_input(t("password"), type="password", key="signin_pw")
        submitted = st.form_submit_button(t("signin"), type="primary")
    if submitted:
        try:
            signed = accounts.authenticate(app, username, password,
                                           binding=browser_binding(_browser_cookies()))
        except ServiceError as exc:
            st.error(md_escape(exc))
            return
        st.session_state[state.TOKEN_KEY] = signed.token
        st.session_state[state.HANDOFF_KEY] = signed.handoff
        st.rerun()
    if st.session_state.get(state.CLEAR_COOKIE_KEY) or SESSION_COOKIE in _browser_cookies():
        # the browser may still hold the cookie of an ended session: /auth/clear removes it (and
        # leaves a live one alone); an image, so that it needs no script and stays out of the history
        st.markdown("![](/auth/clear)")


def _no_access_page() -> None:
    """Shown at the address of a page the signed-in user's role does not have: says so, in Chinese,
    and shows nothing of that page."""
    actor = state.current_actor()
    st.title(t("no_access_title"))
    st.error(t("no_access_body", role=actor.role_label), icon=":material/block:")


def _hidden_addresses(show, title: str) -> list:
    """Every screen address as a hidden page running ``show`` (the sign-in or setup form)."""
    return [st.Page(show, title=title, url_path=key, visibility="hidden") for key, *_ in PAGES]


def _forget_session() -> None:
    for key in (state.TOKEN_KEY, state.ACTOR_KEY, state.HANDOFF_KEY):
        st.session_state.pop(key, None)
    st.session_state[state.CLEAR_COOKIE_KEY] = True


def _sign_out() -> None:
    token = st.session_state.get(state.TOKEN_KEY)
    _forget_session()
    if token:
        accounts.sign_out(state.current_app(), token)


def _sidebar(actor) -> None:
    scope = actor.scope_value or t("scope_bureau")
    st.sidebar.caption(t("signed_in_as", user=actor.username, role=actor.role_label))
    st.sidebar.caption(t("scope_label", scope=scope))
    st.sidebar.button(t("signout"), key="signout", on_click=_sign_out)
    with st.sidebar.expander(t("change_password")):
        with st.form("change_pw_form"):
            old = st.text_input(t("old_password"), type="password", key="chpw_old")
            new = st.text_input(t("new_password"), type="password", key="chpw_new")
            if st.form_submit_button(t("change_password")):
                try:
                    accounts.change_password(state.current_app(), st.session_state[state.TOKEN_KEY], old, new)
                except ServiceError as exc:
                    st.error(md_escape(exc))
                else:  # every session of the user has ended, this one too: sign in with the new password
                    _forget_session()
                    st.session_state["_signin_msg"] = t("password_changed")
                    st.rerun()
    if handoff := st.session_state.get(state.HANDOFF_KEY):
        # puts this sign-in's token into the browser's cookie (see web/routes.py): an image request,
        # so the one-time handoff never enters the address bar or the history
        st.sidebar.markdown(f"![](/auth/complete?h={handoff})")


def _signed_in_actor(app):
    token = st.session_state.get(state.TOKEN_KEY)
    if not token and not st.session_state.get(state.COOKIE_READ_KEY):
        # a new Streamlit session (reload, second tab, bookmark): the browser's cookie, read once
        st.session_state[state.COOKIE_READ_KEY] = True
        token = _browser_cookies().get(SESSION_COOKIE)
        if token:
            st.session_state[state.TOKEN_KEY] = token
    if not token:
        st.session_state.pop(state.ACTOR_KEY, None)
        return None
    try:
        actor = accounts.validate_session(app, token)
    except ServiceError as exc:
        _forget_session()
        st.session_state["_signin_msg"] = str(exc)
        return None
    st.session_state[state.ACTOR_KEY] = actor
    return actor


def main() -> None:
    # a file of our own: a ":material/…:" or emoji page icon makes the browser fetch it from the internet
    st.set_page_config(page_title="社区警务星级评估看板", page_icon=str(PAGE_ICON), layout="wide")
    _language_picker()
    app = state.current_app()
    if app.settings.demo:
        st.warning(t("demo_banner"), icon=":material/science:")
    if not accounts.has_users(app):
        st.navigation([st.Page(_setup_page, title=t("setup_title"), url_path="setup"),
                       *_hidden_addresses(_setup_page, t("setup_title"))], position="hidden").run()
        return
    actor = _signed_in_actor(app)
    if actor is None:
        st.navigation([st.Page(_signin_page, title=t("signin_title"), url_path="signin"),
                       *_hidden_addresses(_signin_page, t("signin_title"))], position="hidden").run()
        return
    _sidebar(actor)
    allowed = set(pages_for(actor.role))
    pages = [st.Page(HERE / path, title=t(f"page_{key}"), icon=icon, url_path=key, default=(key == "overview"))
             if key in allowed else
             st.Page(_no_access_page, title=t("no_access_title"), url_path=key, visibility="hidden")
             for key, path, icon, _roles in PAGES if (HERE / path).exists()]
    page = st.navigation(pages)
    try:
        page.run()
    except ServiceError as exc:
        st.error(md_escape(exc))
    except Exception:  # never show a traceback to a user; the log has it
        LOG.exception("page %s failed", page.title)
        st.error(t("unexpected_error"))


main()
