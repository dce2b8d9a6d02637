"""Who and where: the installation (opened once per process) and the signed-in user of this session.

* ``settings()`` — the :class:`services.settings.Settings` from the environment;
* ``current_app()`` — the :class:`services.context.App`, opened once per distinct settings
  (``st.cache_resource``); in demo mode the sample bureau is seeded on first open;
* ``current_actor()`` — the :class:`services.actors.Actor` that ``app.py`` validated from the session
  token on this run. Pages pass it to every service call; services re-read the user from the database,
  so a forged session value cannot widen what anyone sees.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from services.actors import Actor
from services.context import App, open_app
from services.settings import Settings, from_env

TOKEN_KEY = "auth_token"
HANDOFF_KEY = "_auth_handoff"
"""The sign-in's one-time handoff that ``/auth/complete`` turns into the session cookie."""
COOKIE_READ_KEY = "_auth_cookie_read"
"""Set once this Streamlit session has looked at the browser's session cookie."""
CLEAR_COOKIE_KEY = "_auth_clear_cookie"
"""Set when this session ended a sign-in, so the sign-in page has the browser drop its cookie."""
ACTOR_KEY = "_actor"
ENTRY_SCRIPT = "app.py"


def settings() -> Settings:
    """The settings read from the environment on this run."""
    return from_env()


@st.cache_resource(show_spinner="正在打开数据库……")
def _open(key: str, _settings: Settings) -> App:
    """Opened once per distinct settings: ``key`` is their ``repr`` (every field), so a new setting
    needs no change here; ``_settings`` itself is not hashed."""
    app = open_app(_settings)
    if _settings.demo:
        from services.demo import ensure_demo

        ensure_demo(app)
    return app


def current_app() -> App:
    """The open installation for the current settings (one per process and settings)."""
    s = settings()
    return _open(repr(s), s)


def current_actor() -> Actor:
    """The signed-in user of this run; when there is none, the run goes through ``app.py`` (its
    sign-in form) instead, or stops."""
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        _through_entry_script()
        st.stop()
    return actor


def _through_entry_script() -> None:
    """Rerun through ``app.py`` when Streamlit ran a page file without it.

    Until ``app.py`` first calls ``st.navigation`` in a server process, Streamlit treats the ``pages/``
    folder in its old way: the first run after a start whose address names a page (``/rubric``) runs
    that file alone — no sign-in gate, and with nobody signed in a blank screen. Switching to
    ``app.py`` shows the sign-in form instead. Run from ``app.py``'s navigation (the normal case),
    ``app.py`` is not one of its pages and nothing happens here."""
    try:
        st.switch_page(ENTRY_SCRIPT)
    except StreamlitAPIException:
        pass


def scope_key(actor: Actor) -> tuple[str, str, str]:
    """What a cache key must hold so that users of different scopes never share cached results."""
    return (actor.role, actor.scope_kind, actor.scope_value or "")
