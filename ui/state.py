"""Who and where: the installation (opened once per process) and the signed-in user of this session.

* ``settings()`` — the :class:`services.settings.Settings` from the environment;
* ``current_app()`` — the :class:`services.context.App`, opened once per distinct settings
  (``st.cache_resource``); in demo mode the sample bureau is seeded on first open;
* ``current_actor()`` — the :class:`services.actors.Actor` that ``app.py`` validated from the session
  token on this run. Pages pass it to every service call; services re-read the user from the database,
  so a forged session value cannot widen what anyone sees.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from services.actors import Actor
from services.context import App, open_app
from services.settings import DEFAULT_TIMEZONE, Settings, from_env

TOKEN_KEY = "auth_token"
ACTOR_KEY = "_actor"
ENTRY_SCRIPT = "app.py"


def settings() -> Settings:
    """The settings read from the environment on this run."""
    return from_env()


@st.cache_resource(show_spinner="正在打开数据库……")
def _open(data_dir: str, database_url: str, upload_limit_mb: float, language: str,
          secret_key_file: str, demo: bool, timezone: str = DEFAULT_TIMEZONE) -> App:
    s = Settings(data_dir=Path(data_dir), database_url=database_url,
                 upload_limit_mb=upload_limit_mb, language=language,
                 secret_key_file=Path(secret_key_file), demo=demo, timezone=timezone)
    app = open_app(s)
    if demo:
        from services.demo import ensure_demo

        ensure_demo(app)
    return app


def current_app() -> App:
    """The open installation for the current settings (one per process and settings)."""
    s = settings()
    return _open(str(s.data_dir), s.database_url, s.upload_limit_mb, s.language,
                 str(s.secret_key_file or s.data_dir / "secret.key"), s.demo, s.timezone)


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
