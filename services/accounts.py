"""Local accounts: the first admin, users and roles, sign-in with back-off and lockout, sessions.

* Passwords are hashed with argon2id (argon2-cffi); neither they nor session tokens are ever stored
  or logged in clear (tokens are stored as SHA-256).
* Failed sign-ins are counted per user **in the database**: from the 3rd failure in a row each
  attempt must wait longer (2, 4, 8 … s), and the 5th locks the account for 15 minutes. A new tab or
  a new process does not reset anything. Every failure is audited.
* Sessions (``services/sessions.py``) live in the database and in the browser's cookie; they end on
  sign-out, after the inactivity timeout or the absolute lifetime (settings), on a password change or
  reset (every session of that user, the current one included), on locking and when an admin ends
  them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from services import sessions as session_store
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import PermissionDenied, ServiceError
from store import audit
from store.tables import ROLES, SCOPE_KINDS, sessions, users

HASHER = PasswordHasher()
MIN_PASSWORD = 10
BACKOFF_AFTER = 3
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
_DUMMY_HASH = HASHER.hash("timing-equaliser-not-a-password")


@dataclass(frozen=True)
class SignedIn:
    token: str
    """Give it back to :func:`validate_session`; only its SHA-256 is stored."""
    actor: Actor
    handoff: str | None = None
    """One-time value that ``/auth/complete`` turns into the session cookie (``services/sessions.py``);
    None when the sign-in had no browser to bind it to."""


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"密码至少 {MIN_PASSWORD} 个字符。")
    if username and username.lower() in password.lower():
        raise ServiceError("密码不能包含用户名。")
    if len(set(password)) < 4:
        raise ServiceError("密码过于简单，请混合使用字母、数字和符号。")


def _check_role_scope(role: str, scope_kind: str, scope_value: str | None) -> None:
    if role not in ROLES:
        raise ServiceError(f"未知角色“{role}”。")
    if scope_kind not in SCOPE_KINDS:
        raise ServiceError(f"未知范围“{scope_kind}”。")
    if role == "station_head" and (scope_kind != "station" or not scope_value):
        raise ServiceError("所长的范围必须是一个派出所。")
    if role == "leadership" and scope_kind == "station":
        raise ServiceError("局领导的范围应为全局或一个分局。")
    if scope_kind in ("branch", "station") and not scope_value:
        raise ServiceError("请填写范围（分局或派出所名称）。")


def _insert_user(conn: Connection, username: str, password: str, role: str, scope_kind: str,
                 scope_value: str | None, display_name: str = "") -> int:
    username = username.strip()
    if not username or len(username) > 64:
        raise ServiceError("用户名不能为空，且不超过 64 个字符。")
    check_password_strength(password, username)
    _check_role_scope(role, scope_kind, scope_value)
    if conn.execute(select(users.c.id).where(func.lower(users.c.username) == username.lower())).first():
        raise ServiceError(f"用户名“{username}”已存在。")
    now = audit.now()
    return conn.execute(insert(users).returning(users.c.id), {
        "username": username, "display_name": display_name or username,
        "password_hash": HASHER.hash(password), "role": role, "scope_kind": scope_kind,
        "scope_value": scope_value if scope_kind != "bureau" else None, "disabled": False,
        "failed_logins": 0, "password_changed_at": now, "created_at": now,
    }).scalar_one()


def has_users(app: App) -> bool:
    with app.db.read() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0


def create_first_admin(app: App, username: str, password: str) -> Actor:
    """The first account of an empty installation (an admin). Refused once any user exists."""
    with app.db.write() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar_one():
            raise PermissionDenied("系统已有用户，不能再创建初始管理员；请由管理员创建账号。")
        uid = _insert_user(conn, username, password, "admin", "bureau", None)
        audit.append(conn, "UserCreated", actor_id=uid, actor_name=username.strip(), user=username.strip(),
                     role="admin", first_admin=True)
        return reload(conn, uid)


def create_user(app: App, actor: Actor | int, username: str, password: str, role: str,
                scope_kind: str = "bureau", scope_value: str | None = None, display_name: str = "") -> Actor:
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        uid = _insert_user(conn, username, password, role, scope_kind, scope_value, display_name)
        audit.append(conn, "UserCreated", actor_id=who.id, actor_name=who.username, user=username.strip(),
                     role=role, scope_kind=scope_kind, scope_value=scope_value)
        return reload(conn, uid)


def _target(conn: Connection, user_id: int) -> dict:
    r = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    if r is None:
        raise ServiceError("用户不存在。")
    return dict(r)


def _revoke(conn: Connection, user_id: int) -> int:
    return session_store.revoke_all(conn, user_id)


def change_role(app: App, actor: Actor | int, user_id: int, role: str, scope_kind: str = "bureau",
                scope_value: str | None = None) -> Actor:
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        old = _target(conn, user_id)
        _check_role_scope(role, scope_kind, scope_value)
        if old["role"] == "admin" and role != "admin" and _admins(conn) <= 1:
            raise ServiceError("不能撤销最后一个管理员的管理员角色。")
        conn.execute(update(users).where(users.c.id == user_id).values(
            role=role, scope_kind=scope_kind, scope_value=scope_value if scope_kind != "bureau" else None))
        _revoke(conn, user_id)
        audit.append(conn, "RoleChanged", actor_id=who.id, actor_name=who.username, user=old["username"],
                     old=[old["role"], old["scope_kind"], old["scope_value"]], new=[role, scope_kind, scope_value])
        return reload(conn, user_id)


def _admins(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users).where(
        users.c.role == "admin", users.c.disabled.is_(False))).scalar_one()


def reset_password(app: App, actor: Actor | int, user_id: int, new_password: str) -> None:
    """An admin sets a new password: the user's sessions end and the failure counter is cleared."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        target = _target(conn, user_id)
        check_password_strength(new_password, target["username"])
        conn.execute(update(users).where(users.c.id == user_id).values(
            password_hash=HASHER.hash(new_password), password_changed_at=audit.now(),
            failed_logins=0, locked_until=None))
        _revoke(conn, user_id)
        audit.append(conn, "PasswordReset", actor_id=who.id, actor_name=who.username, user=target["username"])


