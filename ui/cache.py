"""Cached screen reads. ``st.cache_data`` is shared by every user of the process, so each key holds the
database, the data version, the rubric digest where scores are involved, and the user's scope (role,
scope kind, scope value) — never a DataFrame. Services still re-check the user inside every call.

Call the public functions (``months``, ``overview``, ``trend``) with the app and the actor; they build
the key themselves.
"""

from __future__ import annotations

import streamlit as st

from metrics.periods import Period
from services import views
from services.actors import Actor
from services.context import App


def key_of(app: App, actor: Actor) -> tuple[str, int, tuple[str, str, str]]:
    """(database, data version, scope): the part of every cache key that says whose data it is."""
    return (app.settings.database_url, views.data_version(app),
            (actor.role, actor.scope_kind, actor.scope_value or ""))


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _months(key: tuple, _app: App, _actor: Actor) -> list[str]:
    return views.available_months(_app, _actor)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _overview(key: tuple, rubric_digest: str, period_label: str, _app: App, _actor: Actor,
              _period: Period) -> views.Overview:
    return views.overview(_app, _actor, _period)


@st.cache_data(show_spinner=False, max_entries=128, ttl=3600)
def _trend(key: tuple, indicator: str, last_month: str, _app: App, _actor: Actor):
    return views.trend(_app, _actor, indicator, last_month)


def months(app: App, actor: Actor) -> list[str]:
    """Reported months in the user's scope (``services.views.available_months``)."""
    return _months(key_of(app, actor), app, actor)


def overview(app: App, actor: Actor, period: Period) -> views.Overview:
    """The 总览 data for ``period`` (``services.views.overview``) under the rubric in force."""
    rubric = views.current_rubric(app, period)
    return _overview(key_of(app, actor), f"{rubric.version}:{rubric.digest()}", period.label, app, actor, period)


def trend(app: App, actor: Actor, indicator: str, last_month: str):
    """24-month trend of one indicator for the user's scope total (``services.views.trend``)."""
    return _trend(key_of(app, actor), indicator, last_month, app, actor)
