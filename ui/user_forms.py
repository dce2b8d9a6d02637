"""系统管理's account forms: a new user, and the role and scope of the picked user.

* The scope kind follows from the role (``services.scopes.ROLE_SCOPE_KINDS``); the station or branch is
  picked from the office registry (a searchable select, labels "分局 / 派出所"), never typed.
* The role form's widgets are keyed by the picked user **and** their stored role and scope
  (:func:`role_key`): picking another user, or a change saved by anyone, shows that user's stored
  values, never the previous user's.
* Granting 管理员 or 考评员 (a new account or a change) needs a ticked confirmation that names the
  change ("将 demo_head 从 所长（兰街派出所）改为 管理员（全局）").
* Nothing is saved when nothing changed. The services check everything again.

No ``st.form``: the scope widgets must follow the chosen role at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import streamlit as st

from services import accounts, scopes
from services.actors import ROLE_LABELS, Actor
from services.context import App
from services.errors import ServiceError
from services.scopes import ROLES
from ui.i18n import t
from ui.safe import md_escape

GRANTS_NEEDING_CONFIRMATION = ("admin", "evaluator")
NEW_GENERATION = "adm_new_generation"
"""How many accounts this session created: part of the new-user widget keys, so that after a creation
the browser shows empty widgets (a browser keeps a mounted widget's value even when its key is dropped)."""


def new_user_key(field: str, generation: int = 0) -> str:
    """The key of the new-user widget ``field`` (username, display, password, role, kind,
    scope_<kind>, confirm, create) after ``generation`` accounts were created in this session."""
    return f"adm_new_{generation}_{field}"


def role_key(user: dict, field: str) -> str:
    """The widget key of ``field`` (role, kind, scope_<kind>, confirm, save) of ``user``'s role form:
    the user id and a checksum of their stored role and scope."""
    stored = f"{user['role']}|{user['scope_kind']}|{user['scope_value'] or ''}"
    return f"adm_role_{user['id']}_{zlib.crc32(stored.encode()):08x}_{field}"


def forget_role_widgets() -> None:
    """Drop every role-form widget value (on picking another user)."""
    for k in [k for k in st.session_state if str(k).startswith("adm_role_")]:
        del st.session_state[k]


def _station_label(opts: scopes.ScopeOptions) -> Callable[[str], str]:
    branches: dict[str, list[str]] = {}
    for branch, station in opts.stations:
        branches.setdefault(station, []).append(branch)
    return lambda s: f"{'、'.join(branches.get(s, ['?']))} / {s}"


def _scope_widgets(role: str, current_kind: str | None, current_value: str | None,
                   opts: scopes.ScopeOptions, key: Callable[[str], str]) -> tuple[str, str | None, bool]:
    """Scope kind (only where the role allows a choice) and value for ``role``; returns
    (kind, value, ready) — ready is False when a needed station or branch cannot be picked."""
    kinds = scopes.ROLE_SCOPE_KINDS[role]
    if len(kinds) > 1:
        kind = st.selectbox(t("scope_kind"), kinds, format_func=lambda k: t(f"scope_kind_{k}"), key=key("kind"),
                            index=kinds.index(current_kind) if current_kind in kinds else 0)
    else:
        kind = kinds[0]
        st.caption(t("scope_kind_fixed", kind=t(f"scope_kind_{kind}")))
    if kind == "bureau":
        return kind, None, True
    if opts.empty:
        st.warning(t("no_registry"))
        return kind, None, False
    if kind == "station":
        values = list(dict.fromkeys(s for _, s in opts.stations))
        label, fmt = t("scope_station"), _station_label(opts)
    else:
        values, label, fmt = list(opts.branches), t("scope_branch"), str
    index = values.index(current_value) if current_kind == kind and current_value in values else None
    if current_kind == kind and current_value and index is None:
        st.warning(md_escape(t("scope_not_in_registry", value=current_value)))
    value = st.selectbox(label, values, index=index, format_func=fmt, key=key(f"scope_{kind}"),
                         placeholder=t("scope_pick"))
    return kind, value, value is not None


def _confirmed(needed: bool, text: str, key: str) -> bool:
    if not needed:
        return True
    return st.checkbox(text, key=key)


def role_form(app: App, actor: Actor, user: dict, opts: scopes.ScopeOptions,
              run: Callable[[Callable[[], object], str], None]) -> None:
    """The role and scope of ``user`` (a row of ``accounts.list_users``); ``run(action, done)`` performs
    the change and reports it (the page's ``_run``)."""
    def key(field: str) -> str:
        return role_key(user, field)

    old = (user["role"], user["scope_kind"], user["scope_value"] if user["scope_kind"] != "bureau" else None)
    st.caption(md_escape(t("role_current", now=scopes.describe(*old))))
    role = st.selectbox(t("role"), ROLES, format_func=ROLE_LABELS.get, key=key("role"),
                        index=ROLES.index(user["role"]) if user["role"] in ROLES else 0)
    kind, value, ready = _scope_widgets(role, user["scope_kind"], user["scope_value"], opts, key)
    new = (role, kind, value)
    changed = ready and new != old
    if changed:
        change = md_escape(t("role_change_sentence", user=user["username"], old=scopes.describe(*old),
                             new=scopes.describe(*new)))
        granting = role in GRANTS_NEEDING_CONFIRMATION and role != user["role"]
        ok = _confirmed(granting, t("role_confirm", change=change), key("confirm"))
        if not granting:
            st.caption(change)
    else:
        ok = False
        if ready:
            st.caption(t("role_unchanged"))
    if st.button(t("change_role"), key=key("save"), disabled=not (changed and ok), type="primary"):
        run(lambda: accounts.change_role(app, actor, user["id"], role, kind, value), t("role_changed"))


def new_user_form(app: App, actor: Actor, opts: scopes.ScopeOptions) -> None:
    """A new account: name, password, role and a scope from the registry."""
    generation = st.session_state.setdefault(NEW_GENERATION, 0)

    def key(field: str) -> str:
        return new_user_key(field, generation)

    username = st.text_input(t("username"), key=key("username"))
    display = st.text_input(t("display_name"), key=key("display"))
    password = st.text_input(t("password"), type="password", key=key("password"))
    role = st.selectbox(t("role"), ROLES, format_func=ROLE_LABELS.get, key=key("role"))
    kind, value, ready = _scope_widgets(role, None, None, opts, key)
    granting = role in GRANTS_NEEDING_CONFIRMATION
    ok = _confirmed(granting, md_escape(t("new_user_confirm", user=username.strip() or "？",
                                          new=scopes.describe(role, kind, value))), key("confirm"))
    if st.button(t("create_user"), key=key("create"), type="primary", disabled=not (ready and ok)):
        try:
            accounts.create_user(app, actor, username, password, role, kind, value, display)
        except ServiceError as exc:
            st.error(md_escape(exc))
            return
        for k in [k for k in st.session_state if str(k).startswith(f"adm_new_{generation}_")]:
            del st.session_state[k]
        st.session_state[NEW_GENERATION] = generation + 1
        st.session_state["adm_notice"] = t("user_created")
        st.rerun()