def set_locked(app: App, actor: Actor | int, user_id: int, locked: bool) -> None:
    """Disable (lock) or re-enable an account; locking ends its sessions, unlocking clears lockouts."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        target = _target(conn, user_id)
        if locked and target["id"] == who.id:
            raise ServiceError("不能停用自己的账号。")
        values = {"disabled": locked} if locked else {"disabled": False, "failed_logins": 0, "locked_until": None}
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
        if locked:
            _revoke(conn, user_id)
        audit.append(conn, "AccountLocked" if locked else "AccountUnlocked", actor_id=who.id,
                     actor_name=who.username, user=target["username"], by_admin=True)


def list_users(app: App, actor: Actor | int) -> list[dict]:
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
        cols = [c for c in users.c if c.name != "password_hash"]
        return [dict(r) for r in conn.execute(select(*cols).order_by(users.c.id)).mappings()]


def authenticate(app: App, username: str, password: str, now: datetime | None = None,
                 binding: str | None = None) -> SignedIn:
    """Sign in: a new session, or a Chinese refusal (wrong credentials, wait, or locked).

    ``binding`` identifies the browser (its Streamlit XSRF token); with it the sign-in also gets a
    one-time handoff for the session cookie (``services/sessions.py``)."""
    now = now or audit.now()
    refusal: str | None = None
    with app.db.write() as conn:
        r = conn.execute(select(users).where(func.lower(users.c.username) == username.strip().lower())
                         ).mappings().first()
        if r is None:
            try:
                HASHER.verify(_DUMMY_HASH, password)  # same work as for a real account
            except VerificationError:
                pass
            audit.append(conn, "LoginFailed", actor_id=None, actor_name=username.strip()[:64], reason="unknown_user")
            refusal = "用户名或密码错误。"
        elif r["disabled"]:
            audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"], reason="disabled")
            refusal = "账号已停用，请联系管理员。"
        elif _aware(r["locked_until"]) and _aware(r["locked_until"]) > now:
            audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"], reason="locked")
            minutes = int((_aware(r["locked_until"]) - now).total_seconds() // 60) + 1
            refusal = f"登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试。"
        elif (wait := _backoff(r["failed_logins"], _aware(r["last_failed_at"]), now)) > 0:
            audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"], reason="backoff")
            refusal = f"登录失败次数较多，请 {wait} 秒后再试。"
        else:
            try:
                ok = HASHER.verify(r["password_hash"], password)
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                failures = r["failed_logins"] + 1
                values = {"failed_logins": failures, "last_failed_at": now}
                audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"],
                             reason="bad_password", failures=failures)
                refusal = "用户名或密码错误。"
                if failures >= LOCK_AFTER:
                    values["locked_until"] = now + LOCK_FOR
                    audit.append(conn, "AccountLocked", actor_id=r["id"], actor_name=r["username"],
                                 until=str(now + LOCK_FOR), failures=failures)
                    refusal = f"登录失败次数过多，账号已临时锁定 {int(LOCK_FOR.total_seconds() // 60)} 分钟。"
                conn.execute(update(users).where(users.c.id == r["id"]).values(**values))
            else:
                values = {"failed_logins": 0, "locked_until": None, "last_failed_at": None}
                if HASHER.check_needs_rehash(r["password_hash"]):
                    values["password_hash"] = HASHER.hash(password)
                conn.execute(update(users).where(users.c.id == r["id"]).values(**values))
                token, handoff = session_store.start(conn, app, r["id"], now, binding)
                audit.append(conn, "LoginSucceeded", actor_id=r["id"], actor_name=r["username"])
                return SignedIn(token=token, actor=reload(conn, r["id"]), handoff=handoff)
    raise ServiceError(refusal)


def _backoff(failures: int, last: datetime | None, now: datetime) -> int:
    """Seconds still to wait before the next attempt (0 when free to try)."""
    if failures < BACKOFF_AFTER or last is None:
        return 0
    delay = 2 ** (failures - BACKOFF_AFTER + 1)
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(left + 0.999))


def validate_session(app: App, token: str, now: datetime | None = None) -> Actor:
    """The signed-in user for ``token`` (see :func:`services.sessions.validate`)."""
    return session_store.validate(app, token, now)


def sign_out(app: App, token: str) -> None:
    """End this session (every tab holding its cookie, on every process)."""
    with app.db.write() as conn:
        s = conn.execute(select(sessions).where(sessions.c.token_hash == session_store.token_hash(token))
                         ).mappings().first()
        if s is None or s["revoked_at"] is not None:
            return
        conn.execute(update(sessions).where(sessions.c.id == s["id"]).values(revoked_at=audit.now()))
        u = _target(conn, s["user_id"])
        audit.append(conn, "LoggedOut", actor_id=u["id"], actor_name=u["username"])


def change_password(app: App, token: str, old_password: str, new_password: str) -> None:
    """The signed-in user changes their password; every session of theirs ends, this one included
    (they sign in again with the new password)."""
    who = validate_session(app, token)
    with app.db.write() as conn:
        u = _target(conn, who.id)
        try:
            HASHER.verify(u["password_hash"], old_password)
        except (VerificationError, InvalidHashError):
            raise ServiceError("原密码不正确。") from None
        check_password_strength(new_password, u["username"])
        conn.execute(update(users).where(users.c.id == who.id).values(
            password_hash=HASHER.hash(new_password), password_changed_at=audit.now()))
        _revoke(conn, who.id)
        audit.append(conn, "PasswordChanged", actor_id=who.id, actor_name=who.username)
