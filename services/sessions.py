"""Sign-in sessions that live in the database, so that every tab and every app process shares them.

A session is a row of ``sessions`` holding the SHA-256 of a random token. The browser keeps the token
in an HttpOnly, SameSite=Strict cookie (``web/cookies.py``); every page run validates it here:

* it ends after ``settings.session_idle`` without a page run (default 30 minutes) and in any case
  ``settings.session_max_age`` after the sign-in (default 12 hours);
* sign-out, a password change or reset, locking, a role change and an admin's "end sessions" revoke
  it in the database, so a copy of the cookie stops working on every process at once.

**Handoff.** The sign-in form runs inside Streamlit's WebSocket, which cannot set a cookie. So a
sign-in also creates a *handoff*: a one-time random value, valid for :data:`HANDOFF_TTL`, bound to
the browser it came from (the SHA-256 of that browser's Streamlit XSRF token). The page then loads
``/auth/complete?h=…`` (``web/routes.py``); :func:`complete_handoff` marks the handoff used and gives
back the session token, which the route puts into the cookie. The token itself is never in a URL: it
is ``HMAC(secret key, handoff)``, so only this installation can turn a handoff into a token, and only
once, within seconds, for the browser that signed in. Only hashes are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import NotSignedIn, ServiceError
from store import audit
from store.tables import session_handoffs, sessions, users

HANDOFF_TTL = timedelta(seconds=60)
"""How long a handoff can be turned into the cookie; the page does so within a second."""


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _token_for(app: App, handoff: str) -> str:
    return hmac.new(app.secret_key, b"session-handoff:" + handoff.encode(), hashlib.sha256).hexdigest()


def start(conn: Connection, app: App, user_id: int, now: datetime, binding: str | None) -> tuple[str, str | None]:
    """A new session for ``user_id`` in the caller's transaction: (token, handoff or None).

    Without a ``binding`` (no browser cookie to bind to, e.g. in tests) the session has no handoff and
    lives only in the Streamlit session that signed in."""
    handoff = secrets.token_urlsafe(32) if binding else None
    token = _token_for(app, handoff) if handoff else secrets.token_urlsafe(32)
    sid = conn.execute(insert(sessions).returning(sessions.c.id), {
        "token_hash": token_hash(token), "user_id": user_id, "created_at": now, "last_seen_at": now,
        "revoked_at": None}).scalar_one()
    if handoff:
        conn.execute(insert(session_handoffs), {
            "handoff_hash": token_hash(handoff), "session_id": sid, "binding_hash": token_hash(binding),
            "expires_at": now + HANDOFF_TTL, "used_at": None})
    return token, handoff


def complete_handoff(app: App, handoff: str, binding: str | None, now: datetime | None = None) -> str:
    """The session token for a fresh, unused ``handoff`` from the browser it was made for (then the
    handoff is used up). Refuses anything else with :class:`NotSignedIn`."""
    now = now or audit.now()
    refusal = "登录已失效，请重新登录。"
    with app.db.write() as conn:
        h = conn.execute(select(session_handoffs).where(
            session_handoffs.c.handoff_hash == token_hash(handoff))).mappings().first()
        if h is None or h["used_at"] is not None or _aware(h["expires_at"]) < now:
            raise NotSignedIn("登录交接已失效，请重新登录。")
        # used up whatever happens next: a handoff offered by the wrong browser is burnt, not retried
        conn.execute(update(session_handoffs).where(session_handoffs.c.id == h["id"]).values(used_at=now))
        token = _token_for(app, handoff)
        s = conn.execute(select(sessions).where(sessions.c.id == h["session_id"])).mappings().first()
        if not binding or not hmac.compare_digest(h["binding_hash"], token_hash(binding)):
            refusal, token = "登录交接与本浏览器不符，请重新登录。", None
        elif s is None or s["revoked_at"] is not None or s["token_hash"] != token_hash(token):
            token = None
    if token is None:
        raise NotSignedIn(refusal)
    return token


def validate(app: App, token: str, now: datetime | None = None) -> Actor:
    """The signed-in user for ``token``; refuses unknown, revoked, idle, too old or disabled sessions
    (an expired session is revoked on the way, so it never comes back)."""
    now = now or audit.now()
    expired = None
    with app.db.write() as conn:
        s = conn.execute(select(sessions).where(sessions.c.token_hash == token_hash(token))).mappings().first()
        if s is None or s["revoked_at"] is not None:
            raise NotSignedIn("登录已失效，请重新登录。")
        if now - _aware(s["created_at"]) > app.settings.session_max_age:
            expired = f"登录已超过 {app.settings.session_max_hours:g} 小时，请重新登录。"
        elif now - _aware(s["last_seen_at"]) > app.settings.session_idle:
            expired = "长时间未操作，登录已过期，请重新登录。"
        if expired is None:
            user = conn.execute(select(users.c.disabled).where(users.c.id == s["user_id"])).first()
            if user is None or user.disabled:
                expired = "账号已停用，请联系管理员。"
        if expired is None:
            conn.execute(update(sessions).where(sessions.c.id == s["id"]).values(last_seen_at=now))
            return reload(conn, s["user_id"])
        conn.execute(update(sessions).where(sessions.c.id == s["id"]).values(revoked_at=now))
    raise NotSignedIn(expired)


def is_live(app: App, token: str, now: datetime | None = None) -> bool:
    """Whether ``token`` is a session that :func:`validate` would accept (read only: it neither
    extends nor ends the session)."""
    now = now or audit.now()
    with app.db.read() as conn:
        s = conn.execute(select(sessions).where(sessions.c.token_hash == token_hash(token))).mappings().first()
    return (s is not None and s["revoked_at"] is None
            and now - _aware(s["created_at"]) <= app.settings.session_max_age
            and now - _aware(s["last_seen_at"]) <= app.settings.session_idle)


def revoke_all(conn: Connection, user_id: int, now: datetime | None = None) -> int:
    """End every live session of ``user_id`` in the caller's transaction; how many there were."""
    return conn.execute(update(sessions).where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
                        .values(revoked_at=now or audit.now())).rowcount


def revoke_user_sessions(app: App, actor: Actor | int, user_id: int) -> int:
    """An admin ends every session of a user (all browsers, all processes); audited. The user can
    sign in again at once. Returns how many sessions were ended."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        target = conn.execute(select(users.c.username).where(users.c.id == user_id)).first()
        if target is None:
            raise ServiceError("用户不存在。")
        n = revoke_all(conn, user_id)
        audit.append(conn, "SessionsRevoked", actor_id=who.id, actor_name=who.username, user=target.username,
                     sessions=n)
        return n
